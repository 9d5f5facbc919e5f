"""The base of the apps' API views: the ``access`` table, the principal, one view per method.

Deny by default and 405 before 403 come from core.api.permissions.RoleAndScope.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.access import Principal, principal_from_request
from core.api.pagination import StandardPagination
from core.api.permissions import RoleAndScope
from core.audit import audit_record, audit_record_many

T = TypeVar("T")


@dataclass(frozen=True)
class PageAudit:
    """How a list audits what it shows: the action, the object type, and for each row its
    (public id, patient pseudonym)."""

    action: str
    object_type: str
    subject: Callable[[Any], tuple[object, object]]


def validated(serializer: serializers.Serializer) -> dict[str, Any]:
    """``is_valid`` raising a 400 whose problem body names each field, list index and rule
    (core.api.exceptions.flatten_errors turns {index: errors} into ``lesions[1].site``)."""
    if not serializer.is_valid():
        raise exceptions.ValidationError(serializer.errors)
    return dict(serializer.validated_data)


class ProjectApiView(APIView):
    """Role/scope checks from the view's ``access`` table (core.api.permissions.RoleAndScope)."""

    permission_classes = [RoleAndScope]
    access: dict[str, tuple[set[str], str | None]] = {}
    # Methods served by sibling views on the same URL (see method_router), for the Allow header.
    router_methods: tuple[str, ...] = ()

    def _allowed_methods(self) -> list[str]:
        own = super()._allowed_methods()
        return sorted(set(own) | {m.upper() for m in self.router_methods})

    @property
    def principal(self) -> Principal:
        return principal_from_request(self.request)

    def visible_or_404(self, lookup: Callable[..., T], public_id: object, *, object_type: str,
                       label: str, action: str = "read",
                       pseudonym: Callable[[str], object] | None = None) -> T:
        """The object ``lookup(principal=..., public_id=...)`` returns, or 404.

        The one shape of "visible or 404, audited": an object that does not exist and one
        outside the caller's scope answer the same 404 (existence is not leaked), and the
        refusal is an audit row with the patient's pseudonym when ``pseudonym`` finds one.
        """
        try:
            return lookup(principal=self.principal, public_id=public_id)
        except (ObjectDoesNotExist, Http404, ValueError):
            audit_record(principal=self.principal, action=action, outcome="denied",
                         object_type=object_type, object_id=str(public_id),
                         patient_pseudonym=str(pseudonym(str(public_id)) or "")
                         if pseudonym else "", path=self.request.path)
            raise exceptions.NotFound(f"No {label} with this id is visible to you.") from None

    def paginated(self, rows: Any, serializer: type[serializers.BaseSerializer], *,
                  audit: PageAudit | None = None,
                  context: dict[str, Any] | None = None,
                  complete: Callable[[list[Any]], list[Any]] | None = None) -> Response:
        """One page of ``rows`` (a queryset or list) in the project's page shape, serialized;
        with ``audit``, one audit row naming every object shown on the page. ``complete``
        adds to the page's rows what one more query reads for all of them."""
        paginator = StandardPagination()
        page = paginator.paginate_queryset(rows, self.request, view=self) or []
        if complete is not None:
            page = complete(page)
        if audit is not None:
            audit_record_many(principal=self.principal, action=audit.action,
                              object_type=audit.object_type,
                              objects=[audit.subject(row) for row in page],
                              path=self.request.path)
        return paginator.get_paginated_response(
            serializer(page, many=True, context=context or {}).data)



def method_router(**views: type[APIView]) -> Callable[..., HttpResponse]:
    """One URL, one APIView per HTTP method (one view per operation, so each method has its
    own access rule, serializers and schema).

    HEAD and OPTIONS go to the GET view; any other method goes to the first view, which answers
    405 with an Allow header naming every routed method.
    """
    methods = tuple(m.upper() for m in views)
    handlers = {m.upper(): view.as_view(router_methods=methods) for m, view in views.items()}
    fallback = handlers.get("GET") or next(iter(handlers.values()))

    @csrf_exempt  # DRF's SessionAuthentication enforces CSRF itself, as APIView.as_view does
    def route(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        method = request.method or "GET"
        if method in ("HEAD", "OPTIONS"):
            method = "GET"
        return handlers.get(method, fallback)(request, *args, **kwargs)

    route.__name__ = "_".join(view.__name__ for view in views.values())
    # For the OpenAPI schema and the authorisation matrix only: drf-spectacular reads ``cls`` to
    # find each method's handler (and its extend_schema); requests never use this class.
    route.cls = type(route.__name__, tuple(views.values()), {})  # type: ignore[attr-defined]
    route.initkwargs = {}  # type: ignore[attr-defined]
    route.views = tuple(views.values())  # type: ignore[attr-defined]  # docs' URL table
    return route
