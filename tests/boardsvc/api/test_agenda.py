"""GET meetings/<id>/agenda/: ordered items with case summaries, audited one row per case."""

from __future__ import annotations

import pytest
from django.urls import reverse

from core.models import AuditEvent
from tests.factories.boardsvc import AgendaItemFactory

pytestmark = pytest.mark.django_db


def agenda_url(world):
    return reverse("boardsvc_api:meeting-agenda", kwargs={"public_id": world.meeting.public_id})


def test_the_agenda_lists_items_in_order_with_case_summaries(client_for, world):
    response = client_for(world.member).get(agenda_url(world))
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["public_id"] for r in results] == [str(i.public_id) for i in world.items]
    assert results[1]["case"]["lesion_count"] == 2
    assert results[0]["case"]["patient"] == str(world.items[0].case.patient.public_id)
    assert results[0]["outcome"] == "pending"


def test_each_case_shown_gets_one_audit_row(client_for, world):
    client_for(world.member).get(agenda_url(world))
    rows = AuditEvent.objects.filter(object_type="case", action="read")
    assert sorted(rows.values_list("object_id", flat=True)) == sorted(
        str(i.case.public_id) for i in world.items)
    assert rows.first().actor_id == str(world.member.pk)


def test_the_agenda_runs_a_fixed_number_of_queries(client_for, world,
                                                   django_assert_num_queries):
    for position in range(2, 12):
        AgendaItemFactory(meeting=world.meeting, position=position)
    client = client_for(world.member)
    client.get(agenda_url(world))
    # meeting, count, page (cases, patients, decisions joined), audit insert
    with django_assert_num_queries(4):
        response = client.get(agenda_url(world))
    assert response.json()["count"] == 12


def test_page_size_over_the_limit_is_a_400_naming_the_parameter(client_for, world):
    response = client_for(world.member).get(agenda_url(world), {"page_size": 10_000})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "page_size"
