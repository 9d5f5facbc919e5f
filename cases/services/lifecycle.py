"""Moving a case along its lifecycle (cases/domain/lifecycle.py), with readiness checked
(cases/domain/readiness.py: ready means ready)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from cases.domain.codes import CaseStatus
from cases.domain.errors import CaseNotReady
from cases.domain.lifecycle import check_transition
from cases.models import Case, CaseStatusChange
from cases.selectors import case_readiness
from cases.services.snapshot import case_snapshot
from core.access import Principal, actor_fields
from core.errors import StaleVersion
from core.history import revision_record
from core.outbox import outbox_enqueue


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
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if expected_version is not None and locked.version != expected_version:
        raise StaleVersion(locked.version, noun="case")
    check_transition(locked.status, to_status)
    to = CaseStatus(to_status)
    if to == CaseStatus.READY_FOR_MDT and check_readiness:
        missing = case_readiness(case=locked)
        if missing:
            lesions = sorted(locked.lesions.all(), key=lambda lesion: (lesion.position, lesion.pk))
            raise CaseNotReady(missing, current=locked.status,
                               lesions=[str(lesion.public_id) for lesion in lesions])
    previous = locked.status
    fields: dict[str, Any] = {"status": to.value, "version": F("version") + 1,
                              "updated_at": timezone.now()}
    if to == CaseStatus.READY_FOR_MDT:
        fields["ready_at"] = timezone.now()
    Case.objects.filter(pk=locked.pk).update(**fields)
    CaseStatusChange.objects.create(
        case=locked, from_status=previous, to_status=to.value, reason=reason[:300],
        **actor_fields(principal),
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
