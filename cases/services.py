"""Every write to cases, patients, lesions and plans (STYLE.md §3).

Services are keyword-only, typed and atomic; they enqueue background work through the outbox so
it runs only after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cases.domain.codes import CaseStatus
from cases.domain.intake import lesion_inconsistencies
from cases.domain.lifecycle import check_transition
from cases.domain.purposes import prepares_problem, purpose_from_item, purpose_problem
from cases.domain.thresholds import PARAMETERS
from cases.models import (
    Case,
    CaseStatusChange,
    Lesion,
    Patient,
    PatientIdentifier,
    PlannedProcedure,
    SiteParameter,
    TreatmentPlan,
)
from cases.selectors import case_readiness
from core.access import Principal
from core.audit import audit_record
from core.history import revision_record
from core.outbox import outbox_enqueue


class StaleVersion(Exception):
    """The caller's If-Match version is not the current one (→ 412)."""

    def __init__(self, current: int) -> None:
        super().__init__(f"current version is {current}")
        self.current = current


class CaseNotReady(Exception):
    """The case cannot become ready for MDT: ``missing`` lists the open readiness requirements
    ({"code", "message"} and the lesion's public id when one lesion is concerned) (→ 409)."""

    def __init__(self, missing: list[dict[str, str]]) -> None:
        super().__init__("The case is not ready for MDT: "
                         + "; ".join(item["message"] for item in missing))
        self.missing = missing


def _actor(principal: Principal | None) -> dict[str, Any]:
    if principal is None:
        return {"by_user": None, "by_client": ""}
    if principal.is_client:
        return {"by_user": None, "by_client": principal.client_id}
    return {"by_user": principal.user if principal.is_user else None, "by_client": ""}


@transaction.atomic
def case_transition(
    *,
    case: Case,
    to_status: CaseStatus | str,
    principal: Principal | None,
    reason: str = "",
    expected_version: int | None = None,
    check_readiness: bool = True,
) -> Case:
    """Move a case along its lifecycle (cases/domain/lifecycle.py).

    Locks the case row, checks the transition (raises IllegalTransition), bumps the version
    (raises StaleVersion when ``expected_version`` is given and stale) and records the change.
    A case becomes ready for MDT only when its readiness is met (cases/domain/readiness.py):
    otherwise CaseNotReady lists every open requirement and nothing changes. Only boardsvc's
    roll-forward passes ``check_readiness=False``, returning a listed case to the queue it was
    in; its placement re-checks readiness. Becoming ready for MDT enqueues, after commit, the
    tasks named in settings.BOARDSVC_ON_CASE_READY_TASKS (agenda placement), with the case id
    only.
    """
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(locked.version)
    check_transition(locked.status, to_status)
    to = CaseStatus(to_status)
    if to == CaseStatus.READY_FOR_MDT and check_readiness:
        missing = case_readiness(case=locked)
        if missing:
            raise CaseNotReady(missing)
    previous = locked.status
    fields: dict[str, Any] = {"status": to.value, "version": F("version") + 1,
                              "updated_at": timezone.now()}
    if to == CaseStatus.READY_FOR_MDT:
        fields["ready_at"] = timezone.now()
    Case.objects.filter(pk=locked.pk).update(**fields)
    CaseStatusChange.objects.create(
        case=locked, from_status=previous, to_status=to.value, reason=reason[:300],
        **_actor(principal),
    )
    if to == CaseStatus.READY_FOR_MDT:
        for task_name in getattr(settings, "BOARDSVC_ON_CASE_READY_TASKS", []):
            outbox_enqueue(
                task_name=task_name,
                kwargs={"case_id": locked.pk},
                dedup_key=f"{task_name}:{locked.pk}:{locked.version + 1}",
            )
    locked.refresh_from_db()
    revision_record(
        object_type="case", object_id=locked.public_id, version=locked.version,
        snapshot=case_snapshot(case=locked), principal=principal,
        reason=f"status {previous} → {to.value}" + (f": {reason}" if reason else ""),
    )
    return locked


@transaction.atomic
def treatment_plan_create(
    *,
    case: Case,
    procedures: Sequence[dict[str, Any]],
    principal: Principal | None,
    decision_public_id: UUID | None = None,
    summary: str = "",
) -> TreatmentPlan:
    """Create the case's active plan from an MDT decision, superseding any previous one.

    ``procedures`` is an ordered list of dicts with keys: procedure_type, intent, and optionally
    purpose (cases.domain.codes.ProcedurePurpose; the deprecated ``embolization_purpose`` is
    read when ``purpose`` is absent, "adjuvant" as "pre_ablation"), prepares_index (index in
    this list of the procedure this one prepares: a pre-operative embolization → its surgery,
    a pre-ablation one → its ablation), target_lesion (a Lesion of this case or its public_id),
    fractions, dose_gy, notes, same_session_with_index (index in this list). Raises ValueError
    whose message starts with the item's field (``procedures[1].purpose ...``) when a lesion
    does not belong to the case, a purpose is not allowed for the procedure type
    (PURPOSES_BY_PROCEDURE) or a link is not allowed (PREPARED_BY_PURPOSE) or out of range.
    """
    _check_plan_links(procedures)
    Case.objects.select_for_update().filter(pk=case.pk).first()
    TreatmentPlan.objects.filter(case=case, status=TreatmentPlan.Status.ACTIVE).update(
        status=TreatmentPlan.Status.SUPERSEDED
    )
    plan = TreatmentPlan.objects.create(
        case=case, decision_public_id=decision_public_id, summary=summary,
        created_by=principal.user if principal is not None and principal.is_user else None,
    )
    lesions = {str(lesion.public_id): lesion for lesion in Lesion.objects.filter(case=case)}
    by_pk = {lesion.pk: lesion for lesion in lesions.values()}
    created: list[PlannedProcedure] = []
    for index, item in enumerate(procedures):
        target = item.get("target_lesion")
        lesion = None
        if isinstance(target, Lesion):
            lesion = by_pk.get(target.pk)
            if lesion is None:
                raise ValueError(f"procedures[{index}].target_lesion does not belong to this case")
        elif target:
            lesion = lesions.get(str(target))
            if lesion is None:
                raise ValueError(f"procedures[{index}].target_lesion does not belong to this case")
        procedure = PlannedProcedure(
            plan=plan,
            sequence=index + 1,
            procedure_type=item["procedure_type"],
            purpose=purpose_from_item(item),
            target_lesion=lesion,
            intent=item["intent"],
            fractions=item.get("fractions"),
            dose_gy=item.get("dose_gy"),
            notes=item.get("notes", "") or "",
        )
        procedure.full_clean(exclude=["plan", "same_session_with", "target_lesion", "prepares"])
        procedure.save()
        created.append(procedure)
    for index, item in enumerate(procedures):
        fields = []
        other = item.get("same_session_with_index")
        if other is not None:
            created[index].same_session_with = created[int(other)]
            fields.append("same_session_with")
        prepared = item.get("prepares_index")
        if prepared is not None:
            created[index].prepares = created[int(prepared)]
            fields.append("prepares")
        if fields:
            created[index].save(update_fields=fields)
    return plan


def _check_plan_links(procedures: Sequence[dict[str, Any]]) -> None:
    """Each item's purpose is allowed for its type, and its links point at another item of
    the list (a ``prepares_index`` at a procedure its purpose prepares). Raises ValueError
    whose message starts with the field, e.g. ``procedures[0].prepares_index``."""
    count = len(procedures)
    for index, item in enumerate(procedures):
        kind = str(item.get("procedure_type", ""))
        purpose = purpose_from_item(item)
        problem = purpose_problem(kind, purpose)
        if problem is not None:
            raise ValueError(f"procedures[{index}].purpose is not allowed. {problem}")
        links: dict[str, int] = {}
        for name in ("same_session_with_index", "prepares_index"):
            other = item.get(name)
            if other is None:
                continue
            try:
                links[name] = int(other)
            except (TypeError, ValueError):
                links[name] = -1
            if isinstance(other, bool) or not (0 <= links[name] < count) or links[name] == index:
                raise ValueError(f"procedures[{index}].{name} is out of range: it must be the "
                                 "index of another procedure of this plan.")
        if "prepares_index" in links:
            prepared_type = str(procedures[links["prepares_index"]].get("procedure_type", ""))
            problem = prepares_problem(purpose=purpose, prepared_type=prepared_type)
            if problem is not None:
                raise ValueError(f"procedures[{index}].prepares_index is not allowed. {problem}")


# --- case intake and update ---------------------------------------------------------------------


class CaseDataError(Exception):
    """The submitted data breaks a rule; ``errors`` is [{field, rule, message}] with fields
    named like the request (``lesions[1].max_diameter_mm``). Nothing has been stored."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__("; ".join(f"{e['field']}: {e['message']}" for e in errors))
        self.errors = errors


CASE_FIELDS: tuple[str, ...] = (
    "requested_board", "referring_clinician", "clinical_question", "urgency", "urgency_reason",
    "primary_histology", "metastases_count", "ecog", "pain_vas", "systemic_therapy_ongoing",
    "systemic_therapy", "prior_rt_date", "prior_rt_dose_gy", "prior_rt_fractions",
    "imaging_available", "life_expectancy_months", "active_infection",
    "uncorrectable_coagulopathy", "pmma_allergy",
)
LESION_FIELDS: tuple[str, ...] = (
    "site", "vertebral_level", "site_detail", "max_diameter_mm", "pattern", "vascularity",
    "vascularity_method", "pathological_fracture", "epidural_extension", "bilsky_grade",
    "soft_tissue_extension", "distance_neural_mm", "distance_vascular_mm", "rapid_growth",
    "neurological_deficit", "painful", "weight_bearing", "adamkiewicz_in_field",
    "vertebra_plana", "posterior_wall_involved", "intense_enhancement", "radicular_pain",
    "sins_location", "sins_pain", "sins_alignment", "sins_collapse", "sins_posterolateral",
    "mirels_site", "mirels_pain", "mirels_size",
)


def _errors_from(exc: ValidationError, prefix: str = "") -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            name = prefix if field == "__all__" else (f"{prefix}.{field}" if prefix else field)
            for error in errors:
                out.append({"field": name or None, "rule": error.code or "invalid",
                            "message": " ".join(error.messages)})
    else:
        for error in exc.error_list:
            out.append({"field": prefix or None, "rule": error.code or "invalid",
                        "message": " ".join(error.messages)})
    return out


def _lesion_errors(lesion: Lesion, prefix: str) -> list[dict[str, Any]]:
    """Every problem of one lesion at once: contradictions (cases/domain/intake.py) and field
    errors (model validation), each named ``lesions[i].field``."""
    errors = [issue.as_dict(prefix) for issue in lesion_inconsistencies(
        {name: getattr(lesion, name) for name in LESION_FIELDS})]
    try:
        # The constraints restate the consistency rules above (one error each is enough).
        lesion.full_clean(exclude=["case"], validate_constraints=False)
    except ValidationError as exc:
        seen = {e["field"] for e in errors}
        errors.extend(e for e in _errors_from(exc, prefix) if e["field"] not in seen)
    return errors


def _enqueue_on_submitted(case: Case) -> None:
    """After commit, the tasks that look at every new or changed case (a suspected MSCC alerts
    the on-call people at once, R12), with the case id only; once per case version."""
    for task_name in getattr(settings, "BOARDSVC_ON_CASE_SUBMITTED_TASKS", []):
        outbox_enqueue(task_name=task_name, kwargs={"case_id": case.pk},
                       dedup_key=f"{task_name}:{case.pk}:{case.version}")


def case_snapshot(*, case: Case) -> dict[str, Any]:
    """The case as codes and pseudonymous ids (never identifier values), for revisions."""
    data: dict[str, Any] = {name: getattr(case, name) for name in CASE_FIELDS}
    data.update({
        "public_id": str(case.public_id),
        "patient": str(case.patient.public_id),
        "source_system": case.source_system,
        "external_id": case.external_id,
        "status": case.status,
        "version": case.version,
        "lesions": [
            {"public_id": str(lesion.public_id), "position": lesion.position,
             **{name: getattr(lesion, name) for name in LESION_FIELDS}}
            for lesion in Lesion.objects.filter(case=case).order_by("position", "id")
        ],
    })
    return data


def _patient_find_or_create(data: dict[str, Any]) -> Patient:
    """Find the patient by any of its (system, value) identifiers or create it.

    Identifiers not yet known are attached. A concurrent insert of the same identifier loses on
    the unique constraint and re-reads the winner's patient. Raises CaseDataError when the
    identifiers point at two different patients.
    """
    identifiers = [(i["system"], i["value"]) for i in data.get("identifiers", [])]
    if not identifiers:
        raise CaseDataError([{"field": "patient.identifiers", "rule": "required",
                              "message": "At least one patient identifier is required."}])

    def lookup() -> dict[tuple[str, str], int]:
        found: dict[tuple[str, str], int] = {}
        for system, value in identifiers:
            row = PatientIdentifier.objects.filter(system=system, value=value).values_list(
                "patient_id", flat=True
            ).first()
            if row is not None:
                found[(system, value)] = row
        return found

    for _attempt in range(3):
        found = lookup()
        patient_ids = set(found.values())
        if len(patient_ids) > 1:
            raise CaseDataError([{
                "field": "patient.identifiers", "rule": "conflict",
                "message": "These identifiers belong to different patients; fix the "
                           "identifiers before resubmitting.",
            }])
        try:
            with transaction.atomic():
                if patient_ids:
                    patient = Patient.objects.get(pk=patient_ids.pop())
                else:
                    patient = Patient(birth_year=data["birth_year"],
                                      sex=data.get("sex") or "unknown")
                    try:
                        patient.full_clean()
                    except ValidationError as exc:
                        raise CaseDataError(_errors_from(exc, "patient")) from None
                    patient.save()
                for system, value in identifiers:
                    if (system, value) not in found:
                        PatientIdentifier.objects.create(patient=patient, system=system,
                                                         value=value)
                return patient
        except IntegrityError:
            continue  # another request inserted one of these identifiers: read it again
    raise CaseDataError([{"field": "patient.identifiers", "rule": "conflict",
                          "message": "The patient could not be matched; retry."}])


def _case_insert(*, principal: Principal | None, data: dict[str, Any],
                 source_system: str, external_id: str | None) -> Case:
    errors: list[dict[str, Any]] = []
    lesions_data = list(data.get("lesions") or [])
    if not lesions_data:
        errors.append({"field": "lesions", "rule": "required",
                       "message": "Describe at least one lesion."})
    patient = _patient_find_or_create(data.get("patient") or {})
    case = Case(
        patient=patient, source_system=source_system, external_id=external_id,
        submitted_by=principal.user if principal is not None and principal.is_user else None,
        submitted_by_client=principal.client_id if principal is not None else "",
        **{name: data[name] for name in CASE_FIELDS if name in data},
    )
    try:
        # Uniqueness is the database's job (it decides the winner of a concurrent retry).
        case.full_clean(exclude=["patient", "submitted_by"], validate_unique=False,
                        validate_constraints=False)
    except ValidationError as exc:
        errors.extend(_errors_from(exc))
    lesions: list[Lesion] = []
    for index, item in enumerate(lesions_data):
        lesion = Lesion(position=index, **{k: item[k] for k in LESION_FIELDS if k in item})
        errors.extend(_lesion_errors(lesion, f"lesions[{index}]"))
        lesions.append(lesion)
    if errors:
        raise CaseDataError(errors)
    case.save()
    for lesion in lesions:
        lesion.case = case
    Lesion.objects.bulk_create(lesions)
    revision_record(object_type="case", object_id=case.public_id, version=case.version,
                    snapshot=case_snapshot(case=case), principal=principal, reason="submitted")
    _enqueue_on_submitted(case)
    return case


def case_create(*, principal: Principal | None, data: dict[str, Any]) -> tuple[Case, bool]:
    """Create a case with its patient and lesions, all or nothing; returns (case, created).

    Idempotent intake: when (source_system, external_id) already exists the existing case is
    returned with created=False, also when a concurrent submission wins the race (the unique
    constraint ``case_source_external_id_uniq`` decides; the loser reads the winner).
    Raises CaseDataError (nothing stored) naming each bad field, e.g. lesions[1].max_diameter_mm.
    """
    source_system = (data.get("source_system") or "boardsvc").strip()
    external_id = (data.get("external_id") or "").strip() or None
    if external_id is not None:
        existing = Case.objects.filter(source_system=source_system,
                                       external_id=external_id).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            return _case_insert(principal=principal, data=data,
                                source_system=source_system, external_id=external_id), True
    except IntegrityError:
        if external_id is None:
            raise
        winner = Case.objects.filter(source_system=source_system,
                                     external_id=external_id).first()
        if winner is None:
            raise
        return winner, False


@transaction.atomic
def case_update(*, principal: Principal | None, case: Case, data: dict[str, Any],
                expected_version: int) -> Case:
    """Change case fields and lesions (all or nothing) if the caller saw the current version.

    ``data`` may hold any of CASE_FIELDS; ``lesions``: items with ``id`` (a lesion public id of
    this case) update that lesion, items without create one; ``remove_lesions``: public ids to
    delete. Raises StaleVersion (→ 412) and CaseDataError (→ 400). Bumps the version once and
    records a revision.
    """
    locked = Case.objects.select_for_update().select_related("patient").get(pk=case.pk)
    if locked.version != expected_version:
        raise StaleVersion(locked.version)
    errors: list[dict[str, Any]] = []
    changed = [name for name in CASE_FIELDS if name in data]
    for name in changed:
        setattr(locked, name, data[name])
    try:
        locked.full_clean(exclude=["patient", "submitted_by"], validate_unique=False,
                          validate_constraints=False)
    except ValidationError as exc:
        errors.extend(_errors_from(exc))
    existing = {str(lesion.public_id): lesion for lesion in Lesion.objects.filter(case=locked)}
    removed: list[Lesion] = []
    for index, raw in enumerate(data.get("remove_lesions") or []):
        lesion = existing.get(str(raw))
        if lesion is None:
            errors.append({"field": f"remove_lesions[{index}]", "rule": "not_found",
                           "message": "No lesion with this id on this case."})
        else:
            removed.append(lesion)
    to_save: list[tuple[Lesion, list[str] | None]] = []
    next_position = max((lesion.position for lesion in existing.values()), default=-1) + 1
    for index, item in enumerate(data.get("lesions") or []):
        fields = [k for k in LESION_FIELDS if k in item]
        lesion_id = item.get("id")
        if lesion_id:
            found = existing.get(str(lesion_id))
            if found is None:
                errors.append({"field": f"lesions[{index}].id", "rule": "not_found",
                               "message": "No lesion with this id on this case."})
                continue
            lesion = found
            update_fields: list[str] | None = fields
        else:
            lesion = Lesion(case=locked, position=next_position)
            next_position += 1
            update_fields = None
        for name in fields:
            setattr(lesion, name, item[name])
        errors.extend(_lesion_errors(lesion, f"lesions[{index}]"))
        to_save.append((lesion, update_fields))
    remaining = len(existing) - len(removed) + sum(1 for _, f in to_save if f is None)
    if remaining < 1:
        errors.append({"field": "remove_lesions", "rule": "min_lesions",
                       "message": "A case keeps at least one lesion."})
    if errors:
        raise CaseDataError(errors)
    if changed:
        locked.save(update_fields=[*changed, "updated_at"])
    for lesion in removed:
        lesion.delete()
    for lesion, update_fields in to_save:
        if update_fields is None:
            lesion.save()
        elif update_fields:
            lesion.save(update_fields=update_fields)
    # The row is locked, so this conditional UPDATE cannot lose to a concurrent writer; it also
    # guards the version where select_for_update is a no-op (SQLite serialises writers instead).
    bumped = Case.objects.filter(pk=locked.pk, version=expected_version).update(
        version=F("version") + 1, updated_at=timezone.now()
    )
    if bumped != 1:
        raise StaleVersion(Case.objects.values_list("version", flat=True).get(pk=locked.pk))
    locked.refresh_from_db()
    revision_record(object_type="case", object_id=locked.public_id, version=locked.version,
                    snapshot=case_snapshot(case=locked), principal=principal, reason="updated")
    _enqueue_on_submitted(locked)
    if locked.status == CaseStatus.READY_FOR_MDT:
        missing = case_readiness(case=locked)
        if missing:
            # Ready means ready: an edit that reopens a requirement takes the case back to
            # "submitted" (before placement sees it), with the open items as the reason.
            locked = case_transition(
                case=locked, to_status=CaseStatus.SUBMITTED, principal=principal,
                reason="No longer ready: " + ", ".join(item["code"] for item in missing))
    return locked


# --- site parameters ---------------------------------------------------------------------------


@transaction.atomic
def site_parameter_set(*, principal: Principal | None, key: str, value: float | None,
                       reason: str) -> SiteParameter | None:
    """Override (or, with value None, reset to its default) one decision-support threshold.

    Raises CaseDataError for an unknown key, a value outside the parameter's range (the message
    names the key and the range) or a missing reason. Records who changed it and why, and
    writes an audit row with the old and new values.
    """
    parameter = PARAMETERS.get(key)
    if parameter is None:
        raise CaseDataError([{"field": "key", "rule": "unknown_parameter",
                              "message": f"There is no parameter named {key!r}."}])
    if not reason.strip():
        raise CaseDataError([{"field": "reason", "rule": "required",
                              "message": "Say why the parameter is changed."}])
    if value is not None:
        problem = parameter.validate(float(value))
        if problem is not None:
            raise CaseDataError([{"field": "value", "rule": "out_of_range", "message": problem}])
    current = SiteParameter.objects.select_for_update().filter(key=key).first()
    old = current.value if current is not None else float(parameter.default)
    user = principal.user if principal is not None and principal.is_user else None
    if value is None:
        if current is not None:
            current.delete()
        result = None
    elif current is None:
        result = SiteParameter.objects.create(key=key, value=float(value), reason=reason[:300],
                                              updated_by=user)
    else:
        current.value = float(value)
        current.reason = reason[:300]
        current.updated_by = user
        current.save(update_fields=["value", "reason", "updated_by", "updated_at"])
        result = current
    audit_record(
        principal=principal, action="update", object_type="site_parameter", object_id=key,
        detail={"old": old, "new": float(value) if value is not None else float(
            parameter.default), "reason": reason[:300], "reset": value is None},
    )
    return result


@transaction.atomic
def planned_procedure_add(
    *,
    plan: TreatmentPlan,
    procedure_type: str,
    intent: str,
    target_lesion: Lesion | None = None,
    notes: str = "",
) -> PlannedProcedure:
    """Append one procedure to an existing plan (e.g. an R8 follow-up CT proposed by scheduling).

    Locks the plan row so two appends never take the same sequence number; the unique
    (plan, sequence) constraint backs that. Raises ValidationError for codes outside the
    catalogue and ValueError when the lesion belongs to another case.
    """
    locked = TreatmentPlan.objects.select_for_update().get(pk=plan.pk)
    if target_lesion is not None and target_lesion.case_id != locked.case_id:
        raise ValueError("target_lesion does not belong to this plan's case")
    last = locked.procedures.order_by("-sequence").values_list("sequence", flat=True).first()
    procedure = PlannedProcedure(
        plan=locked, sequence=(last or 0) + 1, procedure_type=procedure_type, intent=intent,
        target_lesion=target_lesion, notes=notes[:300],
    )
    procedure.full_clean(exclude=["plan", "same_session_with", "target_lesion", "prepares"])
    procedure.save()
    return procedure
