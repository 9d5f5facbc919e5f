"""Optimistic concurrency, conditional and idempotent creation on cases (G-CONCURRENCY-1,
G-CONCURRENCY-2, G-IDEMPOTENCY-1 in docs/guarantees.md)."""

from __future__ import annotations

import uuid

import pytest

from cases.models import Case
from core.models import IdempotencyRecord
from tests.integration.payloads import case_payload

pytestmark = pytest.mark.django_db


def test_two_writers_with_the_same_etag_one_wins_the_other_gets_412(world, as_user):
    url = f"/api/v1/cases/{world.case_a.public_id}/"
    first, second = as_user(world.users["coordinator"]), as_user(world.users["administrator"])
    etag_1 = first.get(url)["ETag"]
    etag_2 = second.get(url)["ETag"]
    assert etag_1 == etag_2 == 'W/"1"'
    won = first.patch(url, {"pain_vas": 8}, format="json", HTTP_IF_MATCH=etag_1)
    assert won.status_code == 200, won.content
    assert won["ETag"] == 'W/"2"'
    lost = second.patch(url, {"pain_vas": 3}, format="json", HTTP_IF_MATCH=etag_2)
    assert lost.status_code == 412
    assert lost["Content-Type"] == "application/problem+json"
    world.case_a.refresh_from_db()
    assert (world.case_a.pain_vas, world.case_a.version) == (8, 2)


def test_a_write_without_if_match_is_428(world, as_user):
    response = as_user(world.users["coordinator"]).patch(
        f"/api/v1/cases/{world.case_a.public_id}/", {"pain_vas": 8}, format="json")
    assert response.status_code == 428


def test_replay_returns_the_stored_response_with_one_side_effect(world, oauth_client_factory):
    his = oauth_client_factory("cases:write", "cases:read")
    key = str(uuid.uuid4())
    body = case_payload(mrn="SYN-100001")
    first = his.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert first.status_code == 201, first.content
    again = his.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Case.objects.count() == 3  # the world's two, plus one


def test_same_key_other_body_is_422_and_a_missing_key_is_400(world, oauth_client_factory):
    his = oauth_client_factory("cases:write")
    key = str(uuid.uuid4())
    assert his.post("/api/v1/cases/", case_payload(mrn="SYN-100002"), format="json",
                    HTTP_IDEMPOTENCY_KEY=key).status_code == 201
    other = his.post("/api/v1/cases/", case_payload(mrn="SYN-100003"), format="json",
                     HTTP_IDEMPOTENCY_KEY=key)
    assert other.status_code == 422
    missing = his.post("/api/v1/cases/", case_payload(mrn="SYN-100004"), format="json")
    assert missing.status_code == 400
    assert missing.json()["errors"][0]["field"] == "Idempotency-Key"


def test_a_key_still_in_progress_is_409(world, oauth_client_factory):
    his = oauth_client_factory("cases:write")
    key = str(uuid.uuid4())
    body = case_payload(mrn="SYN-100005")
    # The first request holds the key (as it does while its transaction runs).
    from core.api.idempotency import _fingerprint

    IdempotencyRecord.objects.create(
        client=f"client:{his.application.client_id}", key=key, endpoint="cases.case_create",
        fingerprint=_fingerprint("cases.case_create", body),
        expires_at="2099-01-01T00:00:00Z",
    )
    response = his.post("/api/v1/cases/", body, format="json", HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 409


def test_keys_are_scoped_per_client(world, oauth_client_factory):
    key = str(uuid.uuid4())
    a = oauth_client_factory("cases:write", name="his-a")
    b = oauth_client_factory("cases:write", name="his-b")
    assert a.post("/api/v1/cases/", case_payload(mrn="SYN-100006"), format="json",
                  HTTP_IDEMPOTENCY_KEY=key).status_code == 201
    # Another client's identical key is not a replay of A's request: it creates B's own case.
    response = b.post("/api/v1/cases/", case_payload(mrn="SYN-100007"), format="json",
                      HTTP_IDEMPOTENCY_KEY=key)
    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response


def test_the_same_external_id_twice_gives_201_then_200_and_one_row(world, oauth_client_factory):
    his = oauth_client_factory("cases:write")
    body = case_payload(external_id="EXT-42", mrn="SYN-100008")
    first = his.post("/api/v1/cases/", body, format="json",
                     HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    second = his.post("/api/v1/cases/", body, format="json",
                      HTTP_IDEMPOTENCY_KEY=str(uuid.uuid4()))
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert Case.objects.filter(source_system="his-test", external_id="EXT-42").count() == 1
