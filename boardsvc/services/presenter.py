"""The case on the meeting-room screen: the chair's navigation in live mode moves it, and the
presenter view (/meetings/<id>/present/) and members' devices follow it by polling its stamp."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction

from boardsvc.domain.errors import BoardRuleError
from boardsvc.models import AgendaItem, Meeting
from core.access import Principal
from core.audit import audit_record
from core.models import AuditEvent

from .common import now_or

# The room follows a meeting that can still be run; a closed or cancelled one stays as it was.
_PRESENTABLE = (Meeting.Status.PLANNED, Meeting.Status.FROZEN, Meeting.Status.IN_SESSION)


@transaction.atomic
def meeting_present(*, meeting: Meeting, item: AgendaItem, principal: Principal | None,
                    at: datetime | None = None) -> bool:
    """Put ``item`` on the meeting-room screen (Meeting.presenter_item / presenter_at).

    Returns whether the screen moved: the item already shown leaves ``presenter_at`` as it was,
    so the screens following the room do not redraw. Raises BoardRuleError when the item is not
    on this meeting's agenda (400) or the meeting is closed or cancelled (409). The caller has
    checked that the principal runs the meeting (a chair, a coordinator)."""
    locked = Meeting.objects.select_for_update(of=("self",)).get(pk=meeting.pk)
    if item.meeting_id != locked.pk:
        raise BoardRuleError("This case is not on the meeting's agenda.", field="item",
                             rule="not_on_agenda")
    if locked.status not in _PRESENTABLE:
        raise BoardRuleError("The meeting is over: the room screen no longer follows it.",
                             field="meeting", rule="state", status=409)
    if locked.presenter_item_id == item.pk:
        return False
    moment = now_or(at)
    Meeting.objects.filter(pk=locked.pk).update(presenter_item=item, presenter_at=moment)
    meeting.presenter_item_id, meeting.presenter_at = item.pk, moment
    audit_record(principal=principal, action=AuditEvent.Action.UPDATE, object_type="meeting",
                 object_id=locked.public_id, detail={"presenter_item": str(item.public_id)})
    return True
