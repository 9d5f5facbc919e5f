"""Plan adherence to the decision-support suggestions the board saw. No database."""

from __future__ import annotations

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
