"""Readiness requirements in the reader's language: the domain keeps its English message and the
message's parameters (cases/domain/readiness.py, ``Requirement.params``); the pages word each
requirement again from its code (cases.labels.requirement_text). A code the labels do not know,
or a requirement stored before it carried parameters, keeps its English message."""

from __future__ import annotations

import json

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from cases.domain.facts import CaseFacts, LesionFacts
from cases.domain.readiness import REQUIREMENT_CODES, case_readiness
from cases.labels import REQUIREMENT_TEXTS, readiness_localized, requirement_text
from tests.factories.cases import CaseFactory, LesionFactory

COMPLETE_SPINE = LesionFacts(
    site="vertebra", vertebral_level="L2", public_id="l1", sins_pain="mechanical",
    sins_alignment="normal", sins_collapse="none", sins_posterolateral="none",
)

# code → (a case with that one requirement open, the requirement in Italian)
ITALIAN = {
    "imaging_not_available": (
        CaseFacts(imaging_available=False, lesions=(COMPLETE_SPINE,)),
        "Le immagini diagnostiche pertinenti non sono disponibili per la revisione in riunione."),
    "urgency_reason_missing": (
        CaseFacts(urgency="emergency", lesions=(COMPLETE_SPINE,)),
        "Il caso è classificato come emergenza: indicare il motivo clinico dell'urgenza."),
    "no_lesions": (CaseFacts(), "Nel caso non è descritta alcuna lesione."),
    "sins_incomplete": (
        CaseFacts(lesions=(LesionFacts(site="vertebra", vertebral_level="T4", max_diameter_mm=30,
                                       sins_pain="mechanical", sins_alignment="normal"),)),
        "Lesione 1 (vertebra T4, 30 mm): lesione del rachide senza le componenti del punteggio "
        "SINS (crollo del corpo vertebrale, coinvolgimento posterolaterale)."),
    "mirels_incomplete": (
        CaseFacts(lesions=(COMPLETE_SPINE, LesionFacts(
            site="long_bone_lower", site_detail="femore", max_diameter_mm=40,
            mirels_site="peritrochanteric"))),
        "Lesione 2 (Osso lungo, arto inferiore (femore), 40 mm): lesione di osso lungo senza le "
        "componenti del punteggio di Mirels (dolore, dimensione)."),
    "bilsky_missing": (
        CaseFacts(lesions=(LesionFacts(site="rib", max_diameter_mm=26,
                                       epidural_extension=True),)),
        "Lesione 1 (Costa, 26 mm): estensione epidurale senza il grado di Bilsky."),
    "vascularity_method_missing": (
        CaseFacts(lesions=(LesionFacts(site="vertebra", vertebral_level="L1",
                                       max_diameter_mm=45, vascularity="hyper",
                                       sins_pain="mechanical", sins_alignment="normal",
                                       sins_collapse="none", sins_posterolateral="none"),)),
        "Lesione 1 (vertebra L1, 45 mm): vascolarizzazione indicata senza il metodo di imaging "
        "(RM DCE o angiografia)."),
}


def _stored(case: CaseFacts) -> dict:
    """The one open requirement as the database keeps it (JSON, PlacementRecord.unresolved)."""
    [requirement] = case_readiness(case)
    return json.loads(json.dumps(requirement.as_dict()))


def test_every_requirement_code_has_a_wording_and_a_test():
    assert set(REQUIREMENT_CODES) == set(REQUIREMENT_TEXTS) == set(ITALIAN)


@pytest.mark.parametrize("code", sorted(ITALIAN))
def test_each_requirement_reads_in_italian_with_its_parameters(code):
    case, italian = ITALIAN[code]
    item = _stored(case)
    assert item["code"] == code
    with translation.override("it"):
        assert requirement_text(item["code"], item["params"], item["message"]) == italian


@pytest.mark.parametrize("code", sorted(set(ITALIAN) - {"sins_incomplete",
                                                        "mirels_incomplete"}))
def test_in_english_a_requirement_reads_as_the_domain_wrote_it(code):
    item = _stored(ITALIAN[code][0])
    with translation.override("en"):
        assert requirement_text(item["code"], item["params"], item["message"]) == item["message"]


def test_in_english_the_missing_score_components_have_their_names():
    item = _stored(ITALIAN["mirels_incomplete"][0])
    assert item["params"]["missing"] == ["mirels_pain", "mirels_size"]
    assert "(mirels_pain, mirels_size)" in item["message"]  # the API's message is unchanged
    with translation.override("en"):
        assert requirement_text(item["code"], item["params"], item["message"]) == (
            "Lesion 2 (Long bone, lower limb (femore), 40 mm): long-bone lesion without the "
            "Mirels components (pain, size).")


def test_an_unknown_code_keeps_the_stored_english_message():
    with translation.override("it"):
        assert requirement_text("consent_missing", {"lesion_number": "1"},
                                "Consent for the discussion is missing.") == (
            "Consent for the discussion is missing.")


def test_a_requirement_stored_without_parameters_keeps_its_english_message():
    old_lesion_row = {"code": "bilsky_missing", "lesion": "abc",
                      "message": "Lesion 1 (Rib, 26 mm): epidural extension without a Bilsky "
                                 "grade."}
    old_case_row = {"code": "imaging_not_available",
                    "message": "Relevant imaging is not available for review at the meeting."}
    with translation.override("it"):
        lesion, imaging = readiness_localized([old_lesion_row, old_case_row])
    assert lesion == old_lesion_row  # needs the lesion's number and label: English kept
    # a requirement with no parameters needs none: its code alone is enough
    assert imaging["message"] == ITALIAN["imaging_not_available"][1]
    assert imaging["code"] == "imaging_not_available"


@pytest.mark.django_db
def test_the_case_page_shows_the_requirements_in_italian(coordinator):
    case = CaseFactory(imaging_available=False)
    LesionFactory(case=case, position=0)
    LesionFactory(case=case, position=1, site="rib", vertebral_level="", max_diameter_mm=26,
                  epidural_extension=True, bilsky_grade="")
    client = Client()
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    body = client.get(f"/cases/{case.public_id}/").content.decode()
    assert ITALIAN["imaging_not_available"][1] in body
    assert "Lesione 2 (Costa, 26 mm): estensione epidurale senza il grado di Bilsky." in body
    assert "Relevant imaging is not available" not in body
    assert "without a Bilsky grade" not in body

    # Marking it ready is refused, with the missing items in Italian too.
    response = client.post(f"/cases/{case.public_id}/", {"to": "ready_for_mdt",
                                                         "version": case.version}, follow=True)
    body = response.content.decode()
    assert f"(1) {ITALIAN['imaging_not_available'][1]}" in body
    assert "(2) Lesione 2 (Costa, 26 mm): estensione epidurale" in body

    english = Client()
    english.force_login(coordinator)
    body = english.get(f"/cases/{case.public_id}/").content.decode()
    assert "Relevant imaging is not available for review at the meeting." in body
    assert "Lesion 2 (Rib, 26 mm): epidural extension without a Bilsky grade." in body
