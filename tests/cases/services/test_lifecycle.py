"""cases.services.lifecycle: case_transition and the errors it raises (database, no HTTP)."""

from __future__ import annotations

import pytest

from cases.services import CaseNotReady, IllegalTransition, StaleVersion, case_transition
from core.errors import Conflict
from core.models import Revision
from tests.factories.cases import CaseFactory, LesionFactory

pytestmark = pytest.mark.django_db


def test_case_transition_records_a_revision_and_refuses_illegal_moves():
    case = LesionFactory().case
    moved = case_transition(case=case, to_status="ready_for_mdt", principal=None, reason="ok")
    assert (moved.status, moved.version) == ("ready_for_mdt", 2)
    assert Revision.objects.get(object_id=str(case.public_id), version=2).snapshot[
        "status"] == "ready_for_mdt"
    with pytest.raises(IllegalTransition) as caught:
        case_transition(case=moved, to_status="in_treatment", principal=None)
    assert caught.value.allowed == ["closed", "listed", "submitted"]


def test_an_illegal_move_is_a_409_on_the_field_to_with_the_allowed_moves():
    case = LesionFactory().case
    with pytest.raises(Conflict) as caught:
        case_transition(case=case, to_status="in_treatment", principal=None)
    error = caught.value
    assert isinstance(error, IllegalTransition)
    assert (error.status, error.problem_code) == (409, "illegal_transition")
    assert error.extra == {"current": "submitted", "allowed": ["closed", "ready_for_mdt"]}
    assert error.errors == [{"field": "to", "rule": "illegal_transition",
                             "message": error.message}]
    assert str(error) == ("A case cannot move from 'submitted' to 'in_treatment'; allowed: "
                          "closed, ready_for_mdt.")


def test_not_ready_names_each_requirement_on_the_lesion_it_concerns():
    case = CaseFactory(imaging_available=False)
    LesionFactory(case=case, position=0)
    LesionFactory(case=case, position=1, epidural_extension=True, bilsky_grade="")
    with pytest.raises(CaseNotReady) as caught:
        case_transition(case=case, to_status="ready_for_mdt", principal=None)
    error = caught.value
    assert (error.status, error.problem_code) == (409, "not_ready")
    assert [(e["field"], e["rule"]) for e in error.errors] == [
        ("to", "imaging_not_available"), ("lesions[1]", "bilsky_missing")]
    assert error.extra["current"] == "submitted"
    assert [item["code"] for item in error.extra["missing"]] == [
        "imaging_not_available", "bilsky_missing"]
    assert error.missing == error.extra["missing"]
    case.refresh_from_db()
    assert (case.status, case.version) == ("submitted", 1)


def test_a_stale_expected_version_is_refused():
    case = LesionFactory().case
    with pytest.raises(StaleVersion) as caught:
        case_transition(case=case, to_status="ready_for_mdt", principal=None,
                        expected_version=7)
    assert (caught.value.current, caught.value.status) == (1, 412)
