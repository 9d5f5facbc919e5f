"""Meetings: the regular series ahead (horizon upkeep), ad-hoc meetings, one-off cancellations
and moves, and the meeting clock (start, close)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q

from boardsvc.domain import agenda as agenda_rules
from boardsvc.domain import clock as clock_rules
from boardsvc.domain import placement as placement_rules
from boardsvc.domain.errors import BoardRuleError
from boardsvc.domain.recurrence import cutoff_for, weekly_occurrences
from boardsvc.models import AgendaItem, Board, Holiday, Meeting
from cases.domain.codes import CaseStatus
from cases.services import case_transition
from core.access import Principal
from core.audit import audit_record
from core.models import AuditEvent
from core.outbox import outbox_enqueue

from .common import TASK_ROLL_FORWARD, local_label, now_or
from .documents import documents_on_closed


def meeting_horizon_upkeep(*, now: datetime | None = None, weeks: int | None = None) -> int:
    """Create the regular meetings of every active board for the next ``weeks`` weeks.

    Idempotent and safe to run concurrently: each occurrence date exists once per board (the
    ``meeting_one_per_occurrence`` constraint), a cancelled or moved meeting keeps its
    occurrence date, and holidays (site-wide or per board) are skipped. Returns how many
    meetings were created.
    """
    moment = now_or(now)
    horizon = weeks if weeks is not None else settings.BOARDSVC_MEETING_HORIZON_WEEKS
    created = 0
    for board in Board.objects.filter(active=True, recurrence_active=True).order_by("pk"):
        created += _board_horizon(board=board, now=moment, weeks=horizon)
    return created


@transaction.atomic
def _board_horizon(*, board: Board, now: datetime, weeks: int) -> int:
    today = now.astimezone(ZoneInfo(board.timezone)).date()
    end = today + timedelta(weeks=weeks)
    holidays = set(
        Holiday.objects.filter(Q(board=board) | Q(board__isnull=True), date__gte=today,
                               date__lte=end).values_list("date", flat=True)
    )
    occurrences = weekly_occurrences(
        weekday=board.recurrence_weekday, local_time=board.recurrence_time,
        tz_name=board.timezone, duration_minutes=board.default_duration_minutes,
        start=today, end=end, holidays=holidays,
    )
    existing = set(
        Meeting.objects.filter(board=board, kind=Meeting.Kind.REGULAR, occurrence_date__gte=today,
                               occurrence_date__lte=end).values_list("occurrence_date", flat=True)
    )
    new = [
        Meeting(
            board=board, kind=Meeting.Kind.REGULAR, occurrence_date=occ.local_date,
            starts_at=occ.starts_at, ends_at=occ.ends_at,
            cutoff_at=cutoff_for(occ.starts_at, board.cutoff_hours),
            capacity_minutes=board.capacity_minutes,
        )
        for occ in occurrences
        if occ.local_date not in existing and occ.starts_at > now
    ]
    # ignore_conflicts: a concurrent upkeep that inserted the same date first wins quietly.
    Meeting.objects.bulk_create(new, ignore_conflicts=True)
    return len(new)


@transaction.atomic
def meeting_create_adhoc(
    *,
    board: Board,
    starts_at: datetime,
    duration_minutes: int = placement_rules.ADHOC_DURATION_MINUTES_DEFAULT,
    virtual: bool = True,
    note: str = "",
) -> Meeting:
    """An ad-hoc (by default virtual) meeting, e.g. for an emergency (R9-R12). It has no
    submission cut-off, so its cut-off is its start."""
    if starts_at.tzinfo is None:
        raise BoardRuleError("The start must carry a time zone.", field="starts_at",
                             rule="aware_datetime")
    return Meeting.objects.create(
        board=board, kind=Meeting.Kind.ADHOC, starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=duration_minutes), cutoff_at=starts_at,
        capacity_minutes=duration_minutes, virtual=virtual, note=note[:300],
    )


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, reason: str, principal: Principal | None) -> Meeting:
    """Cancel a planned or frozen meeting (a one-off cancellation). Its pending items roll
    forward to the next meeting after commit. Raises BoardRuleError (409) in another state."""
    if not reason.strip():
        raise BoardRuleError("A reason is required to cancel a meeting.", field="reason",
                             rule="required")
    claimed = Meeting.objects.filter(
        pk=meeting.pk, status__in=[Meeting.Status.PLANNED, Meeting.Status.FROZEN]
    ).update(status=Meeting.Status.CANCELLED, note=reason[:300], version=F("version") + 1)
    if claimed != 1:
        raise BoardRuleError("Only a planned or frozen meeting can be cancelled.",
                             field="status", rule="state", status=409)
    AgendaItem.objects.filter(meeting=meeting, outcome=AgendaItem.Outcome.PENDING).update(
        outcome=AgendaItem.Outcome.ROLLED_FORWARD, version=F("version") + 1
    )
    outbox_enqueue(task_name=TASK_ROLL_FORWARD, kwargs={"meeting_id": meeting.pk},
                   dedup_key=f"{TASK_ROLL_FORWARD}:{meeting.pk}")
    meeting.refresh_from_db()
    return meeting


@transaction.atomic
def meeting_move(
    *, meeting: Meeting, starts_at: datetime, reason: str, principal: Principal | None
) -> Meeting:
    """Move one planned meeting (a one-off move); its cut-off follows the board's setting.

    The occurrence date is kept, so the horizon upkeep does not recreate the original slot.
    """
    if starts_at.tzinfo is None:
        raise BoardRuleError("The start must carry a time zone.", field="starts_at",
                             rule="aware_datetime")
    locked = Meeting.objects.select_for_update(of=("self",)).select_related("board").get(pk=meeting.pk)
    if locked.status != Meeting.Status.PLANNED:
        raise BoardRuleError("Only a planned meeting can be moved.", field="status",
                             rule="state", status=409)
    duration = locked.ends_at - locked.starts_at
    cutoff = (starts_at if locked.kind == Meeting.Kind.ADHOC
              else cutoff_for(starts_at, locked.board.cutoff_hours))
    Meeting.objects.filter(pk=locked.pk).update(
        starts_at=starts_at, ends_at=starts_at + duration, cutoff_at=cutoff, note=reason[:300],
        version=F("version") + 1,
    )
    locked.refresh_from_db()
    return locked


@transaction.atomic
def meeting_start(
    *, meeting: Meeting, principal: Principal | None, now: datetime | None = None
) -> Meeting:
    """Open a planned or frozen meeting (→ in session), no earlier than the board's start
    margin before its scheduled start (boardsvc/domain/clock.py; decisions can then only be
    recorded in a meeting that is actually taking place). Raises BoardRuleError (409): rule
    ``start_margin`` when it is too early (a MeetingClockError, with ``start_opens_at``),
    ``state`` in another status."""
    moment = now_or(now)
    locked = Meeting.objects.select_for_update(of=("self",)).select_related("board").get(pk=meeting.pk)
    if locked.status in (Meeting.Status.PLANNED, Meeting.Status.FROZEN):
        margin = locked.board.start_margin_minutes
        opens = clock_rules.start_opens_at(locked.starts_at, margin)
        clock_rules.check_start(starts_at=locked.starts_at, now=moment, margin_minutes=margin,
                                local_label=local_label(opens, locked.board))
    claimed = Meeting.objects.filter(
        pk=meeting.pk, status__in=[Meeting.Status.PLANNED, Meeting.Status.FROZEN]
    ).update(status=Meeting.Status.IN_SESSION, started_at=moment, version=F("version") + 1)
    if claimed != 1:
        raise BoardRuleError("Only a planned or frozen meeting can start.", field="status",
                             rule="state", status=409)
    Meeting.objects.filter(pk=meeting.pk, frozen_at__isnull=True).update(frozen_at=moment)
    meeting.refresh_from_db()
    return meeting


@transaction.atomic
def meeting_close(
    *, meeting: Meeting, principal: Principal | None, now: datetime | None = None
) -> Meeting:
    """Close a meeting in session ("Finish Meeting").

    Pending standard-of-care items end as listed-not-discussed (the case moves to discussed);
    every other pending item is marked "rolled forward" and is placed on a later meeting by
    ``meeting_roll_forward`` after commit. Raises BoardRuleError (409) unless in session: rule
    ``not_started`` for a meeting that has not started (the meeting clock), else ``state``.
    """
    moment = now_or(now)
    claimed = Meeting.objects.filter(pk=meeting.pk, status=Meeting.Status.IN_SESSION).update(
        status=Meeting.Status.CLOSED, closed_at=moment, version=F("version") + 1
    )
    if claimed != 1:
        current = Meeting.objects.get(pk=meeting.pk)
        if current.status in (Meeting.Status.PLANNED, Meeting.Status.FROZEN):
            # Closing before starting would roll every case forward from a meeting that never
            # took place: the meeting clock says start first.
            raise BoardRuleError("The meeting has not started: start it before closing it.",
                                 field="status", rule=clock_rules.RULE_NOT_STARTED,
                                 status=409)
        raise BoardRuleError("Only a meeting in session can be closed.", field="status",
                             rule="state", status=409)
    items = list(AgendaItem.objects.filter(meeting=meeting, outcome=AgendaItem.Outcome.PENDING)
                 .select_related("case"))
    outcomes = agenda_rules.close_outcomes([
        agenda_rules.ItemInfo(item_id=i.pk, position=i.position, priority=i.priority,
                              outcome=i.outcome, standard_of_care=i.standard_of_care,
                              purpose=i.purpose)
        for i in items
    ])
    for item in items:
        new = outcomes.get(item.pk)
        if new is None:
            continue
        AgendaItem.objects.filter(pk=item.pk).update(outcome=new, version=F("version") + 1)
        if new == AgendaItem.Outcome.STANDARD_OF_CARE and item.case.status == CaseStatus.LISTED:
            case_transition(case=item.case, to_status=CaseStatus.DISCUSSED, principal=principal,
                            reason="Standard of care: listed, not discussed.")
    outbox_enqueue(task_name=TASK_ROLL_FORWARD, kwargs={"meeting_id": meeting.pk},
                   dedup_key=f"{TASK_ROLL_FORWARD}:{meeting.pk}")
    audit_record(principal=principal, action=AuditEvent.Action.UPDATE, object_type="meeting",
                 object_id=meeting.public_id, detail={"event": "closed"})
    documents_on_closed(meeting=meeting)  # the minutes, after commit
    meeting.refresh_from_db()
    return meeting
