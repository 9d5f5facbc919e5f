"""GET /api/v1/cases/<id>/ decision support for the lesions of issue 11 (items 1, 4 and 12):
surgery and a linked pre-operative embolization, no heat beside the cord, citable rule ids."""

from __future__ import annotations

from typing import Any

import pytest

from cases.domain.rulebook import RULES
from tests.factories.cases import submission_payload

pytestmark = pytest.mark.django_db
URL = "/api/v1/cases/"

# T8: semi-rigid 1 + mechanical 3 + lytic 2 + de novo deformity 2 + collapse < 50 % 2
# + unilateral 1 = SINS 11. Hypervascular on DCE-MRI, epidural extension (Bilsky 1b).
HYPERVASCULAR_T_SPINE: dict[str, Any] = {
    "site": "vertebra", "vertebral_level": "T8", "max_diameter_mm": 38, "pattern": "lytic",
    "vascularity": "hyper", "vascularity_method": "dce_mri", "epidural_extension": True,
    "bilsky_grade": "1b", "distance_neural_mm": 3, "distance_vascular_mm": 15,
    "sins_pain": "mechanical", "sins_alignment": "de_novo_deformity",
    "sins_collapse": "under_50", "sins_posterolateral": "unilateral",
}
# A stable (SINS 4), painful T8 lesion 2 mm from the cord: the palliative pain branch.
PAINFUL_NEAR_CORD: dict[str, Any] = {
    "site": "vertebra", "vertebral_level": "T8", "max_diameter_mm": 25, "pattern": "lytic",
    "distance_neural_mm": 2, "distance_vascular_mm": 20, "sins_pain": "occasional",
    "sins_alignment": "normal", "sins_collapse": "none", "sins_posterolateral": "none",
}


def _submit_and_read(client, lesion: dict[str, Any], **case: Any) -> dict[str, Any]:
    created = client.post(URL, submission_payload(lesions=[lesion], **case), format="json")
    assert created.status_code == 201, created.json()
    response = client.get(f"{URL}{created.json()['id']}/")
    assert response.status_code == 200
    [lesion_support] = response.json()["decision_support"]["lesions"]
    return lesion_support


def test_a_hypervascular_t_spine_lesion_with_sins_11_gets_surgery_and_a_linked_embolization(
        coordinator_client):
    support = _submit_and_read(coordinator_client, HYPERVASCULAR_T_SPINE)
    sins = next(f for f in support["findings"] if f["rule_id"] == "DS-SINS")
    assert sins["result"]["score"] == 11
    by_key = {s["key"]: s for s in support["suggestions"]}
    surgery = by_key["surgery"]
    assert (surgery["procedure_type"], surgery["rule_id"]) == ("surgery", "DS-SINS-POTENTIAL")
    embolization = next(s for s in support["suggestions"] if s["purpose"] == "pre_operative"
                        and s["prepares"] == surgery["key"])
    assert embolization["procedure_type"] == "embolization"
    assert embolization["embolization_purpose"] == "pre_operative"
    assert embolization["rule_id"] == "DS-PREOP-EMBO"
    assert "Kato S et al. Spine 2013" in embolization["source"]
    assert embolization["rationale_i18n"][0]["key"] == "preop.suggestion"
    # every suggestion is keyed, and every link points at a suggestion of the same lesion
    assert len(by_key) == len(support["suggestions"])
    assert all(s["prepares"] in by_key for s in support["suggestions"] if s["prepares"])


def test_no_heat_based_ablation_is_suggested_two_millimetres_from_the_cord(coordinator_client):
    support = _submit_and_read(coordinator_client, PAINFUL_NEAR_CORD,
                               primary_histology="breast", metastases_count=9, pain_vas=8)
    kinds = {s["procedure_type"] for s in support["suggestions"]}
    assert not {"rfa", "mwa", "mrgfus"} & kinds
    assert {"cryoablation", "ect", "radiotherapy"} <= kinds
    heat = next(f for f in support["findings"] if f["rule_id"] == "DS-HEAT-NEAR")
    assert heat["result"]["removed"] == ["rfa", "mwa"]
    assert "2 mm from the spinal cord" in heat["rationale"]


def test_every_rule_id_in_the_answer_is_in_the_catalogue(coordinator_client):
    support = _submit_and_read(coordinator_client, HYPERVASCULAR_T_SPINE)
    ids = {item["rule_id"] for item in support["findings"] + support["suggestions"]}
    assert ids <= set(RULES)
