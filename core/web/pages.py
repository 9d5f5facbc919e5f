"""Shared helpers for the server-rendered pages of every app (core imports no other app).

``render_page`` adds the caller's Principal and role flags to the context, so templates and the
navigation decide what to show from the same authoriser the API uses (core.access).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from core.access import Principal, Role, principal_from_request
from core.selectors import notification_unread_count


def page_context(request: HttpRequest) -> dict[str, Any]:
    """Role flags for templates: is_coordinator (coordinators and administrators),
    is_member (holds a role on at least one board) and unread_count (the nav's inbox badge)."""
    principal: Principal = principal_from_request(request)
    return {
        "principal": principal,
        "is_coordinator": principal.is_coordinator,
        "is_member": Role.MEMBER in principal.board_roles,
        # One COUNT on the inbox index, for the navigation badge.
        "unread_count": notification_unread_count(user=principal.user)
        if principal.is_user else 0,
    }


def render_page(
    request: HttpRequest,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status: int = 200,
    section: str = "",
) -> HttpResponse:
    """Render ``template`` with the role flags and the navigation ``section`` to highlight."""
    full = page_context(request)
    full["section"] = section
    full.update(context or {})
    return render(request, template, full, status=status)
