"""Issue 11, "done when": a plan recorded exactly as suggested, for each of the seed's
indications of embolization (pre-operative, palliative, curative/local, synergy), keeps every
applicable timing rule active. Each walk goes through the API from case submission to booking:

1. a coordinator submits the case (POST /cases/) and marks it ready (POST .../transition/);
2. the case is listed on a meeting in session (set up directly: placement is not under test);
3. the chair reads the decision support (GET /cases/{id}/) and records the decision taking the
   suggestions as offered: type, purpose, target lesion and the ``prepares`` link turned into
   ``prepares_index`` (POST /agenda-items/{id}/decision/), which follows the suggestions;
4. the coordinator books the plan (POST /bookings/) and the rule the indication brings fires at
   its severity (409 for a hard rule, a warning for a soft one); the plan validation lists the
   rule as binding the linked pair, never as "not applicable".

The suggestions come from cases/domain (decision support); the walks pick them by what they
mean (type, purpose, link), not by position, so they follow the decision support as it evolves.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import pytest
from django.contrib.auth.models import Group

from boardsvc.models import BoardMember, Meeting
from boardsvc.services import board_create, board_member_add
from cases.models import Case
from cases.services import case_transition
from core.access import GROUP_COORDINATOR
from tests.factories.boardsvc import AgendaItemFactory, MeetingFactory
from tests.factories.core import UserFactory
from tests.factories.scheduling import ResourceFactory, at
from tests.support.boardsvc import outcome_fields

pytestmark = pytest.mark.django_db
API = "/api/v1"
BOARD = "bone-mets-walk"


@dataclass
class Site:
    coordinator: Any
    chair: Any
    rooms: dict[str, Any]
    meeting: Meeting


@pytest.fixture
def site(db, as_user) -> Site:
    board = board_create(slug=BOARD, name="Bone metastases (walks)")
    chair = UserFactory(username="walk.chair")
    board_member_add(board=board, user=chair, specialty="medical_oncologist",
                     role=BoardMember.Role.CHAIR)
    coordinator = UserFactory(username="walk.coordinator")
    coordinator.groups.add(Group.objects.get_or_create(name=GROUP_COORDINATOR)[0])
    meeting = MeetingFactory(board=board)
    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.IN_SESSION)
    rooms = {
        "angio": ResourceFactory(code="walk-angio", kind="angio_suite"),
        "hybrid": ResourceFactory(code="walk-hybrid", kind="hybrid_ct_angio"),
        "ct": ResourceFactory(code="walk-ct", kind="ct_room"),
        "or": ResourceFactory(code="walk-or", kind="operating_room"),
        "linac": ResourceFactory(code="walk-linac", kind="linac"),
    }
    return Site(as_user(coordinator), as_user(chair), rooms, meeting)


# --- the cases, one per indication ----------------------------------------------------------------

def _case(histology: str, metastases: int, lesion: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "requested_board": BOARD, "referring_clinician": "Dr Synthetic",
        "clinical_question": "Which local treatment, and in which order?",
        "urgency": "routine", "primary_histology": histology, "metastases_count": metastases,
        "ecog": 1, "pain_vas": 7,
        "patient": {"identifiers": [{"system": "urn:oid:2.999.1",
                                     "value": f"SYN-{uuid.uuid4().hex[:10]}"}],
                    "birth_year": 1958, "sex": "female"},
        "lesions": [lesion], **extra,
    }


# A hypervascular (renal cell, DCE-MRI) L2 lesion, potentially unstable (SINS 3+3+2+0+2+0 = 10:
# a surgical opinion) and away from the cord and vessels: surgery, prepared by an embolization.
PRE_OPERATIVE = _case("renal_cell", 7, {
    "site": "vertebra", "vertebral_level": "L1", "max_diameter_mm": 45, "pattern": "lytic",
    "vascularity": "hyper", "vascularity_method": "dce_mri", "distance_neural_mm": 15,
    "distance_vascular_mm": 20, "painful": False, "sins_location": "junctional",
    "sins_pain": "mechanical", "sins_alignment": "normal", "sins_collapse": "under_50",
    "sins_posterolateral": "none",
})
# Plurimetastatic breast cancer, a pelvic blastic lesion with soft-tissue extension that does
# not hurt: a palliative (size-reduction) embolization, and radiotherapy.
PALLIATIVE = _case("breast", 9, {
    "site": "pelvis", "site_detail": "iliac wing", "max_diameter_mm": 60, "pattern": "blastic",
    "vascularity": "hypo", "vascularity_method": "dce_mri", "soft_tissue_extension": True,
    "painful": False, "distance_neural_mm": 30, "distance_vascular_mm": 30,
})
# Oligometastatic renal cell cancer, a small hypervascular pelvic lesion far from structures:
# curative radiofrequency ablation, prepared by an embolization (heat sink).
CURATIVE = _case("renal_cell", 2, {
    "site": "pelvis", "site_detail": "iliac wing", "max_diameter_mm": 20, "pattern": "lytic",
    "vascularity": "hyper", "vascularity_method": "dce_mri", "painful": False,
    "distance_neural_mm": 30, "distance_vascular_mm": 30,
})
# Plurimetastatic follicular thyroid cancer, a painful hypervascular rib lesion that needs no
# consolidation: thermal ablation for pain, in synergy with a pre-ablation embolization, and
# radiotherapy.
SYNERGY = _case("thyroid_follicular", 8, {
    "site": "rib", "site_detail": "7th rib", "max_diameter_mm": 40, "pattern": "lytic",
    "vascularity": "hyper", "vascularity_method": "dce_mri", "painful": True,
    "distance_neural_mm": 30, "distance_vascular_mm": 30,
})


# --- the walk ---------------------------------------------------------------------------------------

def submit_and_list(site: Site, payload: dict[str, Any]) -> tuple[Case, dict[str, Any]]:
    created = site.coordinator.post(f"{API}/cases/", payload, format="json",
                                    HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert created.status_code == 201, created.json()
    case_id = created.json()["id"]
    ready = site.coordinator.post(f"{API}/cases/{case_id}/transition/",
                                  {"to": "ready_for_mdt"}, format="json")
    assert ready.status_code == 200, ready.json()
    case = Case.objects.get(public_id=case_id)
    case_transition(case=case, to_status="listed", principal=None)  # placed on the meeting
    item = AgendaItemFactory(meeting=site.meeting, case=case)
    detail = site.chair.get(f"{API}/cases/{case_id}/")
    assert detail.status_code == 200, detail.json()
    return case, {"item": item, "support": detail.json()["decision_support"]}


def suggestions_of(support: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    [lesion] = support["lesions"]
    return str(lesion["lesion"]), list(lesion["suggestions"])


def pick(suggestions: list[dict[str, Any]], *, procedure_type: str | None = None,
         purpose: str | None = None, prepares_type: str | None = None) -> dict[str, Any]:
    """The first suggestion of this type / purpose / preparing this type (by its link)."""
    by_key = {s.get("key"): s for s in suggestions}
    for s in suggestions:
        if procedure_type is not None and s["procedure_type"] != procedure_type:
            continue
        if purpose is not None and s.get("purpose", "") != purpose:
            continue
        if prepares_type is not None and (
                by_key.get(s.get("prepares"), {}).get("procedure_type") != prepares_type):
            continue
        return s
    offered = [(s["procedure_type"], s.get("purpose"), s.get("prepares")) for s in suggestions]
    raise AssertionError(f"decision support offers no {procedure_type or ''} {purpose or ''} "
                         f"preparing {prepares_type or '-'}: {offered}")


def as_offered(lesion: str, chosen: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The plan the chair records: each chosen suggestion as offered, its ``prepares`` key
    turned into the index of the chosen suggestion it names."""
    index = {s["key"]: i for i, s in enumerate(chosen)}
    items = []
    for s in chosen:
        item = {"procedure_type": s["procedure_type"], "intent": s["intent"],
                "target_lesion": lesion}
        if s.get("purpose"):
            item["purpose"] = s["purpose"]
        if s.get("prepares"):
            assert s["prepares"] in index, f"{s['key']} prepares a suggestion not chosen"
            item["prepares_index"] = index[s["prepares"]]
        items.append(item)
    return items


def decide(site: Site, listed: dict[str, Any], procedures: list[dict[str, Any]]) -> str:
    url = f"{API}/agenda-items/{listed['item'].public_id}/decision/"
    response = site.chair.post(url, {"outcome_text": "As suggested.", "procedures": procedures,
                                     **outcome_fields(site.meeting.board, api=True)},
                               format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["followed_suggestions"] is True, body["departures"]
    return body["plan"]


def plan_procedures(site: Site, plan: str) -> dict[str, str]:
    """procedure type → public id, from the plan validation (every procedure is unbooked)."""
    body = site.coordinator.get(f"{API}/plans/{plan}/validation/").json()
    return {w["procedure_type"]: w["procedure"] for w in body["windows"]}


def book(site: Site, procedure: str, room: str, start: datetime) -> Any:
    return site.coordinator.post(f"{API}/bookings/", {
        "procedure": procedure, "resource": str(site.rooms[room].public_id),
        "start": start.isoformat()}, format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))


def verdicts(site: Site, plan: str, rule_code: str) -> list[dict[str, Any]]:
    body = site.coordinator.get(f"{API}/plans/{plan}/validation/").json()
    return [v for v in body["verdicts"] if v["rule_code"] == rule_code]


def rules_of(response: Any, key: str) -> set[str]:
    return {v["rule"] for v in response.json()[key]}


# --- the four indications ------------------------------------------------------------------------------

def test_pre_operative_embolization_binds_its_surgery_r1_r2(site):
    _case_row, listed = submit_and_list(site, PRE_OPERATIVE)
    lesion, offered = suggestions_of(listed["support"])
    surgery = pick(offered, procedure_type="surgery")
    embolization = pick(offered, procedure_type="embolization", purpose="pre_operative",
                        prepares_type="surgery")
    plan = decide(site, listed, as_offered(lesion, [embolization, surgery]))
    ids = plan_procedures(site, plan)

    # Embolization on Wednesday morning, surgery the next Monday: 4 days, beyond 72 h (hard).
    assert book(site, ids["embolization"], "angio", at(2, 8)).status_code == 201
    refused = book(site, ids["surgery"], "or", at(7, 9))
    assert refused.status_code == 409
    assert rules_of(refused, "violations") == {"R1"}
    # Friday afternoon: 50 hours, beyond the 48-hour window (soft): booked with the warning.
    warned = book(site, ids["surgery"], "or", at(4, 13))
    assert warned.status_code == 201, warned.json()
    assert "R1" in rules_of(warned, "warnings")
    [r1] = verdicts(site, plan, "R1-window-soft")
    assert (r1["status"], r1["basis"]) == ("violated", "linked")
    [r2] = verdicts(site, plan, "R2-order")
    assert (r2["status"], r2["basis"]) == ("satisfied", "linked")


def test_palliative_embolization_keeps_radiotherapy_first_r4(site):
    _case_row, listed = submit_and_list(site, PALLIATIVE)
    lesion, offered = suggestions_of(listed["support"])
    embolization = pick(offered, procedure_type="embolization", purpose="palliative")
    radiotherapy = pick(offered, procedure_type="radiotherapy")
    plan = decide(site, listed, as_offered(lesion, [radiotherapy, embolization]))
    ids = plan_procedures(site, plan)

    # Radiotherapy on Tuesday, then an embolization booked on the Monday before it: R4 (hard).
    assert book(site, ids["radiotherapy"], "linac", at(1, 9)).status_code == 201
    refused = book(site, ids["embolization"], "angio", at(0, 9))
    assert refused.status_code == 409
    assert rules_of(refused, "violations") == {"R4"}
    assert book(site, ids["embolization"], "angio", at(2, 9)).status_code == 201
    [r4] = verdicts(site, plan, "R4-rt-before-embolization")
    assert (r4["status"], r4["basis"]) == ("satisfied", "same_lesion")
    # R1 does not bind a palliative embolization, and says so.
    assert {v["status"] for v in verdicts(site, plan, "R1-window-soft")} == {"not_applicable"}


def test_curative_ablation_prepared_by_embolization_r3(site):
    _case_row, listed = submit_and_list(site, CURATIVE)
    lesion, offered = suggestions_of(listed["support"])
    ablation = pick(offered, procedure_type="rfa", purpose="curative")
    embolization = pick(offered, procedure_type="embolization", purpose="pre_ablation",
                        prepares_type="rfa")
    plan = decide(site, listed, as_offered(lesion, [embolization, ablation]))
    ids = plan_procedures(site, plan)

    # Ablation three days after the embolization: R3 wants it as soon as possible (soft).
    assert book(site, ids["embolization"], "hybrid", at(0, 8)).status_code == 201
    warned = book(site, ids["rfa"], "ct", at(3, 9))
    assert warned.status_code == 201, warned.json()
    assert "R3" in rules_of(warned, "warnings")
    [r3] = verdicts(site, plan, "R3-ablation-after-embolization")
    assert (r3["status"], r3["basis"]) == ("violated", "linked")


def test_synergy_embolization_then_ablation_and_radiotherapy_first_r3_r4(site):
    _case_row, listed = submit_and_list(site, SYNERGY)
    lesion, offered = suggestions_of(listed["support"])
    ablation = pick(offered, procedure_type="mwa")
    embolization = pick(offered, procedure_type="embolization", purpose="pre_ablation",
                        prepares_type="mwa")
    radiotherapy = pick(offered, procedure_type="radiotherapy")
    plan = decide(site, listed, as_offered(lesion, [radiotherapy, embolization, ablation]))
    ids = plan_procedures(site, plan)

    assert book(site, ids["embolization"], "hybrid", at(1, 8)).status_code == 201
    # Radiotherapy after the embolization of the same lesion: R4 (hard) refuses it.
    refused = book(site, ids["radiotherapy"], "linac", at(2, 9))
    assert refused.status_code == 409
    assert rules_of(refused, "violations") == {"R4"}
    # The ablation two days after the embolization: R3 (soft) warns.
    warned = book(site, ids["mwa"], "ct", at(3, 9))
    assert warned.status_code == 201, warned.json()
    assert "R3" in rules_of(warned, "warnings")
    [r3] = verdicts(site, plan, "R3-ablation-after-embolization")
    assert (r3["status"], r3["basis"]) == ("violated", "linked")
    [r4] = verdicts(site, plan, "R4-rt-before-embolization")
    assert r4["status"] == "pending"  # binding, the radiotherapy still to book
