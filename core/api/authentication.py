"""How the API knows who is calling (issue 10, item 2).

A request that carries an ``Authorization`` header is judged by that header alone: a valid
bearer token of an enabled system client authenticates it; anything else (an unknown, expired
or revoked token, another scheme, an empty value) is 401, never a fall-back to the session
cookie riding along. Only the header is read: the body is never parsed to authenticate, so a
hostile body cannot fail authentication (tokens in bodies or query strings are refused by the
RFC 9700 profile anyway).

Without the header, the session is used (people in the browser), with DRF's CSRF check; the
two-factor middleware has already refused sessions without a verified device.
"""

from __future__ import annotations

from typing import Any

from oauth2_provider.settings import oauth2_settings
from oauthlib.common import Request as OAuthlibRequest
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, SessionAuthentication

_SCHEME = "Bearer"


class BearerOnlyAuthentication(BaseAuthentication):
    www_authenticate_realm = "api"

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        header = request.META.get("HTTP_AUTHORIZATION")
        if header is None:
            return None
        scheme, _, token = header.strip().partition(" ")
        token = token.strip()
        if scheme.lower() != _SCHEME.lower() or not token or " " in token or len(token) > 512:
            raise exceptions.AuthenticationFailed(
                "The Authorization header must be 'Bearer <token>' with a token from /o/token/.")
        validator = oauth2_settings.OAUTH2_VALIDATOR_CLASS()
        core = OAuthlibRequest(uri=request.build_absolute_uri(request.path),
                               http_method=request.method, headers={})
        if not validator.validate_bearer_token(token, [], core):
            error = getattr(core, "oauth2_error", {}) or {}
            raise exceptions.AuthenticationFailed(
                str(error.get("error_description") or "The access token is invalid, expired "
                                                       "or revoked."))
        return core.access_token.user, core.access_token

    def authenticate_header(self, request: Any) -> str:
        return f'{_SCHEME} realm="{self.www_authenticate_realm}"'


class SessionOnlyWithoutBearer(SessionAuthentication):
    """The browser session, only for requests without an Authorization header (the bearer
    class has already answered for those)."""

    def authenticate(self, request: Any) -> tuple[Any, Any] | None:
        if "HTTP_AUTHORIZATION" in request.META:
            return None
        return super().authenticate(request)
