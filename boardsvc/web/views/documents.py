"""Documents on the pages: the "Documents" section of a meeting's agenda and of a decision
summary (loaded by htmx, with a plain link as fallback), generating a document (chair and
coordinators), downloading it, sending it, and the agenda as a PDF.

Reads go through boardsvc.documents.selectors (scoped to the user's boards: another board's
document is 404) and every display or download is audited; writes through the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from boardsvc import selectors, services
from boardsvc.documents import selectors as document_selectors
from boardsvc.models import Decision, Meeting, OutcomeDocument
from core.access import principal_from_request
from core.audit import audit_record_many
from core.web.errors import back_url, rule_errors_as_message
from core.web.pages import render_page

from .common import agenda_cards, require_manager, visible_meeting

Kind = OutcomeDocument.Kind
SENDABLE = {Kind.MINUTES, Kind.OUTCOME_RECORD, Kind.LETTER_GP, Kind.LETTER_REFERRER}


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(label=gettext_lazy("Document"), choices=[
        (Kind.MINUTES, gettext_lazy("Meeting minutes")),
        (Kind.OUTCOME_RECORD, gettext_lazy("MDT outcome record")),
        (Kind.LETTER_GP, gettext_lazy("Outcome letter to the GP")),
        (Kind.LETTER_REFERRER, gettext_lazy("Outcome letter to the referrer"))])
    decision = forms.UUIDField(required=False)
    language = forms.ChoiceField(label=gettext_lazy("Language"), choices=settings.LANGUAGES,
                                 required=False)


def _visible_decision(request: HttpRequest, public_id: Any) -> Decision:
    try:
        return selectors.decision_get_visible(principal=principal_from_request(request),
                                              public_id=public_id)
    except Decision.DoesNotExist:
        raise Http404 from None


def _visible_document(request: HttpRequest, public_id: Any, *,
                      with_content: bool = False) -> OutcomeDocument:
    try:
        return document_selectors.document_get_visible(
            principal=principal_from_request(request), public_id=public_id,
            with_content=with_content)
    except OutcomeDocument.DoesNotExist:
        raise Http404 from None


def _section(request: HttpRequest, *, meeting: Meeting, documents: list[OutcomeDocument],
             decisions: list[Decision], anchor: str) -> HttpResponse:
    principal = principal_from_request(request)
    audit_record_many(principal=principal, action="list", object_type="outcome_document",
                      path=request.path, objects=[
                          (d.public_id, d.case.patient.public_id if d.case_id else "")
                          for d in documents])
    manages = selectors.principal_manages_board(principal=principal, board_id=meeting.board_id)
    context = {
        "meeting": meeting, "documents": documents, "manages": manages,
        "decisions": [{"decision": d, "pseudonym": str(d.case.patient.public_id)[:8]}
                      for d in decisions],
        "minutes_allowed": meeting.status in (Meeting.Status.IN_SESSION, Meeting.Status.CLOSED),
        "languages": settings.LANGUAGES, "sendable": SENDABLE, "anchor": anchor,
    }
    template = ("boardsvc/_documents.html" if getattr(request, "htmx", False)
                else "boardsvc/documents.html")
    return render_page(request, template, context, section="meetings")


@login_required
@require_GET
def meeting_documents(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The meeting's documents (newest first) with generate, download and send."""
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    documents = list(document_selectors.documents_visible(principal=principal,
                                                          meeting_id=meeting.pk))
    decisions = list(document_selectors.meeting_decisions(meeting_id=meeting.pk))
    return _section(request, meeting=meeting, documents=documents, decisions=decisions,
                    anchor=reverse("boardsvc_web:agenda", args=[meeting.public_id]))


@login_required
@require_GET
def decision_documents(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The documents of one decision (its outcome record and letters)."""
    decision = _visible_decision(request, public_id)
    documents = list(document_selectors.documents_visible(
        principal=principal_from_request(request), decision_id=decision.pk))
    return _section(request, meeting=decision.meeting, documents=documents,
                    decisions=[decision],
                    anchor=reverse("boardsvc_web:decision_summary", args=[decision.public_id]))


@login_required
@require_POST
@rule_errors_as_message
def document_generate(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Generate (again) a document of the meeting: the chair and coordinators only."""
    meeting = visible_meeting(request, public_id)
    principal = principal_from_request(request)
    require_manager(principal, meeting)
    form = GenerateForm(request.POST)
    if not form.is_valid():
        field, errors = next(iter(form.errors.items()))
        messages.error(request, f"{field}: {' '.join(errors)}")
        return redirect(back_url(request, reverse("boardsvc_web:agenda",
                                                  args=[meeting.public_id])))
    decision = None
    if form.cleaned_data["decision"]:
        decision = _visible_decision(request, form.cleaned_data["decision"])
        if decision.meeting_id != meeting.pk:
            raise Http404
    document = services.document_generate(
        kind=form.cleaned_data["kind"], meeting=meeting, decision=decision,
        language=form.cleaned_data["language"] or None, principal=principal)
    messages.success(request, _("%(title)s generated (version %(version)s).")
                     % {"title": document.title, "version": document.version})
    return redirect(back_url(request, reverse("boardsvc_web:agenda",
                                              args=[meeting.public_id])) + "#documents")


@login_required
@require_GET
def document_download(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The PDF, audited (one row per patient it shows)."""
    document = _visible_document(request, public_id, with_content=True)
    audit_record_many(principal=principal_from_request(request), action="read",
                      object_type="outcome_document", path=request.path,
                      objects=document_selectors.document_subjects(document))
    response = HttpResponse(bytes(document.content), content_type=document.content_type)
    response["Content-Disposition"] = (
        f'attachment; filename="{document.kind}-v{document.version}.pdf"')
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_POST
@rule_errors_as_message
def document_send(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Send the document to its default recipients (a letter to its addressee, minutes and
    records to the board's members), through the outbox."""
    document = _visible_document(request, public_id)
    principal = principal_from_request(request)
    require_manager(principal, document.meeting)
    rows = services.delivery_queue(document=document, principal=principal)
    messages.success(request, _("Queued for sending to %(count)s recipient(s).")
                     % {"count": len(rows)})
    return redirect(back_url(request, reverse("boardsvc_web:agenda",
                                              args=[document.meeting.public_id])) + "#documents")


@login_required
@require_GET
def agenda_pdf(request: HttpRequest, public_id: Any) -> HttpResponse:
    """The printed agenda as a PDF download (every case shown is audited)."""
    meeting = visible_meeting(request, public_id)
    content = services.agenda_pdf(meeting=meeting, cards=agenda_cards(request, meeting))
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="agenda-{meeting.starts_at:%Y-%m-%d}.pdf"')
    response["Cache-Control"] = "no-store"
    return response
