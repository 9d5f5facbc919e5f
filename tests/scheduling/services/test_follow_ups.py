"""scheduling.services.follow_ups: the follow-up CTs (R8) proposed after a done embolization."""

from __future__ import annotations

import pytest

from cases.domain.codes import CaseStatus
from core.models import Notification
from scheduling import services
from scheduling.models import Booking, FollowUpProposal
from tests.factories.scheduling import ROME, at, plan_with
from tests.support.scheduling import PREOP, book

pytestmark = pytest.mark.django_db


def test_a_done_embolization_gets_follow_up_cts_at_3_6_and_12_months(rooms, coordinator,
                                                                      coordinator_principal):
    plan, (emb,) = plan_with(PREOP, status=CaseStatus.DISCUSSED)
    e = book(emb, rooms["angio"], at(0, 8), coordinator_principal)
    services.booking_mark_done(booking=e, principal=coordinator_principal, now=at(0, 11))
    follow_ups = list(Booking.objects.filter(procedure__procedure_type="follow_up_ct")
                      .order_by("start"))
    assert [b.status for b in follow_ups] == ["proposed"] * 3
    assert [b.start.astimezone(ROME).date().isoformat() for b in follow_ups] == [
        "2030-04-08", "2030-07-08", "2031-01-07"]  # the first free CT slot on/after the date
    assert all(b.resource == rooms["ct"] for b in follow_ups)
    assert all(b.procedure.target_lesion_id == emb.target_lesion_id for b in follow_ups)
    plan.case.refresh_from_db()
    assert plan.case.status == CaseStatus.IN_TREATMENT
    assert Notification.objects.filter(recipient=coordinator, kind="follow_up_proposed").count() == 1
    # Proposing again (a re-run) adds nothing.
    assert services.follow_up_propose(source=e, now=at(0, 12)) == []
    assert FollowUpProposal.objects.count() == 3
