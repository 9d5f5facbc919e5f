"""Migration 0020: runs discarded or failed before ``SolverRun.reason`` get their reason from
the English message stored then; anything else is left alone."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps
from django.utils import timezone

from scheduling.models import SolverRun

pytestmark = pytest.mark.django_db
backfill = importlib.import_module(
    "scheduling.migrations.0020_solver_run_reason_backfill").backfill


def _run(status, message):
    return SolverRun.objects.create(kind="waitlist", status=status, message=message,
                                    requested_by="user:1", inputs_at=timezone.now(),
                                    horizon_days=7, time_limit_s=2)


def test_old_runs_get_their_reason_from_the_stored_message():
    runs = {
        "proposal_passed": _run("discarded", "The proposal is out of date: a booking it "
                                "proposed for Mon 07 Jan 2030 07:00 Europe/Rome has already "
                                "started. Its result was discarded, not applied. Start a new run."),
        "inputs_changed": _run("discarded", "The plan, its bookings or the rooms' free time "
                               "changed since the run: the result was discarded, not applied. "
                               "Start a new run."),
        "inputs_changed_working": _run("discarded", "The plan, its bookings or the rooms' free "
                                       "time changed while the solver worked: the result was "
                                       "discarded. Start a new run."),
        "solver_failed": _run("failed", "The solver failed; the error is in the worker's log."),
        "finished": _run("finished", "The proposal keeps every hard rule."),
    }
    backfill(apps, None)
    reasons = {key: SolverRun.objects.get(pk=run.pk).reason for key, run in runs.items()}
    assert reasons == {"proposal_passed": "proposal_passed", "inputs_changed": "inputs_changed",
                       "inputs_changed_working": "inputs_changed",
                       "solver_failed": "solver_failed", "finished": ""}
