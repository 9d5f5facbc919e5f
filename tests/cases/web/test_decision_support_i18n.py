"""Decision support on the pages in the reader's language (issue 11 item 12): titles through
gettext (cases/labels.py), rationales from their message keys (cases/domain/texts.py)."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation

from cases.domain.facts import CaseFacts, LesionFacts
from cases.domain.rulebook import RULES
from cases.domain.support import case_support, support_as_dict
from cases.labels import RULE_TITLES, support_localized
from tests.factories.cases import CaseFactory, LesionFactory


def _support() -> dict:
    lesion = LesionFacts(site="vertebra", vertebral_level="T8", public_id="l1",
                         vascularity="hyper", distance_neural_mm=2, sins_location="semi_rigid",
                         sins_pain="mechanical", sins_alignment="de_novo_deformity",
                         sins_collapse="under_50", sins_posterolateral="unilateral")
    return support_as_dict(case_support(CaseFacts(primary_histology="renal_cell",
                                                  metastases_count=9, pain_vas=7,
                                                  lesions=(lesion,))))


def test_every_rule_title_has_a_translatable_label():
    assert set(RULE_TITLES) == set(RULES)
    for rule_id, rule in RULES.items():
        assert str(RULE_TITLES[rule_id]) == rule.title  # the English msgid is the title


def test_italian_titles_and_rationales_replace_the_english_ones():
    support = _support()
    with translation.override("it"):
        italian = support_localized(support)
    findings = {f["rule_id"]: f for f in italian["lesions"][0]["findings"]}
    assert findings["DS-CAZZATO"]["title"] == "Algoritmo di gestione (Cazzato 2019)"
    assert findings["DS-HEAT-NEAR"]["rationale"].startswith("Ablazione termica a caldo")
    assert "a 2 mm dal midollo spinale" in findings["DS-HEAT-NEAR"]["rationale"]
    suggestions = {s["key"]: s for s in italian["lesions"][0]["suggestions"]}
    assert "prima dell'intervento chirurgico" in suggestions["preop_embolization"]["rationale"]
    # the source stays bibliographic, and the API's support is left untouched
    english = {f["rule_id"]: f for f in support["lesions"][0]["findings"]}
    assert findings["DS-HEAT-NEAR"]["source"] == english["DS-HEAT-NEAR"]["source"]
    assert english["DS-CAZZATO"]["title"] == "Management flowchart (Cazzato 2019)"


def test_english_is_unchanged_and_old_snapshots_without_message_keys_still_render():
    support = _support()
    with translation.override("en"):
        assert support_localized(support) == support
    old = {"case": [{"rule_id": "2.1.cazzato", "title": "Disease extent", "result": {},
                     "rationale": "Old English text.", "source": "x", "evidence": "[I]"}],
           "lesions": []}
    with translation.override("it"):
        assert support_localized(old)["case"][0]["rationale"] == "Old English text."


@pytest.mark.django_db
def test_the_case_page_shows_the_decision_support_in_italian(coordinator):
    case = CaseFactory(primary_histology="renal_cell", metastases_count=9)
    LesionFactory(case=case, vascularity="hyper", distance_neural_mm=2)
    client = Client()
    client.force_login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    body = client.get(f"/cases/{case.public_id}/").content.decode()
    assert "Algoritmo di gestione (Cazzato 2019)" in body
    assert "Estensione di malattia" in body  # a case-level finding
    assert "Ablazione termica a caldo (RFA, MWA, MRgFUS) esclusa" in body
    assert "DS-HEAT-NEAR" in body
    english = Client()
    english.force_login(coordinator)
    assert "Management flowchart (Cazzato 2019)" in english.get(
        f"/cases/{case.public_id}/").content.decode()
