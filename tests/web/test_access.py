"""Every page: 302 to login for anonymous, 200 for the right role, 403 for the wrong role and
404 for another board's member (pages mirror the API's access rules)."""

from __future__ import annotations

import pytest

from tests.support.web import login

pytestmark = pytest.mark.django_db


def _pages(world, plan):
    m = world.meeting_a.public_id
    return {
        "home": "/",
        "dashboard": "/boards/",
        "meetings": "/meetings/",
        "calendar": "/meetings/calendar/",
        "agenda": f"/meetings/{m}/",
        "agenda_print": f"/meetings/{m}/print/",
        "live": f"/meetings/{m}/live/",
        "cases": "/cases/",
        "case": f"/cases/{world.case_a.public_id}/",
        "intake": "/cases/new/",
        "worklist": "/worklist/",
        "book": f"/plans/{plan.public_id}/book/",
        "timeline": f"/plans/{plan.public_id}/timeline/",
        "inbox": "/notifications/",
        "agenda_add": f"/meetings/{m}/add/",
    }


@pytest.mark.parametrize("name", ["dashboard", "meetings", "calendar", "agenda", "agenda_print",
                                  "live", "cases", "case", "intake", "worklist", "book",
                                  "timeline", "inbox", "agenda_add"])
def test_anonymous_is_sent_to_login(client, world, plan_ready, name):
    response = client.get(_pages(world, plan_ready[0])[name])
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("name", ["dashboard", "meetings", "calendar", "agenda", "agenda_print",
                                  "live", "cases", "case", "inbox"])
def test_a_member_of_the_board_sees_its_pages(world, plan_ready, name):
    response = login(world.member_a).get(_pages(world, plan_ready[0])[name], follow=True)
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["dashboard", "meetings", "calendar", "agenda", "live", "cases",
                                  "case", "intake", "worklist", "book", "timeline", "inbox",
                                  "agenda_add"])
def test_a_coordinator_sees_every_page(world, plan_ready, coordinator, name):
    response = login(coordinator).get(_pages(world, plan_ready[0])[name], follow=True)
    assert response.status_code == 200


@pytest.mark.parametrize("name", ["agenda", "agenda_print", "live", "case", "timeline",
                                  "agenda_add"])
def test_another_boards_member_gets_404(world, plan_ready, name):
    response = login(world.member_b).get(_pages(world, plan_ready[0])[name])
    assert response.status_code == 404


@pytest.mark.parametrize("name", ["intake", "worklist", "book", "agenda_add"])
def test_members_cannot_use_coordinator_pages(world, plan_ready, name):
    response = login(world.member_a).get(_pages(world, plan_ready[0])[name])
    assert response.status_code == 403


def test_the_meeting_list_shows_only_my_boards(world):
    body = login(world.member_b).get("/meetings/").content.decode()
    assert "Sarcoma board" in body
    assert "Spine board" not in body


def test_an_unknown_meeting_is_404(world):
    client = login(world.member_a)
    assert client.get("/meetings/00000000-0000-4000-8000-000000000000/").status_code == 404


@pytest.mark.parametrize("url", ["/meetings/{m}/state/", "/meetings/{m}/attendance/",
                                 "/meetings/{m}/reorder/"])
def test_state_changing_pages_refuse_get(world, url):
    response = login(world.chair_a).get(url.format(m=world.meeting_a.public_id))
    assert response.status_code == 405


def test_pages_carry_no_inline_script_or_style(world, coordinator, plan_ready):
    client = login(coordinator)
    for url in _pages(world, plan_ready[0]).values():
        body = client.get(url, follow=True).content.decode()
        assert "style=" not in body, url
        assert "<script>" not in body, url
        assert "onclick" not in body, url
