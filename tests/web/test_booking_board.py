"""The booking board page (issue 13): rooms by day with the free starts already judged by the
timing rules, a legend, accessible labels, refused starts not clickable, the plan's procedures in
booking order, and a start that links to the plan booking page's rule check."""

from __future__ import annotations

import re
from html import unescape

import pytest

from scheduling.models import ResourceException
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import ResourceFactory, at, plan_with
from tests.support.scheduling import PREOP
from tests.support.web import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_and_rooms(coordinator):
    plan, (surgery, emb) = plan_with("surgery", PREOP, case=CaseFactory())
    emb.prepares = surgery
    emb.save(update_fields=["prepares"])
    angio = ResourceFactory(code="angio-1", name="Angio suite", kind="angio_suite")
    theatre = ResourceFactory(code="or-1", name="Theatre 1", kind="operating_room")
    return plan, emb, surgery, angio, theatre


def _board(client, plan, **params):
    return client.get(f"/plans/{plan.public_id}/board/", params)


def test_the_board_shows_the_legend_and_the_verdict_labels(coordinator, plan_and_rooms):
    plan, emb, surgery, angio, _theatre = plan_and_rooms
    client = login(coordinator)
    response = client.post(f"/plans/{plan.public_id}/book/", {
        "procedure": str(emb.public_id), "resource": str(angio.public_id),
        "start": at(0, 8).isoformat(), "confirm": "1"})
    assert response.status_code == 302
    response = _board(client, plan, procedure=surgery.public_id, day="2030-01-07", view="week")
    assert response.status_code == 200
    body = unescape(response.content.decode())
    assert 'id="board-legend"' in body
    for text in ("preferred", "allowed with a warning", "refused"):
        assert text in body
    # Before any click: Monday 09:00 is refused by R2 and is not a link; 11:00 is preferred and
    # links to the booking page's rule check; Wednesday 11:00 warns with R1; Thursday refuses R1.
    refused = re.search(r'<span class="slot slot-refused[^"]*"[^>]*aria-label="([^"]*)"[^>]*'
                        r'data-slot="or-1\|2030-01-07 09:00\|refused"', body)
    assert refused is not None
    assert "refused (R2)" in refused.group(1)
    assert 'data-slot="or-1|2030-01-10 11:00|refused"' in body
    assert not re.search(r'<a [^>]*data-slot="or-1\|2030-01-07 09:00', body)
    preferred = re.search(r'<a class="slot slot-preferred[^"]*" href="([^"]*)"[^>]*'
                          r'data-slot="or-1\|2030-01-07 11:00\|preferred"', body)
    assert preferred is not None
    assert preferred.group(1).startswith(f"/plans/{plan.public_id}/book/?")
    assert f"procedure={surgery.public_id}" in preferred.group(1)
    warned = re.search(r'<a class="slot slot-warning[^"]*"[^>]*aria-label="([^"]*)"[^>]*'
                       r'data-slot="or-1\|2030-01-09 11:00\|warning"', body)
    assert warned is not None
    assert "allowed with a warning (R1)" in warned.group(1)
    assert "style=" not in body.split("<main", 1)[1]  # the CSP forbids inline styles


def test_the_board_opens_on_the_embolization_before_its_surgery(coordinator, plan_and_rooms):
    plan, emb, surgery, _angio, theatre = plan_and_rooms
    ResourceException.objects.create(resource=theatre, kind="closure", start=at(0, 14),
                                     end=at(0, 16), reason="Lights")
    client = login(coordinator)
    body = _board(client, plan, day="2030-01-07").content.decode()
    order = re.findall(r'data-procedure="([0-9a-f-]+)"', body)
    assert order == [str(emb.public_id), str(surgery.public_id)]
    assert re.search(rf'<li aria-current="true" data-procedure="{emb.public_id}"', body)
    assert "Angio suite" in body
    assert "purpose" in body
    # The surgery's board shows the theatre's closure.
    body = _board(client, plan, procedure=surgery.public_id, day="2030-01-07").content.decode()
    assert "Closed: Lights" in body


def test_a_bad_view_is_reported_on_the_page(coordinator, plan_and_rooms):
    plan = plan_and_rooms[0]
    response = _board(login(coordinator), plan, view="month", day="2030-01-07")
    assert response.status_code == 400
    assert "view" in response.content.decode()


def test_the_booking_page_links_to_the_board(coordinator, plan_and_rooms):
    plan = plan_and_rooms[0]
    body = login(coordinator).get(f"/plans/{plan.public_id}/book/").content.decode()
    assert f"/plans/{plan.public_id}/board/" in body


def test_another_boards_member_cannot_open_the_board(plan_and_rooms, world):
    plan = plan_and_rooms[0]
    assert _board(login(world.member_b), plan).status_code in (403, 404)
