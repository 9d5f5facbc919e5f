"""Treatment plans: the procedures an MDT decided for a case, in order, with their links."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from django.db import transaction

from cases.domain.purposes import prepares_problem, purpose_from_item, purpose_problem
from cases.models import Case, Lesion, PlannedProcedure, TreatmentPlan
from core.access import Principal


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
    Case.objects.select_for_update(of=("self",)).filter(pk=case.pk).first()
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
    locked = TreatmentPlan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
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
