"""Celery tasks of scheduling: thin (they call one service), ids only (no patient data in a
message), idempotent (a redelivered task changes nothing twice).

Retries cover transient database errors only, with exponential backoff capped below the broker's
visibility timeout (docs/security.md, Q3 and Q7). ``acks_late`` is safe because each task is idempotent:
violations are upserted under a unique key and notifications carry a dedup key.
"""

from __future__ import annotations

from celery import shared_task
from django.conf import settings
from django.db import OperationalError

from core.periodic import periodic_job
from scheduling import services

_RETRY = {
    "autoretry_for": (OperationalError,),
    "retry_backoff": True,
    "retry_backoff_max": settings.BOARDSVC_TASK_RETRY_BACKOFF_MAX,
    "retry_jitter": True,
    "max_retries": 5,
    "acks_late": True,
}


@shared_task(name="scheduling.tasks.plan_recheck", **_RETRY)
def plan_recheck(plan_id: int) -> dict[str, int]:
    """Re-check one plan's timing rules, store violations, notify coordinators once each."""
    return services.plan_recheck(plan_id=int(plan_id))


@shared_task(name="scheduling.tasks.booking_sweep_recheck", **_RETRY)
@periodic_job("scheduling.tasks.booking_sweep_recheck")
def booking_sweep_recheck() -> int:
    """Nightly: enqueue a re-check of every plan that has a future booking."""
    return services.booking_sweep_recheck()


@shared_task(name="scheduling.tasks.pathway_clock_sweep", **_RETRY)
@periodic_job("scheduling.tasks.pathway_clock_sweep")
def pathway_clock_sweep() -> dict[str, int]:
    """Every 15 minutes (beat): alert coordinators before a pathway clock breaches (inside its
    lead time) and record breaches, once each (issue 13)."""
    return services.pathway_clock_sweep()


@shared_task(name="scheduling.tasks.solver_run", acks_late=True, once=False,
             autoretry_for=(OperationalError,), retry_backoff=True,
             retry_backoff_max=settings.BOARDSVC_TASK_RETRY_BACKOFF_MAX, max_retries=5)
def solver_run(run_id: int) -> str:
    """A stored solver run (routed to the ``solver`` queue by CELERY_TASK_ROUTES). Not one
    transaction (``once=False``): its progress must be visible while it works; the run's own
    state makes a redelivery a no-op, or a takeover of a run whose worker died
    (scheduling.services.solver_runs)."""
    return services.solver_run_execute(run_id=run_id)
