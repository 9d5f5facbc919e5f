"""Plan adherence to the decision-support suggestions the board saw. No database."""

from __future__ import annotations

import pytest

from boardsvc.domain.decisions import plan_adherence

SUPPORT = {
    "lesions": [
        {"lesion": "L1", "suggestions": [{"procedure_type": "embolization"},
                                         {"procedure_type": "radiotherapy"}]},
        {"lesion": "L2", "suggestions": [{"procedure_type": "vertebroplasty"}]},
    ],
    "emergency": False,
}


def test_a_plan_of_suggested_procedures_follows_the_suggestions():
    result = plan_adherence(procedures=[
        {"procedure_type": "radiotherapy", "target_lesion": "L1"},
        {"procedure_type": "embolization", "target_lesion": "L1"},
        {"procedure_type": "follow_up_ct", "target_lesion": "L1"},
    ], support=SUPPORT)
    assert result.followed


def test_a_procedure_suggested_for_another_lesion_departs():
    result = plan_adherence(procedures=[{"procedure_type": "vertebroplasty",
                                         "target_lesion": "L1"}], support=SUPPORT)
    assert not result.followed
    assert result.departures[0].index == 0
    assert "not suggested for its target lesion" in result.departures[0].message


def test_a_procedure_without_target_follows_when_suggested_for_any_lesion():
    assert plan_adherence(procedures=[{"procedure_type": "vertebroplasty"}],
                          support=SUPPORT).followed
    assert not plan_adherence(procedures=[{"procedure_type": "surgery"}],
                              support=SUPPORT).followed


def test_an_empty_plan_departs_when_something_was_suggested():
    assert not plan_adherence(procedures=[], support=SUPPORT).followed
    assert plan_adherence(procedures=[], support={"lesions": []}).followed


# --- issue 11, item 2: the purpose is part of what was suggested ------------------------------------

PURPOSED = {
    "lesions": [
        {"lesion": "L1", "suggestions": [
            {"procedure_type": "embolization", "purpose": "pre_operative", "key": "preop",
             "prepares": "surgery"},
            {"procedure_type": "surgery", "key": "surgery"},
        ]},
        {"lesion": "L2", "suggestions": [
            {"procedure_type": "embolization", "embolization_purpose": "adjuvant"},  # old snapshot
            {"procedure_type": "rfa", "purpose": "curative"},
        ]},
    ],
}


@pytest.mark.parametrize(
    ("item", "follows", "message"),
    [
        ({"procedure_type": "embolization", "purpose": "pre_operative", "target_lesion": "L1"},
         True, ""),
        ({"procedure_type": "embolization", "embolization_purpose": "pre_operative",
          "target_lesion": "L1"}, True, ""),  # the deprecated alias is read
        ({"procedure_type": "embolization", "purpose": "palliative", "target_lesion": "L1"},
         False, "A palliative embolization was not suggested for its target lesion "
                "(suggested purpose: pre-operative)."),
        ({"procedure_type": "embolization", "target_lesion": "L1"},
         False, "An embolization without a purpose was not suggested for its target lesion "
                "(suggested purpose: pre-operative)."),
        ({"procedure_type": "embolization", "purpose": "pre_operative", "target_lesion": "L2"},
         False, "A pre-operative embolization was not suggested for its target lesion "
                "(suggested purpose: pre-ablation)."),
        ({"procedure_type": "embolization", "purpose": "pre_ablation", "target_lesion": "L2"},
         True, ""),  # an old snapshot's "adjuvant" is "pre_ablation"
        ({"procedure_type": "surgery", "target_lesion": "L1"}, True, ""),
        ({"procedure_type": "rfa", "purpose": "palliative", "target_lesion": "L2"}, False,
         "A palliative rfa was not suggested for its target lesion (suggested purpose: "
         "curative)."),
        ({"procedure_type": "embolization", "purpose": "pre_ablation"}, True, ""),  # any lesion
    ],
)
def test_type_purpose_and_target_must_match_a_suggestion(item, follows, message):
    result = plan_adherence(procedures=[item], support=PURPOSED)
    assert result.followed is follows
    assert [d.message for d in result.departures] == ([message] if message else [])
