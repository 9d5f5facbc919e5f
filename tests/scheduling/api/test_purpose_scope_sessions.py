"""Issue 11 over the scheduling API: the link binds R1/R2/R3 to the pair it names (item 2), a
rule is never skipped in silence (item 3: patient scope with a note, verdicts in the plan
validation) and same session means same session (item 11: 409 ``same_session``, proposals
place the pair together)."""

from __future__ import annotations

import pytest

from cases.models import PlannedProcedure
from tests.factories.cases import CaseFactory, LesionFactory
from tests.factories.scheduling import at, plan_with
from tests.support.scheduling import BASE

pytestmark = pytest.mark.django_db
BOOKINGS = f"{BASE}/bookings/"


def book(client, procedure, room, start, **extra):
    return client.post(BOOKINGS, {"procedure": str(procedure.public_id),
                                  "resource": str(room.public_id), "start": start.isoformat(),
                                  **extra}, format="json")


def link(procedure: PlannedProcedure, *, prepares=None, same_session_with=None) -> None:
    procedure.prepares = prepares
    procedure.same_session_with = same_session_with
    procedure.save(update_fields=["prepares", "same_session_with"])


def validation(client, plan):
    return client.get(f"{BASE}/plans/{plan.public_id}/validation/").json()


# --- item 2 -----------------------------------------------------------------------------------------

def test_r1_binds_the_linked_surgery_even_on_another_lesion(coordinator_client, rooms):
    case = CaseFactory()
    spine, femur = LesionFactory(case=case), LesionFactory(case=case, site="long_bone_lower",
                                                           vertebral_level="")
    _plan, (emb, surgery) = plan_with(
        {"procedure_type": "embolization", "purpose": "pre_operative", "lesion": spine},
        {"procedure_type": "surgery", "lesion": femur}, case=case)
    link(emb, prepares=surgery)
    assert book(coordinator_client, emb, rooms["angio"], at(0, 8)).status_code == 201
    late = book(coordinator_client, surgery, rooms["or1"], at(4, 9))  # 4 days: beyond 72 h
    assert late.status_code == 409
    assert {e["rule"] for e in late.json()["errors"]} == {"R1"}
    warned = book(coordinator_client, surgery, rooms["or1"], at(2, 15))  # ~2.2 days: soft
    assert warned.status_code == 201
    assert [w["rule"] for w in warned.json()["warnings"]] == ["R1"]


def test_a_palliative_embolization_is_not_bound_by_r1_and_the_validation_says_why(
        coordinator_client, rooms):
    plan, (emb, surgery) = plan_with(
        {"procedure_type": "embolization", "purpose": "palliative"}, "surgery")
    assert book(coordinator_client, emb, rooms["angio"], at(0, 8)).status_code == 201
    assert book(coordinator_client, surgery, rooms["or1"], at(4, 9)).status_code == 201
    body = validation(coordinator_client, plan)
    r1 = [v for v in body["verdicts"] if v["rule_code"] == "R1-window-soft"]
    assert [(v["status"], v["reason"]) for v in r1] == [
        ("not_applicable", "R1 binds a pre-operative embolization; this one is palliative")]
    assert r1[0]["procedures"] == [str(emb.public_id), str(surgery.public_id)]


# --- item 3 -----------------------------------------------------------------------------------------

def test_surgery_without_target_then_its_embolization_the_day_after_is_refused_with_a_note(
        coordinator_client, rooms):
    """The issue's case: it was accepted with no warning (the pair was "out of scope")."""
    _plan, (surgery, emb) = plan_with(
        {"procedure_type": "surgery", "lesion": None},
        {"procedure_type": "embolization", "purpose": "pre_operative"})
    assert book(coordinator_client, surgery, rooms["or1"], at(0, 9)).status_code == 201
    refused = book(coordinator_client, emb, rooms["angio"], at(1, 9))
    assert refused.status_code == 409
    [violation] = refused.json()["violations"]
    assert violation["rule"] == "R2"
    assert violation["scope_note"] == "applied at patient scope: the surgery has no target lesion"


def test_the_validation_lists_a_verdict_for_each_rule_with_scope_notes(coordinator_client,
                                                                       rooms):
    plan, (emb, surgery, rfa) = plan_with(
        {"procedure_type": "embolization", "purpose": "pre_operative"},
        {"procedure_type": "surgery", "lesion": None}, "rfa")
    assert book(coordinator_client, emb, rooms["angio"], at(0, 8)).status_code == 201
    assert book(coordinator_client, surgery, rooms["or1"], at(0, 14)).status_code == 201
    body = validation(coordinator_client, plan)
    by = {(v["rule_code"], tuple(v["procedures"])): v for v in body["verdicts"]}
    pair = (str(emb.public_id), str(surgery.public_id))
    assert by[("R2-order", pair)]["status"] == "satisfied"
    assert by[("R2-order", pair)]["basis"] == "patient_fallback"
    assert by[("R2-order", pair)]["scope_note"] == (
        "applied at patient scope: the surgery has no target lesion")
    r3 = by[("R3-ablation-after-embolization", (str(emb.public_id), str(rfa.public_id)))]
    assert (r3["status"], r3["reason"]) == ("pending", "waiting for the rfa to be booked")
    assert by[("R17-fractionation", ())]["status"] == "not_applicable"
    assert {v["rule_code"] for v in body["verdicts"]} >= {"R1-window-soft", "R4-gap", "R8-follow-up-ct"}


# --- item 11 ----------------------------------------------------------------------------------------

@pytest.fixture
def session_plan():
    plan, (rfa, vp) = plan_with({"procedure_type": "rfa", "purpose": "palliative"},
                                "vertebroplasty")
    link(rfa, same_session_with=vp)
    return plan, rfa, vp


def test_a_same_session_pair_is_booked_in_one_room_back_to_back(coordinator_client, rooms,
                                                                 session_plan):
    plan, rfa, vp = session_plan
    first = book(coordinator_client, rfa, rooms["ct"], at(0, 9))
    assert first.status_code == 201
    later = book(coordinator_client, vp, rooms["ct"], at(0, 14))
    assert later.status_code == 409
    assert later.json()["errors"][0]["rule"] == "same_session"
    elsewhere = book(coordinator_client, vp, rooms["hybrid"], at(0, 10, 30))
    assert elsewhere.status_code == 409
    assert elsewhere.json()["errors"][0]["rule"] == "same_session"
    angio = book(coordinator_client, vp, rooms["angio"], at(0, 10, 30))  # cannot host the RFA
    assert angio.status_code == 409
    assert "cannot host" in angio.json()["errors"][0]["message"]
    together = book(coordinator_client, vp, rooms["ct"], at(0, 10, 30))  # 09:00 + 90 min
    assert together.status_code == 201, together.json()
    verdict = [v for v in validation(coordinator_client, plan)["verdicts"]
               if v["rule"] == "same_session"]
    assert [v["status"] for v in verdict] == ["satisfied"]

    # Moving one of the pair away splits the session: refused.
    moved = coordinator_client.post(f"{BASE}/bookings/{together.json()['id']}/move/",
                                    {"start": at(1, 9).isoformat()}, format="json",
                                    HTTP_IF_MATCH='W/"1"')
    assert moved.status_code == 409
    assert moved.json()["errors"][0]["rule"] == "same_session"


def test_a_proposal_places_a_same_session_pair_together(coordinator_client, rooms):
    plan, (emb, rfa) = plan_with(
        {"procedure_type": "embolization", "purpose": "pre_ablation"},
        {"procedure_type": "rfa", "purpose": "curative"})
    link(emb, prepares=rfa, same_session_with=rfa)
    response = coordinator_client.post(f"{BASE}/plans/{plan.public_id}/proposals/",
                                       {"apply": True, "horizon_days": 14}, format="json")
    assert response.status_code == 201, response.json()
    by = {b["procedure"]: b for b in response.json()["bookings"]}
    first, second = by[str(emb.public_id)], by[str(rfa.public_id)]
    assert first["resource"] == second["resource"] == str(rooms["hybrid"].public_id)
    assert second["start"] == first["end"]
    assert response.json()["warnings"] == []
    assert len(response.json()["applied"]) == 2
