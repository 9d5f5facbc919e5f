"""Decisions: recorded on a discussion item of a meeting in session, with the suggestions the
board saw and the quorum present (R15); amended with optimistic concurrency and a revision per
version; emergency decisions ratified at the next regular meeting (R9-R12)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from boardsvc import selectors
from boardsvc.domain import placement as placement_rules
from boardsvc.domain.decisions import plan_adherence
from boardsvc.domain.errors import BoardRuleError, StaleDecision
from boardsvc.domain.outcome import OutcomeCategory, outcome_missing
from boardsvc.models import (
    AgendaItem,
    BoardMember,
    Decision,
    DecisionRevision,
    Meeting,
    PlacementRecord,
)
from cases import selectors as case_selectors
from cases.domain.codes import CaseStatus, Intent, Urgency
from cases.domain.lifecycle import IllegalTransition
from cases.domain.purposes import purpose_from_item
from cases.domain.support import support_as_dict
from cases.models import Case
from cases.services import case_transition, treatment_plan_create
from core.access import Principal, actor_fields
from core.audit import audit_record
from core.models import AuditEvent, Notification
from core.notifications import notification_send

from .agenda import lock_item
from .common import coordinators, now_or
from .documents import documents_on_decided
from .placement import apply_placement, choose_meeting


def _decision_snapshot(decision: Decision) -> dict[str, Any]:
    return {
        "public_id": str(decision.public_id),
        "version": decision.version,
        "outcome_text": decision.outcome_text,
        "outcome_category": decision.outcome_category,
        "intent": decision.intent,
        "follow_up": decision.follow_up,
        "responsible_clinician": (decision.responsible_clinician.get_username()
                                  if decision.responsible_clinician_id else None),
        "procedures": decision.procedures,
        "plan_public_id": str(decision.plan_public_id) if decision.plan_public_id else None,
        "followed_suggestions": decision.followed_suggestions,
        "departures": decision.departures,
        "override_reason": decision.override_reason,
        "quorum_met": decision.quorum_met,
        "quorum_snapshot": decision.quorum_snapshot,
        "ratification_required": decision.ratification_required,
        "recorded_at": decision.recorded_at.isoformat(),
        "amended_at": decision.amended_at.isoformat() if decision.amended_at else None,
    }


def _revision(decision: Decision, *, principal: Principal | None, reason: str,
              at: datetime) -> None:
    DecisionRevision.objects.create(
        decision=decision, version=decision.version, snapshot=_decision_snapshot(decision),
        reason=reason[:300], at=at, **actor_fields(principal))


def _clean_procedures(procedures: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The plan items as stored on the decision: JSON values, no blanks, and the purpose
    normalised (issue 11, item 2): ``purpose`` from itself or the deprecated
    ``embolization_purpose`` ("adjuvant" → "pre_ablation"), which an embolization keeps
    emitting as an alias of ``purpose`` for integrators."""
    clean: list[dict[str, Any]] = []
    for index, item in enumerate(procedures):
        row = {k: (str(v) if isinstance(v, uuid.UUID) else v) for k, v in item.items()
               if v is not None and v != ""}
        if not row.get("intent"):  # asked for, never assumed
            raise BoardRuleError("Each procedure needs its intent.",
                                 field=f"procedures[{index}].intent", rule="required")
        if "dose_gy" in row:
            row["dose_gy"] = str(row["dose_gy"])
        purpose = purpose_from_item(row)
        row.pop("embolization_purpose", None)
        if purpose:
            row["purpose"] = purpose
            if row.get("procedure_type") == "embolization":
                row["embolization_purpose"] = purpose
        clean.append(row)
    return clean


def _check_structured(*, meeting: Meeting, outcome_category: str | None, intent: str | None,
                      responsible_clinician: Any | None) -> None:
    """The structured outcome's values must be known ones, and the responsible clinician an
    active member of the meeting's board (a blank or None value is "not given")."""
    if outcome_category and outcome_category not in {c.value for c in OutcomeCategory}:
        raise BoardRuleError(f"Unknown outcome category {outcome_category!r}.",
                             field="outcome_category", rule="invalid_choice")
    if intent and intent not in {i.value for i in Intent}:
        raise BoardRuleError(f"Unknown intent {intent!r}.", field="intent",
                             rule="invalid_choice")
    if responsible_clinician is not None and not BoardMember.objects.filter(
            board_id=meeting.board_id, user=responsible_clinician, active=True).exists():
        raise BoardRuleError("The responsible clinician must be an active member of this "
                             "board.", field="responsible_clinician", rule="not_a_board_member")


def _make_plan(*, case: Case, procedures: list[dict[str, Any]], principal: Principal | None,
               decision_public_id: uuid.UUID, summary: str) -> uuid.UUID | None:
    if not procedures:
        return None
    try:
        plan = treatment_plan_create(case=case, procedures=procedures, principal=principal,
                                     decision_public_id=decision_public_id, summary=summary)
    except ValueError as exc:
        message = str(exc)
        field = message.split(" ", 1)[0] if message.startswith("procedures[") else "procedures"
        raise BoardRuleError(message, field=field, rule="invalid") from None
    except ValidationError as exc:
        raise BoardRuleError("; ".join(exc.messages), field="procedures", rule="invalid") from None
    return plan.public_id


@transaction.atomic
def decision_record(
    *,
    item: AgendaItem,
    outcome_text: str,
    procedures: Sequence[dict[str, Any]],
    principal: Principal | None,
    override_reason: str = "",
    outcome_category: str = "",
    intent: str = "",
    follow_up: str = "",
    responsible_clinician: Any | None = None,
    now: datetime | None = None,
) -> Decision:
    """Record the MDT decision on a pending discussion item of a meeting in session.

    The structured outcome follows the board's outcome template (Board.outcome_template,
    boardsvc.domain.outcome): a mandatory field left empty is refused (OutcomeIncomplete, one
    error per field, 400), never filled in; ``responsible_clinician`` is a user who is an
    active member of the board.

    Snapshots the decision support the board saw and whether the plan followed it (an override
    reason is required when it departs), and the per-case quorum from who was present now
    (R15; a decision without quorum is recorded but flagged). Creates the treatment plan, moves
    the case to "discussed", writes revision 1 and an audit row. An emergency item decided at an
    ad-hoc meeting is queued for ratification at the next regular meeting. Raises
    BoardRuleError (400 bad input, 409 wrong state).
    """
    moment = now_or(now)
    locked = lock_item(item)
    if Decision.objects.filter(agenda_item=locked).exists():
        raise BoardRuleError("A decision is already recorded for this item; amend it instead.",
                             field="agenda_item", rule="already_decided", status=409)
    if locked.purpose != AgendaItem.Purpose.DISCUSSION or \
            locked.outcome != AgendaItem.Outcome.PENDING:
        raise BoardRuleError("Only a pending discussion item can receive a decision.",
                             field="agenda_item", rule="state", status=409)
    if locked.meeting.status != Meeting.Status.IN_SESSION:
        raise BoardRuleError("Decisions are recorded while the meeting is in session.",
                             field="meeting", rule="state", status=409)
    if not outcome_text.strip():
        raise BoardRuleError("The outcome text is required.", field="outcome_text",
                             rule="required")
    _check_structured(meeting=locked.meeting, outcome_category=outcome_category, intent=intent,
                      responsible_clinician=responsible_clinician)
    missing = outcome_missing(locked.meeting.board.outcome_template, {
        "outcome_category": outcome_category, "intent": intent, "follow_up": follow_up,
        "responsible_clinician": responsible_clinician, "outcome_text": outcome_text,
        "procedures": list(procedures)})
    if missing is not None:
        raise missing
    case = locked.case
    clean = _clean_procedures(procedures)
    support = case_selectors.case_support_get(case=case)
    adherence = plan_adherence(procedures=clean, support=support)
    if not adherence.followed and not override_reason.strip():
        raise BoardRuleError(
            "The plan departs from the decision-support suggestions; record an override "
            "reason. " + " ".join(d.message for d in adherence.departures),
            field="override_reason", rule="required_when_overriding",
            extra={"departures": [d.as_dict() for d in adherence.departures]})
    quorum = selectors.meeting_quorum_at(meeting=locked.meeting, at=moment)
    public_id = uuid.uuid4()
    plan_id = _make_plan(case=case, procedures=clean, principal=principal,
                         decision_public_id=public_id, summary=outcome_text[:2000])
    ratify = locked.ratification_required
    decision = Decision.objects.create(
        public_id=public_id, agenda_item=locked, meeting=locked.meeting, case=case,
        outcome_text=outcome_text, outcome_category=outcome_category, intent=intent,
        follow_up=follow_up.strip(), responsible_clinician=responsible_clinician,
        procedures=clean, plan_public_id=plan_id,
        suggestions_snapshot=support_as_dict(support), followed_suggestions=adherence.followed,
        departures=[d.as_dict() for d in adherence.departures],
        override_reason=override_reason if not adherence.followed else override_reason.strip(),
        quorum_met=bool(quorum["met"]), quorum_snapshot=quorum,
        emergency=support.emergency or case.urgency == Urgency.EMERGENCY,
        ratification_required=ratify, recorded_at=moment,
        **actor_fields(principal, user="recorded_by", client="recorded_by_client"),
    )
    new_outcome = (AgendaItem.Outcome.STANDARD_OF_CARE if locked.standard_of_care
                   else AgendaItem.Outcome.DISCUSSED)
    AgendaItem.objects.filter(pk=locked.pk).update(outcome=new_outcome, discussed_at=moment,
                                                   version=F("version") + 1)
    try:
        case_transition(case=case, to_status=CaseStatus.DISCUSSED, principal=principal,
                        reason="MDT decision recorded.")
    except IllegalTransition as exc:
        raise BoardRuleError(str(exc), field="case", rule="state", status=409) from None
    _revision(decision, principal=principal, reason="recorded", at=moment)
    documents_on_decided(decision=decision)  # the outcome record, after commit
    audit_record(principal=principal, action=AuditEvent.Action.CREATE, object_type="decision",
                 object_id=decision.public_id, patient_pseudonym=case.patient.public_id,
                 detail={"quorum_met": decision.quorum_met,
                         "followed_suggestions": decision.followed_suggestions})
    if ratify:
        _queue_ratification(item=locked, decision=decision, now=moment)
    return decision


def _queue_ratification(*, item: AgendaItem, decision: Decision, now: datetime) -> None:
    """Put an emergency decision on the next regular meeting for ratification (R9-R12)."""
    board = item.meeting.board
    info = placement_rules.CaseInfo(case_id=item.case_id, urgency=Urgency.URGENT,
                                    ready_at=now, lesion_count=1)
    choice = choose_meeting(info=info, boards=[board], now=now,
                            exclude_meeting_id=item.meeting_id)
    record = apply_placement(case=item.case, board=board, result=choice.result, now=now,
                             principal=None, record_outcome=PlacementRecord.Outcome.PLACED,
                             purpose=AgendaItem.Purpose.RATIFICATION)
    link = (f"/meetings/{record.meeting.public_id}/" if record.meeting is not None
            else f"/cases/{item.case.public_id}/")
    reference = str(decision.public_id)[:8]
    notification_send(
        recipients=coordinators(board),
        kind=Notification.Kind.RATIFICATION,
        # Translators: {decision} is the short reference of the decision (8 characters).
        subject=lambda: _("Emergency decision {decision} awaits ratification").format(
            decision=reference),
        body=lambda: _("An emergency decision taken at an ad-hoc meeting is listed for "
                       "ratification at the next regular meeting (R9-R12)."),
        link=link,
        dedup_key=f"ratification:{decision.pk}",
    )


@transaction.atomic
def decision_ratify(*, item: AgendaItem, principal: Principal | None,
                    now: datetime | None = None) -> Decision:
    """Ratify an emergency decision at a regular meeting in session (its ratification item)."""
    moment = now_or(now)
    locked = lock_item(item)
    if locked.purpose != AgendaItem.Purpose.RATIFICATION or \
            locked.outcome != AgendaItem.Outcome.PENDING:
        raise BoardRuleError("Only a pending ratification item can be ratified.",
                             field="agenda_item", rule="state", status=409)
    if locked.meeting.status != Meeting.Status.IN_SESSION:
        raise BoardRuleError("Ratification happens while the meeting is in session.",
                             field="meeting", rule="state", status=409)
    decision = (Decision.objects.select_for_update(of=("self",))
                .filter(case_id=locked.case_id, ratification_required=True,
                        ratified_at__isnull=True).order_by("-recorded_at").first())
    if decision is None:
        raise BoardRuleError("No emergency decision awaits ratification for this case.",
                             field="agenda_item", rule="nothing_to_ratify", status=409)
    Decision.objects.filter(pk=decision.pk).update(ratified_at=moment, ratified_in=locked.meeting)
    AgendaItem.objects.filter(pk=locked.pk).update(outcome=AgendaItem.Outcome.DISCUSSED,
                                                   discussed_at=moment, version=F("version") + 1)
    audit_record(principal=principal, action=AuditEvent.Action.UPDATE, object_type="decision",
                 object_id=decision.public_id, patient_pseudonym=locked.case.patient.public_id,
                 detail={"event": "ratified"})
    decision.refresh_from_db()
    return decision


@transaction.atomic
def decision_amend(
    *,
    decision: Decision,
    expected_version: int,
    reason: str,
    principal: Principal | None,
    outcome_text: str | None = None,
    procedures: Sequence[dict[str, Any]] | None = None,
    override_reason: str | None = None,
    outcome_category: str | None = None,
    intent: str | None = None,
    follow_up: str | None = None,
    responsible_clinician: Any | None = None,
    now: datetime | None = None,
) -> Decision:
    """Amend a decision after the meeting, keeping the original visible (DecisionRevision).

    Optimistic concurrency: ``expected_version`` must be current (else StaleDecision → 412);
    the version is bumped in the same conditional UPDATE. New procedures create a new plan
    (the old one is superseded) and are re-checked against the original suggestions snapshot.
    Raises BoardRuleError without an amendment reason or with a departure and no override reason.
    A structured field left None is unchanged; one that is given may not empty a mandatory
    field of the board's outcome template (decisions recorded before the template stay
    amendable).
    """
    moment = now_or(now)
    if not reason.strip():
        raise BoardRuleError("A reason is required to amend a decision.", field="reason",
                             rule="required")
    locked = Decision.objects.select_for_update(of=("self",)).select_related(
        "case__patient", "meeting__board").get(
        pk=decision.pk)
    if locked.version != expected_version:
        raise StaleDecision(locked.version)
    changes: dict[str, Any] = {}
    new_text = locked.outcome_text if outcome_text is None else outcome_text
    if not new_text.strip():
        raise BoardRuleError("The outcome text is required.", field="outcome_text",
                             rule="required")
    changes["outcome_text"] = new_text
    structured = {"outcome_category": outcome_category, "intent": intent,
                  "follow_up": follow_up, "responsible_clinician": responsible_clinician}
    given = {k: v for k, v in structured.items() if v is not None}
    _check_structured(meeting=locked.meeting, outcome_category=outcome_category, intent=intent,
                      responsible_clinician=responsible_clinician)
    missing = outcome_missing(locked.meeting.board.outcome_template,
                              {**given, "outcome_text": new_text}, only=[*given, "outcome_text"])
    if missing is not None:
        raise missing
    changes.update({k: (v.strip() if k == "follow_up" else v) for k, v in given.items()})
    new_override = locked.override_reason if override_reason is None else override_reason
    new_procedures = locked.procedures if procedures is None else _clean_procedures(procedures)
    adherence = plan_adherence(procedures=new_procedures, support=locked.suggestions_snapshot)
    if not adherence.followed and not new_override.strip():
        raise BoardRuleError(
            "The plan departs from the decision-support suggestions; record an override "
            "reason.", field="override_reason", rule="required_when_overriding",
            extra={"departures": [d.as_dict() for d in adherence.departures]})
    changes.update(procedures=new_procedures, followed_suggestions=adherence.followed,
                   departures=[d.as_dict() for d in adherence.departures],
                   override_reason=new_override)
    if procedures is not None:
        changes["plan_public_id"] = _make_plan(
            case=locked.case, procedures=new_procedures, principal=principal,
            decision_public_id=locked.public_id, summary=new_text[:2000])
    updated = Decision.objects.filter(pk=locked.pk, version=expected_version).update(
        version=F("version") + 1, amended_at=moment, **changes)
    if updated != 1:  # pragma: no cover - the row lock above makes this unreachable
        raise StaleDecision(locked.version)
    locked.refresh_from_db()
    _revision(locked, principal=principal, reason=reason, at=moment)
    audit_record(principal=principal, action=AuditEvent.Action.UPDATE, object_type="decision",
                 object_id=locked.public_id, patient_pseudonym=locked.case.patient.public_id,
                 detail={"version": locked.version})
    return locked
