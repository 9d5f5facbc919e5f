"""Every write to cases, patients, lesions and plans (STYLE.md §3).

Services are keyword-only, typed and atomic; they enqueue background work through the outbox so
it runs only after commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cases.domain.codes import CaseStatus
from cases.domain.lifecycle import check_transition
from cases.models import Case, CaseStatusChange, Lesion, PlannedProcedure, TreatmentPlan
from core.access import Principal
from core.outbox import outbox_enqueue


class StaleVersion(Exception):
    """The caller's If-Match version is not the current one (→ 412)."""

    def __init__(self, current: int) -> None:
        super().__init__(f"current version is {current}")
        self.current = current


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
) -> Case:
    """Move a case along its lifecycle (cases/domain/lifecycle.py).

    Locks the case row, checks the transition (raises IllegalTransition), bumps the version
    (raises StaleVersion when ``expected_version`` is given and stale) and records the change.
    Becoming ready for MDT enqueues, after commit, the tasks named in
    settings.BOARDSVC_ON_CASE_READY_TASKS (agenda placement), with the case id only.
    """
    locked = Case.objects.select_for_update().get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(locked.version)
    check_transition(locked.status, to_status)
    to = CaseStatus(to_status)
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
    embolization_purpose, target_lesion (a Lesion of this case or its public_id), fractions,
    dose_gy, notes, same_session_with_index (index in this list). Raises ValueError naming the
    item when a lesion does not belong to the case.
    """
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
            embolization_purpose=item.get("embolization_purpose", "") or "",
            target_lesion=lesion,
            intent=item["intent"],
            fractions=item.get("fractions"),
            dose_gy=item.get("dose_gy"),
            notes=item.get("notes", "") or "",
        )
        procedure.full_clean(exclude=["plan", "same_session_with", "target_lesion"])
        procedure.save()
        created.append(procedure)
    for index, item in enumerate(procedures):
        other = item.get("same_session_with_index")
        if other is not None:
            if not (0 <= int(other) < len(created)) or int(other) == index:
                raise ValueError(f"procedures[{index}].same_session_with_index is out of range")
            created[index].same_session_with = created[int(other)]
            created[index].save(update_fields=["same_session_with"])
    return plan
