"""Sending a document: queued per recipient through the transactional outbox, sent by a task
over the configured channel (Django's e-mail backend, EMAIL_BACKEND) with the PDF attached.

A ``DocumentDelivery`` exists once per document, channel and recipient (a unique constraint):
queueing the same recipient again returns the existing row and enqueues nothing, and the task
sends only a delivery still ``queued`` (under a row lock), so a rerun never sends twice. Every
queueing and every sending is audited. The e-mail body says only that a document is attached;
no clinical detail, no patient data in logs or task arguments (the delivery id only).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction

from boardsvc.domain.errors import BoardRuleError
from boardsvc.models import BoardMember, DocumentDelivery, OutcomeDocument
from core.access import Principal
from core.audit import audit_record
from core.models import AuditEvent
from core.outbox import outbox_enqueue

from .common import now_or

logger = logging.getLogger(__name__)

TASK_DELIVER = "boardsvc.tasks.document_deliver"
Kind = OutcomeDocument.Kind
MAX_RECIPIENTS = 50


def default_recipients(document: OutcomeDocument) -> list[tuple[str, str]]:
    """Who a document goes to when the sender names no one: a letter to its addressee (the
    case's GP or referrer e-mail), minutes and records to the board's active members."""
    case = document.case
    if document.kind == Kind.LETTER_GP:
        return [(case.gp_email, "gp")] if case is not None and case.gp_email else []
    if document.kind == Kind.LETTER_REFERRER:
        return ([(case.referrer_email, "referrer")]
                if case is not None and case.referrer_email else [])
    emails = (BoardMember.objects.filter(board_id=document.meeting.board_id, active=True,
                                         user__is_active=True)
              .exclude(user__email="").order_by("user__email")
              .values_list("user__email", flat=True).distinct())
    return [(email, "member") for email in emails]


def _clean(recipients: Sequence[str]) -> list[str]:
    clean: list[str] = []
    for index, raw in enumerate(recipients):
        email = str(raw).strip().lower()
        try:
            validate_email(email)
        except ValidationError:
            raise BoardRuleError(f"recipients[{index}] is not an e-mail address.",
                                 field=f"recipients[{index}]", rule="email") from None
        if email not in clean:
            clean.append(email)
    return clean


@transaction.atomic
def delivery_queue(*, document: OutcomeDocument, principal: Principal | None,
                   recipients: Sequence[str] | None = None,
                   now: datetime | None = None) -> list[DocumentDelivery]:
    """Queue the document to each recipient (default: ``default_recipients``) by e-mail.

    Returns one delivery per recipient, existing ones included (a recipient already queued or
    sent is not sent again). Raises BoardRuleError (400): an address that is not one (rule
    ``email``), too many (``max_items``), or nobody to send to (``required``)."""
    if recipients is None:
        wanted = default_recipients(document)
    else:
        if len(recipients) > MAX_RECIPIENTS:
            raise BoardRuleError(f"At most {MAX_RECIPIENTS} recipients.", field="recipients",
                                 rule="max_items")
        role = {Kind.LETTER_GP: "gp", Kind.LETTER_REFERRER: "referrer"}.get(document.kind, "")
        wanted = [(email, role) for email in _clean(recipients)]
    if not wanted:
        raise BoardRuleError("Nobody to send this document to: name the recipients (the case "
                             "has no e-mail address for this letter).", field="recipients",
                             rule="required")
    OutcomeDocument.objects.select_for_update(of=("self",)).filter(pk=document.pk).exists()
    moment = now_or(now)
    queued_by = principal.user if principal is not None and principal.is_user else None
    rows = []
    for email, role in wanted:
        delivery, created = DocumentDelivery.objects.get_or_create(
            document=document, channel=DocumentDelivery.Channel.EMAIL, recipient=email,
            defaults={"recipient_role": role, "queued_at": moment, "queued_by": queued_by})
        if created:
            outbox_enqueue(task_name=TASK_DELIVER, kwargs={"delivery_id": delivery.pk},
                           dedup_key=f"{TASK_DELIVER}:{delivery.pk}")
            audit_record(principal=principal, action=AuditEvent.Action.EXPORT,
                         object_type="document_delivery", object_id=delivery.public_id,
                         patient_pseudonym=_pseudonym(document),
                         detail={"event": "queued", "document": str(document.public_id),
                                 "channel": delivery.channel, "role": role})
        rows.append(delivery)
    return rows


def _pseudonym(document: OutcomeDocument) -> str:
    return str(document.case.patient.public_id) if document.case is not None else ""


def _filename(document: OutcomeDocument) -> str:
    return f"{document.kind}-v{document.version}-{str(document.public_id)[:8]}.pdf"


@transaction.atomic
def delivery_send(*, delivery_id: int, now: datetime | None = None) -> str:
    """Send one queued delivery (the task's work): "sent", "failed", or "noop" when it is no
    longer queued (a rerun) or unknown."""
    delivery = (DocumentDelivery.objects.select_for_update(of=("self",))
                .filter(pk=delivery_id, status=DocumentDelivery.Status.QUEUED).first())
    if delivery is None:
        return "noop"
    document = (OutcomeDocument.objects.select_related("case__patient", "meeting__board")
                .get(pk=delivery.document_id))
    hospital = str(settings.BOARDSVC_HOSPITAL_NAME)
    message = EmailMessage(
        subject=f"{document.get_kind_display()} - {hospital}",
        body=(f"Please find attached a document from the multidisciplinary team meeting "
              f"({document.get_kind_display()}, version {document.version}).\n\n"
              f"It is confidential and meant for the addressee only.\n\n{hospital}\n"),
        from_email=settings.DEFAULT_FROM_EMAIL, to=[delivery.recipient])
    message.attach(_filename(document), bytes(document.content), document.content_type)
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # the channel refused: recorded, never retried silently
        delivery.status = DocumentDelivery.Status.FAILED
        delivery.error = type(exc).__name__[:300]
        logger.warning("document delivery %s failed: %s", delivery.public_id,
                       type(exc).__name__)
    else:
        delivery.status = DocumentDelivery.Status.SENT
        delivery.sent_at = now_or(now)
    delivery.save(update_fields=["status", "error", "sent_at"])
    audit_record(principal=None, action=AuditEvent.Action.EXPORT,
                 outcome=(AuditEvent.Outcome.SUCCESS if delivery.status == "sent"
                          else AuditEvent.Outcome.FAILED),
                 object_type="document_delivery", object_id=delivery.public_id,
                 patient_pseudonym=_pseudonym(document),
                 detail={"event": delivery.status, "document": str(document.public_id),
                         "channel": delivery.channel})
    return str(delivery.status)
