"""The meeting-room screen (boardsvc/web/views/presenter.py): it follows the chair's navigation
in live mode, polls a fragment that answers 204 while nothing changed, is visible to the board's
members only and audits every case it displays."""

from __future__ import annotations

import re

import pytest

from boardsvc.models import Meeting
from core.models import AuditEvent
from tests.factories.boardsvc import AgendaItemFactory
from tests.support.web import login

pytestmark = pytest.mark.django_db


def _present(world):
    return f"/meetings/{world.meeting_a.public_id}/present/"


def _fragment(world):
    return f"/meetings/{world.meeting_a.public_id}/present/fragment/"


def _live(world, item=None):
    url = f"/meetings/{world.meeting_a.public_id}/live/"
    return f"{url}?item={item.public_id}" if item else url


def _stamp(body: str) -> str:
    return re.search(r'data-stamp="([0-9a-f]*)"', body).group(1)


def test_the_chair_opening_a_case_in_live_mode_puts_it_on_the_room_screen(world):
    login(world.chair_a).get(_live(world, world.item_a))
    world.meeting_a.refresh_from_db()
    assert world.meeting_a.presenter_item_id == world.item_a.pk
    body = login(world.member_a).get(_present(world)).content.decode()
    assert world.case_a.clinical_question in body


def test_a_member_browsing_live_mode_does_not_move_the_room_screen(world):
    login(world.member_a).get(_live(world, world.item_a))
    world.meeting_a.refresh_from_db()
    assert world.meeting_a.presenter_item_id is None


def test_the_room_screen_waits_for_the_chair_before_a_case_is_opened(world):
    body = login(world.member_a).get(_present(world)).content.decode()
    assert "Waiting for the chair" in body


def test_the_room_screen_polls_its_fragment_every_1500_ms_without_inline_script(world):
    body = login(world.member_a).get(_present(world)).content.decode()
    assert 'hx-trigger="every 1500ms"' in body
    assert "<script>" not in body
    assert "style=" not in body
    assert "onclick" not in body


def test_the_fragment_answers_204_while_nothing_changed(world):
    client = login(world.member_a)
    stamp = _stamp(client.get(_present(world)).content.decode())
    response = client.get(_fragment(world), {"since": stamp}, HTTP_HX_REQUEST="true")
    assert response.status_code == 204
    assert response["HX-Reswap"] == "none"


def test_the_fragment_carries_the_next_case_after_the_chair_moves(world):
    second = AgendaItemFactory(meeting=world.meeting_a, position=world.item_a.position + 1)
    member = login(world.member_a)
    login(world.chair_a).get(_live(world, world.item_a))
    stamp = _stamp(member.get(_present(world)).content.decode())
    login(world.chair_a).get(_live(world, second))
    response = member.get(_fragment(world), {"since": stamp}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    body = response.content.decode()
    assert second.case.clinical_question in body
    assert _stamp(body) != stamp
    assert f"since={_stamp(body)}" in body


def test_every_display_of_a_case_on_the_room_screen_is_audited(world):
    login(world.chair_a).get(_live(world, world.item_a))
    before = AuditEvent.objects.filter(action="read", object_type="case",
                                       object_id=str(world.case_a.public_id)).count()
    login(world.member_a).get(_fragment(world), {"since": "stale"})
    after = AuditEvent.objects.filter(action="read", object_type="case",
                                      object_id=str(world.case_a.public_id)).count()
    assert after == before + 1


def test_another_boards_member_gets_404_on_the_room_screen_and_its_fragment(world):
    client = login(world.member_b)
    assert client.get(_present(world)).status_code == 404
    assert client.get(_fragment(world)).status_code == 404


def test_a_closed_meeting_keeps_its_last_case_on_the_screen(world):
    login(world.chair_a).get(_live(world, world.item_a))
    Meeting.objects.filter(pk=world.meeting_a.pk).update(status=Meeting.Status.CLOSED)
    second = AgendaItemFactory(meeting=world.meeting_a, position=world.item_a.position + 1)
    assert login(world.chair_a).get(_live(world, second)).status_code == 200
    world.meeting_a.refresh_from_db()
    assert world.meeting_a.presenter_item_id == world.item_a.pk


def test_the_room_screen_shows_members_opinions(world):
    from boardsvc.services import opinion_save

    opinion_save(item=world.item_a, author=world.member_a, text="Embolise before surgery.",
                 principal=None)
    login(world.chair_a).get(_live(world, world.item_a))
    body = login(world.chair_a).get(_present(world)).content.decode()
    assert "Embolise before surgery." in body
