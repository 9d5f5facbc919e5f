"""cases.services.imaging: adding and removing a case's imaging studies, and the viewer link."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from cases.domain.errors import CaseDataError
from cases.models import ImagingStudy
from cases.selectors import imaging_viewer_url
from cases.services import imaging_study_add, imaging_study_remove
from core.access import principal_for_user
from tests.factories.cases import CaseFactory, LesionFactory
from tests.support.attachments import audit_rows, study_for

pytestmark = pytest.mark.django_db


def _data(**overrides):
    data = {"modality": "CT", "study_date": date(2026, 9, 14), "accession_number": "A-77",
            "study_instance_uid": "1.2.840.113619.2.55.3.6", "description": "CT thorax"}
    data.update(overrides)
    return data


def _rules(exc: CaseDataError) -> set[tuple[str, str]]:
    return {(e["field"], e["rule"]) for e in exc.errors}


def test_a_study_is_attached_to_the_case_and_its_lesion(coordinator):
    case = CaseFactory()
    lesion = LesionFactory(case=case)
    study = imaging_study_add(principal=principal_for_user(coordinator), case=case,
                              data=_data(lesion=lesion.public_id))
    assert study.case == case
    assert study.lesion == lesion
    assert study.created_by == coordinator


def test_adding_a_study_is_audited_with_the_pseudonym(coordinator):
    case = CaseFactory()
    study = imaging_study_add(principal=principal_for_user(coordinator), case=case, data=_data())
    rows = audit_rows("create", "imaging_study", object_id=str(study.public_id))
    assert [r.patient_pseudonym for r in rows] == [str(case.patient.public_id)]


def test_a_malformed_study_uid_is_refused_naming_the_field():
    with pytest.raises(CaseDataError) as caught:
        imaging_study_add(principal=None, case=CaseFactory(),
                          data=_data(study_instance_uid="1.2.03.abc"))
    assert ("study_instance_uid", "dicom_uid") in _rules(caught.value)
    assert not ImagingStudy.objects.exists()


def test_a_study_uid_over_64_characters_is_refused():
    uid = "1." + ".".join(["123456789"] * 7)
    assert len(uid) > 64
    with pytest.raises(CaseDataError) as caught:
        imaging_study_add(principal=None, case=CaseFactory(), data=_data(study_instance_uid=uid))
    assert ("study_instance_uid", "dicom_uid") in _rules(caught.value)


def test_a_study_needs_an_accession_number_or_a_uid():
    with pytest.raises(CaseDataError) as caught:
        imaging_study_add(principal=None, case=CaseFactory(),
                          data=_data(accession_number="", study_instance_uid=""))
    assert ("accession_number", "identifier_required") in _rules(caught.value)


def test_a_study_dated_in_the_future_is_refused():
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(CaseDataError) as caught:
        imaging_study_add(principal=None, case=CaseFactory(), data=_data(study_date=tomorrow))
    assert ("study_date", "not_in_future") in _rules(caught.value)


def test_a_study_dated_before_the_window_is_refused():
    with pytest.raises(CaseDataError) as caught:
        imaging_study_add(principal=None, case=CaseFactory(),
                          data=_data(study_date=date(1899, 1, 1)))
    assert ("study_date", "date_window") in _rules(caught.value)


def test_an_unknown_modality_is_refused():
    with pytest.raises(CaseDataError) as caught:
        imaging_study_add(principal=None, case=CaseFactory(), data=_data(modality="XX"))
    assert ("modality", "invalid_choice") in _rules(caught.value)


def test_another_cases_lesion_is_refused():
    other = LesionFactory()
    with pytest.raises(CaseDataError) as caught:
        imaging_study_add(principal=None, case=CaseFactory(),
                          data=_data(lesion=other.public_id))
    assert ("lesion", "not_of_case") in _rules(caught.value)
    assert not ImagingStudy.objects.exists()


def test_removing_a_study_deletes_it_and_is_audited(coordinator):
    study = study_for(CaseFactory())
    imaging_study_remove(principal=principal_for_user(coordinator), study=study)
    assert not ImagingStudy.objects.filter(pk=study.pk).exists()
    assert len(audit_rows("delete", "imaging_study", object_id=str(study.public_id))) == 1


def test_the_viewer_link_fills_the_template_url_encoded():
    url = imaging_viewer_url(accession="A 1&2", study_uid="1.2.3",
                             template="https://pacs.example/v?acc={accession}&uid={study_uid}")
    assert url == "https://pacs.example/v?acc=A%201%262&uid=1.2.3"


def test_no_viewer_link_without_a_template(settings):
    settings.BOARDSVC_PACS_VIEWER_URL = ""
    assert imaging_viewer_url(accession="A-1", study_uid="1.2.3") == ""


def test_a_viewer_template_that_is_not_http_gives_no_link():
    assert imaging_viewer_url(accession="A-1", study_uid="",
                              template="javascript:alert({accession})") == ""
