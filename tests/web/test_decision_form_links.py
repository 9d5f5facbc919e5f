"""The decision form carries each suggestion's purpose and the link to the suggestion it
prepares (issue 11, item 2): ticking both, or accepting the combination the live page offers
for a lesion (issue 12), yields a plan whose procedures are linked."""

from __future__ import annotations

import html
import re

import pytest

from boardsvc.web.forms import DecisionForm, parse_token, suggestion_token

L1, L2 = "lesion-1", "lesion-2"


def token(lesion, kind, purpose="", key="", prepares="", intent="palliative"):
    return suggestion_token(lesion=lesion, procedure_type=kind, intent=intent, purpose=purpose,
                            key=key, prepares=prepares)


SUGGESTIONS = [
    token(L1, "surgery", key="surgery"),
    token(L1, "embolization", "pre_operative", key="preop_embolization", prepares="surgery"),
    token(L1, "radiotherapy", key="radiotherapy"),
    token(L2, "surgery", key="surgery"),
]


def procedures(ticked, **extra):
    form = DecisionForm({"outcome_text": "Proceed.", "procedure": ticked, **extra},
                        suggestions=[(t, t) for t in SUGGESTIONS], lesions=[(L1, L1), (L2, L2)])
    assert form.is_valid(), form.errors
    return form.procedures()


def test_a_preparation_ticked_with_its_target_is_linked_by_index():
    plan = procedures([SUGGESTIONS[0], SUGGESTIONS[1], SUGGESTIONS[2]])
    assert plan == [
        {"procedure_type": "surgery", "intent": "palliative", "target_lesion": L1},
        {"procedure_type": "embolization", "intent": "palliative", "target_lesion": L1,
         "purpose": "pre_operative", "prepares_index": 0},
        {"procedure_type": "radiotherapy", "intent": "palliative", "target_lesion": L1},
    ]


def test_the_link_stays_on_the_same_lesion_and_is_dropped_without_its_target():
    # The other lesion's surgery has the same key: it is not this embolization's surgery.
    plan = procedures([SUGGESTIONS[1], SUGGESTIONS[3]])
    assert "prepares_index" not in plan[0]
    assert plan[0]["purpose"] == "pre_operative"


def test_a_token_from_before_links_still_parses_and_adjuvant_is_pre_ablation():
    assert parse_token(f"{L1}|embolization|curative|adjuvant") == {
        "procedure_type": "embolization", "intent": "curative", "target_lesion": L1,
        "purpose": "pre_ablation"}
    assert parse_token("x|magic|curative|") is None


def test_an_added_procedure_carries_a_purpose_only_when_its_type_has_one():
    added = procedures([], extra_procedure_type="rfa", extra_intent="curative",
                       extra_purpose="curative", extra_lesion=L2)
    assert added == [{"procedure_type": "rfa", "intent": "curative", "target_lesion": L2,
                      "purpose": "curative"}]
    surgery = procedures([], extra_procedure_type="surgery", extra_intent="palliative",
                         extra_purpose="palliative")
    assert "purpose" not in surgery[0]


@pytest.mark.django_db
def test_the_live_page_offers_the_combination_and_the_plan_recorded_from_it_is_linked(world):
    from boardsvc.models import Decision, Meeting
    from cases.models import PlannedProcedure
    from tests.support.web import login

    Meeting.objects.filter(pk=world.meeting_a.pk).update(status=Meeting.Status.IN_SESSION)
    client = login(world.chair_a)
    body = client.get(f"/meetings/{world.meeting_a.public_id}/live/").content.decode()
    combos = [html.unescape(t) for t in
              re.findall(r'name="lesion_0" value="([^"]+\+[^"]+)"', body)]
    preparing = [t for t in combos[0].split("+") if parse_token(t).get("_prepares")]
    assert preparing, combos  # a hypervascular lesion: an embolization prepares its operation
    response = client.post(
        f"/meetings/{world.meeting_a.public_id}/items/{world.item_a.public_id}/decision/",
        {"outcome_text": "As suggested.", "lesion_0": combos[0], "outcome_category": "treatment",
         "intent": "palliative", "responsible_clinician": "chair.a"})
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert decision.followed_suggestions, decision.departures
    linked = PlannedProcedure.objects.filter(plan__public_id=decision.plan_public_id,
                                             prepares__isnull=False).select_related("prepares")
    assert len(linked) == len(preparing)
    for procedure in linked:
        expected = ("pre_operative" if procedure.prepares.procedure_type in {
            "surgery", "osteosynthesis"} else "pre_ablation")
        assert (procedure.procedure_type, procedure.purpose) == ("embolization", expected)
        assert procedure.prepares.target_lesion_id == procedure.target_lesion_id
