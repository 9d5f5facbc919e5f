"""The case page's imaging and documents panels: add and remove imaging studies, upload and
download PDF documents (coordinators write; whoever may see the case reads).

Writes go through cases.services (imaging_study_add/remove, document_upload); a refusal is put
on the form it concerns and the case page is rendered again with it (core.web.errors). A
download is scoped like the case (404 otherwise) and audited per read.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from cases import selectors, services
from cases.api.documents import pdf_download
from cases.models import Case, CaseDocument, ImagingStudy
from cases.web.panels import DocumentForm, ImagingStudyForm, case_url, lesion_choices
from cases.web.views import case_page
from core.access import Principal, principal_from_request
from core.audit import audit_record
from core.web.errors import rule_errors, rule_errors_as_message


def _visible_case(request: HttpRequest, public_id: Any) -> tuple[Case, Principal]:
    principal = principal_from_request(request)
    try:
        case = selectors.case_get_visible(principal=principal, public_id=public_id)
    except Case.DoesNotExist:
        audit_record(principal=principal, action="read", object_type="case",
                     object_id=public_id, outcome="denied", path=request.path,
                     patient_pseudonym=selectors.case_pseudonym_for(public_id=public_id))
        raise Http404 from None
    return case, principal


def _coordinator_case(request: HttpRequest, public_id: Any) -> tuple[Case, Principal]:
    case, principal = _visible_case(request, public_id)
    if not principal.is_coordinator:
        raise PermissionDenied
    return case, principal


@login_required
@require_POST
def imaging_add(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Add a study from the imaging panel; a refusal re-renders the case page with the form."""
    case, principal = _coordinator_case(request, public_id)
    form = ImagingStudyForm(request.POST, lesions=lesion_choices(case))
    if not form.is_valid():
        return case_page(request, case, principal, imaging_form=form, status=400)
    with rule_errors(form) as outcome:
        services.imaging_study_add(principal=principal, case=case,
                                   data=dict(form.cleaned_data), path=request.path)
    if outcome.refused:
        return case_page(request, case, principal, imaging_form=form,
                         status=outcome.status or 400)
    messages.success(request, _("Imaging study added."))
    return redirect(f"{case_url(case)}#imaging")


@login_required
@require_POST
@rule_errors_as_message
def imaging_remove(request: HttpRequest, public_id: Any, study_id: Any) -> HttpResponse:
    case, principal = _coordinator_case(request, public_id)
    try:
        study = selectors.imaging_study_get_visible(principal=principal, public_id=study_id)
    except ImagingStudy.DoesNotExist:
        raise Http404 from None
    if study.case_id != case.pk:
        raise Http404
    services.imaging_study_remove(principal=principal, study=study, path=request.path)
    messages.success(request, _("Imaging study removed."))
    return redirect(f"{case_url(case)}#imaging")


@login_required
@require_POST
def document_upload(request: HttpRequest, public_id: Any) -> HttpResponse:
    """Upload a PDF from the documents panel; a refusal re-renders the page with the form."""
    case, principal = _coordinator_case(request, public_id)
    form = DocumentForm(request.POST, request.FILES)
    if not form.is_valid():
        return case_page(request, case, principal, document_form=form, status=400)
    with rule_errors(form) as outcome:
        services.document_upload(
            principal=principal, case=case, file=form.cleaned_data.get("file"),
            kind=form.cleaned_data["kind"], title=form.cleaned_data.get("title", ""),
            path=request.path)
    if outcome.refused:
        return case_page(request, case, principal, document_form=form,
                         status=outcome.status or 400)
    messages.success(request, _("Document uploaded."))
    return redirect(f"{case_url(case)}#documents")


@login_required
@require_GET
def document_download(request: HttpRequest, public_id: Any, document_id: Any) -> HttpResponse:
    """The PDF as an attachment, for whoever may see the case; one audit row per read."""
    case, principal = _visible_case(request, public_id)
    try:
        document = selectors.document_get_visible(principal=principal, public_id=document_id)
    except CaseDocument.DoesNotExist:
        document = None
    if document is None or document.case_id != case.pk:
        audit_record(principal=principal, action="read", object_type="case_document",
                     object_id=document_id, outcome="denied", path=request.path,
                     patient_pseudonym=case.patient.public_id)
        raise Http404
    content = selectors.document_content(principal=principal, document=document,
                                         path=request.path)
    return pdf_download(document, content)
