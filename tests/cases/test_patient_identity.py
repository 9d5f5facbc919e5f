"""Who the patient is (cases.selectors.patient_identity): shown to the board and coordinators,
each display audited ("identify"); system clients only with the patient:identify scope."""

from __future__ import annotations

from datetime import date

import pytest

from cases.selectors import AUDIT_IDENTIFY, case_label, patient_identity
from core.access import principal_for_user
from tests.factories.cases import CaseFactory, LesionFactory
from tests.support.attachments import audit_rows, identify
from tests.support.audit import audit_entries
from tests.support.queries import assert_num_queries
from tests.support.web import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(spine_board):
    case = identify(CaseFactory(requested_board="bone-mets-spine"), number="RM0042",
                    given="Giulia", family="Esposito", born=date(1950, 5, 17))
    LesionFactory(case=case)
    return case


def _detail(client, case):
    return client.get(f"/api/v1/cases/{case.public_id}/")


def test_a_board_member_sees_the_hospital_number_name_and_birth_date(case, spine_member):
    identity = patient_identity(principal_for_user(spine_member), case)
    assert identity is not None
    assert (identity.hospital_number, identity.full_name, identity.birth_date) == (
        "RM0042", "ESPOSITO Giulia", date(1950, 5, 17))


def test_each_display_writes_an_identify_audit_row(case, spine_member):
    patient_identity(principal_for_user(spine_member), case)
    [row] = audit_rows(AUDIT_IDENTIFY, "case")
    assert (row.object_id, row.patient_pseudonym) == (str(case.public_id),
                                                      str(case.patient.public_id))


def test_a_list_is_identified_in_two_queries_with_a_row_per_case(case, coordinator):
    others = [identify(CaseFactory(), number=f"RM9{n}") for n in range(3)]
    principal = principal_for_user(coordinator)
    with assert_num_queries(2):  # the hospital numbers, then one audit row naming them all
        identities = patient_identity(principal, [case, *others])
    assert len(identities) == 4
    rows = audit_rows(AUDIT_IDENTIFY, "case")
    assert len(rows) == 1
    assert [e.object_id for e in audit_entries(rows)] == [
        str(c.public_id) for c in [case, *others]]


def test_a_person_without_a_board_role_is_not_told(case, plain_user):
    assert patient_identity(principal_for_user(plain_user), case) is None
    assert audit_rows(AUDIT_IDENTIFY, "case") == []


def test_the_api_case_detail_identifies_the_patient_to_a_member(case, spine_member_client):
    body = _detail(spine_member_client, case).json()
    assert body["identification"]["hospital_number"] == "RM0042"
    assert body["identification"]["birth_date"] == "1950-05-17"
    assert len(audit_rows(AUDIT_IDENTIFY, "case")) == 1


def test_a_system_client_without_the_scope_sees_no_identification(case, oauth_client_factory):
    response = _detail(oauth_client_factory("cases:read"), case)
    assert response.status_code == 200
    assert "identification" not in response.json()
    assert "RM0042" not in response.content.decode()
    assert audit_rows(AUDIT_IDENTIFY, "case") == []


def test_a_system_client_with_the_scope_sees_the_identification(case, oauth_client_factory):
    response = _detail(oauth_client_factory("cases:read", "patient:identify"), case)
    assert response.json()["identification"]["family_name"] == "Esposito"
    [row] = audit_rows(AUDIT_IDENTIFY, "case")
    assert row.actor_type == "client"


def test_the_case_page_shows_who_the_patient_is_and_audits_it(case, spine_member):
    page = login(spine_member).get(f"/cases/{case.public_id}/").content.decode()
    assert "RM0042" in page
    assert "ESPOSITO Giulia" in page
    assert "17/05/1950" in page
    assert len(audit_rows(AUDIT_IDENTIFY, "case")) == 1


def test_a_notification_label_carries_the_hospital_number_but_no_name(case):
    label = case_label(case)
    assert label.startswith("RM0042")
    assert "Esposito" not in label
    assert "Giulia" not in label
    assert "G." not in label


def test_without_a_hospital_number_the_label_is_the_pseudonym():
    case = CaseFactory()
    assert case_label(case) == str(case.patient.public_id)[:8]
