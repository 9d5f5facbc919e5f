"""Issue 11, item 2 over the decision API: each procedure carries its purpose and the index of
the procedure it prepares, the plan's procedures are linked, and the deprecated
``embolization_purpose`` is still read ("adjuvant" → "pre_ablation") and still emitted."""

from __future__ import annotations

import pytest
from django.urls import reverse

from boardsvc.models import Meeting
from cases.models import PlannedProcedure

pytestmark = pytest.mark.django_db


@pytest.fixture
def in_session(world):
    Meeting.objects.filter(pk=world.meeting.pk).update(status="in_session")
    return world


@pytest.fixture
def post(client_for, in_session):
    def send(procedures, **extra):
        item = in_session.items[0]
        url = reverse("boardsvc_api:decision-create", kwargs={"public_id": item.public_id})
        payload = {"outcome_text": "Proceed.", "procedures": procedures,
                   "override_reason": "Testing the plan's links.", **extra}
        return client_for(in_session.team["chair"]).post(url, payload, format="json")

    return send


def lesion_of(world) -> str:
    return str(world.items[0].case.lesions.first().public_id)


def plan_procedures(body) -> list[PlannedProcedure]:
    return list(PlannedProcedure.objects.filter(plan__public_id=body["plan"])
                .select_related("prepares", "target_lesion").order_by("sequence"))


def test_a_pre_operative_embolization_is_linked_to_the_surgery_it_prepares(post, in_session):
    lesion = lesion_of(in_session)
    response = post([
        {"procedure_type": "embolization", "intent": "palliative", "purpose": "pre_operative",
         "target_lesion": lesion, "prepares_index": 1},
        {"procedure_type": "surgery", "intent": "palliative", "target_lesion": lesion},
    ])
    assert response.status_code == 201, response.json()
    emb, surgery = plan_procedures(response.json())
    assert (emb.purpose, emb.prepares_id) == ("pre_operative", surgery.pk)
    assert surgery.purpose == ""
    stored = response.json()["procedures"][0]
    assert (stored["purpose"], stored["prepares_index"]) == ("pre_operative", 1)
    assert stored["embolization_purpose"] == "pre_operative"  # the deprecated alias, emitted


def test_the_deprecated_embolization_purpose_is_read_and_adjuvant_is_pre_ablation(post):
    response = post([
        {"procedure_type": "embolization", "intent": "curative",
         "embolization_purpose": "adjuvant", "prepares_index": 1},
        {"procedure_type": "rfa", "intent": "curative", "purpose": "curative"},
    ])
    assert response.status_code == 201, response.json()
    emb, rfa = plan_procedures(response.json())
    assert (emb.purpose, emb.prepares_id, rfa.purpose) == ("pre_ablation", rfa.pk, "curative")
    stored = response.json()["procedures"][0]
    assert stored["purpose"] == stored["embolization_purpose"] == "pre_ablation"


@pytest.mark.parametrize(("procedures", "field", "rule"), [
    # a purpose the procedure type cannot carry
    ([{"procedure_type": "rfa", "intent": "curative", "purpose": "pre_operative"}],
     "procedures[0].purpose", "purpose_not_allowed"),
    ([{"procedure_type": "surgery", "intent": "palliative", "purpose": "palliative"}],
     "procedures[0].purpose", "purpose_not_allowed"),
    ([{"procedure_type": "embolization", "intent": "palliative", "purpose": "palliative",
       "embolization_purpose": "pre_operative"}],
     "procedures[0].embolization_purpose", "conflict"),
    # a link the purpose does not allow, or out of range
    ([{"procedure_type": "embolization", "intent": "palliative", "purpose": "pre_operative",
       "prepares_index": 1}, {"procedure_type": "rfa", "intent": "palliative"}],
     "procedures[0].prepares_index", "invalid"),
    ([{"procedure_type": "embolization", "intent": "palliative", "purpose": "palliative",
       "prepares_index": 1}, {"procedure_type": "surgery", "intent": "palliative"}],
     "procedures[0].prepares_index", "invalid"),
    ([{"procedure_type": "embolization", "intent": "palliative", "purpose": "pre_operative",
       "prepares_index": 5}], "procedures[0].prepares_index", "invalid"),
    ([{"procedure_type": "embolization", "intent": "palliative", "purpose": "pre_operative",
       "prepares_index": 0}], "procedures[0].prepares_index", "invalid"),
])
def test_a_bad_purpose_or_link_gets_400_naming_the_item(post, procedures, field, rule):
    response = post(procedures)
    assert response.status_code == 400, response.json()
    first = response.json()["errors"][0]
    assert (first["field"], first["rule"]) == (field, rule)
    assert not PlannedProcedure.objects.exists()
