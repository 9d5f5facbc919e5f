"""Coordinator and member pages for cases: list, intake form, case page with decision support.

Each view parses, authorises through core.access (the same Principal and case scoping as the
API), calls one service or selector, and renders. Writes go through cases.services only.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from django.views.decorators.http import require_http_methods

from cases import selectors, services
from cases.domain.codes import CaseStatus
from cases.domain.lifecycle import allowed_transitions
from cases.domain.readiness import next_step
from cases.labels import choices, code_label, readiness_localized, requirement_text
from cases.models import Case
from cases.web.forms import CaseForm, LesionFormSet, PatientForm, attach_service_errors
from cases.web.panels import DocumentForm, ImagingStudyForm, imaging_rows, lesion_choices
from cases.web.present import case_summary
from core.access import Principal, principal_from_request
from core.audit import audit_record, audit_record_many
from core.errors import RuleError
from core.web.errors import rule_errors_as_message
from core.web.pages import render_page

PAGE_SIZE = 25


@login_required
@require_http_methods(["GET"])
def case_list(request: HttpRequest) -> HttpResponse:
    """Visible cases (members: their boards'; coordinators: all), filtered and paginated."""
    principal = principal_from_request(request)
    status = request.GET.get("status", "")
    urgency = request.GET.get("urgency", "")
    queryset = selectors.case_list_filtered(
        principal=principal, status=[status] if status else [],
        urgency=[urgency] if urgency else [],
    )
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    today = timezone.localdate()
    thresholds = selectors.site_thresholds_effective()
    rows = []
    for case in page.object_list:
        rows.append({
            "summary": case_summary(case, {"lesions": []}, today=today),
            "emergency": selectors.case_is_emergency(case=case, thresholds=thresholds),
        })
    audit_record_many(
        principal=principal, action="list", object_type="case", path=request.path,
        objects=[(c.public_id, c.patient.public_id) for c in page.object_list],
    )
    return render_page(request, "cases/case_list.html", {
        "page": page, "rows": rows, "status": status, "urgency": urgency,
        "status_choices": choices("CaseStatus"), "urgency_choices": choices("Urgency"),
    }, section="cases")


def _require_coordinator(request: HttpRequest) -> None:
    """Members may read cases but never submit or move them (mirrors the API's 403)."""
    if not principal_from_request(request).is_coordinator:
        raise PermissionDenied


@login_required
@require_http_methods(["GET", "POST"])
def case_create(request: HttpRequest) -> HttpResponse:
    """The intake form. Validation is the service's (case_create); its errors are shown next to
    the fields they name, and nothing is stored when any rule fails."""
    _require_coordinator(request)
    principal = principal_from_request(request)
    if request.method == "POST":
        patient_form = PatientForm(request.POST, prefix="patient")
        case_form = CaseForm(request.POST, prefix="case")
        lesions = LesionFormSet(request.POST, prefix="lesions")
        if "add_lesion" in request.POST:
            # Re-render with one more empty lesion form, keeping what was typed.
            data = request.POST.copy()
            data["lesions-TOTAL_FORMS"] = str(int(data.get("lesions-TOTAL_FORMS", "1")) + 1)
            lesions = LesionFormSet(data, prefix="lesions")
            return _intake(request, patient_form, case_form, lesions, bound_errors=False)
        valid = patient_form.is_valid() & case_form.is_valid() & lesions.is_valid()
        if valid:
            data: dict[str, Any] = case_form.service_data()
            data["patient"] = patient_form.service_data()
            data["lesions"] = [form.service_data() for form in lesions.forms]
            try:
                case, _created = services.case_create(principal=principal, data=data)
            except RuleError as exc:
                # Three forms on one page: each error goes to the form its field names
                # (core.web.errors.add_rule_error serves the one-form pages).
                unplaced = attach_service_errors(exc.errors, patient_form=patient_form,
                                                 case_form=case_form, lesion_formset=lesions)
                return _intake(request, patient_form, case_form, lesions, top_errors=unplaced,
                               status=exc.status)
            audit_record(principal=principal, action="create", object_type="case",
                         object_id=case.public_id, patient_pseudonym=case.patient.public_id)
            messages.success(request, _("Case submitted for patient %(pseudonym)s.")
                             % {"pseudonym": str(case.patient.public_id)[:8]})
            return redirect("cases_web:case_detail", public_id=case.public_id)
        for form in lesions.forms:
            form.add_consistency_errors()
        return _intake(request, patient_form, case_form, lesions, status=400)
    patient_form = PatientForm(prefix="patient")
    case_form = CaseForm(prefix="case", initial={"requested_board": "bone-mets-spine"})
    lesions = LesionFormSet(prefix="lesions")
    return _intake(request, patient_form, case_form, lesions)


def _intake(request: HttpRequest, patient_form: PatientForm, case_form: CaseForm, lesions: Any,
            *, top_errors: list[str] | None = None, status: int = 200,
            bound_errors: bool = True) -> HttpResponse:
    has_errors = bound_errors and bool(
        top_errors or patient_form.errors or case_form.errors or lesions.total_error_count()
    )
    return render_page(request, "cases/case_form.html", {
        "patient_form": patient_form, "case_form": case_form, "lesions": lesions,
        "top_errors": top_errors or [], "has_errors": has_errors,
    }, status=status, section="intake")


@login_required
@require_http_methods(["GET", "POST"])
def case_detail(request: HttpRequest, public_id: str) -> HttpResponse:
    """The case page with its decision support; coordinators can mark it ready for MDT."""
    principal = principal_from_request(request)
    try:
        case = selectors.case_get_visible(principal=principal, public_id=public_id)
    except Case.DoesNotExist:
        audit_record(principal=principal, action="read", object_type="case",
                     object_id=public_id, outcome="denied",
                     patient_pseudonym=selectors.case_pseudonym_for(public_id=public_id))
        raise Http404 from None
    if request.method == "POST":
        _require_coordinator(request)
        return _case_transition(request, case=case, principal=principal)
    return case_page(request, case, principal)


def case_page(request: HttpRequest, case: Case, principal: Principal, *,
              imaging_form: ImagingStudyForm | None = None,
              document_form: DocumentForm | None = None, status: int = 200) -> HttpResponse:
    """Render the case page (audited read), with the imaging and documents panels and who the
    patient is for those entitled (cases.selectors.patient_identity, audited). The panels' forms
    come bound when a post to them was refused (cases/web/attachments.py)."""
    support = selectors.case_decision_support(case=case)
    readiness = readiness_localized(selectors.case_readiness(case=case))
    audit_record(principal=principal, action="read", object_type="case",
                 object_id=case.public_id, patient_pseudonym=case.patient.public_id,
                 path=request.path)
    plan = selectors.case_active_plan(case=case)
    lesions = lesion_choices(case)
    return render_page(request, "cases/case_detail.html", {
        "c": case_summary(case, support, today=timezone.localdate()),
        "case": case, "support": support, "readiness": readiness, "plan": plan,
        "next_statuses": _next_statuses(case.status),
        "next_step": _next_step(case, readiness=readiness, has_plan=plan is not None),
        "identity": selectors.patient_identity(principal, case, path=request.path),
        "imaging": imaging_rows(case),
        "documents": list(selectors.documents_for_case(case=case)),
        "imaging_form": imaging_form or ImagingStudyForm(lesions=lesions),
        "document_form": document_form or DocumentForm(),
    }, status=status, section="cases")


@rule_errors_as_message
def _case_transition(request: HttpRequest, *, case: Case, principal: Principal) -> HttpResponse:
    """The case page's status form. The refusals the page words itself are handled here; any
    other rule error becomes an error message (core.web.errors)."""
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = -1
    try:
        services.case_transition(case=case, to_status=request.POST.get("to", ""),
                                 principal=principal, reason=request.POST.get("reason", ""),
                                 expected_version=version)
    except services.StaleVersion:
        messages.error(request, _("This case was changed by someone else. Review the "
                                  "current version and try again."))
    except services.CaseNotReady as exc:
        # Ready means ready: say every missing item (also listed under readiness).
        messages.error(request, _("The case is not ready for MDT yet. Missing: %(items)s")
                       % {"items": " ".join(
                           f"({n}) " + requirement_text(item["code"], item.get("params"),
                                                        item["message"])
                           for n, item in enumerate(exc.missing, start=1))})
    except (services.IllegalTransition, ValueError) as exc:
        # ValueError: a status that does not exist.
        messages.error(request, _("This status change is not allowed: %(reason)s")
                       % {"reason": str(exc)})
    else:
        messages.success(request, _("Status updated."))
    return redirect("cases_web:case_detail", public_id=case.public_id)


_NEXT_STEP_TEXT = {
    "complete_referral": _lazy("Complete the referral: resolve the items listed under "
                               "readiness, then mark it ready for MDT."),
    "mark_ready": _lazy("The referral is complete: mark it ready for MDT. It is then placed on "
                        "the next meeting with room."),
    "await_placement": _lazy("Ready for MDT: it goes on the next meeting with room. Nothing to "
                             "do unless placement reports a problem."),
    "await_meeting": _lazy("Listed for discussion: nothing to do before the meeting."),
    "book_plan": _lazy("Discussed: book the plan's procedures."),
    "no_plan": _lazy("Discussed without a treatment plan: move it to follow-up, or close it."),
    "start_treatment": _lazy("Procedures booked: move it to in treatment when the first one "
                             "starts."),
    "to_follow_up": _lazy("In treatment: move it to follow-up when the treatment is complete."),
    "follow_up": _lazy("In follow-up: refer it to the MDT again (ready for MDT) if needed, or "
                       "close it."),
    "closed": _lazy("Closed. Refer it again (ready for MDT) if the patient needs the board."),
}


def _next_step(case: Case, *, readiness: list[dict[str, Any]], has_plan: bool
               ) -> dict[str, Any]:
    """The coordinator's next step (cases/domain/readiness.next_step), with where the case
    stands on the agendas (boardsvc, through settings.BOARDSVC_CASE_AGENDA_SUMMARY)."""
    step = next_step(status=case.status, unresolved=len(readiness), has_active_plan=has_plan)
    agenda: dict[str, Any] = {}
    path = getattr(settings, "BOARDSVC_CASE_AGENDA_SUMMARY", "")
    if path and case.status in (CaseStatus.READY_FOR_MDT, CaseStatus.LISTED):
        agenda = import_string(path)(case_id=case.pk)
    return {"code": step.code, "message": _NEXT_STEP_TEXT.get(step.code, step.message),
            "listed": agenda.get("listed"), "last_placement": agenda.get("last_placement")}


def _next_statuses(status: str) -> list[tuple[str, str]]:
    """The statuses a coordinator may move the case to (cases/domain/lifecycle.py)."""
    try:
        allowed = allowed_transitions(status)
    except ValueError:  # an unknown status offers nothing
        return []
    return [(code, code_label("CaseStatus", code)) for code in allowed]
