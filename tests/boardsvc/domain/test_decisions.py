"""Plan adherence to the decision-support suggestions the board saw. No database."""

from __future__ import annotations

import pytest

from boardsvc.domain.decisions import lesion_choices, plan_adherence

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


def test_a_procedure_without_target_follows_only_when_suggested_for_every_lesion():
    both = {"lesions": [*SUPPORT["lesions"][:1], {"lesion": "L2", "suggestions": [
        {"procedure_type": "radiotherapy"}]}]}
    assert plan_adherence(procedures=[{"procedure_type": "radiotherapy"}], support=both).followed
    result = plan_adherence(procedures=[{"procedure_type": "vertebroplasty"}], support=SUPPORT)
    assert not result.followed
    assert "not suggested for every lesion" in result.departures[0].message


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
        ({"procedure_type": "embolization", "embolization_purpose": "pre_operative",
          "target_lesion": "L2"}, False, "A pre-operative embolization was not suggested for "
         "its target lesion (suggested purpose: pre-ablation)."),  # the deprecated alias is read
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
        ({"procedure_type": "embolization", "purpose": "pre_ablation"}, False,
         "A pre-ablation embolization was not suggested for every lesion (suggested purpose: "
         "pre-operative)."),
    ],
)
def test_type_purpose_and_target_must_match_a_suggestion(item, follows, message):
    result = plan_adherence(procedures=[item], support=PURPOSED)
    assert result.followed is follows
    assert [d.message for d in result.departures] == ([message] if message else [])


def test_a_pre_operative_embolization_follows_only_with_the_operation_it_prepares():
    with_surgery = [
        {"procedure_type": "embolization", "purpose": "pre_operative", "target_lesion": "L1",
         "prepares_index": 1},
        {"procedure_type": "surgery", "target_lesion": "L1"}]
    assert plan_adherence(procedures=with_surgery, support=PURPOSED).followed
    alone = plan_adherence(procedures=[with_surgery[0] | {"prepares_index": None}],
                           support=PURPOSED)
    assert not alone.followed
    assert alone.departures[0].message == (
        "A pre-operative embolization was suggested only to prepare surgery, which the plan "
        "does not have for its target lesion.")


def test_a_pre_operative_embolization_before_another_lesions_surgery_departs():
    plan = [{"procedure_type": "embolization", "purpose": "pre_operative", "target_lesion": "L1"},
            {"procedure_type": "surgery", "target_lesion": "L2"}]
    result = plan_adherence(procedures=plan, support=PURPOSED)
    assert [d.index for d in result.departures] == [0, 1]


# --- issue 12: the decision step offers alternatives as one choice ------------------------------

LESION = [
    {"key": "surgery", "procedure_type": "surgery", "rule_id": "DS-SINS-UNSTABLE"},
    {"key": "preop_embolization", "procedure_type": "embolization", "prepares": "surgery",
     "rule_id": "DS-PREOP-EMBO"},
    {"key": "osteosynthesis", "procedure_type": "osteosynthesis", "rule_id": "DS-MIRELS"},
    {"key": "rfa", "procedure_type": "rfa", "rule_id": "DS-CAZZATO-PAIN"},
    {"key": "mwa", "procedure_type": "mwa", "rule_id": "DS-CAZZATO-PAIN"},
    {"key": "rt", "procedure_type": "radiotherapy", "rule_id": "DS-CAZZATO-RT"},
]


def test_mutually_exclusive_treatments_of_a_lesion_are_one_choice():
    choices = lesion_choices(LESION)
    assert [c.keys for c in choices.alternatives] == [
        ("surgery",), ("preop_embolization", "surgery"), ("osteosynthesis",), ("rfa",),
        ("mwa",)]


def test_a_preparation_is_offered_only_as_a_combination_with_what_it_prepares():
    choices = lesion_choices(LESION)
    offered = [c for c in (*choices.alternatives, *choices.add_ons)
               if "preop_embolization" in c.keys]
    assert [(c.keys, c.combination) for c in offered] == [
        (("preop_embolization", "surgery"), True)]


def test_radiotherapy_and_a_cementoplasty_after_ablation_are_add_ons():
    cement = {"key": "vertebroplasty", "procedure_type": "vertebroplasty",
              "rule_id": "DS-ABLATION-CEMENT"}
    choices = lesion_choices([*LESION, cement])
    assert [c.keys for c in choices.add_ons] == [("rt",), ("vertebroplasty",)]
