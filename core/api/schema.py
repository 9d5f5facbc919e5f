"""OpenAPI for the whole API: every operation documents its errors as application/problem+json.

``ProblemAutoSchema`` is the project's DRF schema class (settings REST_FRAMEWORK
["DEFAULT_SCHEMA_CLASS"]). It adds, on top of what each view declares with ``extend_schema``:

- 400/401/403/404 problem responses on every protected operation (a list answers 404 for a page
  past the end, so lists document it too), 409 on writes, 412 + 428 on PUT/PATCH/DELETE (If-Match,
  docs/security.md, O1), 422 on POSTs that take an Idempotency-Key (O3), 503 when the database is
  down;
- the ``If-Match`` header (required) on PUT/PATCH/DELETE, and on POSTs of views that set
  ``if_match = "required" | "optional"``; the ``Idempotency-Key`` header on
  POSTs of views that set ``idempotency_key = "required" | "optional"``;
- an ``ETag`` response header on successful reads and writes;
- the OAuth2 client-credentials scope each method needs, read from the view's ``access`` table
  (core.api.permissions.RoleAndScope), so the published security matches what is enforced.

A view's own ``extend_schema(responses={...})`` always wins over these defaults.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter
from rest_framework import serializers

from core.api.permissions import DenyAll, RoleAndScope

PROBLEM_MEDIA_TYPE = "application/problem+json"
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
PRECONDITION_METHODS = frozenset({"PUT", "PATCH", "DELETE"})
SLUG_PATTERN = "^[-a-zA-Z0-9_]+$"
BLANK_OR_SLUG_PATTERN = "^[-a-zA-Z0-9_]*$"

_DESCRIPTIONS = {
    "400": "Invalid request: `errors` names each field and the rule it broke.",
    "401": "Not authenticated, or the bearer token is expired or revoked.",
    "403": "Authenticated, but the role or token scope does not allow this operation.",
    "404": "No such object, or not one the caller may see (another board's case is 404).",
    "409": "Conflicts with the current state (e.g. the slot is taken, or the same "
           "Idempotency-Key is still being processed).",
    "412": "If-Match does not match the resource's current ETag: re-read and retry.",
    "422": "The Idempotency-Key was already used with a different request body.",
    "428": "If-Match is required on this method: send the ETag you last read.",
    "503": "The database is not reachable; retry after the Retry-After delay.",
}


class ProblemFieldErrorSerializer(serializers.Serializer):
    field = serializers.CharField(allow_null=True)
    rule = serializers.CharField()
    message = serializers.CharField()


class ProblemSerializer(serializers.Serializer):
    """RFC 9457 problem details, with the field errors every 4xx carries."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = ProblemFieldErrorSerializer(many=True, required=False)
    request_id = serializers.CharField(required=False)


def _view_access(view: Any) -> dict[str, tuple[Any, Any]]:
    return dict(getattr(view, "access", {}) or {})


def _is_protected(view: Any) -> bool:
    classes = getattr(view, "permission_classes", ()) or ()
    return any(issubclass(c, (RoleAndScope, DenyAll)) for c in classes if isinstance(c, type))


def _read_only_blank_choices(field: Any) -> None:
    """A read-only ModelSerializer choice or text field loses its model field's ``blank``/``null``
    (DRF returns early for read-only fields), so the schema would claim ``""`` or null can never
    be sent back, and every optional code a case leaves empty would violate it. Restore them
    from the model field, for the schema only (serialisation ignores these on output)."""
    if not isinstance(field, (serializers.ChoiceField, serializers.CharField)) or \
            not field.read_only:
        return
    model = getattr(getattr(getattr(field, "parent", None), "Meta", None), "model", None)
    if model is None or not field.source or "." in field.source:
        return
    try:
        model_field = model._meta.get_field(field.source)
    except FieldDoesNotExist:  # a property or an annotation: nothing to restore
        return
    if getattr(model_field, "blank", False) and "" not in getattr(field, "choices", {}):
        field.allow_blank = True
    if getattr(model_field, "null", False):
        field.allow_null = True


class ProblemAutoSchema(AutoSchema):
    """AutoSchema that documents the project-wide error and concurrency contract."""

    def get_serializer_name(self, serializer: Any, direction: str) -> str:
        """Nested serializers (HackSoft style: ``MeetingListApi.OutputSerializer``) are named
        after their view, ``MeetingListOutput``; otherwise every view's "Output" would collide
        into one component and the published schema would be wrong."""
        cls = serializer.__class__
        parts = cls.__qualname__.split(".")
        if len(parts) >= 2 and "<locals>" not in parts:
            outer = parts[-2].removesuffix("Api").removesuffix("View")
            return outer + parts[-1].removesuffix("Serializer")
        return super().get_serializer_name(serializer, direction)

    def _map_serializer_field(self, field: Any, direction: str,
                              bypass_extensions: bool = False) -> dict[str, Any]:
        """Publish ``allow_empty=False`` (lists that must not be empty, such as a case's lesions)
        as ``minItems: 1``; drf-spectacular leaves it out, so clients and schemathesis would
        believe an empty list is valid and then get a 400."""
        _read_only_blank_choices(field)
        meta = super()._map_serializer_field(field, direction, bypass_extensions)
        if getattr(field, "allow_empty", True) is False and meta.get("type") == "array":
            meta.setdefault("minItems", 1)
        if getattr(field, "allow_blank", False) and meta.get("pattern") == SLUG_PATTERN:
            meta["pattern"] = BLANK_OR_SLUG_PATTERN  # e.g. a case not yet referred to a board
        return meta

    def _get_paginator(self) -> Any:
        """APIViews paginate by hand with StandardPagination (house style), so a GET that
        returns ``many=True`` is documented as that page envelope; ``paginated = False`` on a
        view opts out (a short, bounded list such as an agenda)."""
        paginator = super()._get_paginator()
        if paginator is not None or self.method != "GET":
            return paginator
        if getattr(self.view, "paginated", True) is False:
            return None
        from core.api.pagination import StandardPagination

        return StandardPagination()

    def _error_codes(self) -> list[str]:
        codes = ["400", "404", "503"]
        if _is_protected(self.view):
            codes += ["401", "403"]
        if self.method in WRITE_METHODS:
            codes.append("409")
        mode = self._if_match_mode()
        if mode == "required":
            codes += ["412", "428"]
        elif mode == "optional":
            codes.append("412")
        if self.method == "POST" and getattr(self.view, "idempotency_key", None):
            codes.append("422")
        return sorted(codes)

    def _if_match_mode(self) -> str | None:
        """PUT/PATCH/DELETE always need If-Match; a POST that changes an existing resource (a
        state transition such as ``bookings/{id}/move/``) says so with ``if_match = "required"``
        or ``"optional"`` on its view (optional: a stale ETag is still 412)."""
        if self.method in PRECONDITION_METHODS:
            return "required"
        if self.method == "POST":
            return getattr(self.view, "if_match", None)
        return None

    def _get_response_bodies(self, direction: str = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        if direction != "response":
            return responses
        for code, response in responses.items():
            if code.startswith("2") and self.method != "DELETE" and code != "204":
                headers = response.setdefault("headers", {})
                headers.setdefault("ETag", {
                    "schema": {"type": "string"},
                    "description": 'Weak ETag `W/"<version>"` of a versioned resource; send it '
                                   "back in If-Match to change the resource.",
                })
        for code in self._error_codes():
            if code in responses:
                continue
            problem = self._get_response_for_code(
                ProblemSerializer, code, media_types=[PROBLEM_MEDIA_TYPE], direction=direction
            )
            problem["description"] = _DESCRIPTIONS[code]
            responses[code] = problem
        return responses

    def get_override_parameters(self) -> list[Any]:
        params = list(super().get_override_parameters())
        names = {getattr(p, "name", None) for p in params}
        if_match = self._if_match_mode()
        if if_match and "If-Match" not in names:
            params.append(OpenApiParameter(
                "If-Match", {"type": "string", "pattern": r'^(W/)?"[0-9]+"$'},
                OpenApiParameter.HEADER, required=if_match == "required",
                description='The ETag from your last read (W/"<version>"). '
                            + ("Missing → 428; stale → 412." if if_match == "required" else
                               "Optional; when sent and stale → 412."),
            ))
        mode = getattr(self.view, "idempotency_key", None)
        if self.method == "POST" and mode and "Idempotency-Key" not in names:
            params.append(OpenApiParameter(
                "Idempotency-Key", {"type": "string", "format": "uuid"},
                OpenApiParameter.HEADER, required=mode == "required",
                description="A UUID chosen by the caller, scoped to the caller and kept at "
                            "least 24 h. Replay → the stored response; same key, other body → "
                            "422; same key still running → 409."
                            + ("" if mode == "required" else
                               " Required for system clients (OAuth2 client credentials): "
                               "without it they get 400; optional for people."),
            ))
        return params


class RoleAndScopeOAuth2Scheme(OpenApiAuthenticationExtension):
    """OAuth2 client credentials, with the scope each method needs taken from ``view.access``.

    Priority above drf-spectacular's own django-oauth-toolkit extension, which only knows
    TokenHasScope and would publish an empty flow list.
    """

    target_class = "core.api.authentication.BearerOnlyAuthentication"
    name = "oauth2"
    priority = 1

    def get_security_requirement(self, auto_schema: AutoSchema) -> Any:
        method = "GET" if auto_schema.method in ("HEAD", "OPTIONS") else auto_schema.method
        rule = _view_access(auto_schema.view).get(method)
        if rule is None:
            return None
        scope = rule[1]
        if scope is None:  # people only: a system client cannot call this operation
            return None
        return {self.name: [scope] if scope else []}

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        scopes = dict(settings.OAUTH2_PROVIDER.get("SCOPES", {}))
        return {
            "type": "oauth2",
            "description": "Hospital systems: client-credentials tokens from /o/token/. A token "
                           "without the operation's scope gets 403; an expired or revoked one "
                           "401.",
            "flows": {"clientCredentials": {"tokenUrl": "/o/token/", "scopes": scopes}},
        }


class SessionCookieScheme(OpenApiAuthenticationExtension):
    """People in the browser: the session cookie (requests without an Authorization header)."""

    target_class = "core.api.authentication.SessionOnlyWithoutBearer"
    name = "cookieAuth"
    priority = 1

    def get_security_definition(self, auto_schema: AutoSchema) -> dict[str, Any]:
        return {"type": "apiKey", "in": "cookie", "name": settings.SESSION_COOKIE_NAME}
