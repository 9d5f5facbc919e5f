"""The KPI page and its CSV exports: who sees them, what they show, one audit row a view."""

from __future__ import annotations

import csv
import io

import pytest
from django.urls import reverse

from core.models import AuditEvent
from tests.support.web import login

from .conftest import PERIOD

pytestmark = pytest.mark.django_db


def page(client, board, **params):
    return client.get(reverse("boardsvc_web:kpi"),
                      {"board": str(board.public_id), **PERIOD, **params})


def export(client, board, section, **params):
    return client.get(reverse("boardsvc_web:kpi_export", args=[section]),
                      {"board": str(board.public_id), **PERIOD, **params})


def test_page_shows_charts_and_tables_and_is_audited_once(kpi_world, coordinator, at_now):
    client = login(coordinator)
    before = AuditEvent.objects.count()
    response = page(client, kpi_world.board)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("<svg") == 5
    assert 'class="bar' in html
    assert "style=" not in html.split("<main", 1)[1]
    assert "<script" not in html.split("<main", 1)[1]
    assert "kpi.css" in html
    assert "16380" in html  # room A's open minutes, in the table beside the chart
    assert "58.2" in html  # the 90th percentile referral → MDT
    rows = list(AuditEvent.objects.order_by("pk")[before:])
    assert [(r.action, r.object_type, r.patient_pseudonym) for r in rows] == [
        ("list", "kpi_dashboard", "")]


def test_nav_links_the_page_for_coordinators_only(kpi_world, coordinator, team, at_now):
    url = reverse("boardsvc_web:kpi")
    assert f'href="{url}"' in login(coordinator).get(reverse("boardsvc_web:dashboard")).content.decode()
    assert f'href="{url}"' not in login(team["rad"]).get(reverse("boardsvc_web:dashboard")).content.decode()


def test_chair_sees_own_board_plain_member_is_refused(kpi_world, team, at_now):
    assert page(login(team["chair"]), kpi_world.board).status_code == 200
    assert page(login(team["rad"]), kpi_world.board).status_code == 403
    assert page(login(team["chair"]), kpi_world.other_board).status_code == 404
    assert export(login(team["rad"]), kpi_world.board, "waits").status_code == 403


def test_bad_period_re_renders_with_the_field(kpi_world, coordinator, at_now):
    response = page(login(coordinator), kpi_world.board, **{"from": "2026-04-01"})
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="k-to" type="date" name="to" value="2026-03-31" required aria-invalid="true"' \
        in html
    assert export(login(coordinator), kpi_world.board, "waits",
                  to="2027-12-31").status_code == 400


def test_csv_export_content(kpi_world, coordinator, at_now):
    response = export(login(coordinator), kpi_world.board, "waits")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "kpi-bone-mets-spine-waits-2026-03-01-2026-03-31.csv" in \
        response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["Figure", "Interval", "Target (days)", "Cases", "Measured",
                       "Median (days)", "90th percentile (days)", "Breaches"]
    assert rows[1] == ["referral_to_mdt", "Referral → MDT", "28", "3", "3", "19.0", "58.2", "1"]
    assert rows[2] == ["mdt_to_treatment", "MDT → first treatment", "31", "3", "2", "23.5",
                       "34.3", "2"]
    assert AuditEvent.objects.filter(action="export", object_type="kpi_waits").count() == 1


def test_csv_export_of_every_section(kpi_world, coordinator, at_now):
    client = login(coordinator)
    activity = list(csv.reader(io.StringIO(
        export(client, kpi_world.board, "activity").content.decode())))
    assert ["referred", "Cases referred", "4"] in activity
    rooms = list(csv.reader(io.StringIO(
        export(client, kpi_world.board, "utilisation").content.decode())))
    assert ["kpi-room-a", "Room A", "16380", "150", "0.9"] in rooms
    assert ["kpi-room-b", "Room B", "0", "0", ""] in rooms
    rules = list(csv.reader(io.StringIO(
        export(client, kpi_world.board, "violations").content.decode())))
    assert rules[1:] == [["R1-soft", "R1", "soft", "2", "1", "1", "0"],
                         ["R4-hard", "R4", "hard", "1", "0", "0", "1"]]
    people = list(csv.reader(io.StringIO(
        export(client, kpi_world.board, "attendance").content.decode())))
    assert ["radiologist", "Radiologist (MSK / neuro)", "True", "2", "2", "100.0"] in people
    assert export(client, kpi_world.board, "nothing").status_code == 404


def test_csv_cells_are_not_formulas(kpi_world, coordinator, at_now):
    kpi_world.room.name = "=HYPERLINK(\"http://x\")"
    kpi_world.room.save(update_fields=["name"])
    body = export(login(coordinator), kpi_world.board, "utilisation").content.decode()
    rows = list(csv.reader(io.StringIO(body)))
    assert ["kpi-room-a", "'=HYPERLINK(\"http://x\")", "16380", "150", "0.9"] in rows
