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
from scheduling.models import BookingStaff, ResourceException
from tests.factories.cases import CaseFactory, PatientFactory, PatientIdentifierFactory
from tests.factories.scheduling import BookingFactory, ResourceFactory, at, plan_with
from tests.support.audit import audit_entries
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
#: closures, bookings, rules, the people booked with them, the cases to identify, hospital
#: numbers...), whatever the number of bookings shown. 26 since issue 13's people on the cards:
#: one query for the people of every booking shown, and one for the cases of the patients
#: shown (the bookings read no longer joins every patient's name, only the page's are read).
#: 31 since the starts are checked against the free time of the people the procedure needs
#: (catalogue, people, their hours, their leave, their bookings: five, for all of them).
BOARD_QUERIES = 31
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
    rows = audit_entries(AuditEvent.objects.filter(action="identify").order_by("pk")[before:])
    assert {r.patient_pseudonym for r in rows} == {str(plan.case.patient.public_id),
                                                    str(other_plan.case.patient.public_id)}
    assert len(rows) == 2, "one entry per patient shown, the plan's own patient once"


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

    # The site keeps the people's calendars from the start (the starts are checked against
    # their free time: a fixed five queries, scheduling.selectors.staff_free_time).
    ir = ResourceFactory(code="ir-a", name="IR A", kind="interventional_radiologist")
    anaes = ResourceFactory(code="anaes-1", name="Anaesthesia team 1", kind="anaesthetist")
    one = count()
    for k in range(1, 4):
        _other_plan, (other_emb,) = plan_with(PREOP, case=CaseFactory())
        other = BookingFactory(procedure=other_emb, resource=angio, start=at(k, 8),
                               end=at(k, 8) + timedelta(hours=1))
        for person in (ir, anaes):  # each with its people: still one query for all of them
            BookingStaff.objects.create(booking=other, resource=person, start=other.start,
                                        end=other.end)
    assert count() == one
    with assert_num_queries(BOARD_QUERIES):
        client.get(url, params)


# --- People on the cards, rooms paged in the week view, bookings across midnight -------------


def _lanes(body):
    return re.findall(r'data-lane="([^"|]+)\|([0-9-]+)"', body)


def test_each_card_names_the_people_booked_with_it_operator_first(coordinator, plan_and_rooms):
    plan, emb, _surgery, angio, _theatre = plan_and_rooms
    ir = ResourceFactory(code="ir-a", name="IR A", kind="interventional_radiologist")
    anaes = ResourceFactory(code="anaes-1", name="Anaesthesia team 1", kind="anaesthetist")
    gone = ResourceFactory(code="ir-b", name="IR B", kind="interventional_radiologist")
    _other_plan, (other_emb,) = plan_with(PREOP, case=CaseFactory())
    booking = BookingFactory(procedure=other_emb, resource=angio, start=at(0, 8), end=at(0, 9))
    for person, active in ((anaes, True), (gone, False), (ir, True)):
        BookingStaff.objects.create(booking=booking, resource=person, start=booking.start,
                                    end=booking.end, active=active)
    body = unescape(_board(login(coordinator), plan, procedure=emb.public_id, day="2030-01-07",
                           view="week").content.decode())
    div = _booking_div(body, booking)
    assert re.findall(r'data-person="([^"]+)"', div) == ["ir-a", "anaes-1"]
    text = re.sub(r'<span class="board-sr">[^<]*</span>', "", div)
    assert "IR A · Anaesthesia team 1" in re.sub(r"<[^>]+>", "", text)
    # Each name says what the person is, to a screen reader too.
    assert 'title="Interventional radiologist"' in div
    assert '<span class="board-sr">Anaesthesia team: </span>' in div
    assert "IR B" not in div


@pytest.fixture
def ten_angio_suites(plan_and_rooms):
    """Nine more angio suites: with angio-1, ten rooms for the embolization, in code order
    angio-1, angio-10, angio-2 ... angio-9 (the board's order)."""
    rooms = [plan_and_rooms[3]] + [
        ResourceFactory(code=f"angio-{k}", name=f"Angio {k}", kind="angio_suite")
        for k in range(2, 11)]
    return sorted(rooms, key=lambda r: r.code)


def test_the_week_shows_eight_rooms_a_page_with_links_to_the_others(coordinator, plan_and_rooms,
                                                                   ten_angio_suites):
    plan, emb, _surgery, _angio, _theatre = plan_and_rooms
    codes = [r.code for r in ten_angio_suites]
    client = login(coordinator)
    body = unescape(_board(client, plan, procedure=emb.public_id, day="2030-01-07",
                           view="week").content.decode())
    lanes = _lanes(body)
    assert len(lanes) == 8 * 7
    assert [code for code, day in lanes if day == "2030-01-07"] == codes[:8]
    nav = body.split('id="board-rooms"', 1)[1].split("</nav>", 1)[0]
    assert "Rooms 1–8 of 10" in nav
    assert 'aria-current="page">angio-1–angio-7<' in nav
    following = re.search(r'<a class="button small" rel="next" href="([^"]+)"', nav)
    assert following is not None
    assert "rooms=2" in following.group(1)
    assert f"procedure={emb.public_id}" in following.group(1)
    assert "view=week" in following.group(1)
    assert 'rel="prev"' not in nav
    # The second page: the last two rooms, a link back, and the day links keep the page.
    body = unescape(client.get(f"/plans/{plan.public_id}/board/" + following.group(1))
                    .content.decode())
    assert {code for code, _day in _lanes(body)} == set(codes[8:])
    nav = body.split('id="board-rooms"', 1)[1].split("</nav>", 1)[0]
    assert re.search(r'rel="prev" href="[^"]*rooms=1"', nav)
    assert 'rel="next"' not in nav
    later = re.search(r'href="([^"]+)">Later', body)
    assert later is not None
    assert "rooms=2" in later.group(1)
    # The day view shows every room, without room pages.
    body = _board(client, plan, procedure=emb.public_id, day="2030-01-07",
                  view="day").content.decode()
    assert [code for code, _day in _lanes(body)] == codes
    assert 'id="board-rooms"' not in body


@pytest.mark.parametrize("rooms", ["3", "0", "two"])
def test_a_page_of_rooms_that_does_not_exist_is_400_naming_rooms(coordinator, plan_and_rooms,
                                                                  ten_angio_suites, rooms):
    plan, emb = plan_and_rooms[0], plan_and_rooms[1]
    response = _board(login(coordinator), plan, procedure=emb.public_id, day="2030-01-07",
                      view="week", rooms=rooms)
    assert response.status_code == 400
    errors = unescape(response.content.decode()).split('id="board-errors"', 1)[1]
    assert "<strong>rooms</strong>: Use a page of rooms from 1 to 2." in errors


def test_best_starts_are_chosen_among_every_room_not_only_the_page(coordinator, plan_and_rooms,
                                                                  ten_angio_suites):
    """The first page's eight rooms are closed all week: its lanes have no free start, yet the
    best starts (from every room) are the other page's."""
    plan, emb = plan_and_rooms[0], plan_and_rooms[1]
    first_page, second_page = ten_angio_suites[:8], ten_angio_suites[8:]
    for room in first_page:
        ResourceException.objects.create(resource=room, kind="closure", start=at(0, 0),
                                         end=at(7, 0), reason="Works")
    body = unescape(_board(login(coordinator), plan, procedure=emb.public_id, day="2030-01-07",
                           view="week").content.decode())
    assert not re.findall(r'data-slot="', body.split('id="board"', 1)[1])
    best = re.findall(r'data-best="([^"|]+)\|', body)
    assert len(best) == 5
    assert set(best) <= {r.code for r in second_page}


def test_only_the_patients_on_the_page_are_identified_in_one_audit_insert(coordinator,
                                                                         plan_and_rooms,
                                                                         ten_angio_suites):
    plan, emb = plan_and_rooms[0], plan_and_rooms[1]
    first_page, second_page = ten_angio_suites[:8], ten_angio_suites[8:]
    shown, hidden = [], []
    for rooms_, out in ((first_page[:3], shown), (second_page, hidden)):
        for k, room in enumerate(rooms_):
            other_plan, (other_emb,) = plan_with(PREOP, case=CaseFactory())
            _identified(other_plan.case.patient, f"SYN-9{len(out)}{k}{room.pk}", "Nome", "Pat")
            BookingFactory(procedure=other_emb, resource=room, start=at(k, 8), end=at(k, 9))
            out.append(str(other_plan.case.patient.public_id))
    client = login(coordinator)
    before = AuditEvent.objects.filter(action="identify").count()
    with CaptureQueriesContext(connection) as ctx:
        response = _board(client, plan, procedure=emb.public_id, day="2030-01-07", view="week")
    assert response.status_code == 200
    rows = audit_entries(AuditEvent.objects.filter(action="identify").order_by("pk")[before:])
    assert {r.patient_pseudonym for r in rows} == {str(plan.case.patient.public_id), *shown}
    inserts = [q["sql"] for q in ctx.captured_queries
               if q["sql"].startswith('INSERT INTO "core_auditevent"')]
    # The plan's own read, then one statement naming every patient shown.
    assert len(inserts) == 2, inserts
    assert all(p in inserts[1] for p in shown)


def test_a_booking_across_midnight_shows_on_both_days_and_from_the_day_before(coordinator,
                                                                             plan_and_rooms):
    """A booking from 23:00 the evening before the first day shown (a booking lasts at most a
    day, so the board reads from a day before its window) shows from 00:00 on the first day;
    one from 23:00 to 01:00 inside the week shows on both days."""
    plan, emb, _surgery, angio, _theatre = plan_and_rooms
    _other, (night, late) = plan_with(PREOP, PREOP, case=CaseFactory())
    before = BookingFactory(procedure=night, resource=angio, start=at(-1, 23), end=at(0, 1))
    across = BookingFactory(procedure=late, resource=angio, start=at(1, 23), end=at(2, 1))
    body = unescape(_board(login(coordinator), plan, procedure=emb.public_id, day="2030-01-07",
                           view="week").content.decode())
    lanes = dict(re.findall(r'data-lane="angio-1\|([0-9-]+)">(.*?)</section>', body, re.S))
    assert f'data-booking="{before.public_id}"' in lanes["2030-01-07"]
    assert re.search(rf'class="board-booking r-1 h-4" data-booking="{before.public_id}"',
                     lanes["2030-01-07"]), "drawn from the first row (00:00) for an hour"
    assert f'data-booking="{across.public_id}"' in lanes["2030-01-08"]
    assert f'data-booking="{across.public_id}"' in lanes["2030-01-09"]
    hours = re.findall(r'class="board-hour r-\d+ h-4">(\d\d:00)<', body)
    assert hours[0] == "00:00"
    # The day before is not shown, and the day view of the first day shows it too.
    day = _board(login(coordinator), plan, procedure=emb.public_id, day="2030-01-07").content
    assert f'data-booking="{before.public_id}"'.encode() in day
