"""The OAuth2 authorisation server, narrowed to what hospital systems need (issue 10, items 1, 10).

- Only the token, revocation and introspection endpoints are mounted (config/urls.py): no
  application-management, dynamic-registration, authorisation or OIDC pages for people.
- A client gets a token only if an administrator gave it a ``core.SystemClient`` that is enabled,
  and only for scopes on its allow-list; asking for more is ``invalid_scope``.
- A token is judged on every request against the allow-list as it is *now*
  (``effective_scopes``), so a removed scope or a disabled client takes effect at once.
- The token endpoint locks a client id out per address after repeated failures, like the web
  sign-in (django-axes, keyed on client id + address), and audits every issue and refusal.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from typing import Any
from urllib.parse import unquote_plus

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from oauth2_provider.models import AccessToken
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.scopes import SettingsScopes
from oauth2_provider.views import TokenView

from .audit import audit_record
from .models import SystemClient

AXES_USERNAME_PREFIX = "oauth-client:"


def client_policy(application: Any) -> SystemClient | None:
    """The administrator's policy for an application, or None (a client without one gets
    nothing). Uses the select_related cache when the caller loaded it."""
    if application is None:
        return None
    try:
        return application.system_client  # type: ignore[no-any-return]
    except SystemClient.DoesNotExist:
        return None


def effective_scopes(access_token: Any) -> frozenset[str]:
    """What a token may do now: its scopes within the client's current allow-list."""
    policy = client_policy(access_token.application)
    if policy is None or not policy.enabled:
        return frozenset()
    return frozenset(access_token.scope.split()) & policy.scope_set


class AllowListScopes(SettingsScopes):
    """Scopes a client may ask for: its allow-list (OAUTH2_PROVIDER["SCOPES_BACKEND_CLASS"])."""

    def get_available_scopes(self, application: Any = None, request: Any = None,
                             *args: Any, **kwargs: Any) -> list[str]:
        policy = client_policy(application)
        if policy is None or not policy.enabled:
            return []
        known = set(super().get_available_scopes(application, request))
        return sorted(policy.scope_set & known)

    def get_default_scopes(self, application: Any = None, request: Any = None,
                           *args: Any, **kwargs: Any) -> list[str]:
        # No scope asked for: the allow-list, which the administrator made as narrow as needed.
        return self.get_available_scopes(application, request)


class Validator(OAuth2Validator):
    """django-oauth-toolkit's validator plus the administrator's policy."""

    def authenticate_client(self, request: Any, *args: Any, **kwargs: Any) -> bool:
        if not super().authenticate_client(request, *args, **kwargs):
            return False
        policy = client_policy(request.client)
        if policy is None or not policy.enabled:
            request.boardsvc_refusal = "client_disabled"
            return False
        return True

    def _load_access_token(self, token: str) -> Any:
        checksum = hashlib.sha256(token.encode("utf-8")).hexdigest()
        return (AccessToken.objects
                .select_related("application", "application__system_client", "user")
                .filter(token_checksum=checksum).first())

    def validate_bearer_token(self, token: str, scopes: Any, request: Any) -> bool:
        if not super().validate_bearer_token(token, scopes, request):
            return False
        policy = client_policy(request.access_token.application)
        if policy is None or not policy.enabled:
            request.oauth2_error = {"error": "invalid_token",
                                    "error_description": "The client is disabled."}
            return False
        return True


# --- the token endpoint ------------------------------------------------------------------------

def _client_id_of(request: HttpRequest) -> str:
    """The client id a token request names (HTTP Basic first, then the form body)."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, credentials = header.partition(" ")
    if scheme.lower() == "basic" and credentials:
        try:
            decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return ""
        return unquote_plus(decoded.split(":", 1)[0])[:100]
    return str(request.POST.get("client_id", ""))[:100]


class ClientTokenView(TokenView):
    """/o/token/ with lockout per client id and address, and an audit row per issue/refusal."""

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        client_id = _client_id_of(request)
        credentials = {"username": f"{AXES_USERNAME_PREFIX}{client_id}"}
        requested = str(request.POST.get("scope", ""))[:300]
        if client_id and AxesProxyHandler.is_locked(request, credentials):
            audit_record(principal=None, action="login_failed", outcome="denied",
                         object_type="oauth_token", object_id=client_id, path=request.path,
                         detail={"client_id": client_id, "reason": "locked_out",
                                 "requested_scope": requested})
            return _locked_out()
        response = super().post(request, *args, **kwargs)
        try:
            body = json.loads(response.content or b"{}")
        except ValueError:
            body = {}
        if response.status_code == 200:
            AxesProxyHandler.reset_attempts(ip_address=request.axes_ip_address,  # type: ignore[attr-defined]
                                            username=credentials["username"])
            audit_record(principal=None, action="login", object_type="oauth_token",
                         object_id=client_id, path=request.path,
                         detail={"client_id": client_id, "granted_scope": body.get("scope", "")})
        else:
            error = str(body.get("error", response.status_code))
            audit_record(principal=None, action="login_failed", outcome="denied",
                         object_type="oauth_token", object_id=client_id, path=request.path,
                         detail={"client_id": client_id, "reason": error,
                                 "requested_scope": requested})
            if error in ("invalid_client", "unauthorized_client") and client_id:
                AxesProxyHandler.user_login_failed(sender=ClientTokenView,
                                                   credentials=credentials, request=request)
                if getattr(request, "axes_locked_out", False):
                    # This failure locked the client out: answer in OAuth's JSON, not with
                    # the sign-in page's lockout template that axes' middleware would send.
                    request.axes_locked_out = False  # type: ignore[attr-defined]
                    return _locked_out()
        return response


def _locked_out() -> HttpResponse:
    response = JsonResponse(
        {"error": "invalid_client",
         "error_description": "Too many failed attempts for this client from this address; "
                              "try again later."},
        status=429,
    )
    response["Retry-After"] = str(int(settings.AXES_COOLOFF_TIME.total_seconds()))
    return response
