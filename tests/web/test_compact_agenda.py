"""The compact agenda and the meeting room's in-place actions (boardsvc/web/views/agenda.py,
attendance.py): one line a case expandable to its card, a pinned number of queries, opinions
saved in place, attendance in one click without reloading, "all present", apologies and a
member's own check-in."""

from __future__ import annotations

import pytest

from boardsvc.models import Apology, Attendance, Opinion
from tests.factories.boardsvc import AgendaItemFactory
from tests.support.queries import assert_num_queries
from tests.support.web import login

pytestmark = pytest.mark.django_db

# The agenda page's queries, whatever the number of cases (see the numbered SQL on failure).
AGENDA_QUERIES = 22


def _agenda(world):
    return f"/meetings/{world.meeting_a.public_id}/"


def _url(world, tail):
    return f"/meetings/{world.meeting_a.public_id}/{tail}"


def test_each_case_is_one_line_expandable_to_its_card(world):
    body = login(world.member_a).get(_agenda(world)).content.decode()
    assert body.count('<details class="agenda-case">') == 1
    assert 'class="line-question"' in body
    assert 'class="suggestion"' in body  # the card is inside the line's details


def test_the_agenda_runs_a_pinned_number_of_queries_whatever_the_number_of_cases(world):
    client = login(world.member_a)
    client.get(_agenda(world))  # warm per-request caches (sessions, content types)
    with assert_num_queries(AGENDA_QUERIES):
        client.get(_agenda(world))
    for _ in range(3):
        AgendaItemFactory(meeting=world.meeting_a)
    with assert_num_queries(AGENDA_QUERIES):
        response = client.get(_agenda(world))
    assert response.status_code == 200


def test_a_member_saves_an_opinion_in_place_with_htmx(world):
    response = login(world.member_a).post(
        _url(world, f"items/{world.item_a.public_id}/opinion/"),
        {"kind": "opinion", "text": "Radiotherapy first."}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert "Radiotherapy first." in body
    assert Opinion.objects.get().author == world.member_a


def test_an_empty_opinion_is_a_400_shown_in_place(world):
    response = login(world.member_a).post(
        _url(world, f"items/{world.item_a.public_id}/opinion/"),
        {"kind": "opinion", "text": ""}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert 'role="alert"' in response.content.decode()
    assert not Opinion.objects.exists()


def test_another_boards_member_cannot_give_an_opinion(world):
    response = login(world.member_b).post(
        _url(world, f"items/{world.item_a.public_id}/opinion/"), {"text": "x"})
    assert response.status_code == 404


def test_one_click_attendance_answers_the_panel_without_a_page(world):
    response = login(world.chair_a).post(_url(world, "attendance/"),
                                         {"username": "member.a", "action": "arrive"},
                                         HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert "<html" not in body
    assert 'id="attendance-panel"' in body
    assert 'name="action" value="leave"' in body  # the person is shown present
    assert Attendance.objects.filter(user=world.member_a, left_at__isnull=True).exists()


def test_a_refused_arrival_is_shown_in_the_panel_with_its_409(world):
    client = login(world.chair_a)
    client.post(_url(world, "attendance/"), {"username": "member.a", "action": "arrive"})
    response = client.post(_url(world, "attendance/"),
                           {"username": "member.a", "action": "arrive"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 409
    assert "already recorded as present" in response.content.decode()


def test_all_present_brings_in_every_member(world):
    response = login(world.chair_a).post(_url(world, "attendance/all/"), HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert set(Attendance.objects.values_list("user__username", flat=True)) == {
        "chair.a", "member.a"}


def test_a_plain_member_cannot_call_all_present(world):
    response = login(world.member_a).post(_url(world, "attendance/all/"))
    assert response.status_code == 403


def test_a_member_checks_themself_in(world):
    response = login(world.member_a).post(_url(world, "check-in/"), {"action": "arrive"},
                                          HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    assert Attendance.objects.filter(user=world.member_a, specialty="radiologist").exists()


def test_another_boards_member_cannot_check_in(world):
    response = login(world.member_b).post(_url(world, "check-in/"), {"action": "arrive"})
    assert response.status_code == 404


def test_a_member_sends_their_own_apologies_naming_a_stand_in(world):
    response = login(world.member_a).post(
        _url(world, "apologies/"), {"action": "record", "reason": "Clinic",
                                    "stand_in": "member.b"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    apology = Apology.objects.get()
    assert (apology.user, apology.stand_in, apology.reason) == (
        world.member_a, world.member_b, "Clinic")
    assert "stands in for" in response.content.decode()


def test_a_plain_member_cannot_send_apologies_for_someone_else(world):
    response = login(world.member_a).post(
        _url(world, "apologies/"), {"action": "record", "username": "chair.a"})
    assert response.status_code == 403
    assert not Apology.objects.exists()


def test_an_unknown_stand_in_is_a_400_naming_the_field(world):
    response = login(world.member_a).post(
        _url(world, "apologies/"), {"action": "record", "stand_in": "ghost"},
        HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "no such person to stand in" in response.content.decode()


def test_the_agenda_offers_the_member_to_check_in_and_to_follow_the_room(world):
    body = login(world.member_a).get(_agenda(world)).content.decode()
    assert "I am here" in body
    assert "data-follow-room=" in body
