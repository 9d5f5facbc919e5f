"""The booking board page (issue 13): rooms by day with the free starts already judged by the
timing rules, a legend, accessible labels, refused starts not clickable, the plan's procedures in
booking order, and a start that links to the plan booking page's rule check. Moving a booking
from the board (the drag data, the Move link, the move page's preview), best starts first, and
every patient on the board identified for entitled viewers, audited, with the query count
pinned."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core.models import AuditEvent
from scheduling.models import ResourceException
from tests.factories.cases import CaseFactory, PatientFactory, PatientIdentifierFactory
from tests.factories.scheduling import BookingFactory, ResourceFactory, at, plan_with
from tests.support.queries import assert_num_queries
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


# --- Moving a booking from the board, best starts first, patient identification -------------

#: The board page's queries (session, user and groups, plan, audit rows, procedures, rooms,
#: closures, bookings with their patients and cases, rules, hospital numbers...), whatever the
#: number of bookings shown.
BOARD_QUERIES = 24
BOOKING_DIV = r'<div class="board-booking[^"]*"[^>]*data-booking="{id}"[^>]*>(.*?)</div>'


def _booking_div(body, booking):
    match = re.search(BOOKING_DIV.format(id=booking.public_id), body, re.S)
    assert match is not None, "the booking is on the board"
    return match.group(0)


@pytest.mark.parametrize("status", ["booked", "proposed"])
def test_own_changeable_bookings_carry_the_drag_data_and_a_move_link(coordinator, plan_and_rooms,
                                                                     status):
    plan, emb, _surgery, angio, _theatre = plan_and_rooms
    booking = BookingFactory(procedure=emb, resource=angio, start=at(0, 8), end=at(0, 9),
                             status=status)
    body = unescape(_board(login(coordinator), plan, procedure=emb.public_id, day="2030-01-07",
                           view="week").content.decode())
    div = _booking_div(body, booking)
    move_url = f"/bookings/{booking.public_id}/move/"
    assert 'draggable="true"' in div
    assert f'data-move-url="{move_url}"' in div
    assert f'data-version="{booking.version}"' in div
    assert re.search(rf'<a class="board-move-link" href="{move_url}">Move</a>', div)
    assert "Move on the board" in div
    # Every free start carries the move page's "Check the rules" parameters, in the room's zone.
    slot = re.search(r'data-slot="angio-1\|2030-01-08 10:00\|[a-z]+" data-move-day="([^"]+)" '
                     r'data-move-time="([^"]+)" data-move-resource="([^"]+)"', body)
    assert slot is not None
    assert slot.groups() == ("2030-01-08", "10:00", str(angio.public_id))
    assert '<script src="/static/scheduling/board.js" defer' in body
    assert "onclick" not in body
    assert "ondrop" not in body


def test_the_move_preview_url_built_from_a_slot_opens_the_rule_check(coordinator,
                                                                      plan_and_rooms):
    """What board.js navigates to on a drop is the move page's own "Check the rules" GET."""
    _plan, emb, _surgery, angio, _theatre = plan_and_rooms
    booking = BookingFactory(procedure=emb, resource=angio, start=at(0, 8), end=at(0, 9))
    client = login(coordinator)
    response = client.get(f"/bookings/{booking.public_id}/move/", {
        "day": "2030-01-08", "time": "10:00", "resource": str(angio.public_id),
        "version": booking.version})
    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="check"' in body
    assert "10:00" in body.split('id="check"', 1)[1]
    booking.refresh_from_db()
    assert booking.start == at(0, 8), "a preview changes nothing"


def test_done_bookings_and_other_patients_bookings_are_not_draggable(coordinator,
                                                                     plan_and_rooms):
    plan, emb, _surgery, angio, _theatre = plan_and_rooms
    done = BookingFactory(procedure=emb, resource=angio, start=at(0, 8), end=at(0, 9),
                          status="done")
    _other_plan, (other_emb,) = plan_with(PREOP, case=CaseFactory())
    other = BookingFactory(procedure=other_emb, resource=angio, start=at(1, 8), end=at(1, 9))
    body = unescape(_board(login(coordinator), plan, procedure=emb.public_id, day="2030-01-07",
                           view="week").content.decode())
    for booking in (done, other):
        div = _booking_div(body, booking)
        assert "draggable" not in div
        assert "data-move-url" not in div
        assert "board-move-link" not in div


def test_best_starts_come_first_ranked_by_verdict_then_time(coordinator, plan_and_rooms):
    """Known verdicts (see test_the_board_shows_the_legend_and_the_verdict_labels): with the
    embolization on Monday 08:00, the surgery's Monday 09:00 is refused (R2), 11:00 preferred,
    Wednesday warns (R1). The list is the grid's own verdicts, best first, at most five."""
    plan, emb, surgery, angio, _theatre = plan_and_rooms
    client = login(coordinator)
    assert client.post(f"/plans/{plan.public_id}/book/", {
        "procedure": str(emb.public_id), "resource": str(angio.public_id),
        "start": at(0, 8).isoformat(), "confirm": "1"}).status_code == 302
    body = unescape(_board(client, plan, procedure=surgery.public_id, day="2030-01-07",
                           view="week").content.decode())
    assert "Best starts for" in body
    best = re.findall(r'data-best="([^"]+)"', body)
    grid = re.findall(r'data-slot="([^"]+)"', body)
    rank = {"preferred": 0, "allowed": 1, "warning": 2}
    expected = sorted((s for s in grid if s.split("|")[2] in rank),
                      key=lambda s: (rank[s.split("|")[2]], s.split("|")[1]))[:5]
    assert best == expected
    assert len(best) == 5
    # Monday's refused starts (R2, before the embolization ends) are earlier but left out.
    assert "or-1|2030-01-07 09:00|refused" in grid
    assert all(b.startswith("or-1|2030-01-07 ") and b.endswith("|preferred") for b in best)
    # Each links to the same rule check as its grid slot.
    top = re.escape(best[0])
    first = re.search(rf'data-best="{top}">.*?<a href="([^"]+)"', body, re.S)
    grid_href = re.search(rf'<a class="slot slot-preferred[^"]*" href="([^"]+)"[^>]*'
                          rf'data-slot="{top}"', body)
    assert first is not None
    assert grid_href is not None
    assert first.group(1) == grid_href.group(1)


def test_best_starts_put_warnings_after_every_allowed_start(coordinator, plan_and_rooms):
    """Wednesday alone: some starts are allowed, others warn (R1); the list holds the allowed
    ones, earliest first, and no warning while an allowed start is left."""
    plan, emb, surgery, angio, _theatre = plan_and_rooms
    client = login(coordinator)
    client.post(f"/plans/{plan.public_id}/book/", {
        "procedure": str(emb.public_id), "resource": str(angio.public_id),
        "start": at(0, 8).isoformat(), "confirm": "1"})
    body = unescape(_board(client, plan, procedure=surgery.public_id, day="2030-01-09",
                           view="day").content.decode())
    best = re.findall(r'data-best="([^"]+)"', body)
    grid = re.findall(r'data-slot="([^"]+)"', body)
    assert any(g.endswith("|warning") for g in grid), "Wednesday has starts that warn (R1)"
    allowed = [g for g in grid if g.endswith("|allowed")]
    assert len(allowed) >= 5
    assert best == sorted(allowed, key=lambda g: g.split("|")[1])[:5]


def _identified(patient, number, family, given):
    patient.given_name, patient.family_name = given, family
    patient.save(update_fields=["given_name", "family_name"])
    PatientIdentifierFactory(patient=patient, system="urn:boardsvc:hospital-number", value=number)


def test_a_coordinator_sees_every_patient_on_the_board_identified_and_audited(coordinator,
                                                                              plan_and_rooms):
    plan, emb, _surgery, angio, _theatre = plan_and_rooms
    _identified(plan.case.patient, "SYN-000101", "Testa", "Ada")
    other_plan, (other_emb,) = plan_with(PREOP, case=CaseFactory(patient=PatientFactory()))
    _identified(other_plan.case.patient, "SYN-000202", "Prova", "Bruno")
    BookingFactory(procedure=emb, resource=angio, start=at(0, 8), end=at(0, 9))
    BookingFactory(procedure=other_emb, resource=angio, start=at(1, 8), end=at(1, 9))
    before = AuditEvent.objects.filter(action="identify").count()
    body = unescape(_board(login(coordinator), plan, procedure=emb.public_id, day="2030-01-07",
                           view="week").content.decode())
    main = body.split("<main", 1)[1]
    for text in ("SYN-000101", "TESTA Ada", "SYN-000202", "PROVA Bruno"):
        assert text in main
    rows = AuditEvent.objects.filter(action="identify").order_by("pk")[before:]
    assert {r.patient_pseudonym for r in rows} == {str(plan.case.patient.public_id),
                                                    str(other_plan.case.patient.public_id)}
    assert len(rows) == 2, "one row per patient shown, the plan's own patient once"


def test_a_user_who_may_not_identify_sees_pseudonyms_only(coordinator, plan_and_rooms,
                                                          monkeypatch):
    """Every user who can open the board is a coordinator and may identify today; the board
    still honours cases.selectors.may_identify if that changes."""
    from cases import selectors as case_selectors

    plan, emb, _surgery, angio, _theatre = plan_and_rooms
    _identified(plan.case.patient, "SYN-000303", "Esempio", "Carla")
    BookingFactory(procedure=emb, resource=angio, start=at(0, 8), end=at(0, 9))
    monkeypatch.setattr(case_selectors, "may_identify", lambda principal: False)
    before = AuditEvent.objects.filter(action="identify").count()
    body = unescape(_board(login(coordinator), plan, procedure=emb.public_id, day="2030-01-07",
                           view="week").content.decode())
    assert "SYN-000303" not in body
    assert "ESEMPIO" not in body
    assert str(plan.case.patient.public_id)[:8] in body
    assert AuditEvent.objects.filter(action="identify").count() == before


def test_the_board_query_count_does_not_grow_with_its_bookings(coordinator, plan_and_rooms):
    plan, emb, _surgery, angio, _theatre = plan_and_rooms
    BookingFactory(procedure=emb, resource=angio, start=at(0, 8), end=at(0, 9))
    client = login(coordinator)
    url = f"/plans/{plan.public_id}/board/"
    params = {"procedure": str(emb.public_id), "day": "2030-01-07", "view": "week"}
    client.get(url, params)  # warm the session and caches

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url, params).status_code == 200
        return len(ctx.captured_queries)

    one = count()
    for k in range(1, 4):
        _other_plan, (other_emb,) = plan_with(PREOP, case=CaseFactory())
        BookingFactory(procedure=other_emb, resource=angio, start=at(k, 8),
                       end=at(k, 8) + timedelta(hours=1))
    assert count() == one
    with assert_num_queries(BOARD_QUERIES):
        client.get(url, params)
