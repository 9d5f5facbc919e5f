"""Intake refuses contradictory lesions, every problem at once (issue 11, item 10), and the
coordinator's next step. No database."""

from __future__ import annotations

import pytest

from cases.domain.intake import lesion_inconsistencies
from cases.domain.readiness import next_step

SPINE = {"site": "vertebra", "vertebral_level": "L2", "sins_location": "mobile"}
FEMUR = {"site": "long_bone_lower", "mirels_site": "peritrochanteric", "mirels_pain": "mild"}


def rules(values: dict) -> list[tuple[str, str]]:
    return [(i.field, i.rule) for i in lesion_inconsistencies(values)]


@pytest.mark.parametrize(("values", "expected"), [
    (SPINE, []),
    (FEMUR, []),
    ({"site": "sacrum", "vertebral_level": "S2"}, []),
    ({"site": "pelvis", "vascularity": "not_assessed"}, []),
    ({"site": "rib", "vascularity": "hyper", "vascularity_method": "angiography"}, []),
    # the two the issue names
    ({"site": "long_bone_lower", "vertebral_level": "T12"},
     [("vertebral_level", "level_needs_spine")]),
    ({"site": "pelvis", "vascularity": "hyper"},
     [("vascularity_method", "required_with_vascularity")]),
    ({"site": "pelvis", "vascularity": "hypo", "vascularity_method": "none"},
     [("vascularity_method", "required_with_vascularity")]),
    # and the other obvious ones
    ({"site": "vertebra"}, [("vertebral_level", "required")]),
    ({"site": "sacrum", "vertebral_level": "L5"}, [("vertebral_level", "sacrum_level")]),
    ({"site": "vertebra", "vertebral_level": "T9", "mirels_size": "under_third"},
     [("mirels_size", "mirels_long_bone_only")]),
    ({"site": "long_bone_upper", "sins_pain": "mechanical", "sins_collapse": "none"},
     [("sins_pain", "sins_spine_only"), ("sins_collapse", "sins_spine_only")]),
    ({"site": "long_bone_upper", "mirels_site": "peritrochanteric"},
     [("mirels_site", "mirels_site_mismatch")]),
    ({"site": "long_bone_lower", "mirels_site": "upper_limb"},
     [("mirels_site", "mirels_site_mismatch")]),
    ({"site": "pelvis", "bilsky_grade": "2", "epidural_extension": True},
     [("bilsky_grade", "spine_only")]),
    ({"site": "vertebra", "vertebral_level": "T4", "bilsky_grade": "1a"},
     [("bilsky_grade", "needs_epidural_extension")]),
    ({"site": "rib", "vertebra_plana": True, "posterior_wall_involved": "on"},
     [("vertebra_plana", "spine_only"), ("posterior_wall_involved", "spine_only")]),
    # every problem at once
    ({"site": "long_bone_lower", "vertebral_level": "T12", "vascularity": "hyper",
      "sins_location": "junctional", "mirels_site": "upper_limb"},
     [("vertebral_level", "level_needs_spine"), ("vascularity_method", "required_with_vascularity"),
      ("sins_location", "sins_spine_only"), ("mirels_site", "mirels_site_mismatch")]),
])
def test_contradictions_in_a_lesion_are_named_by_field(values, expected):
    assert rules(values) == expected


def test_the_prefix_gives_the_request_path():
    [issue] = lesion_inconsistencies({"site": "long_bone_lower", "vertebral_level": "T12"})
    assert issue.as_dict("lesions[1]")["field"] == "lesions[1].vertebral_level"


@pytest.mark.parametrize(("status", "unresolved", "plan", "code"), [
    ("submitted", 2, False, "complete_referral"),
    ("submitted", 0, False, "mark_ready"),
    ("ready_for_mdt", 0, False, "await_placement"),
    ("listed", 0, False, "await_meeting"),
    ("discussed", 0, True, "book_plan"),
    ("discussed", 0, False, "no_plan"),
    ("plan_scheduled", 0, True, "start_treatment"),
    ("in_treatment", 0, True, "to_follow_up"),
    ("follow_up", 0, False, "follow_up"),
    ("closed", 0, False, "closed"),
])
def test_the_next_step_follows_status_and_readiness(status, unresolved, plan, code):
    step = next_step(status=status, unresolved=unresolved, has_active_plan=plan)
    assert step.code == code
    assert step.message
