"""Case intake and update: a case with its patient and lesions, all or nothing.

Every problem of a submission is reported at once (CaseDataError names each field like the
request, ``lesions[1].max_diameter_mm``); nothing is stored when any rule fails.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from cases.domain.codes import CaseStatus
from cases.domain.errors import CaseDataError
from cases.domain.intake import lesion_inconsistencies
from cases.models import Case, Lesion, Patient, PatientIdentifier
from cases.selectors import case_readiness
from cases.services.lifecycle import case_transition
from cases.services.snapshot import CASE_FIELDS, LESION_FIELDS, case_snapshot
from core.access import Principal
from core.errors import StaleVersion
from core.history import revision_record
from core.outbox import outbox_enqueue


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
        # The constraints restate the consistency rules above (one error each is enough); the
        # only unique field is a fresh public id (no query per lesion to check it).
        lesion.full_clean(exclude=["case"], validate_unique=False, validate_constraints=False)
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
                        patient.full_clean(validate_unique=False)  # a fresh public id
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
    case.lesions_known(lesions)  # the snapshot, the response and its decision support read them
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
    locked = Case.objects.select_for_update(of=("self",)).select_related("patient").get(pk=case.pk)
    if locked.version != expected_version:
        raise StaleVersion(locked.version, noun="case")
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
        raise StaleVersion(Case.objects.values_list("version", flat=True).get(pk=locked.pk),
                           noun="case")
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
