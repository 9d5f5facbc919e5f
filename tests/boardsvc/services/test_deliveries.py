"""Deliveries (boardsvc/services/deliveries.py): a document queued to its recipients through
the outbox, sent once by e-mail with the PDF attached, recorded and audited."""

from __future__ import annotations

import pytest
from django.core import mail

from boardsvc.models import DocumentDelivery, OutcomeDocument
from boardsvc.services import BoardRuleError, delivery_queue, delivery_send, document_generate
from core.models import AuditEvent, OutboxMessage
from tests.support.documents import decide, identify

pytestmark = pytest.mark.django_db
Kind = OutcomeDocument.Kind


@pytest.fixture
def gp_letter(session, team):
    item, chair = session
    identify(item.case)
    decision = decide(item, chair, team)
    return document_generate(kind=Kind.LETTER_GP, decision=decision, principal=chair), chair


def test_a_letter_goes_to_its_addressee_by_default(gp_letter):
    letter, chair = gp_letter
    [delivery] = delivery_queue(document=letter, principal=chair)
    assert (delivery.recipient, delivery.recipient_role, delivery.status) == (
        "gp.verdi@example.org", "gp", "queued")


def test_queueing_enqueues_the_delivery_id_only(gp_letter):
    letter, chair = gp_letter
    [delivery] = delivery_queue(document=letter, principal=chair)
    message = OutboxMessage.objects.get(task_name="boardsvc.tasks.document_deliver")
    assert message.kwargs == {"delivery_id": delivery.pk}


def test_sending_mails_the_pdf_and_marks_it_sent(gp_letter):
    letter, chair = gp_letter
    [delivery] = delivery_queue(document=letter, principal=chair)
    assert delivery_send(delivery_id=delivery.pk) == "sent"
    [email] = mail.outbox
    assert email.to == ["gp.verdi@example.org"]
    _name, content, content_type = email.attachments[0]
    assert content_type == "application/pdf"
    assert content == bytes(letter.content)
    delivery.refresh_from_db()
    assert delivery.status == "sent"
    assert delivery.sent_at is not None


def test_the_email_body_carries_no_clinical_detail(gp_letter):
    letter, chair = gp_letter
    [delivery] = delivery_queue(document=letter, principal=chair)
    delivery_send(delivery_id=delivery.pk)
    body = mail.outbox[0].body + mail.outbox[0].subject
    assert "Bianchi" not in body
    assert "BIANCHI" not in body
    assert "Palliative RT." not in body
    assert str(letter.case.patient.public_id)[:8] not in body


def test_a_rerun_never_sends_twice(gp_letter):
    letter, chair = gp_letter
    [delivery] = delivery_queue(document=letter, principal=chair)
    delivery_send(delivery_id=delivery.pk)
    assert delivery_send(delivery_id=delivery.pk) == "noop"
    assert len(mail.outbox) == 1


def test_queueing_the_same_recipient_again_keeps_one_delivery(gp_letter):
    letter, chair = gp_letter
    delivery_queue(document=letter, principal=chair)
    delivery_queue(document=letter, principal=chair, recipients=["GP.Verdi@example.org"])
    assert DocumentDelivery.objects.filter(document=letter).count() == 1
    assert OutboxMessage.objects.filter(task_name="boardsvc.tasks.document_deliver").count() == 1


def test_a_channel_failure_is_recorded_as_failed(gp_letter, settings):
    settings.EMAIL_BACKEND = "tests.support.documents.FailingEmailBackend"
    letter, chair = gp_letter
    [delivery] = delivery_queue(document=letter, principal=chair)
    assert delivery_send(delivery_id=delivery.pk) == "failed"
    delivery.refresh_from_db()
    assert delivery.status == "failed"
    assert delivery.error == "ConnectionRefusedError"


def test_queueing_and_sending_are_audited(gp_letter):
    letter, chair = gp_letter
    [delivery] = delivery_queue(document=letter, principal=chair)
    delivery_send(delivery_id=delivery.pk)
    events = [row.detail["event"] for row in AuditEvent.objects.filter(
        object_type="document_delivery", object_id=delivery.public_id).order_by("id")]
    assert events == ["queued", "sent"]


def test_a_letter_without_an_address_is_refused_naming_recipients(session, team):
    item, chair = session
    decision = decide(item, chair, team)
    letter = document_generate(kind=Kind.LETTER_GP, decision=decision, principal=chair)
    with pytest.raises(BoardRuleError) as refused:
        delivery_queue(document=letter, principal=chair)
    assert (refused.value.field, refused.value.rule) == ("recipients", "required")


def test_a_malformed_address_is_refused_naming_its_index(gp_letter):
    letter, chair = gp_letter
    with pytest.raises(BoardRuleError) as refused:
        delivery_queue(document=letter, principal=chair, recipients=["ok@example.org", "nope"])
    assert (refused.value.field, refused.value.rule) == ("recipients[1]", "email")
    assert not DocumentDelivery.objects.exists()


def test_minutes_go_to_the_board_members_by_default(session, team):
    from boardsvc.services import meeting_close, minutes_auto

    item, chair = session
    decide(item, chair, team)
    meeting_close(meeting=item.meeting, principal=chair)
    minutes = minutes_auto(meeting_id=item.meeting_id)
    rows = delivery_queue(document=minutes, principal=chair)
    expected = sorted(u.email.lower() for u in team.values() if u.email)
    assert sorted(d.recipient for d in rows) == expected
