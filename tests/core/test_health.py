"""/healthz (liveness) and /readyz (database + broker; says which part is degraded)."""

from __future__ import annotations

import pytest
from django.test import override_settings

pytestmark = pytest.mark.django_db


def test_healthz_answers_ok(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_readyz_reports_database_and_broker(client):
    response = client.get("/readyz")
    body = response.json()
    assert response.status_code == 200
    assert body["status"] == "ok"
    assert body["components"]["database"]["status"] == "ok"
    assert body["components"]["broker"]["status"] == "ok"


@override_settings(CELERY_BROKER_URL="redis://127.0.0.1:1/0")
def test_a_stopped_broker_is_degraded_while_healthz_stays_up(client):
    ready = client.get("/readyz")
    assert ready.status_code == 200
    body = ready.json()
    assert body["status"] == "degraded"
    assert body["degraded"] == ["broker"]
    assert body["components"]["broker"]["status"] == "down"
    assert client.get("/healthz").status_code == 200


def test_healthz_refuses_other_methods(client):
    assert client.post("/healthz").status_code == 405


def test_readyz_is_503_when_the_database_is_down(client, monkeypatch):
    from core import views

    monkeypatch.setattr(views, "_check_database", lambda: {"status": "down", "error": "X"})
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["degraded"][0] == "database"
