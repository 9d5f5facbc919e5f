"""meetings/<id>/items/<item_id>/opinions/ (boardsvc/api/opinions.py): a member's own opinion
by PUT, the list by GET (paginated, audited), and who may do either."""

from __future__ import annotations

import pytest
from django.urls import reverse

from boardsvc.models import Opinion
from boardsvc.services import opinion_save
from core.models import AuditEvent
from tests.support.audit import audit_entries

pytestmark = pytest.mark.django_db


def url(world, item=None, meeting=None):
    return reverse("boardsvc_api:item-opinions", kwargs={
        "public_id": (meeting or world.meeting).public_id,
        "item_id": (item or world.items[0]).public_id})


def test_a_member_puts_their_opinion_and_gets_201(client_for, world):
    response = client_for(world.member).put(url(world), {"text": "Biopsy first."},
                                            format="json")
    assert response.status_code == 201
    body = response.json()
    assert (body["author"], body["specialty"], body["kind"], body["text"]) == (
        "plain.member", "pathologist", "opinion", "Biopsy first.")


def test_putting_again_replaces_the_opinion_and_gets_200(client_for, world):
    client = client_for(world.member)
    client.put(url(world), {"text": "first"}, format="json")
    response = client.put(url(world), {"text": "second", "kind": "comment"}, format="json")
    assert response.status_code == 200
    assert list(Opinion.objects.values_list("text", "kind")) == [("second", "comment")]


def test_the_list_is_paginated_and_audited_one_row_per_opinion(client_for, world):
    item = world.items[0]
    for key in ("rt", "ir"):
        opinion_save(item=item, author=world.team[key], text=f"from {key}", principal=None)
    response = client_for(world.member).get(url(world))
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [row["text"] for row in body["results"]] == ["from rt", "from ir"]
    entries = audit_entries(AuditEvent.objects.filter(action="read", object_type="opinion"))
    assert [e.patient_pseudonym for e in entries] == [str(item.case.patient.public_id)] * 2


@pytest.mark.parametrize(("payload", "field", "rule"), [
    ({}, "text", "required"),
    ({"text": "ok", "kind": "vote"}, "kind", "invalid_choice"),
    ({"text": "x" * 4001}, "text", "max_length"),
])
def test_a_bad_opinion_is_a_400_naming_the_field_and_rule(client_for, world, payload, field,
                                                          rule):
    response = client_for(world.member).put(url(world), payload, format="json")
    assert response.status_code == 400
    first = response.json()["errors"][0]
    assert (first["field"], first["rule"]) == (field, rule)


def test_a_blank_opinion_is_refused_by_the_rule(client_for, world):
    response = client_for(world.member).put(url(world), {"text": "   "}, format="json")
    assert response.status_code == 400


def test_another_boards_member_gets_404(client_for, world):
    response = client_for(world.outsider).get(url(world))
    assert response.status_code == 404


def test_an_item_of_another_meeting_is_404(client_for, world):
    from datetime import timedelta

    from tests.factories.boardsvc import AgendaItemFactory, MeetingFactory

    later = MeetingFactory(board=world.board, starts_at=world.meeting.starts_at + timedelta(days=7))
    response = client_for(world.member).get(url(world, item=AgendaItemFactory(meeting=later)))
    assert response.status_code == 404


def test_a_coordinator_who_is_not_a_member_cannot_give_an_opinion(coordinator_client, world):
    response = coordinator_client.put(url(world), {"text": "mine"}, format="json")
    assert response.status_code == 403
    assert not Opinion.objects.exists()
