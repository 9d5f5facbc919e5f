"""Deny by default; each API view names the roles and OAuth2 scopes it serves.

A view declares, per HTTP method, which human roles may call it and which scope a system
client needs::

    access = {"GET": ({Role.COORDINATOR, Role.MEMBER}, "cases:read"),
              "POST": ({Role.COORDINATOR}, "cases:write")}

Administrators may call every operation a role may call.

The scope is None for operations no system client may call, "" for any authenticated client.

Object-level scoping (a member sees only their boards' cases) is done by the selectors the view
calls, so lists are filtered in the query, not after it (DRF does not check object permissions
on lists).
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import BasePermission

from core.access import Role, principal_from_request


class DenyAll(BasePermission):
    """The project default: a view that forgot to declare access serves nobody."""

    def has_permission(self, request: Any, view: Any) -> bool:
        return False


class RoleAndScope(BasePermission):
    message = "Your role or token scope does not allow this operation."

    def has_permission(self, request: Any, view: Any) -> bool:
        principal = principal_from_request(request)
        if not principal.is_authenticated:
            return False
        method = "GET" if request.method in ("HEAD", "OPTIONS") else request.method
        if request.method.lower() not in view.http_method_names or not hasattr(
            view, request.method.lower()
        ):
            # No handler: let DRF answer 405 with an Allow header; nothing runs.
            return True
        rule = getattr(view, "access", {}).get(method)
        if rule is None:
            return False
        roles, scope = rule
        if principal.is_client:
            # scope None: people only; "": any authenticated client; else the named scope.
            if scope is None:
                return False
            return scope == "" or principal.has_scope(scope)
        if Role.ADMIN in principal.roles:
            return True
        return bool(principal.roles & set(roles))
