"""A meeting's agenda over the API (boardsvc/api/agenda.py): GET meetings/<id>/agenda/
(ordered items with case summaries, audited one row per case); POST reorder, late
additions, defer and standard-of-care (400s name field and rule; happy paths)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.urls import reverse

from boardsvc.models import AgendaItem, Meeting
from core.models import AuditEvent
from tests.factories.boardsvc import AgendaItemFactory, MeetingFactory, make_case
from tests.support.audit import audit_entries

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
    assert rows.count() == 1  # one row for the page, naming every case on it
    entries = audit_entries(rows)
    assert sorted(e.object_id for e in entries) == sorted(
        str(i.case.public_id) for i in world.items)
    assert {e.actor_id for e in entries} == {str(world.member.pk)}


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


def test_the_listed_row_shape_is_the_item_serializers(world):
    """The agenda list writes rows out from plain values (issue 15, the agenda's time); each
    must be what AgendaItemOutput gives for the same item: a decided item, one carried over
    from an earlier meeting, a deferred one, lesions counted, instants in the API's zone."""
    from boardsvc.api.agenda import AgendaItemOutput, AgendaRowOut
    from boardsvc.models import Decision
    from boardsvc.selectors import agenda_for_meeting, agenda_rows

    first, second = world.items[:2]
    earlier = MeetingFactory(board=world.meeting.board,
                             starts_at=world.meeting.starts_at - timedelta(days=14))
    AgendaItem.objects.filter(pk=first.pk).update(
        carried_from=earlier, carry_count=1, outcome="discussed",
        discussed_at=world.meeting.starts_at + timedelta(minutes=7))
    Decision.objects.create(agenda_item=first, meeting=world.meeting, case=first.case,
                            outcome_text="RT 8 Gy.", recorded_at=world.meeting.starts_at)
    AgendaItem.objects.filter(pk=second.pk).update(outcome="deferred",
                                                   defer_reason="Awaiting MRI.")
    rows = list(agenda_rows(meeting=world.meeting))
    items = list(agenda_for_meeting(meeting=world.meeting))
    assert AgendaRowOut(rows, many=True).data == AgendaItemOutput(items, many=True).data
    shown = AgendaRowOut(rows, many=True).data
    assert shown[0]["carried_from"]["public_id"] == str(earlier.public_id)
    assert shown[0]["decision"] is not None
    assert shown[1]["case"]["lesion_count"] == 2


def test_page_size_over_the_limit_is_a_400_naming_the_parameter(client_for, world):
    response = client_for(world.member).get(agenda_url(world), {"page_size": 10_000})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "page_size"


# --- agenda actions ------------------------------------------------------------------------


def url(name, public_id):
    return reverse(f"boardsvc_api:{name}", kwargs={"public_id": public_id})


def error(response):
    first = response.json()["errors"][0]
    return first["field"], first["rule"]


def test_reorder_sets_the_new_order(client_for, world):
    new_order = [str(world.items[1].public_id), str(world.items[0].public_id)]
    response = client_for(world.team["chair"]).post(
        url("agenda-reorder", world.meeting.public_id), {"items": new_order}, format="json")
    assert response.status_code == 200
    assert [r["public_id"] for r in response.json()["results"]] == new_order


@pytest.mark.parametrize(("payload", "field", "rule"), [
    ({}, "items", "required"),
    ({"items": ["nope"]}, "items[0]", "invalid"),
    ({"items": []}, "items", "empty"),
])
def test_reorder_rejects_a_bad_payload(client_for, world, payload, field, rule):
    response = client_for(world.team["chair"]).post(
        url("agenda-reorder", world.meeting.public_id), payload, format="json")
    assert response.status_code == 400
    assert error(response) == (field, rule)


def test_reorder_must_name_every_item(client_for, world):
    response = client_for(world.team["chair"]).post(
        url("agenda-reorder", world.meeting.public_id),
        {"items": [str(world.items[0].public_id), str(uuid.uuid4())]}, format="json")
    assert response.status_code == 400
    assert error(response) == ("items", "unknown_item")


def test_late_addition_of_an_urgent_case_with_a_reason(client_for, world):
    Meeting.objects.filter(pk=world.meeting.pk).update(status="frozen")
    case = make_case(requested_board=world.board.slug, urgency="urgent")
    response = client_for(world.team["chair"]).post(
        url("agenda-late-add", world.meeting.public_id),
        {"case": str(case.public_id), "reason": "Fracture risk, needs decision now"},
        format="json")
    assert response.status_code == 201, response.json()
    assert response.json()["late_addition"] is True
    assert response.json()["priority"] == "urgent"
    assert response.json()["position"] == 0  # urgent cases first


@pytest.mark.parametrize(("payload", "field", "rule"), [
    ({}, "case", "required"),
    ({"case": "x"}, "case", "invalid"),
    ({"case": str(uuid.UUID(int=1))}, "case", "does_not_exist"),
])
def test_late_addition_rejects_a_bad_payload(client_for, world, payload, field, rule):
    response = client_for(world.team["chair"]).post(
        url("agenda-late-add", world.meeting.public_id), payload, format="json")
    assert response.status_code == 400
    assert error(response) == (field, rule)


def test_late_addition_of_a_routine_case_after_the_cut_off_is_refused_r13(client_for, world):
    Meeting.objects.filter(pk=world.meeting.pk).update(status="frozen")
    case = make_case(requested_board=world.board.slug)
    response = client_for(world.team["chair"]).post(
        url("agenda-late-add", world.meeting.public_id),
        {"case": str(case.public_id), "reason": "please"}, format="json")
    assert response.status_code == 400
    assert error(response) == ("case", "R13_cut_off")


def test_defer_moves_the_case_to_a_later_meeting(client_for, world):
    later = MeetingFactory(board=world.board, starts_at=world.meeting.starts_at
                           + timedelta(days=7))
    response = client_for(world.team["chair"]).post(
        url("agenda-item-defer", world.items[0].public_id), {"reason": "Awaiting MRI"},
        format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["meeting"] == str(later.public_id)
    assert AgendaItem.objects.get(pk=world.items[0].pk).outcome == "deferred"


def test_defer_needs_a_reason(client_for, world):
    response = client_for(world.team["chair"]).post(
        url("agenda-item-defer", world.items[0].public_id), {}, format="json")
    assert response.status_code == 400
    assert error(response) == ("reason", "required")


def test_standard_of_care_can_be_set_and_is_validated(client_for, world):
    client = client_for(world.team["chair"])
    target = url("agenda-item-standard-of-care", world.items[0].public_id)
    bad = client.post(target, {"standard_of_care": "maybe"}, format="json")
    assert bad.status_code == 400
    assert error(bad) == ("standard_of_care", "invalid")
    response = client.post(target, {"standard_of_care": True}, format="json")
    assert response.status_code == 200
    assert response.json()["standard_of_care"] is True


def test_a_closed_meetings_agenda_cannot_change(client_for, world):
    Meeting.objects.filter(pk=world.meeting.pk).update(status="closed")
    response = client_for(world.team["chair"]).post(
        url("agenda-item-standard-of-care", world.items[0].public_id),
        {"standard_of_care": True}, format="json")
    assert response.status_code == 409
