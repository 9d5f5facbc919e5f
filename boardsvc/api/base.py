"""What every board endpoint shares: who may call it and how a refused or unknown object reads.

Access: members see only their boards (another board's meeting is 404); chairs, board
coordinators, group coordinators and administrators manage agendas and record decisions (a
member of the board without that role gets 403); system clients need agenda:read to read and
decisions:write to write. A service's refusal (boardsvc.services.BoardRuleError, StaleDecision)
is not caught here: core.api.exceptions turns it into problem+json.
"""

from __future__ import annotations

from typing import Any

from rest_framework.exceptions import PermissionDenied

from boardsvc import selectors
from boardsvc.models import AgendaItem, Decision, Meeting
from core.access import Role
from core.api.base import ProjectApiView
from core.audit import audit_record
from core.models import AuditEvent

READERS = {Role.MEMBER, Role.CHAIR, Role.BOARD_COORDINATOR, Role.COORDINATOR}
MANAGERS = {Role.CHAIR, Role.BOARD_COORDINATOR, Role.COORDINATOR}
READ = (READERS, "agenda:read")
MANAGE = (MANAGERS, "decisions:write")
ATTEND = (READERS, "decisions:write")


class BoardsApi(ProjectApiView):
    # What a refused management call names in its audit row (the URL's object is a meeting or
    # one of its items).
    object_type = "meeting"

    def meeting(self, public_id: Any) -> Meeting:
        """The meeting if it is on one of the caller's boards, else an audited 404."""
        return self.visible_or_404(selectors.meeting_get_visible, public_id,
                                   object_type="meeting", label="meeting")

    def agenda_item(self, public_id: Any) -> AgendaItem:
        """The agenda item if its meeting is on one of the caller's boards, else an audited
        404."""
        return self.visible_or_404(selectors.agenda_item_get_visible, public_id,
                                   object_type="agenda_item", label="agenda item")

    def decision(self, public_id: Any) -> Decision:
        """The decision if its meeting is on one of the caller's boards, else an audited 404."""
        return self.visible_or_404(selectors.decision_get_visible, public_id,
                                   object_type="decision", label="decision")

    def require_manager(self, board_id: int) -> None:
        """403 (audited, docs/security.md S8) unless the caller manages this board."""
        if not selectors.principal_manages_board(principal=self.principal, board_id=board_id):
            audit_record(principal=self.principal, action=AuditEvent.Action.READ,
                         outcome=AuditEvent.Outcome.DENIED, object_type=self.object_type,
                         object_id=self.kwargs.get("public_id", ""), path=self.request.path)
            raise PermissionDenied("Only the board's chair or coordinators may do this.")
