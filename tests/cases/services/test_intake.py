"""cases.services.intake: case_create and case_update (database, no HTTP)."""

from __future__ import annotations

import pytest

from cases.models import Case
from cases.services import CaseDataError, StaleVersion, case_create, case_update
from core.errors import RuleError
from core.models import Revision
from tests.factories.cases import LesionFactory, submission_payload

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


def test_a_data_error_is_a_400_rule_error_naming_each_field():
    payload = submission_payload(ecog=9)
    with pytest.raises(RuleError) as caught:
        case_create(principal=None, data=payload)
    error = caught.value
    assert isinstance(error, CaseDataError)
    assert error.status == 400
    assert error.problem_code == "rule"
    assert [(e["field"], e["rule"]) for e in error.errors] == [("ecog", "max_value")]
    assert error.message == f"ecog: {error.errors[0]['message']}"


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
    assert caught.value.status == 412
    assert caught.value.message == (
        'The case has changed since you read it; its current ETag is W/"2".')


def test_case_update_names_an_unknown_lesion_and_keeps_one_lesion():
    case = LesionFactory().case
    lesion = case.lesions.get()
    with pytest.raises(CaseDataError) as caught:
        case_update(principal=None, case=case, expected_version=1, data={
            "lesions": [{"id": "00000000-0000-4000-8000-000000000000", "painful": True}],
            "remove_lesions": [str(lesion.public_id)]})
    assert [(e["field"], e["rule"]) for e in caught.value.errors] == [
        ("lesions[0].id", "not_found"), ("remove_lesions", "min_lesions")]
    case.refresh_from_db()
    assert case.version == 1
