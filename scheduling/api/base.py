"""Base of the scheduling API views: who may call them (the ``access`` tables) and the view class.

Rule errors raised by the services (scheduling.domain.errors, core.errors) are answered by the
project's one handler (core.api.exceptions.problem_exception_handler): the views never catch
them.
"""

from __future__ import annotations

from core.access import Role
from core.api.base import ProjectApiView, method_router

READ = ({Role.COORDINATOR, Role.MEMBER}, "bookings:read")
WRITE = ({Role.COORDINATOR}, "bookings:write")
ADMIN_ONLY: tuple[set[str], str | None] = ({Role.ADMIN}, None)


class SchedulingApiView(ProjectApiView):
    """Scheduling's views: role and scope checks from ``access`` (core.api.permissions)."""


__all__ = ["ADMIN_ONLY", "READ", "WRITE", "SchedulingApiView", "method_router"]
