"""Every write to boards, meetings, agendas, attendance and decisions (docs/architecture.md).

Services are keyword-only, typed and atomic. They map rows to domain values, let
boardsvc/domain decide, and persist. Background work is claimed with a conditional UPDATE (the
healthchecks pattern) so a task delivered twice does its work once; follow-up tasks go through
the outbox and run only after commit. Errors a person can act on are raised as BoardRuleError
(a core.errors rule error naming the field and the rule), a stale If-Match as StaleDecision;
the API and the pages map them (core.api.exceptions, core.web.errors).

One module per concern; import from here (``from boardsvc import services``):

- ``boards``: boards, members, holidays, which boards take a case;
- ``meetings``: the regular series ahead, ad-hoc meetings, cancel, move, start, close;
- ``agenda``: freeze and circulation at the cut-off; reorder, standard of care, defer, late
  additions;
- ``placement``: which meeting a ready case goes to; roll-forward of what was not discussed;
- ``emergency``: the on-call people hear of a suspected MSCC at once (R12);
- ``attendance``: arrivals and departures, "all present" (the quorum is read from them);
- ``apologies``: a member who will not come, and their stand-in;
- ``opinions``: members' pre-meeting opinions on listed cases;
- ``presenter``: the case on the meeting-room screen;
- ``decisions``: record, amend, ratify;
- ``documents``: minutes, outcome records, letters and the agenda as PDF (versioned);
- ``deliveries``: sending a document to its recipients through the outbox;
- ``common``: the clock, recipients and labels the others share.
"""

from __future__ import annotations

from boardsvc.domain.errors import BoardRuleError, StaleDecision

from .agenda import (
    agenda_circulate,
    agenda_freeze,
    agenda_freeze_due,
    agenda_item_add_late,
    agenda_item_defer,
    agenda_item_set_standard_of_care,
    agenda_reorder,
)
from .apologies import apology_record, apology_withdraw
from .attendance import attendance_all_present, attendance_arrive, attendance_leave
from .boards import board_create, board_member_add, holiday_add
from .common import TASK_ROLL_FORWARD
from .decisions import decision_amend, decision_ratify, decision_record
from .deliveries import delivery_queue, delivery_send
from .documents import (
    agenda_pdf,
    document_generate,
    documents_on_closed,
    documents_on_decided,
    minutes_auto,
    outcome_record_auto,
)
from .emergency import emergency_alert
from .meetings import (
    meeting_cancel,
    meeting_close,
    meeting_create_adhoc,
    meeting_horizon_upkeep,
    meeting_move,
    meeting_start,
)
from .opinions import opinion_save
from .placement import agenda_place_case, meeting_roll_forward, place_ready_cases
from .presenter import meeting_present

__all__ = [
    "TASK_ROLL_FORWARD",
    "BoardRuleError",
    "StaleDecision",
    "agenda_circulate",
    "agenda_freeze",
    "agenda_freeze_due",
    "agenda_item_add_late",
    "agenda_item_defer",
    "agenda_item_set_standard_of_care",
    "agenda_pdf",
    "agenda_place_case",
    "agenda_reorder",
    "apology_record",
    "apology_withdraw",
    "attendance_all_present",
    "attendance_arrive",
    "attendance_leave",
    "board_create",
    "board_member_add",
    "decision_amend",
    "decision_ratify",
    "decision_record",
    "delivery_queue",
    "delivery_send",
    "document_generate",
    "documents_on_closed",
    "documents_on_decided",
    "emergency_alert",
    "holiday_add",
    "meeting_cancel",
    "meeting_close",
    "meeting_create_adhoc",
    "meeting_horizon_upkeep",
    "meeting_move",
    "meeting_present",
    "meeting_roll_forward",
    "meeting_start",
    "minutes_auto",
    "opinion_save",
    "outcome_record_auto",
    "place_ready_cases",
]
