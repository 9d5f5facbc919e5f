"""The treatment timeline (issue 13): one lane per procedure with its bookings and their times,
a labelled "now" line, a legend for every mark shown, red only for bookings that break a rule,
and rule windows only once a booking (or an unbooked procedure) is selected."""

from __future__ import annotations

import re

import pytest

from scheduling.models import Booking
from scheduling.web.views import timeline as timeline_view
from tests.factories.scheduling import at
from tests.support.web import login

pytestmark = pytest.mark.django_db


def _book(client, plan, procedure, resource, start):
    response = client.post(f"/plans/{plan.public_id}/book/", {
        "procedure": str(procedure.public_id), "resource": str(resource.public_id),
        "start": start.isoformat(), "confirm": "1"})
    assert response.status_code == 302, response.content.decode()[:500]


def _bars(body: str) -> list[str]:
    """Each booking bar's opening tag."""
    return re.findall(r"<rect class=\"tl-bar[^>]*>", body)


def _legend(body: str) -> list[str]:
    return re.findall(r'data-legend="([a-z-]+)"', body)


def _url(plan) -> str:
    return f"/plans/{plan.public_id}/timeline/"


def test_each_lane_names_its_procedure_purpose_and_booking_times(plan_ready, coordinator):
    plan, procedures, angio, _theatre = plan_ready
    client = login(coordinator)
    _book(client, plan, procedures[0], angio, at(0, 9))
    body = client.get(_url(plan)).content.decode()
    assert body.count('class="tl-lane') == 2  # one lane per procedure, booked or not
    assert "Pre-operative" in body or "pre-operative" in body.lower()
    booking = Booking.objects.get()
    end = booking.end.astimezone(at(0, 9).tzinfo).strftime("%H:%M")  # the board's zone
    assert f"7 Jan 09:00–{end}</text>" in body  # the times as text, not only in a tooltip


def test_the_now_line_is_drawn_and_labelled_when_now_is_in_range(plan_ready, coordinator,
                                                                 monkeypatch):
    plan, procedures, angio, theatre = plan_ready
    client = login(coordinator)
    _book(client, plan, procedures[0], angio, at(0, 9))
    _book(client, plan, procedures[1], theatre, at(1, 9))
    assert 'class="tl-now"' not in client.get(_url(plan)).content.decode()  # now is before
    monkeypatch.setattr(timeline_view, "_now", lambda: at(0, 20))
    body = client.get(_url(plan)).content.decode()
    assert body.count('class="tl-now"') == 1
    assert re.search(r'class="tl-now"[^>]*>.*?>Now 7 Jan 20:00</text>', body, re.S)
    assert "now" in _legend(body)


def test_the_legend_lists_every_kind_of_mark_shown_and_only_those(plan_ready, coordinator,
                                                                  monkeypatch):
    plan, procedures, angio, theatre = plan_ready
    client = login(coordinator)
    _book(client, plan, procedures[0], angio, at(0, 9))
    body = client.get(_url(plan)).content.decode()
    assert _legend(body) == ["booking", "day"]  # nothing broken, nothing selected, no now
    _book(client, plan, procedures[1], theatre, at(3, 9))  # R1 warning: too soon
    monkeypatch.setattr(timeline_view, "_now", lambda: at(1, 12))
    surgery = Booking.objects.get(procedure=procedures[1])
    body = client.get(_url(plan), {"booking": surgery.public_id}).content.decode()
    legend = _legend(body)
    assert {"booking", "violation", "selected", "now", "day"} <= set(legend)
    assert {"window-hard", "window-soft"} & set(legend)
    for kind in re.findall(r'class="tl-window tl-window--(hard|soft)"', body):
        assert f"window-{kind}" in legend  # every shaded window kind has its legend entry


def test_only_bookings_that_break_a_rule_are_red(plan_ready, coordinator):
    plan, procedures, angio, theatre = plan_ready
    client = login(coordinator)
    _book(client, plan, procedures[0], angio, at(0, 9))
    body = client.get(_url(plan)).content.decode()
    (bar,) = _bars(body)
    assert "tl-bar--violation" not in bar
    assert 'data-violated="false"' in bar
    assert "#a4161a" not in body.split("<svg", 1)[1].split("</svg>", 1)[0]  # no red at all

    _book(client, plan, procedures[1], theatre, at(3, 9))  # R1 (soft) broken
    response = client.get(_url(plan))
    bars = _bars(response.content.decode())
    assert len(bars) == 2
    violated = {str(b["booking"].public_id) for row in response.context["rows"]
                for b in row["bars"] if b["violated"]}
    assert violated  # the rule check names at least one booking
    for tag in bars:
        booking_red = "tl-bar--violation" in tag
        assert booking_red == ('data-violated="true"' in tag)
        assert booking_red == ('fill="#a4161a"' in tag)
    assert sum("tl-bar--violation" in tag for tag in bars) == len(violated)


def test_windows_appear_only_for_the_selected_booking(plan_ready, coordinator):
    plan, procedures, angio, theatre = plan_ready
    client = login(coordinator)
    _book(client, plan, procedures[0], angio, at(0, 9))
    _book(client, plan, procedures[1], theatre, at(1, 9))
    surgery = Booking.objects.get(procedure=procedures[1])
    body = client.get(_url(plan)).content.decode()
    assert "tl-window" not in body  # by default none
    # Each booking is a link that selects it (keyboard reachable), in the chart and the table.
    assert body.count(f'href="?booking={surgery.public_id}#timeline"') == 2

    response = client.get(_url(plan), {"booking": surgery.public_id})
    body = response.content.decode()
    assert "tl-window" in body
    lanes = {str(row["procedure"].public_id): row for row in response.context["rows"]}
    assert lanes[str(procedures[1].public_id)]["windows"]  # the surgery's R1/R2 windows
    assert not lanes[str(procedures[0].public_id)]["windows"]  # none on the other lane
    assert "tl-bar--selected" in body
    assert "Hide windows" in body


def test_the_selection_keeps_the_range_asked_for(plan_ready, coordinator):
    plan, procedures, angio, _theatre = plan_ready
    client = login(coordinator)
    _book(client, plan, procedures[0], angio, at(0, 9))
    booking = Booking.objects.get()
    body = client.get(_url(plan), {"from": "2030-01-01", "to": "2030-01-31"}).content.decode()
    assert f'href="?from=2030-01-01&amp;to=2030-01-31&amp;booking={booking.public_id}#timeline"' in body


def test_an_unknown_selection_shows_no_windows_and_no_error(plan_ready, coordinator):
    plan, procedures, angio, _theatre = plan_ready
    client = login(coordinator)
    _book(client, plan, procedures[0], angio, at(0, 9))
    response = client.get(_url(plan), {"booking": "not-a-booking", "procedure": "<x>"})
    assert response.status_code == 200
    assert "tl-window" not in response.content.decode()
    assert "Hide windows" not in response.content.decode()


def test_lane_labels_load_target_lesions_in_one_query(plan_ready, coordinator):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    plan, procedures, angio, theatre = plan_ready
    client = login(coordinator)
    _book(client, plan, procedures[0], angio, at(0, 9))
    _book(client, plan, procedures[1], theatre, at(1, 9))
    with CaptureQueriesContext(connection) as queries:
        body = client.get(_url(plan)).content.decode()
    assert body.count('class="tl-lane') == 2
    lesion_reads = [q["sql"] for q in queries.captured_queries
                    if 'FROM "cases_lesion"' in q["sql"]]
    assert len(lesion_reads) <= 1, lesion_reads  # not one per lane
