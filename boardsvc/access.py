"""The case-access policy core.access loads: board members see their boards' cases only."""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from core.access import Principal, Role

from .models import Board, BoardMember


class BoardCaseAccessPolicy:
    def case_filter(self, principal: Principal) -> Q | None:
        """Coordinators, administrators and scoped clients see every case; a board member sees
        cases referred to, or listed on a meeting of, a board they belong to."""
        from .models import AgendaItem

        if principal.is_client and principal.client_boards is not None:
            # An administrator limited this hospital system to some boards.
            slugs = sorted(principal.client_boards)
            listed = AgendaItem.objects.filter(meeting__board__slug__in=slugs).values("case_id")
            return Q(requested_board__in=slugs) | Q(pk__in=listed)
        if principal.is_client or principal.is_coordinator or principal.is_admin:
            return None
        if not principal.is_user:
            return Q(pk__in=[])
        slugs = BoardMember.objects.filter(user=principal.user, active=True).values("board__slug")
        q = Q(requested_board__in=slugs)
        board_ids = BoardMember.objects.filter(user=principal.user, active=True).values("board_id")
        listed = AgendaItem.objects.filter(meeting__board_id__in=board_ids).values("case_id")
        return q | Q(pk__in=listed)

    def board_exists(self, key: str) -> bool:
        return Board.objects.filter(slug=key).exists()

    def board_roles(self, user: Any) -> set[str]:
        roles: set[str] = set()
        for role in BoardMember.objects.filter(user=user, active=True).values_list("role", flat=True):
            roles.add(Role.MEMBER)
            if role == BoardMember.Role.CHAIR:
                roles.add(Role.CHAIR)
            elif role == BoardMember.Role.COORDINATOR:
                roles.add(Role.BOARD_COORDINATOR)
        return roles
