"""Agenda actions for chairs and coordinators: reorder (keyboard buttons, htmx), late addition
with a reason (R13), start and finish the meeting, and where undiscussed cases went."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from boardsvc import services
from boardsvc.models import AgendaItem, Meeting
from tests.factories.boardsvc import AgendaItemFactory, MeetingFactory, make_case
from tests.support.boardsvc import due_soon
from tests.support.web import login

pytestmark = pytest.mark.django_db

UNKNOWN = "00000000-0000-4000-8000-000000000000"


@pytest.fixture
def three(world):
    """Board A's meeting with three cases, in positions 0, 1, 2."""
    second = AgendaItemFactory(meeting=world.meeting_a, position=1)
    third = AgendaItemFactory(meeting=world.meeting_a, position=2)
    AgendaItem.objects.filter(pk=world.item_a.pk).update(position=0)
    return [world.item_a, second, third]


def _order(meeting) -> list:
    return list(AgendaItem.objects.filter(meeting=meeting).order_by("position", "pk")
                .values_list("pk", flat=True))


def _reorder(client, world, item, direction, **headers):
    return client.post(f"/meetings/{world.meeting_a.public_id}/reorder/",
                       {"item": str(item.public_id), "direction": direction}, **headers)


# --- reorder ---------------------------------------------------------------------------------


def test_the_chair_sees_up_and_down_buttons_with_accessible_names(world, three):
    body = login(world.chair_a).get(f"/meetings/{world.meeting_a.public_id}/").content.decode()
    assert 'name="direction" value="up"' in body
    assert "Move case 2 (" in body
    # The first case cannot go up, the last cannot go down.
    assert body.count('name="direction" value="up" disabled') == 1
    assert body.count('name="direction" value="down" disabled') == 1


def test_members_see_no_reorder_buttons(world, three):
    body = login(world.member_a).get(f"/meetings/{world.meeting_a.public_id}/").content.decode()
    assert 'name="direction"' not in body


def test_moving_a_case_up_swaps_it_with_the_one_above(world, three):
    response = _reorder(login(world.chair_a), world, three[2], "up")
    assert response.status_code == 302
    assert response["Location"].endswith(f"#order-{three[2].public_id}")
    assert _order(world.meeting_a) == [three[0].pk, three[2].pk, three[1].pk]


def test_moving_the_first_case_up_changes_nothing(world, three):
    _reorder(login(world.chair_a), world, three[0], "up")
    assert _order(world.meeting_a) == [item.pk for item in three]


def test_htmx_gets_the_list_with_the_focus_kept_on_the_button(world, three):
    response = _reorder(login(world.chair_a), world, three[0], "down", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert response.status_code == 200
    assert b"<html" not in response.content
    assert _order(world.meeting_a) == [three[1].pk, three[0].pk, three[2].pk]
    assert body.count("data-autofocus") == 1


def test_reorder_access_rules(client, world, three):
    assert _reorder(client, world, three[1], "up").status_code == 302  # to the login page
    assert _reorder(login(world.member_a), world, three[1], "up").status_code == 403
    assert _reorder(login(world.member_b), world, three[1], "up").status_code == 404
    assert login(world.chair_a).get(
        f"/meetings/{world.meeting_a.public_id}/reorder/").status_code == 405
    assert _order(world.meeting_a) == [item.pk for item in three]


def test_reorder_with_a_bad_payload_is_400_and_an_unknown_item_404(world, three):
    client = login(world.chair_a)
    url = f"/meetings/{world.meeting_a.public_id}/reorder/"
    assert client.post(url, {"item": str(three[0].public_id),
                             "direction": "sideways"}).status_code == 400
    assert client.post(url, {"item": UNKNOWN, "direction": "up"}).status_code == 404


def test_the_agenda_runs_the_same_queries_for_the_chair_whatever_its_length(
        world, three, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(world.chair_a)
    url = f"/meetings/{world.meeting_a.public_id}/"
    client.get(url)
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    for position in range(3, 6):
        AgendaItemFactory(meeting=world.meeting_a, position=position)
    with django_assert_num_queries(len(ctx.captured_queries)):
        client.get(url)


# --- late addition -----------------------------------------------------------------------------


def _add_url(meeting) -> str:
    return f"/meetings/{meeting.public_id}/add/"


@pytest.fixture
def after_cutoff(world):
    """A board A meeting in 12 hours: its 24-hour cut-off (R13) has passed."""
    return MeetingFactory(board=world.board_a,
                          starts_at=(timezone.now() + timedelta(hours=12)).replace(microsecond=0))


def test_the_add_page_lists_cases_ready_for_the_mdt(world):
    ready = make_case(status="ready_for_mdt", requested_board="board-a")
    page = login(world.chair_a).get(_add_url(world.meeting_a))
    assert page.status_code == 200
    assert str(ready.patient.public_id)[:8] in page.content.decode()


def test_add_page_access_rules(client, world):
    assert client.get(_add_url(world.meeting_a)).status_code == 302
    assert login(world.member_a).get(_add_url(world.meeting_a)).status_code == 403
    assert login(world.member_b).get(_add_url(world.meeting_a)).status_code == 404
    assert login(world.chair_a).get(
        f"/meetings/{UNKNOWN}/add/").status_code == 404
    assert login(world.chair_a).put(_add_url(world.meeting_a)).status_code == 405


def test_adding_before_the_cut_off_needs_no_reason(world):
    ready = make_case(status="ready_for_mdt", requested_board="board-a")
    response = login(world.chair_a).post(_add_url(world.meeting_a),
                                         {"case": str(ready.public_id), "reason": ""})
    assert response.status_code == 302
    assert AgendaItem.objects.filter(meeting=world.meeting_a, case=ready,
                                     outcome="pending").exists()


def test_a_routine_case_after_the_cut_off_is_refused_naming_r13(world, after_cutoff):
    ready = make_case(status="ready_for_mdt", requested_board="board-a")
    response = login(world.chair_a).post(_add_url(after_cutoff),
                                         {"case": str(ready.public_id), "reason": "Please."})
    body = response.content.decode()
    assert response.status_code == 400
    assert "R13" in body
    assert 'id="id_case-errors"' in body
    assert not AgendaItem.objects.filter(meeting=after_cutoff).exists()


def test_an_urgent_late_addition_needs_a_reason(world, after_cutoff):
    urgent = make_case(status="ready_for_mdt", urgency="urgent", requested_board="board-a")
    client = login(world.chair_a)
    refused = client.post(_add_url(after_cutoff), {"case": str(urgent.public_id), "reason": ""})
    assert refused.status_code == 400
    assert 'id="id_reason-errors"' in refused.content.decode()
    ok = client.post(_add_url(after_cutoff), {"case": str(urgent.public_id),
                                              "reason": "Rapidly worsening back pain."})
    assert ok.status_code == 302
    item = AgendaItem.objects.get(meeting=after_cutoff, case=urgent)
    assert item.late_addition is True
    assert item.late_reason == "Rapidly worsening back pain."
    agenda = client.get(f"/meetings/{after_cutoff.public_id}/").content.decode()
    assert "late addition" in agenda


def test_an_unlisted_case_choice_is_a_form_error(world):
    response = login(world.chair_a).post(_add_url(world.meeting_a),
                                         {"case": UNKNOWN, "reason": ""})
    assert response.status_code == 400
    assert 'id="id_case-errors"' in response.content.decode()


# --- start, finish, where the cases went ----------------------------------------------------------


def test_the_chair_starts_and_finishes_the_meeting_from_the_agenda(world):
    later = MeetingFactory(board=world.board_a,
                           starts_at=world.meeting_a.starts_at + timedelta(days=7))
    due_soon(world.meeting_a)  # a meeting starts from its start margin (issue 11, item 9)
    client = login(world.chair_a)
    agenda_url = f"/meetings/{world.meeting_a.public_id}/"
    assert "Start the meeting" in client.get(agenda_url).content.decode()
    started = client.post(f"/meetings/{world.meeting_a.public_id}/state/",
                          {"action": "start", "back": "agenda"})
    assert started["Location"] == agenda_url
    page = client.get(agenda_url).content.decode()
    assert "Finish the meeting" in page
    assert "1 case still waiting will move to the next meeting with room." in page

    closed = client.post(f"/meetings/{world.meeting_a.public_id}/state/",
                         {"action": "close", "confirm": "yes"})  # confirmed (issue 12)
    assert closed.status_code == 302
    assert closed["Location"] == f"{agenda_url}#moved"
    world.meeting_a.refresh_from_db()
    assert world.meeting_a.status == Meeting.Status.CLOSED
    # The roll-forward runs after commit in a worker; here, synchronously.
    assert services.meeting_roll_forward(meeting_id=world.meeting_a.pk) == 1
    body = client.get(agenda_url).content.decode()
    assert "Cases moved to other meetings" in body
    assert f'href="/meetings/{later.public_id}/"' in body
    assert "now on the agenda of" in body


def test_members_see_no_meeting_controls(world):
    body = login(world.member_a).get(f"/meetings/{world.meeting_a.public_id}/").content.decode()
    assert "Start the meeting" not in body
    assert "Add a case" not in body


def test_a_member_cannot_finish_the_meeting(world):
    response = login(world.member_a).post(f"/meetings/{world.meeting_a.public_id}/state/",
                                          {"action": "close"})
    assert response.status_code == 403
