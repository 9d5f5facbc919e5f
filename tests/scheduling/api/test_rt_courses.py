"""Radiotherapy as a course (issue 11 item 7, R17): booked as one on consecutive working days,
moved and cancelled together; R4 and R6 measured from the course's last or first fraction."""

from __future__ import annotations

from datetime import datetime

import pytest

from scheduling.models import Booking
from tests.factories.scheduling import (
    ROME,
    BookingFactory,
    ResourceExceptionFactory,
    at,
    plan_with,
)
from tests.support.scheduling import BASE
from tests.support.web import login

pytestmark = pytest.mark.django_db
URL = f"{BASE}/bookings/"
RT5 = {"procedure_type": "radiotherapy", "fractions": 5, "dose_gy": 20}  # 20 Gy/5


def book(client, procedure, room, start, **extra):
    return client.post(URL, {"procedure": str(procedure.public_id),
                             "resource": str(room.public_id), "start": start.isoformat(),
                             **extra}, format="json")


def local(value: str) -> str:
    return datetime.fromisoformat(value).astimezone(ROME).strftime("%a %d %H:%M")


def days_of(procedure) -> list[str]:
    return [b.start.astimezone(ROME).strftime("%a %d %H:%M")
            for b in Booking.objects.filter(procedure=procedure).exclude(status="cancelled")
            .order_by("start")]


def test_20_gy_in_5_booked_on_friday_runs_friday_then_monday_to_thursday(coordinator_client,
                                                                         rooms):
    _plan, (rt,) = plan_with(RT5)
    response = book(coordinator_client, rt, rooms["linac"], at(4, 9))  # Friday 11 January
    assert response.status_code == 201
    body = response.json()
    assert [f["fraction_number"] for f in body["fractions"]] == [1, 2, 3, 4, 5]
    assert [local(f["start"]) for f in body["fractions"]] == [
        "Fri 11 09:00", "Mon 14 09:00", "Tue 15 09:00", "Wed 16 09:00", "Thu 17 09:00"]
    assert body["course"] == [f["id"] for f in body["fractions"]]
    assert body["id"] == body["fractions"][0]["id"]
    assert body["warnings"] == []


def test_a_closure_on_the_linac_is_skipped_like_a_weekend(coordinator_client, rooms):
    ResourceExceptionFactory(resource=rooms["linac"], start=at(8, 0), end=at(9, 0),
                             reason="Public holiday")  # Tuesday 15 January
    _plan, (rt,) = plan_with(RT5)
    response = book(coordinator_client, rt, rooms["linac"], at(4, 9))
    assert [local(f["start"]) for f in response.json()["fractions"]] == [
        "Fri 11 09:00", "Mon 14 09:00", "Wed 16 09:00", "Thu 17 09:00", "Fri 18 09:00"]
    assert response.json()["warnings"] == []  # R17 knows the linac was closed


def test_a_course_is_booked_once(coordinator_client, rooms):
    _plan, (rt,) = plan_with(RT5)
    assert book(coordinator_client, rt, rooms["linac"], at(0, 9)).status_code == 201
    again = book(coordinator_client, rt, rooms["linac"], at(0, 11))
    assert again.status_code == 409
    assert again.json()["errors"][0]["rule"] == "one_active_booking_per_procedure"
    assert Booking.objects.filter(procedure=rt).count() == 5


@pytest.mark.parametrize(
    ("plan_fields", "fragment"),
    [
        ({"dose_gy": 25}, "25 Gy/5 planned, not one of the site's schemes"),
        ({"fractions": 7, "dose_gy": None}, "7 fractions planned, not one of the site's schedules"),
    ],
)
def test_a_course_outside_the_r17_schemes_is_booked_with_a_warning(coordinator_client, rooms,
                                                                   plan_fields, fragment):
    _plan, (rt,) = plan_with({**RT5, **plan_fields})
    response = book(coordinator_client, rt, rooms["linac"], at(0, 9))
    assert response.status_code == 201
    [warning] = response.json()["warnings"]
    assert (warning["rule"], warning["severity"]) == ("R17", "soft")
    assert fragment in warning["message"]


# --- moved and cancelled together -----------------------------------------------------------

def _course(client, rooms, start=None):
    _plan, (rt,) = plan_with(RT5)
    body = book(client, rt, rooms["linac"], start or at(0, 9)).json()  # Monday to Friday
    return rt, body["fractions"]


def test_moving_the_first_fraction_shifts_the_whole_course(coordinator_client, rooms):
    rt, fractions = _course(coordinator_client, rooms)
    response = coordinator_client.post(f"{BASE}/bookings/{fractions[0]['id']}/move/",
                                       {"start": at(2, 10).isoformat()}, format="json",
                                       HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200
    body = response.json()
    assert [local(f["start"]) for f in body["fractions"]] == [
        "Wed 09 10:00", "Thu 10 10:00", "Fri 11 10:00", "Mon 14 10:00", "Tue 15 10:00"]
    assert {f["version"] for f in body["fractions"]} == {2}
    assert days_of(rt) == [local(f["start"]) for f in body["fractions"]]
    assert sorted(Booking.objects.filter(procedure=rt).values_list("fraction_number", flat=True)
                  ) == [1, 2, 3, 4, 5]


def test_moving_a_later_fraction_moves_the_rest_of_the_course_only(coordinator_client, rooms):
    rt, fractions = _course(coordinator_client, rooms)
    response = coordinator_client.post(f"{BASE}/bookings/{fractions[2]['id']}/move/",
                                       {"start": at(3, 14).isoformat()}, format="json",
                                       HTTP_IF_MATCH='W/"1"')  # fraction 3 to Thursday 14:00
    assert response.status_code == 200
    assert days_of(rt) == ["Mon 07 09:00", "Tue 08 09:00", "Thu 10 14:00", "Fri 11 14:00",
                           "Mon 14 14:00"]
    assert len(response.json()["fractions"]) == 3


def test_a_course_move_with_a_stale_version_changes_nothing(coordinator_client, rooms):
    rt, fractions = _course(coordinator_client, rooms)
    response = coordinator_client.post(f"{BASE}/bookings/{fractions[0]['id']}/move/",
                                       {"start": at(2, 10).isoformat()}, format="json",
                                       HTTP_IF_MATCH='W/"7"')
    assert response.status_code == 412
    assert days_of(rt)[0] == "Mon 07 09:00"


def test_a_course_move_onto_a_full_day_is_refused_and_changes_nothing(coordinator_client, rooms):
    rt, fractions = _course(coordinator_client, rooms)
    BookingFactory(resource=rooms["linac"], start=at(9, 7), end=at(9, 20))  # Wed 16: full
    response = coordinator_client.post(f"{BASE}/bookings/{fractions[0]['id']}/move/",
                                       {"start": at(7, 9).isoformat()}, format="json",
                                       HTTP_IF_MATCH='W/"1"')  # Monday 14: Mon, Tue, Wed...
    assert response.status_code == 409
    assert "fraction 3" in response.json()["errors"][0]["message"]
    assert days_of(rt)[0] == "Mon 07 09:00"


def test_cancelling_a_fraction_cancels_the_course(coordinator_client, rooms):
    rt, fractions = _course(coordinator_client, rooms)
    response = coordinator_client.post(f"{BASE}/bookings/{fractions[1]['id']}/cancel/",
                                       {"reason": "patient declined"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "cancelled"
    assert [f["status"] for f in body["fractions"]] == ["cancelled"] * 5
    assert days_of(rt) == []
    # The linac is free again at once: the course can be booked anew.
    assert book(coordinator_client, rt, rooms["linac"], at(0, 9)).status_code == 201


# --- R4 and R6 measure from the course's last or first fraction ------------------------------

EMB = {"procedure_type": "embolization", "purpose": "palliative"}


@pytest.mark.parametrize(
    ("emb_start", "status"),
    [
        (at(3, 12), 409),  # Thursday: before the last fraction (Friday) → R4, hard
        (at(4, 9, 15), 201),  # Friday 09:15: right after the last fraction ends
    ],
)
def test_r4_the_course_must_end_before_embolization(coordinator_client, rooms, emb_start,
                                                    status):
    _plan, (rt, emb) = plan_with(RT5, EMB)
    assert book(coordinator_client, rt, rooms["linac"], at(0, 9)).status_code == 201
    response = book(coordinator_client, emb, rooms["angio"], emb_start)
    assert response.status_code == status
    if status == 409:
        assert response.json()["errors"][0]["rule"] == "R4"


def test_moving_the_course_past_its_embolization_is_refused_by_r4(coordinator_client, rooms):
    _plan, (rt, emb) = plan_with(RT5, EMB)
    fractions = book(coordinator_client, rt, rooms["linac"], at(0, 9)).json()["fractions"]
    assert book(coordinator_client, emb, rooms["angio"], at(7, 9)).status_code == 201
    response = coordinator_client.post(f"{BASE}/bookings/{fractions[0]['id']}/move/",
                                       {"start": at(2, 9).isoformat()}, format="json",
                                       HTTP_IF_MATCH='W/"1"')  # the last fraction → Tue 15
    assert response.status_code == 409
    assert response.json()["errors"][0]["rule"] == "R4"


@pytest.mark.parametrize(
    ("rt_start", "warned"),
    [
        (at(14, 8), False),  # fraction 1 13 days 23 h after the VP (the last is 18 days)
        (at(15, 9), True),  # fraction 1 15 days after: R6 warns
    ],
)
def test_r6_vertebroplasty_then_rt_measures_to_the_first_fraction(coordinator_client, rooms,
                                                                  rt_start, warned):
    _plan, (vp, rt) = plan_with("vertebroplasty", RT5)
    assert book(coordinator_client, vp, rooms["ct"], at(0, 8)).status_code == 201  # ends 09:00
    response = book(coordinator_client, rt, rooms["linac"], rt_start)
    assert response.status_code == 201
    assert ("R6" in [w["rule"] for w in response.json()["warnings"]]) is warned


@pytest.mark.parametrize(
    ("vp_start", "warned"),
    [
        (at(17, 8), False),  # 12 days 23 h after the last fraction (17 days after the first)
        (at(28, 8), True),  # 23 days after the last fraction: R6 warns
    ],
)
def test_r6_rt_then_vertebroplasty_measures_from_the_last_fraction(coordinator_client, rooms,
                                                                   vp_start, warned):
    _plan, (rt, vp) = plan_with(RT5, "vertebroplasty")
    assert book(coordinator_client, rt, rooms["linac"], at(0, 9)).status_code == 201
    response = book(coordinator_client, vp, rooms["ct"], vp_start)
    assert response.status_code == 201
    assert ("R6" in [w["rule"] for w in response.json()["warnings"]]) is warned


# --- the booking pages ------------------------------------------------------------------------

def _booking_page(client, plan, procedure, room, start):
    """The booking page's preview for ``procedure`` in ``room`` at ``start``, and a callable
    that confirms it (the page's POST)."""
    params = {"procedure": str(procedure.public_id), "resource": str(room.public_id),
              "start": start.isoformat()}
    url = f"/plans/{plan.public_id}/book/"
    return (client.get(url, params).content.decode(),
            lambda: client.post(url, {**params, "confirm": "1"}))


def test_the_booking_page_previews_and_books_the_course_as_one(coordinator, rooms):
    plan, (rt,) = plan_with(RT5)
    client = login(coordinator)
    page, confirm = _booking_page(client, plan, rt, rooms["linac"], at(4, 9))
    assert "The course: 5 fractions, one a working day" in page
    assert "Thu 17 Jan 2030, 09:00" in page
    assert Booking.objects.count() == 0
    assert confirm().status_code == 302
    assert days_of(rt) == ["Fri 11 09:00", "Mon 14 09:00", "Tue 15 09:00", "Wed 16 09:00",
                           "Thu 17 09:00"]


def test_the_booking_page_and_the_timeline_judge_a_course_across_a_holiday_satisfied(
        coordinator, rooms):
    """The linac is closed on Tuesday 15 January (a public holiday). The preview of a course
    from Friday and, once booked, the plan's timeline list R17 as satisfied: both used to judge
    the course without the linac's closures and called it violated ("a fraction on Wednesday
    instead of the next working day Tuesday") while the booking itself stored no violation."""
    ResourceExceptionFactory(resource=rooms["linac"], start=at(8, 0), end=at(9, 0),
                             reason="Public holiday")
    plan, (rt,) = plan_with(RT5)
    client = login(coordinator)
    page, confirm = _booking_page(client, plan, rt, rooms["linac"], at(4, 9))
    assert 'data-verdict="R17|satisfied"' in page
    assert 'data-verdict="R17|violated"' not in page
    assert confirm().status_code == 302
    assert days_of(rt) == ["Fri 11 09:00", "Mon 14 09:00", "Wed 16 09:00", "Thu 17 09:00",
                           "Fri 18 09:00"]
    timeline = client.get(f"/plans/{plan.public_id}/timeline/").content.decode()
    assert 'data-verdict="R17|satisfied"' in timeline
    assert 'data-verdict="R17|violated"' not in timeline


def test_the_cancel_page_cancels_the_whole_course(coordinator, rooms, coordinator_client):
    rt, fractions = _course(coordinator_client, rooms)
    client = login(coordinator)
    url = f"/bookings/{fractions[2]['id']}/cancel/"
    assert "cancelling it cancels the course, 5 fractions not yet done" in client.get(
        url).content.decode()
    assert client.post(url, {"reason": "declined", "version": 1}).status_code == 302
    assert days_of(rt) == []


def test_the_move_page_previews_and_moves_the_rest_of_the_course(coordinator, rooms,
                                                                 coordinator_client):
    rt, fractions = _course(coordinator_client, rooms)
    client = login(coordinator)
    url = f"/bookings/{fractions[0]['id']}/move/"
    form = {"day": "2030-01-09", "time": "10:00", "resource": str(rooms["linac"].public_id),
            "version": 1}
    preview = client.get(url, form).content.decode()
    assert "move with it" in preview
    assert "Tue 15 Jan 2030, 10:00" in preview
    assert client.post(url, form).status_code == 302
    assert days_of(rt) == ["Wed 09 10:00", "Thu 10 10:00", "Fri 11 10:00", "Mon 14 10:00",
                           "Tue 15 10:00"]
