"""GET cases/<id>/placement/ (boardsvc/api/placement.py): why a case is on this meeting."""

from __future__ import annotations

import pytest
from django.urls import reverse

from boardsvc.models import Meeting
from boardsvc.services import agenda_place_case
from tests.factories.boardsvc import MeetingFactory, make_case

pytestmark = pytest.mark.django_db


def test_placement_explanation_says_why_this_meeting(client_for, world, clock):
    later = MeetingFactory(board=world.board)
    Meeting.objects.filter(pk=later.pk).update(capacity_minutes=90)
    case = make_case(requested_board=world.board.slug)
    agenda_place_case(case_id=case.pk)
    url = reverse("boardsvc_api:case-placement", kwargs={"public_id": case.public_id})
    response = client_for(world.member).get(url)
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0]["outcome"] == "placed"
    assert body["results"][0]["explanation"][-1]["code"] == "chosen"
    assert client_for(world.outsider).get(url).status_code == 404
