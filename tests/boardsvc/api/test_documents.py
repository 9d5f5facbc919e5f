"""Documents API (boardsvc/api/documents.py): list, metadata, the PDF, sending; members of the
board and coordinators only (another board's member gets 404), every read audited."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group

from boardsvc.models import DocumentDelivery, OutcomeDocument
from boardsvc.services import document_generate, meeting_close, minutes_auto, outcome_record_auto
from core.models import AuditEvent
from tests.factories.core import UserFactory
from tests.support.documents import decided_item, pdf_text
from tests.support.queries import assert_num_queries

pytestmark = pytest.mark.django_db
Kind = OutcomeDocument.Kind


@pytest.fixture
def decided(board, team, clock, other_board):
    item, chair, decision = decided_item(board, team, clock)
    record = outcome_record_auto(decision_id=decision.pk)
    return item, chair, decision, record


def test_the_meeting_lists_its_documents_paginated(decided, team, client_for):
    item, _, _, record = decided
    response = client_for(team["rad"]).get(f"/api/v1/meetings/{item.meeting.public_id}/documents/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["public_id"] == str(record.public_id)
    assert body["results"][0]["content_url"] == f"/api/v1/documents/{record.public_id}/content"


def test_the_list_is_audited_one_row_per_document(decided, team, client_for):
    item, _, _, record = decided
    client_for(team["rad"]).get(f"/api/v1/meetings/{item.meeting.public_id}/documents/")
    row = AuditEvent.objects.get(action="list", object_type="outcome_document")
    assert row.object_id == str(record.public_id)
    assert row.patient_pseudonym == str(item.case.patient.public_id)


def test_the_list_runs_a_fixed_number_of_queries(decided, team, client_for):
    item, chair, decision, _ = decided
    for _ in range(3):
        document_generate(kind=Kind.LETTER_GP, decision=decision, principal=chair)
    client = client_for(team["rad"])
    url = f"/api/v1/meetings/{item.meeting.public_id}/documents/"
    client.get(url)
    with assert_num_queries(4):
        assert client.get(url).json()["count"] == 4


def test_an_unknown_kind_filter_is_a_400_naming_kind(decided, team, client_for):
    item = decided[0]
    response = client_for(team["rad"]).get(
        f"/api/v1/meetings/{item.meeting.public_id}/documents/?kind=diary")
    assert response.status_code == 400
    assert "kind" in response.content.decode()


def test_the_metadata_names_the_document_and_its_deliveries(decided, team, client_for):
    record = decided[3]
    response = client_for(team["rad"]).get(f"/api/v1/documents/{record.public_id}/")
    assert response.status_code == 200
    assert response.json()["kind"] == "outcome_record"
    assert response.json()["deliveries"] == []


def test_the_pdf_has_header_confidentiality_page_numbers_and_the_decision(decided, team,
                                                                          client_for):
    record = decided[3]
    response = client_for(team["rad"]).get(f"/api/v1/documents/{record.public_id}/content")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Ospedale Demo San Lorenzo" in text
    assert "CONFIDENTIAL - contains patient information" in text
    assert "Page 1 of 1" in text
    assert "Palliative RT." in text


def test_reading_the_pdf_is_audited_with_the_pseudonym(decided, team, client_for):
    item, _, _, record = decided
    client_for(team["rad"]).get(f"/api/v1/documents/{record.public_id}/content")
    row = AuditEvent.objects.get(action="read", object_type="outcome_document")
    assert row.patient_pseudonym == str(item.case.patient.public_id)


def test_reading_the_minutes_audits_every_patient_on_the_meeting(decided, team, client_for):
    item, chair, _, _ = decided
    meeting_close(meeting=item.meeting, principal=chair)
    minutes = minutes_auto(meeting_id=item.meeting_id)
    client_for(team["rad"]).get(f"/api/v1/documents/{minutes.public_id}/content")
    rows = AuditEvent.objects.filter(action="read", object_type="outcome_document",
                                     object_id=minutes.public_id)
    assert [r.patient_pseudonym for r in rows] == [str(item.case.patient.public_id)]


def test_another_boards_member_gets_404_and_the_refusal_is_audited(decided, client_for):
    from django.contrib.auth import get_user_model

    record = decided[3]
    outsider = get_user_model().objects.get(username="outsider")
    for url in (f"/api/v1/documents/{record.public_id}/",
                f"/api/v1/documents/{record.public_id}/content"):
        assert client_for(outsider).get(url).status_code == 404
    denied = AuditEvent.objects.filter(outcome="denied", object_type="outcome_document")
    assert denied.count() == 2


def test_a_coordinator_of_the_group_reads_any_board(decided, client_for):
    record = decided[3]
    coordinator = UserFactory(username="coord.docs")
    coordinator.groups.add(Group.objects.get_or_create(name="coordinator")[0])
    assert client_for(coordinator).get(
        f"/api/v1/documents/{record.public_id}/content").status_code == 200


def test_the_chair_sends_a_letter_to_the_gp(decided, team, client_for):
    _item, chair, decision, _ = decided
    letter = document_generate(kind=Kind.LETTER_GP, decision=decision, principal=chair)
    response = client_for(team["chair"]).post(
        f"/api/v1/documents/{letter.public_id}/deliveries/", {}, format="json")
    assert response.status_code == 202
    assert [d["recipient"] for d in response.json()] == ["gp.verdi@example.org"]
    assert DocumentDelivery.objects.filter(document=letter).count() == 1


def test_a_plain_member_may_not_send(decided, team, client_for):
    record = decided[3]
    response = client_for(team["rad"]).post(
        f"/api/v1/documents/{record.public_id}/deliveries/", {}, format="json")
    assert response.status_code == 403


def test_a_bad_recipient_is_a_400_naming_it(decided, team, client_for):
    record = decided[3]
    response = client_for(team["chair"]).post(
        f"/api/v1/documents/{record.public_id}/deliveries/",
        {"recipients": ["not-an-address"]}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "recipients[0]"


def test_the_chair_regenerates_a_letter_in_italian(decided, team, client_for):
    item, _, decision, _ = decided
    response = client_for(team["chair"]).post(
        f"/api/v1/meetings/{item.meeting.public_id}/documents/",
        {"kind": "letter_referrer", "decision": str(decision.public_id), "language": "it"},
        format="json")
    assert response.status_code == 201
    document = OutcomeDocument.objects.get(public_id=response.json()["public_id"])
    assert "Gentile" in pdf_text(document.content)


def test_generating_in_an_unknown_language_is_a_400_naming_language(decided, team, client_for):
    item, _, decision, _ = decided
    response = client_for(team["chair"]).post(
        f"/api/v1/meetings/{item.meeting.public_id}/documents/",
        {"kind": "letter_gp", "decision": str(decision.public_id), "language": "xx"},
        format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "language"
