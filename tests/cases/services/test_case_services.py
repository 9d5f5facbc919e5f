"""cases.services: intake, update, transitions and site parameters (database, no HTTP)."""

from __future__ import annotations

import pytest

from cases.domain.lifecycle import IllegalTransition
from cases.models import Case, SiteParameter
from cases.selectors import case_readiness, site_thresholds_effective
from cases.services import (
    CaseDataError,
    StaleVersion,
    case_create,
    case_transition,
    case_update,
    site_parameter_set,
)
from core.models import Revision
from tests.factories.cases import CaseFactory, LesionFactory, submission_payload

pytestmark = pytest.mark.django_db


def test_case_create_returns_created_then_existing():
    payload = submission_payload()
    case, created = case_create(principal=None, data=payload)
    again, created_again = case_create(principal=None, data=payload)
    assert (created, created_again) == (True, False)
    assert again.pk == case.pk
    assert [lesion.position for lesion in case.lesions.order_by("position")] == [0, 1]
    assert Revision.objects.filter(object_id=str(case.public_id), version=1).exists()


def test_case_create_without_external_id_always_creates():
    payload = submission_payload(external_id="")
    case_create(principal=None, data=payload)
    case_create(principal=None, data=payload)
    assert Case.objects.filter(external_id__isnull=True).count() == 2


def test_case_create_collects_every_error_and_stores_nothing():
    payload = submission_payload(ecog=9)
    payload["lesions"][0]["vertebral_level"] = ""
    payload["lesions"][1]["max_diameter_mm"] = 0
    with pytest.raises(CaseDataError) as caught:
        case_create(principal=None, data=payload)
    fields = {e["field"] for e in caught.value.errors}
    assert fields == {"ecog", "lesions[0].vertebral_level", "lesions[1].max_diameter_mm"}
    assert Case.objects.count() == 0


def test_identifiers_of_two_patients_are_refused():
    first = submission_payload()
    second = submission_payload()
    case_create(principal=None, data=first)
    case_create(principal=None, data=second)
    mixed = submission_payload(patient={
        "identifiers": first["patient"]["identifiers"] + second["patient"]["identifiers"],
        "birth_year": 1950})
    with pytest.raises(CaseDataError) as caught:
        case_create(principal=None, data=mixed)
    assert caught.value.errors[0]["rule"] == "conflict"


def test_case_update_refuses_a_stale_version():
    case = LesionFactory().case
    case_update(principal=None, case=case, data={"pain_vas": 2}, expected_version=1)
    with pytest.raises(StaleVersion) as caught:
        case_update(principal=None, case=case, data={"pain_vas": 3}, expected_version=1)
    assert caught.value.current == 2


def test_case_transition_records_a_revision_and_refuses_illegal_moves():
    case = LesionFactory().case
    moved = case_transition(case=case, to_status="ready_for_mdt", principal=None, reason="ok")
    assert (moved.status, moved.version) == ("ready_for_mdt", 2)
    assert Revision.objects.get(object_id=str(case.public_id), version=2).snapshot[
        "status"] == "ready_for_mdt"
    with pytest.raises(IllegalTransition) as caught:
        case_transition(case=moved, to_status="in_treatment", principal=None)
    assert caught.value.allowed == ["closed", "listed", "submitted"]


def test_site_parameter_set_validates_and_feeds_the_thresholds():
    with pytest.raises(CaseDataError) as caught:
        site_parameter_set(principal=None, key="small_lesion_mm", value=80, reason="x")
    assert caught.value.errors[0]["message"] == "small_lesion_mm must be between 10 and 60 mm."
    site_parameter_set(principal=None, key="small_lesion_mm", value=25, reason="local audit")
    assert site_thresholds_effective()["small_lesion_mm"] == 25
    site_parameter_set(principal=None, key="small_lesion_mm", value=None, reason="back")
    assert not SiteParameter.objects.exists()


def test_case_readiness_selector_reports_missing_imaging():
    case = CaseFactory(imaging_available=False)
    LesionFactory(case=case)
    assert [r["code"] for r in case_readiness(case=case)] == ["imaging_not_available"]
