"""``GET cases/{id}/clocks/`` carries the running R1 window beside R9-R11 (issue 13): a
pre-operative embolization booked and its surgery not yet, due the site's R1 maximum after the
embolization ends; gone once the surgery is booked."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cases.models import PlannedProcedure
from scheduling import services
from scheduling.models import TimingRule
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import BookingFactory, plan_with
from tests.support.scheduling import BASE

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _targets(db):
    services.clock_targets_seed()


def test_the_r1_window_is_a_rule_deadline_of_the_case(spine_client):
    case = CaseFactory(requested_board="bone-mets-spine")
    _plan, (embo, surgery) = plan_with(
        {"procedure_type": "embolization", "purpose": "pre_operative"}, "surgery", case=case)
    PlannedProcedure.objects.filter(pk=embo.pk).update(prepares=surgery)
    end = (timezone.now() - timedelta(hours=10)).replace(microsecond=0)
    BookingFactory(procedure=embo, start=end - timedelta(hours=2), end=end)
    TimingRule.objects.filter(code="R1-window-hard").update(max_lag_minutes=60 * 60)

    body = spine_client.get(f"{BASE}/cases/{case.public_id}/clocks/").json()
    r1 = [d for d in body["rule_deadlines"] if d["rule"] == "R1"]
    assert len(r1) == 1
    assert r1[0]["code"] == "R1-window-hard"
    assert r1[0]["severity"] == "hard"
    assert r1[0]["procedure_types"] == ["osteosynthesis", "surgery"]
    assert r1[0]["missed"] is False
    assert 49 * 3600 < r1[0]["time_left_seconds"] <= 50 * 3600   # 60 h - 10 h
    assert r1[0]["rationale"] == TimingRule.objects.get(code="R1-window-hard").rationale

    BookingFactory(procedure=surgery, start=timezone.now() + timedelta(hours=4))
    body = spine_client.get(f"{BASE}/cases/{case.public_id}/clocks/").json()
    assert [d for d in body["rule_deadlines"] if d["rule"] == "R1"] == []
