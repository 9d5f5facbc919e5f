"""The pathway clock alerts in the board's zone (issue 13): a notice gives its local times in
the zone of the case's board (Board.timezone, through boardsvc's port), with the zone named,
falls back to the site's zone when the case has no board, names the patient by hospital number
(cases.selectors.case_label) and never by a UUID alone, in the recipient's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cases.models import Case
from core.models import Notification
from scheduling import services
from tests.factories.boardsvc import BoardFactory
from tests.factories.cases import CaseFactory
from tests.support.attachments import identify

NOW = datetime(2030, 3, 1, 12, 0, tzinfo=UTC)
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _targets(db):
    services.clock_targets_seed()


def referred(days_ago: float, board: str) -> Case:
    case = CaseFactory(requested_board=board)
    Case.objects.filter(pk=case.pk).update(submitted_at=NOW - timedelta(days=days_ago))
    case.refresh_from_db()
    return case


def test_the_notice_is_in_the_boards_zone_and_names_the_hospital_number(coordinator):
    BoardFactory(slug="ny-board", timezone="America/New_York")
    case = identify(referred(30, "ny-board"), number="RM0077001")
    services.pathway_clock_sweep(now=NOW)
    notice = Notification.objects.get(recipient=coordinator)
    assert "RM0077001" in notice.subject
    # 12:00 UTC on 30 Jan 2030 is 07:00 in New York (EST).
    assert notice.body.startswith("Started Wed 30 Jan 2030 07:00 America/New_York; the 28-day "
                                  "target is due Wed 27 Feb 2030 07:00 America/New_York.")
    assert "Europe/Rome" not in notice.body
    assert str(case.public_id) not in notice.subject + notice.body


def test_a_case_without_a_board_keeps_the_sites_zone(coordinator):
    referred(30, "")
    services.pathway_clock_sweep(now=NOW)
    body = Notification.objects.get(recipient=coordinator).body
    assert "13:00 Europe/Rome" in body


def test_an_italian_site_reads_it_in_italian_in_the_boards_zone(settings, coordinator):
    settings.LANGUAGE_CODE = "it"
    BoardFactory(slug="ny-board", timezone="America/New_York")
    identify(referred(30, "ny-board"), number="RM0077002")
    services.pathway_clock_sweep(now=NOW)
    notice = Notification.objects.get(recipient=coordinator)
    assert "America/New_York" in notice.body
    assert "RM0077002" in notice.subject
    assert "breached" not in notice.subject   # worded in Italian
    assert "mer 30 gen 2030 07:00 America/New_York" in notice.body
