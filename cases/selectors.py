"""Reads of cases, with permission scoping and decision support (for views and other apps).

Scoping is done in the query (``core.access.case_access_policy().case_filter``), so a member never
receives another board's case, even in a list. Decision support is computed on read from the
pure rules in cases/domain/ with the site's effective thresholds.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, overload
from urllib.parse import quote
from uuid import UUID

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.utils import timezone

from cases.domain.facts import CaseFacts, CaseSupport, LesionFacts
from cases.domain.readiness import case_readiness as _case_readiness
from cases.domain.spine import mscc_triggers
from cases.domain.support import case_support, support_as_dict
from cases.domain.thresholds import PARAMETERS, effective_thresholds
from cases.models import (
    Case,
    CaseDocument,
    CaseStatusChange,
    ImagingStudy,
    Lesion,
    PatientIdentifier,
    PlannedProcedure,
    SiteParameter,
    TreatmentPlan,
)
from core.access import SCOPE_PATIENT_IDENTIFY, Principal, case_access_policy
from core.audit import audit_record, audit_record_many
from core.history import revision_list


def cases_in_scope(principal: Principal) -> QuerySet[Case]:
    """The one definition of "the cases this principal may see", unordered and without joins,
    for every app's reads (core.access policy; anonymous principals see none)."""
    if not principal.is_authenticated:
        return Case.objects.none()
    condition = case_access_policy().case_filter(principal)
    return Case.objects.all() if condition is None else Case.objects.filter(condition)


def case_scope_q(principal: Principal, path: str = "case") -> Q:
    """The same scope as a filter on a related model: ``path`` leads from it to its case
    (``plan__case`` from a booking). Empty (matches all) when the principal sees every case."""
    if not principal.is_authenticated:
        return Q(pk__in=[])
    if case_access_policy().case_filter(principal) is None:
        return Q()
    return Q(**{f"{path}__in": cases_in_scope(principal).values("pk")})


def case_list_visible(*, principal: Principal) -> QuerySet[Case]:
    """Cases the principal may see, newest first, with patient and lesions loaded
    (select_related patient, prefetch lesions). Anonymous principals see none."""
    return cases_in_scope(principal).select_related("patient").prefetch_related(
        Prefetch("lesions", queryset=Lesion.objects.order_by("position", "id"))
    ).order_by("-submitted_at", "-id")


def case_get_visible(*, principal: Principal, public_id: UUID | str) -> Case:
    """The case with this public id if the principal may see it, with its patient, lesions
    and the site's threshold overrides (``case_thresholds``) read in one round trip.

    Raises Case.DoesNotExist when it does not exist or is outside the principal's scope (callers
    answer 404 for both, so existence is not leaked).
    """
    try:
        UUID(str(public_id))
    except ValueError:
        raise Case.DoesNotExist from None
    scope = cases_in_scope(principal).filter(public_id=public_id)
    overrides = RawSQL(_SITE_OVERRIDES_SQL[connection.vendor], ())  # noqa: S611 (constant SQL)
    # The lesion rows joined to their case and patient; a case without lesions (a draft) costs
    # a second query.
    lesions = list(Lesion.objects.filter(case__in=scope.values("pk"))
                   .select_related("case__patient").annotate(site_overrides=overrides)
                   .order_by("position", "id"))
    if lesions:
        case, site_overrides = lesions[0].case, lesions[0].site_overrides
    else:
        case = scope.select_related("patient").annotate(site_overrides=overrides).get()
        site_overrides = case.site_overrides
    case.lesions_known(lesions)
    case.site_overrides = {key: float(value)
                           for key, value in json.loads(site_overrides or "{}").items()}
    return case


# The site's overrides as one JSON object, read as a column of the case's own query.
_SITE_OVERRIDES_SQL = {
    "postgresql": "SELECT COALESCE(json_object_agg(key, value), '{}'::json)::text "
                  "FROM cases_siteparameter",
    "sqlite": "SELECT COALESCE(json_group_object(key, value), '{}') FROM cases_siteparameter",
}


def case_pseudonym_for(*, public_id: UUID | str) -> str:
    """The patient pseudonym of a case regardless of scope, for auditing a denied access.

    Returns "" when the case does not exist. Never shown to the caller.
    """
    try:
        UUID(str(public_id))
    except ValueError:
        return ""
    value = (
        Case.objects.filter(public_id=public_id).values_list("patient__public_id", flat=True)
        .first()
    )
    return str(value) if value else ""


def case_list_filtered(
    *,
    principal: Principal,
    status: Iterable[str] = (),
    urgency: Iterable[str] = (),
    board: str = "",
    submitted_from: date | None = None,
    submitted_to: date | None = None,
) -> QuerySet[Case]:
    """Visible cases filtered by status, urgency, requested board slug and submission date
    range (inclusive dates, UTC days). Each filter is backed by an index on Case."""
    queryset = case_list_visible(principal=principal)
    status = list(status)
    urgency = list(urgency)
    if status:
        queryset = queryset.filter(status__in=status)
    if urgency:
        queryset = queryset.filter(urgency__in=urgency)
    if board:
        queryset = queryset.filter(requested_board=board)
    tz = timezone.get_current_timezone()
    if submitted_from is not None:
        queryset = queryset.filter(
            submitted_at__gte=datetime.combine(submitted_from, time.min, tzinfo=tz)
        )
    if submitted_to is not None:
        queryset = queryset.filter(
            submitted_at__lte=datetime.combine(submitted_to, time.max, tzinfo=tz)
        )
    return queryset


def case_active_plan(*, case: Case) -> TreatmentPlan | None:
    """The case's active treatment plan with its procedures (and what each prepares or shares
    a session with) loaded, or None."""
    return case.plans.filter(status=TreatmentPlan.Status.ACTIVE).prefetch_related(Prefetch(
        "procedures", queryset=PlannedProcedure.objects.select_related(
            "prepares", "same_session_with"))).first()


# --- thresholds ---------------------------------------------------------------------------------


def site_parameter_overrides() -> dict[str, float]:
    """The site's stored overrides (one query)."""
    return dict(SiteParameter.objects.values_list("key", "value"))


def site_thresholds_effective() -> dict[str, float]:
    """Effective thresholds: clinical-rules.md defaults with the site's valid overrides."""
    return effective_thresholds(site_parameter_overrides())


def site_parameter_list() -> list[dict[str, Any]]:
    """Every registered parameter with its default, range, effective value and the override's
    audit fields (who changed it, when and why)."""
    rows = {
        row.key: row
        for row in SiteParameter.objects.select_related("updated_by").filter(
            key__in=list(PARAMETERS)
        )
    }
    effective = effective_thresholds({k: r.value for k, r in rows.items()})
    out: list[dict[str, Any]] = []
    for key, parameter in PARAMETERS.items():
        row = rows.get(key)
        out.append({
            "key": key,
            "value": effective[key],
            "default": float(parameter.default),
            "min": float(parameter.min),
            "max": float(parameter.max),
            "unit": parameter.unit,
            "rule_id": parameter.rule_id,
            "rationale": parameter.rationale,
            "source": parameter.source,
            "overridden": row is not None,
            "reason": row.reason if row else "",
            "updated_at": row.updated_at if row else None,
            "updated_by": (row.updated_by.get_username() if row and row.updated_by else ""),
        })
    return out


# --- decision support ---------------------------------------------------------------------------


def lesion_facts(lesion: Lesion) -> LesionFacts:
    return LesionFacts(
        public_id=str(lesion.public_id),
        site=lesion.site,
        vertebral_level=lesion.vertebral_level,
        site_detail=lesion.site_detail,
        max_diameter_mm=lesion.max_diameter_mm,
        pattern=lesion.pattern,
        vascularity=lesion.vascularity,
        vascularity_method=lesion.vascularity_method,
        pathological_fracture=lesion.pathological_fracture,
        epidural_extension=lesion.epidural_extension,
        bilsky_grade=lesion.bilsky_grade,
        soft_tissue_extension=lesion.soft_tissue_extension,
        distance_neural_mm=lesion.distance_neural_mm,
        distance_vascular_mm=lesion.distance_vascular_mm,
        rapid_growth=lesion.rapid_growth,
        neurological_deficit=lesion.neurological_deficit,
        painful=lesion.painful,
        weight_bearing=lesion.weight_bearing,
        adamkiewicz_in_field=lesion.adamkiewicz_in_field,
        vertebra_plana=lesion.vertebra_plana,
        posterior_wall_involved=lesion.posterior_wall_involved,
        intense_enhancement=lesion.intense_enhancement,
        radicular_pain=lesion.radicular_pain,
        sins_location=lesion.sins_location,
        sins_pain=lesion.sins_pain,
        sins_alignment=lesion.sins_alignment,
        sins_collapse=lesion.sins_collapse,
        sins_posterolateral=lesion.sins_posterolateral,
        mirels_site=lesion.mirels_site,
        mirels_pain=lesion.mirels_pain,
        mirels_size=lesion.mirels_size,
    )


def case_facts(case: Case) -> CaseFacts:
    """Map a case (lesions prefetched or not) onto the pure decision-support inputs."""
    lesions = sorted(case.lesions.all(), key=lambda lesion: (lesion.position, lesion.pk))
    return CaseFacts(
        primary_histology=case.primary_histology,
        metastases_count=case.metastases_count,
        pain_vas=case.pain_vas,
        ecog=case.ecog,
        urgency=case.urgency,
        urgency_reason=case.urgency_reason,
        imaging_available=case.imaging_available,
        active_infection=case.active_infection,
        uncorrectable_coagulopathy=case.uncorrectable_coagulopathy,
        pmma_allergy=case.pmma_allergy,
        lesions=tuple(lesion_facts(lesion) for lesion in lesions),
    )


def case_thresholds(case: Case) -> dict[str, float]:
    """The site's effective thresholds: from the overrides read with the case when
    case_get_visible fetched it, else read now (one query)."""
    overrides = getattr(case, "site_overrides", None)
    return effective_thresholds(site_parameter_overrides() if overrides is None else overrides)


def case_support_get(*, case: Case, thresholds: dict[str, float] | None = None) -> CaseSupport:
    """Decision support as typed values (cases.domain.facts.CaseSupport): the contract other
    apps read (boards record decisions against its suggestions). Pass ``thresholds`` to avoid
    re-reading the site's parameters per case."""
    effective = thresholds if thresholds is not None else case_thresholds(case)
    return case_support(case_facts(case), effective)


def case_decision_support(
    *, case: Case, thresholds: dict[str, float] | None = None
) -> dict[str, Any]:
    """Decision support as JSON (the API's and the pages' shape): {"case": [findings],
    "lesions": [{"lesion", "label", "findings", "suggestions"}], "emergency": bool}. Each
    finding has rule_id, title, result, rationale, source, evidence."""
    return support_as_dict(case_support_get(case=case, thresholds=thresholds))


def case_is_emergency(*, case: Case, thresholds: dict[str, float]) -> bool:
    """The MSCC emergency flag (R9-R12) alone, cheap enough for list rows."""
    return bool(mscc_triggers(case_facts(case), thresholds))


def case_readiness(*, case: Case) -> list[dict[str, Any]]:
    """Unresolved requirements [{"code", "message", "params"} (+ "lesion" public id)], empty
    when ready; cases.labels.requirement_text words one in the reader's language."""
    return [item.as_dict() for item in _case_readiness(case_facts(case))]


# --- history ------------------------------------------------------------------------------------


def case_history(*, case: Case) -> dict[str, Any]:
    """Status changes and revision snapshots of a case, oldest first."""
    changes = [
        {
            "from_status": change.from_status,
            "to_status": change.to_status,
            "reason": change.reason,
            "at": change.at,
            "by": (
                f"user:{change.by_user_id}" if change.by_user_id
                else (f"client:{change.by_client}" if change.by_client else "system")
            ),
        }
        for change in CaseStatusChange.objects.filter(case=case).order_by("at", "id")
    ]
    revisions = [
        {
            "version": revision.version,
            "at": revision.at,
            "by": f"{revision.actor_type}:{revision.actor_id}" if revision.actor_id
            else revision.actor_type,
            "reason": revision.reason,
            "snapshot": revision.snapshot,
        }
        for revision in revision_list(object_type="case", object_id=case.public_id)
    ]
    return {"status_changes": changes, "revisions": revisions}


# --- patient identification (issue 12) -----------------------------------------------------------

# The audit action of a display of who the patient is (one row per case shown).
AUDIT_IDENTIFY = "identify"


@dataclass(frozen=True)
class PatientIdentity:
    """Who the patient of a case is, for the people who must recognise them at the board.

    ``pseudonym`` is the patient's public id (what URLs, logs and system APIs carry); the rest is
    blank (or None) where not stored. Built only by ``patient_identity``, which audits it."""

    case_id: str
    pseudonym: str
    hospital_number: str = ""
    given_name: str = ""
    family_name: str = ""
    birth_date: date | None = None

    @property
    def short_pseudonym(self) -> str:
        return self.pseudonym[:8]

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.family_name.upper(), self.given_name) if part)

    @property
    def initials(self) -> str:
        return "".join(f"{part[0].upper()}." for part in (self.given_name, self.family_name)
                       if part)

    def as_dict(self) -> dict[str, Any]:
        """The API's ``identification`` object."""
        return {
            "hospital_number": self.hospital_number or None,
            "hospital_number_system": hospital_number_system(),
            "given_name": self.given_name or None,
            "family_name": self.family_name or None,
            "birth_date": self.birth_date.isoformat() if self.birth_date else None,
        }


def hospital_number_system() -> str:
    """The identifier system of the site's hospital number (BOARDSVC_HOSPITAL_NUMBER_SYSTEM)."""
    return str(getattr(settings, "BOARDSVC_HOSPITAL_NUMBER_SYSTEM", "")
               or "urn:boardsvc:hospital-number")


def may_identify(principal: Principal) -> bool:
    """Whether the principal may see who a (visible) patient is: coordinators and
    administrators, members of a board (any board role; the case scope already limits them to
    their boards' cases), and system clients holding the ``patient:identify`` scope."""
    if principal.is_client:
        return principal.has_scope(SCOPE_PATIENT_IDENTIFY)
    if not principal.is_user:
        return False
    return principal.is_coordinator or bool(principal.board_roles)


def _hospital_numbers(patient_ids: Iterable[int]) -> dict[int, str]:
    """The hospital number of each patient (one query; the lowest value if several)."""
    ids = sorted(set(patient_ids))
    if not ids:
        return {}
    numbers: dict[int, str] = {}
    rows = (PatientIdentifier.objects.filter(patient_id__in=ids, system=hospital_number_system())
            .order_by("patient_id", "value").values_list("patient_id", "value"))
    for patient_id, value in rows:
        numbers.setdefault(patient_id, value)
    return numbers


@overload
def patient_identity(principal: Principal, cases: Case, *, path: str = ""
                     ) -> PatientIdentity | None: ...


@overload
def patient_identity(principal: Principal, cases: Iterable[Case], *, path: str = ""
                     ) -> dict[int, PatientIdentity]: ...


def patient_identity(principal: Principal, cases: Case | Iterable[Case], *, path: str = ""
                     ) -> PatientIdentity | dict[int, PatientIdentity] | None:
    """Who the patient of each case is, if the principal may know (``may_identify``).

    One case → its PatientIdentity, or None when the principal is not entitled; several →
    {case pk: PatientIdentity}, empty when not entitled. Callers pass cases they read through
    a scoped selector (case_get_visible, case_list_visible, an agenda), patients loaded. Every
    identity returned is audited: one ``identify`` row per case, in one INSERT for a list; a
    refusal returns nothing and writes nothing. One query for the hospital numbers."""
    single = isinstance(cases, Case)
    rows: list[Case] = [cases] if isinstance(cases, Case) else list(cases)
    if not may_identify(principal) or not rows:
        return None if single else {}
    numbers = _hospital_numbers(case.patient_id for case in rows)
    identities: dict[int, PatientIdentity] = {}
    for case in rows:
        patient = case.patient
        identities[case.pk] = PatientIdentity(
            case_id=str(case.public_id), pseudonym=str(patient.public_id),
            hospital_number=numbers.get(patient.pk, ""), given_name=patient.given_name,
            family_name=patient.family_name, birth_date=patient.birth_date)
    audit_record_many(principal=principal, action=AUDIT_IDENTIFY, object_type="case",
                      objects=[(case.public_id, case.patient.public_id) for case in rows],
                      path=path)
    return identities[rows[0].pk] if single else identities


def case_label(case: Case) -> str:
    """A short label of a case's patient for notifications and e-mail (docs/security.md,
    "What a notification may say"): the hospital number with the pseudonym's first 8
    characters, or the pseudonym alone when no hospital number is stored. Never a name, initials
    or a date of birth. One query."""
    pseudonym = str(case.patient.public_id)[:8]
    number = _hospital_numbers([case.patient_id]).get(case.patient_id, "")
    return f"{number} ({pseudonym})" if number else pseudonym


# --- imaging studies --------------------------------------------------------------------------


def imaging_studies_for_case(*, case: Case) -> QuerySet[ImagingStudy]:
    """The case's imaging studies, newest first, case and lesions loaded (index: case,
    study_date)."""
    return (ImagingStudy.objects.filter(case=case).select_related("case", "lesion")
            .order_by("-study_date", "-id"))


def imaging_study_get_visible(*, principal: Principal, public_id: UUID | str) -> ImagingStudy:
    """The study with this public id if its case is visible to the principal (its case and
    patient loaded); ImagingStudy.DoesNotExist otherwise."""
    try:
        UUID(str(public_id))
    except ValueError:
        raise ImagingStudy.DoesNotExist from None
    return (ImagingStudy.objects.filter(case_scope_q(principal))
            .select_related("case__patient").get(public_id=public_id))


def imaging_viewer_url(*, accession: str, study_uid: str, template: str | None = None) -> str:
    """The study's link into the hospital's PACS viewer, or "" (no viewer configured, a
    template that is not http(s), or neither identifier known).

    ``{accession}`` and ``{study_uid}`` in BOARDSVC_PACS_VIEWER_URL are replaced by the
    URL-encoded values (nothing else in the template is interpreted)."""
    pattern = (template if template is not None
               else str(getattr(settings, "BOARDSVC_PACS_VIEWER_URL", "") or ""))
    if not pattern or not pattern.lower().startswith(("https://", "http://")):
        return ""
    if not (accession or study_uid):
        return ""
    return (pattern.replace("{accession}", quote(accession, safe=""))
            .replace("{study_uid}", quote(study_uid, safe="")))


# --- documents ------------------------------------------------------------------------------


def documents_for_case(*, case: Case) -> QuerySet[CaseDocument]:
    """The case's documents, newest first, without their content (index: case, uploaded_at)."""
    return (CaseDocument.objects.filter(case=case).defer("content")
            .select_related("lesion", "uploaded_by").order_by("-uploaded_at", "-id"))


def document_get_visible(*, principal: Principal, public_id: UUID | str) -> CaseDocument:
    """The document (content deferred) if its case is visible to the principal: the same scope
    as the case. CaseDocument.DoesNotExist otherwise (callers answer 404 for both)."""
    try:
        UUID(str(public_id))
    except ValueError:
        raise CaseDocument.DoesNotExist from None
    return (CaseDocument.objects.filter(case_scope_q(principal)).defer("content")
            .select_related("case__patient").get(public_id=public_id))


def document_pseudonym_for(*, public_id: UUID | str) -> str:
    """The patient pseudonym of a document regardless of scope, to audit a refused read."""
    try:
        UUID(str(public_id))
    except ValueError:
        return ""
    value = (CaseDocument.objects.filter(public_id=public_id)
             .values_list("case__patient__public_id", flat=True).first())
    return str(value) if value else ""


def document_content(*, principal: Principal, document: CaseDocument, path: str = "") -> bytes:
    """The document's bytes, for a principal that read ``document`` through
    document_get_visible. Every read writes an audit row (action read, object "case_document",
    the patient's pseudonym)."""
    content = (CaseDocument.objects.filter(pk=document.pk)
               .values_list("content", flat=True).first())
    audit_record(principal=principal, action="read", object_type="case_document",
                 object_id=document.public_id, patient_pseudonym=document.case.patient.public_id,
                 path=path, detail={"download": True, "sha256": document.sha256})
    return bytes(content or b"")
