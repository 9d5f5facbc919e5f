"""Per-case quorum (R15) from attendance spans. No database."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from boardsvc.domain.quorum import (
    BONE_METS_QUORUM,
    AttendanceSpan,
    quorum_check,
    validate_requirements,
)

T0 = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)


def full_team(**overrides):
    spans = {
        "surgeon": AttendanceSpan(1, "neurosurgeon", T0),
        "rt": AttendanceSpan(2, "radiation_oncologist", T0),
        "rad": AttendanceSpan(3, "radiologist", T0),
        "ir": AttendanceSpan(4, "interventional_radiologist", T0),
    }
    spans.update(overrides)
    return [s for s in spans.values() if s is not None]


def test_quorum_is_met_when_every_core_specialty_is_present():
    result = quorum_check(requirements=BONE_METS_QUORUM, attendance=full_team(),
                          at=T0 + timedelta(minutes=10))
    assert result.met
    assert result.missing == ()
    assert result.as_dict()["rule_id"] == "R15"


def test_a_missing_specialty_breaks_quorum_and_is_named():
    result = quorum_check(requirements=BONE_METS_QUORUM, attendance=full_team(ir=None),
                          at=T0 + timedelta(minutes=10))
    assert not result.met
    assert result.as_dict()["missing"] == ["interventional radiologist"]


def test_quorum_is_judged_at_the_moment_of_discussion():
    left_early = AttendanceSpan(4, "interventional_radiologist", T0, T0 + timedelta(minutes=30))
    team = full_team(ir=left_early)
    assert quorum_check(requirements=BONE_METS_QUORUM, attendance=team,
                        at=T0 + timedelta(minutes=29)).met
    assert not quorum_check(requirements=BONE_METS_QUORUM, attendance=team,
                            at=T0 + timedelta(minutes=30)).met


def test_someone_arriving_after_the_discussion_does_not_count():
    late = AttendanceSpan(4, "interventional_radiologist", T0 + timedelta(minutes=40))
    assert not quorum_check(requirements=BONE_METS_QUORUM, attendance=full_team(ir=late),
                            at=T0 + timedelta(minutes=20)).met


def test_a_stand_in_covering_a_specialty_counts_and_is_reported():
    stand_in = AttendanceSpan(9, "interventional_radiologist", T0, stand_in=True)
    result = quorum_check(requirements=BONE_METS_QUORUM, attendance=full_team(ir=stand_in),
                          at=T0 + timedelta(minutes=5))
    assert result.met
    assert result.as_dict()["covered_by_stand_in"] == ["interventional radiologist"]


@pytest.mark.parametrize("surgeon", ["spine_surgeon", "orthopaedic_surgeon", "neurosurgeon"])
def test_any_spinal_surgeon_meets_the_surgical_requirement(surgeon):
    team = full_team(surgeon=AttendanceSpan(1, surgeon, T0))
    assert quorum_check(requirements=BONE_METS_QUORUM, attendance=team, at=T0).met


def test_no_requirements_means_quorum_is_met():
    assert quorum_check(requirements=[], attendance=[], at=T0).met


def test_naive_time_is_refused():
    with pytest.raises(ValueError, match="aware"):
        quorum_check(requirements=BONE_METS_QUORUM, attendance=[], at=datetime(2026, 1, 1))


@pytest.mark.parametrize("bad", ["x", [[]], [["ok"], "no"], [[1]]])
def test_malformed_requirements_are_refused(bad):
    with pytest.raises(ValueError, match="Quorum"):
        validate_requirements(bad)
