"""Point-in-time history: every write of a case, a decision or a booking leaves a snapshot of
the new version (who, when, why), readable through the API with the same scoping as the object
itself. Snapshots hold codes and pseudonymous ids only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest

from cases.models import PlannedProcedure
from core.models import Revision
from tests.integration.payloads import case_payload

pytestmark = pytest.mark.django_db


def test_every_case_write_is_a_revision_and_the_history_shows_them(world, as_user):
    coordinator = as_user(world.users["coordinator"])
    created = coordinator.post("/api/v1/cases/", case_payload(mrn="SYN-200001"), format="json")
    assert created.status_code == 201, created.content
    url = f"/api/v1/cases/{created.json()['id']}/"
    changed = coordinator.patch(url, {"pain_vas": 9}, format="json",
                                HTTP_IF_MATCH=created["ETag"])
    assert changed.status_code == 200, changed.content

    history = coordinator.get(url + "history/").json()
    versions = [(r["version"], r["snapshot"].get("pain_vas")) for r in history["revisions"]]
    assert versions == [(1, 6), (2, 9)]
    assert all(r["by"] == f"user:{world.users['coordinator'].pk}" for r in history["revisions"])
    assert "SYN-200001" not in str(history)  # identifiers never enter a snapshot


def test_a_decision_amendment_keeps_the_original_as_a_revision(api_world, as_user):
    decision = api_world.extra["decision_a"]
    chair = as_user(api_world.users["chair_a"])
    url = f"/api/v1/decisions/{decision.public_id}/"
    amended = chair.patch(url + "amend/", {"reason": "Typo in the dose",
                                           "outcome_text": "Radiotherapy 20 Gy in 5 fractions."},
                          format="json", HTTP_IF_MATCH='W/"1"')
    assert amended.status_code == 200, amended.content
    assert amended["ETag"] == 'W/"2"'
    body = chair.get(url).json()
    assert body["outcome_text"] == "Radiotherapy 20 Gy in 5 fractions."
    [revision] = body["revisions"]
    assert (revision["version"], revision["reason"]) == (2, "Typo in the dose")
    assert revision["snapshot"]["outcome_text"] == "Radiotherapy 20 Gy in 5 fractions."


def test_every_booking_write_is_a_revision_and_the_history_shows_them(world, as_user):
    coordinator = as_user(world.users["coordinator"])
    procedure = PlannedProcedure.objects.create(
        plan=world.booking_a.plan, sequence=2, procedure_type="embolization",
        intent="palliative", purpose="")
    created = coordinator.post("/api/v1/bookings/", {
        "procedure": str(procedure.public_id), "resource": str(world.resource.public_id),
        "start": datetime(2030, 3, 6, 9, 0, tzinfo=UTC).isoformat()},
        format="json", HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert created.status_code == 201, created.content
    booking_id = created.json()["id"]
    moved = coordinator.post(f"/api/v1/bookings/{booking_id}/move/",
                             {"start": datetime(2030, 3, 6, 12, 0, tzinfo=UTC).isoformat()},
                             format="json", HTTP_IF_MATCH=created["ETag"])
    assert moved.status_code == 200, moved.content
    cancelled = coordinator.post(f"/api/v1/bookings/{booking_id}/cancel/",
                                 {"reason": "patient unwell"}, format="json",
                                 HTTP_IF_MATCH=moved["ETag"])
    assert cancelled.status_code == 200, cancelled.content

    history = coordinator.get(f"/api/v1/bookings/{booking_id}/history/")
    assert history.status_code == 200
    rows = [(r["version"], r["snapshot"]["start"], r["snapshot"]["status"])
            for r in history.json()["revisions"]]
    assert rows == [
        (1, "2030-03-06T09:00:00+00:00", "booked"),
        (2, "2030-03-06T12:00:00+00:00", "booked"),
        (3, "2030-03-06T12:00:00+00:00", "cancelled"),
    ]
    assert history.json()["revisions"][2]["reason"] == "cancelled: patient unwell"
    assert Revision.objects.filter(object_type="booking", object_id=booking_id).count() == 3


def test_a_bookings_history_is_scoped_like_the_booking(world, as_user):
    url = f"/api/v1/bookings/{world.booking_a.public_id}/history/"
    assert as_user(world.users["member_b"]).get(url).status_code == 404
    assert as_user(world.users["member_a"]).get(url).status_code == 200
