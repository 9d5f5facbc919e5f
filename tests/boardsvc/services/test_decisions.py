"""Decisions (boardsvc/services/decisions.py): quorum snapshot (R15), suggestions followed
or overridden, amendments with history, emergency ratification."""

from __future__ import annotations

from datetime import timedelta

import pytest

from boardsvc.models import AgendaItem, Decision, DecisionRevision
from boardsvc.services import (
    BoardRuleError,
    StaleDecision,
    agenda_place_case,
    attendance_arrive,
    attendance_leave,
    decision_amend,
    decision_ratify,
    decision_record,
    meeting_horizon_upkeep,
    meeting_start,
)
from cases.models import Case, TreatmentPlan
from core.access import principal_for_user
from tests.factories.boardsvc import make_case, suggested_procedure
from tests.factories.core import UserFactory
from tests.support.boardsvc import outcome_fields

pytestmark = pytest.mark.django_db


def arrive_all(item, team, keys=("surgeon", "rt", "rad", "ir")):
    for key in keys:
        attendance_arrive(meeting=item.meeting, user=team[key], principal=None)


def test_a_decision_without_quorum_is_recorded_but_flagged(session, team):
    item, chair = session
    arrive_all(item, team, keys=("surgeon", "rt", "rad"))
    decision = decision_record(item=item, **outcome_fields(item.meeting.board),
                    outcome_text="RT.", principal=chair,
                               procedures=[suggested_procedure(item.case)])
    assert not decision.quorum_met
    assert decision.quorum_snapshot["missing"] == ["interventional radiologist"]


def test_a_stand_in_covers_a_missing_specialty(session, team):
    item, chair = session
    arrive_all(item, team, keys=("surgeon", "rt", "rad"))
    guest = UserFactory(username="guest.ir")
    attendance = attendance_arrive(meeting=item.meeting, user=guest, principal=chair,
                                   specialty="interventional_radiologist")
    assert attendance.stand_in
    decision = decision_record(item=item, **outcome_fields(item.meeting.board),
                    outcome_text="Ablation.", principal=chair,
                               procedures=[suggested_procedure(item.case)])
    assert decision.quorum_met
    assert decision.quorum_snapshot["covered_by_stand_in"] == ["interventional radiologist"]


def test_someone_who_left_before_the_discussion_does_not_count(session, team, clock):
    item, chair = session
    arrive_all(item, team)
    clock.shift(timedelta(minutes=10))
    attendance_leave(meeting=item.meeting, user=team["ir"], principal=None)
    clock.shift(timedelta(minutes=1))
    decision = decision_record(item=item, **outcome_fields(item.meeting.board),
                    outcome_text="RT.", principal=chair,
                               procedures=[suggested_procedure(item.case)])
    assert not decision.quorum_met


def test_departing_from_the_suggestions_needs_an_override_reason(session, team):
    item, chair = session
    surgery = [{"procedure_type": "surgery", "intent": "palliative"}]
    with pytest.raises(BoardRuleError) as excinfo:
        decision_record(item=item, **outcome_fields(item.meeting.board),
                    outcome_text="Surgery.", procedures=surgery, principal=chair)
    assert excinfo.value.field == "override_reason"
    assert excinfo.value.extra["departures"][0]["procedure_type"] == "surgery"
    assert not Decision.objects.exists()
    decision = decision_record(item=item, **outcome_fields(item.meeting.board),
                    outcome_text="Surgery.", procedures=surgery,
                               principal=chair, override_reason="Unstable spine on review")
    assert not decision.followed_suggestions
    assert decision.override_reason == "Unstable spine on review"


def test_a_decision_needs_the_meeting_in_session_and_is_recorded_once(board, team, session):
    item, chair = session
    decision_record(item=item, **outcome_fields(item.meeting.board),
                    outcome_text="RT.", principal=chair,
                    procedures=[suggested_procedure(item.case)])
    with pytest.raises(BoardRuleError) as excinfo:
        decision_record(item=item, **outcome_fields(item.meeting.board),
                    outcome_text="Again.", procedures=[], principal=chair)
    assert excinfo.value.status == 409
    other = make_case(requested_board=board.slug)
    planned_item = agenda_place_case(case_id=other.pk).agenda_item
    assert planned_item.meeting.status == "planned"
    with pytest.raises(BoardRuleError) as excinfo:
        decision_record(item=planned_item, outcome_text="x", procedures=[], principal=chair)
    assert excinfo.value.field == "meeting"


def test_amending_keeps_the_original_and_checks_the_version(session, team):
    item, chair = session
    decision = decision_record(item=item, **outcome_fields(item.meeting.board),
                    outcome_text="RT 8 Gy.", principal=chair,
                               procedures=[suggested_procedure(item.case)])
    first_plan = decision.plan_public_id
    with pytest.raises(StaleDecision):
        decision_amend(decision=decision, expected_version=7, reason="typo", principal=chair)
    amended = decision_amend(decision=decision, expected_version=1, reason="Dose corrected",
                             outcome_text="RT 20 Gy/5.", principal=chair,
                             procedures=[suggested_procedure(item.case)])
    assert amended.version == 2
    assert amended.plan_public_id != first_plan
    assert TreatmentPlan.objects.get(public_id=first_plan).status == "superseded"
    revisions = list(DecisionRevision.objects.filter(decision=decision).order_by("version"))
    assert [r.snapshot["outcome_text"] for r in revisions] == ["RT 8 Gy.", "RT 20 Gy/5."]
    with pytest.raises(StaleDecision):
        decision_amend(decision=decision, expected_version=1, reason="late", principal=chair)


def test_an_emergency_decision_is_ratified_at_the_next_regular_meeting(board, team, clock):
    meeting_horizon_upkeep(weeks=2)
    chair = principal_for_user(team["chair"])
    case = make_case(requested_board=board.slug, urgency="emergency")
    item = agenda_place_case(case_id=case.pk).agenda_item
    clock.move_to(item.meeting.starts_at)
    meeting_start(meeting=item.meeting, principal=chair)
    arrive_all(item, team)
    decision = decision_record(item=item, **outcome_fields(item.meeting.board),
                    outcome_text="Urgent RT within 24 h (R10).",
                               procedures=[{"procedure_type": "radiotherapy",
                                            "intent": "palliative"}],
                               override_reason="MSCC pathway", principal=chair)
    assert decision.ratification_required
    ratification = AgendaItem.objects.get(case=case, purpose="ratification")
    assert ratification.meeting.kind == "regular"
    assert Case.objects.get(pk=case.pk).status == "discussed"
    clock.move_to(ratification.meeting.starts_at)
    meeting_start(meeting=ratification.meeting, principal=chair)
    ratified = decision_ratify(item=ratification, principal=chair)
    assert ratified.ratified_in == ratification.meeting


# --- the structured outcome (issue 12) ---------------------------------------------------------


def test_a_mandatory_outcome_field_left_empty_is_refused_naming_each_field(session, team):
    item, chair = session
    with pytest.raises(BoardRuleError) as excinfo:
        decision_record(item=item, outcome_text="RT.", principal=chair,
                        procedures=[suggested_procedure(item.case)])
    assert [(e["field"], e["rule"]) for e in excinfo.value.errors] == [
        ("outcome_category", "required"), ("intent", "required"),
        ("responsible_clinician", "required")]
    assert not Decision.objects.exists()


def test_the_structured_outcome_is_stored_as_given(session, team):
    item, chair = session
    fields = outcome_fields(item.meeting.board, intent="curative")
    decision = decision_record(item=item, outcome_text="RT.", principal=chair,
                               procedures=[suggested_procedure(item.case)],
                               follow_up="MRI in 6 weeks.", **fields)
    decision.refresh_from_db()
    assert (decision.outcome_category, decision.intent, decision.follow_up,
            decision.responsible_clinician) == ("treatment", "curative", "MRI in 6 weeks.",
                                                fields["responsible_clinician"])


def test_the_responsible_clinician_must_be_a_member_of_the_board(session, team):
    item, chair = session
    stranger = UserFactory(username="not.a.member")
    with pytest.raises(BoardRuleError) as excinfo:
        decision_record(item=item, outcome_text="RT.", principal=chair,
                        procedures=[suggested_procedure(item.case)],
                        **outcome_fields(item.meeting.board, responsible_clinician=stranger))
    assert (excinfo.value.field, excinfo.value.rule) == ("responsible_clinician",
                                                         "not_a_board_member")


def test_a_procedure_without_an_intent_is_refused_not_given_one(session, team):
    item, chair = session
    procedure = {k: v for k, v in suggested_procedure(item.case).items() if k != "intent"}
    with pytest.raises(BoardRuleError) as excinfo:
        decision_record(item=item, outcome_text="RT.", principal=chair, procedures=[procedure],
                        **outcome_fields(item.meeting.board))
    assert (excinfo.value.field, excinfo.value.rule) == ("procedures[0].intent", "required")


def test_an_unsuggested_pre_operative_embolization_needs_an_override_reason(session, team):
    item, chair = session
    lesion = str(item.case.lesions.first().public_id)
    plan = [suggested_procedure(item.case),
            {"procedure_type": "embolization", "intent": "palliative",
             "purpose": "pre_operative", "target_lesion": lesion}]
    with pytest.raises(BoardRuleError) as excinfo:
        decision_record(item=item, outcome_text="RT.", principal=chair, procedures=plan,
                        **outcome_fields(item.meeting.board))
    assert excinfo.value.rule == "required_when_overriding"


def test_amending_an_older_decision_does_not_demand_fields_it_does_not_touch(session, team):
    item, chair = session
    decision = decision_record(item=item, outcome_text="RT.", principal=chair,
                               procedures=[suggested_procedure(item.case)],
                               **outcome_fields(item.meeting.board))
    Decision.objects.filter(pk=decision.pk).update(outcome_category="", intent="",
                                                   responsible_clinician=None)
    amended = decision_amend(decision=decision, expected_version=1, reason="typo",
                             outcome_text="RT 8 Gy.", principal=chair)
    assert amended.outcome_text == "RT 8 Gy."
    with pytest.raises(BoardRuleError) as excinfo:
        decision_amend(decision=decision, expected_version=2, reason="clear", intent="",
                       principal=chair)
    assert excinfo.value.field == "intent"
