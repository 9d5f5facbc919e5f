"""The pathway clock sweep (scheduling.services.pathway_clock_sweep, beat every 15 min): alerts
coordinators inside the lead time, records breaches, and a re-run changes nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cases.models import Case
from core.models import Notification
from scheduling import services
from scheduling.models import PathwayClockAlert
from tests.factories.cases import CaseFactory
from tests.support.attachments import identify

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _targets(db):
    services.clock_targets_seed()


def referred(days_ago: float) -> Case:
    case = CaseFactory()
    Case.objects.filter(pk=case.pk).update(submitted_at=NOW - timedelta(days=days_ago))
    case.refresh_from_db()
    return case


def test_the_sweep_alerts_before_a_breach_records_breaches_and_runs_once(coordinator):
    soon = referred(25)        # CWT-28 due in 3 days (lead 5)
    late = referred(30)        # CWT-28 breached 2 days ago
    referred(3)                # nothing due
    identify(late, number="RM0099001")

    first = services.pathway_clock_sweep(now=NOW)
    assert first == {"due_soon": 1, "breached": 1, "notified": 2}
    rows = {(a.case_id, a.target.clock_id, a.kind)
            for a in PathwayClockAlert.objects.select_related("target")}
    assert rows == {(soon.pk, "CWT-28", "due_soon"), (late.pk, "CWT-28", "breached")}
    subjects = sorted(Notification.objects.filter(recipient=coordinator)
                      .values_list("subject", flat=True))
    assert subjects == [
        f"CWT-28 Referral to MDT discussion breached for patient RM0099001 "
        f"({str(late.patient.public_id)[:8]})",
        f"CWT-28 Referral to MDT discussion due in 3 d for patient "
        f"{str(soon.patient.public_id)[:8]}",
    ]
    body = Notification.objects.get(subject__contains="breached").body
    # Local times in the site's zone (Europe/Rome), not UTC: 12:00 UTC is 13:00 in Rome.
    assert body.startswith("Started Wed 30 Jan 2030 13:00 Europe/Rome; the 28-day target is "
                           "due Wed 27 Feb 2030 13:00 Europe/Rome.")

    again = services.pathway_clock_sweep(now=NOW + timedelta(minutes=15))
    assert again == {"due_soon": 0, "breached": 0, "notified": 0}
    assert PathwayClockAlert.objects.count() == 2
    assert Notification.objects.count() == 2


def test_a_due_soon_clock_that_breaches_later_is_recorded_as_a_breach_too(coordinator):
    case = referred(25)
    services.pathway_clock_sweep(now=NOW)
    services.pathway_clock_sweep(now=NOW + timedelta(days=4))
    kinds = sorted(PathwayClockAlert.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == ["breached", "due_soon"]



def test_the_default_names_are_marked_for_translation():
    from scheduling.domain.pathway import DEFAULT_TARGETS
    from scheduling.services.pathway import DEFAULT_NAMES

    assert tuple(t.name for t in DEFAULT_TARGETS) == DEFAULT_NAMES
