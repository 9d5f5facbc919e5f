"""The decision step of the live meeting (boardsvc/web/views/live.py decision_save, meeting_state;
boardsvc/templates/boardsvc/_decision_form.html, meeting_finish.html), issue 12: nothing chosen
in advance, alternatives as one choice per lesion, the structured outcome with its mandatory
fields, validation in place for htmx, and a confirmed finish."""

from __future__ import annotations

import html
import re

import pytest

from boardsvc.models import AgendaItem, Decision, Meeting
from tests.support.web import login

pytestmark = pytest.mark.django_db

REQUIRED = {"outcome_category": "treatment", "intent": "palliative",
            "responsible_clinician": "chair.a"}


@pytest.fixture
def chair(world):
    Meeting.objects.filter(pk=world.meeting_a.pk).update(status=Meeting.Status.IN_SESSION)
    return login(world.chair_a)


def live_url(world):
    return f"/meetings/{world.meeting_a.public_id}/live/"


def decision_url(world):
    return f"/meetings/{world.meeting_a.public_id}/items/{world.item_a.public_id}/decision/"


def form_html(body: str) -> str:
    start = body.index('<form method="post" id="decision-form"')
    return body[start:body.index("</form>", start)]


def radio_values(body: str, name: str = "lesion_0") -> list[str]:
    return [html.unescape(v) for v in re.findall(rf'name="{name}" value="([^"]+)"', body)]


def test_nothing_is_chosen_in_advance(chair, world):
    form = form_html(chair.get(live_url(world)).content.decode())
    assert " checked" not in form
    assert re.search(r'<option value="" selected>', form)


def test_alternatives_of_a_lesion_are_one_radio_group_with_none(chair, world):
    values = radio_values(chair.get(live_url(world)).content.decode())
    kinds = [v.split("|")[1] for v in values if v != "none"]
    assert {"vertebroplasty", "osteosynthesis"} <= set(kinds)
    assert values[-1] == "none"


def test_a_combination_proposed_together_is_one_option(chair, world):
    body = chair.get(live_url(world)).content.decode()
    combos = [v for v in radio_values(body) if "+" in v]
    assert [[t.split("|")[1] for t in c.split("+")] for c in combos] == [
        ["embolization", "osteosynthesis"]]
    assert "Accept the combination" in body


def test_mandatory_fields_are_marked_required(chair, world):
    form = form_html(chair.get(live_url(world)).content.decode())
    for name in ("outcome_category", "intent", "responsible_clinician"):
        assert re.search(rf'name="{name}"[^>]*aria-required="true"', form), name
    assert 'class="required-mark"' in form


def test_the_decision_form_is_one_key_away_and_says_so(chair, world):
    form = form_html(chair.get(live_url(world)).content.decode())
    assert 'aria-keyshortcuts="D"' in form
    assert '<span class="kbd">D</span>' in form


def test_a_missing_mandatory_field_is_refused_next_to_it(chair, world):
    response = chair.post(decision_url(world), {
        "outcome_text": "RT.", "lesion_0": "none", "intent": "palliative",
        "responsible_clinician": "chair.a"})
    assert response.status_code == 400
    form = form_html(response.content.decode())
    described = re.search(r'name="outcome_category"[^>]*aria-describedby="([^"]+)"', form)
    assert described is not None
    assert re.search(r'name="outcome_category"[^>]*aria-invalid="true"', form)
    assert f'id="{described.group(1)}" role="alert"' in form
    assert not Decision.objects.exists()


def test_a_lesion_without_a_choice_is_asked_for_not_assumed(chair, world):
    response = chair.post(decision_url(world), {"outcome_text": "RT.", **REQUIRED})
    assert response.status_code == 400
    assert 'id="id_lesion_0-errors" role="alert"' in response.content.decode()
    assert not Decision.objects.exists()


def test_an_added_procedure_without_intent_is_asked_for_not_given_one(chair, world):
    lesion = world.case_a.lesions.first()
    response = chair.post(decision_url(world), {
        "outcome_text": "Surgery.", "lesion_0": "none", **REQUIRED,
        "extra_procedure_type": "surgery", "extra_lesion": str(lesion.public_id),
        "override_reason": "Surgeon's view."})
    assert response.status_code == 400
    assert 'id="id_extra_intent-errors"' in response.content.decode()
    assert not Decision.objects.exists()


def test_htmx_gets_the_refused_form_alone_to_swap_in_place(chair, world):
    response = chair.post(decision_url(world), {"outcome_text": "RT.", "lesion_0": "none"},
                          HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    body = response.content.decode()
    assert "<html" not in body
    assert body.strip().startswith('<form method="post" id="decision-form"')
    assert 'hx-target="this"' in body
    assert 'hx-swap="outerHTML"' in body


def test_htmx_success_navigates_with_hx_redirect(chair, world):
    response = chair.post(decision_url(world), {
        "outcome_text": "Surveillance.", "lesion_0": "none", **REQUIRED,
        "override_reason": "Asymptomatic; surveillance first."}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert response["HX-Redirect"].startswith(live_url(world))
    assert Decision.objects.get().outcome_category == "treatment"


def test_the_chosen_alternative_alone_is_recorded(chair, world):
    choice = next(v for v in radio_values(chair.get(live_url(world)).content.decode())
                  if v.split("|")[1] == "osteosynthesis" and "+" not in v)
    response = chair.post(decision_url(world), {"outcome_text": "Fixation.", "lesion_0": choice,
                                                **REQUIRED})
    assert response.status_code == 302
    decision = Decision.objects.get()
    assert [p["procedure_type"] for p in decision.procedures] == ["osteosynthesis"]
    assert decision.followed_suggestions
    assert decision.responsible_clinician == world.chair_a


def test_an_unsuggested_pre_operative_embolization_needs_an_override_reason(chair, world):
    """Embolization is suggested for this lesion (palliative, and pre-operative before the
    fixation): a pre-operative one with radiotherapy and no operation is not what was
    suggested, so it must not pass as "follows"."""
    body = chair.get(live_url(world)).content.decode()
    rt = next(v for v in radio_values(body, "procedure") if v.split("|")[1] == "radiotherapy")
    lesion = world.case_a.lesions.first()
    data = {"outcome_text": "RT and embolization.", "lesion_0": "none", "procedure": [rt],
            **REQUIRED, "extra_procedure_type": "embolization", "extra_intent": "palliative",
            "extra_purpose": "pre_operative", "extra_lesion": str(lesion.public_id)}
    refused = chair.post(decision_url(world), data)
    assert refused.status_code == 400
    assert 'id="id_override_reason-errors" role="alert"' in refused.content.decode()
    assert not Decision.objects.exists()
    data["override_reason"] = "Bleeding risk at biopsy; embolize before radiotherapy."
    assert chair.post(decision_url(world), data).status_code == 302
    assert Decision.objects.get().followed_suggestions is False


def test_the_added_procedure_can_be_placed_first_in_the_plan(chair, world):
    """The plan's order is the chair's: an added pre-operative embolization placed first comes
    before the chosen fixation in the recorded plan (its sequence)."""
    body = chair.get(live_url(world)).content.decode()
    fixation = next(v for v in radio_values(body) if v.split("|")[1] == "osteosynthesis"
                    and "+" not in v)
    lesion = world.case_a.lesions.first()
    data = {"outcome_text": "Embolize, then fix.", "lesion_0": fixation, **REQUIRED,
            "extra_procedure_type": "embolization", "extra_intent": "palliative",
            "extra_purpose": "pre_operative", "extra_lesion": str(lesion.public_id),
            "extra_position": "first", "override_reason": "Hypervascular; embolize first."}
    assert chair.post(decision_url(world), data).status_code == 302
    assert [p["procedure_type"] for p in Decision.objects.get().procedures] == [
        "embolization", "osteosynthesis"]


def test_finishing_the_meeting_asks_for_confirmation_listing_what_rolls_forward(chair, world):
    response = chair.post(f"/meetings/{world.meeting_a.public_id}/state/", {"action": "close"})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="finish-roll-forward"' in body
    assert str(world.case_a.patient.public_id)[:8] in body
    assert 'id="finish-undecided"' in body
    world.meeting_a.refresh_from_db()
    assert world.meeting_a.status == Meeting.Status.IN_SESSION


def test_the_confirmed_finish_closes_the_meeting(chair, world):
    response = chair.post(f"/meetings/{world.meeting_a.public_id}/state/",
                          {"action": "close", "confirm": "yes"})
    assert response.status_code == 302
    world.meeting_a.refresh_from_db()
    assert world.meeting_a.status == Meeting.Status.CLOSED
    world.item_a.refresh_from_db()
    assert world.item_a.outcome == AgendaItem.Outcome.ROLLED_FORWARD
