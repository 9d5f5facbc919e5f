"""Celery tasks for boards: thin wrappers over services that take ids only (docs/architecture.md).

Every task is safe to run twice: the service it calls claims its work with a conditional UPDATE
or a row lock and a state check (see each service's docstring). Retries cover transient database
errors only.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import InterfaceError, OperationalError

from core.periodic import periodic_job

from . import services

_RETRY = {
    "autoretry_for": (OperationalError, InterfaceError, ConnectionError),
    "retry_backoff": True,
    "retry_backoff_max": settings.BOARDSVC_TASK_RETRY_BACKOFF_MAX,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="boardsvc.tasks.agenda_place_case", acks_late=True, **_RETRY)
def agenda_place_case(case_id: int) -> str:
    """Place a case that became ready for MDT (enqueued by cases.services.case_transition)."""
    record = services.agenda_place_case(case_id=int(case_id))
    return "noop" if record is None else record.outcome


@shared_task(name="boardsvc.tasks.emergency_alert", acks_late=True, **_RETRY)
def emergency_alert(case_id: int) -> int:
    """Tell the on-call people of a suspected MSCC at once (R12); enqueued by
    cases.services on every intake and update. Deduplicated per case and person."""
    return services.emergency_alert(case_id=int(case_id))


@shared_task(name="boardsvc.tasks.agenda_freeze_due", acks_late=True, **_RETRY)
@periodic_job("boardsvc.tasks.agenda_freeze_due")
def agenda_freeze_due() -> int:
    """Freeze agendas whose cut-off has passed and circulate them (beat, every 5 minutes)."""
    return services.agenda_freeze_due()


@shared_task(name="boardsvc.tasks.meeting_horizon_upkeep", acks_late=True, **_RETRY)
@periodic_job("boardsvc.tasks.meeting_horizon_upkeep")
def meeting_horizon_upkeep() -> int:
    """Keep BOARDSVC_MEETING_HORIZON_WEEKS of regular meetings ahead (beat, hourly), then retry
    the ready cases that found no meeting with room: the new meetings may take them (R13/R14).
    Both steps are idempotent, so a duplicate delivery changes nothing."""
    created = services.meeting_horizon_upkeep()
    services.place_ready_cases()
    return created


@shared_task(name="boardsvc.tasks.meeting_roll_forward", acks_late=True, **_RETRY)
def meeting_roll_forward(meeting_id: int) -> int:
    """Move undiscussed items of a closed or cancelled meeting to later meetings."""
    return services.meeting_roll_forward(meeting_id=int(meeting_id))


@shared_task(name="boardsvc.tasks.agenda_circulate", acks_late=True, **_RETRY)
def agenda_circulate(meeting_id: int) -> int:
    """E-mail a frozen agenda to the board's members (once)."""
    return services.agenda_circulate(meeting_id=int(meeting_id))


@shared_task(name="boardsvc.tasks.document_outcome_record", acks_late=True, **_RETRY)
def document_outcome_record(decision_id: int) -> str:
    """Generate the MDT outcome record of a newly recorded decision (enqueued through the
    outbox by decision_record). A rerun makes no duplicate."""
    document = services.outcome_record_auto(decision_id=int(decision_id))
    return "noop" if document is None else str(document.public_id)


@shared_task(name="boardsvc.tasks.document_minutes", acks_late=True, **_RETRY)
def document_minutes(meeting_id: int) -> str:
    """Generate the minutes of a closed meeting (enqueued by meeting_close). A rerun makes no
    duplicate."""
    document = services.minutes_auto(meeting_id=int(meeting_id))
    return "noop" if document is None else str(document.public_id)


@shared_task(name="boardsvc.tasks.document_deliver", acks_late=True, **_RETRY)
def document_deliver(delivery_id: int) -> str:
    """Send one queued document delivery (e-mail with the PDF); sends at most once."""
    return services.delivery_send(delivery_id=int(delivery_id))
