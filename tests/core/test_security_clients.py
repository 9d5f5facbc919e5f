"""Hospital systems: OAuth2 client credentials and scopes (docs/security.md, S4)."""

from __future__ import annotations

import pytest

from core.clients import system_client_create
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_a_client_gets_a_token_with_client_credentials_and_uses_it(client):
    his, secret = system_client_create(name="his", scopes="audit:read cases:read", principal=None)
    token = client.post("/o/token/", {
        "grant_type": "client_credentials", "client_id": his.application.client_id,
        "client_secret": secret, "scope": "audit:read",
    })
    assert token.status_code == 200, token.content
    access = token.json()["access_token"]
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Bearer {access}")
    assert me.status_code == 200
    assert me.json()["kind"] == "client"
    assert me.json()["scopes"] == ["audit:read"]
    assert client.get("/api/v1/audit-events/", HTTP_AUTHORIZATION=f"Bearer {access}").status_code == 200


def test_a_token_without_the_scope_gets_403(oauth_client_factory):
    his = oauth_client_factory("cases:read")
    assert his.get("/api/v1/audit-events/").status_code == 403


def test_an_expired_token_gets_401(oauth_client_factory):
    his = oauth_client_factory("audit:read", expired=True)
    response = his.get("/api/v1/audit-events/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_revoked_token_gets_401(oauth_client_factory):
    his = oauth_client_factory("audit:read")
    his.access_token.revoke()
    assert his.get("/api/v1/audit-events/").status_code == 401


def test_clients_cannot_reach_people_only_operations(oauth_client_factory):
    his = oauth_client_factory("audit:read", "cases:read", "cases:write")
    assert his.get("/api/v1/notifications/").status_code == 403


def test_people_need_the_administrator_role_for_the_audit_trail(api_client, coordinator, administrator):
    api_client.force_authenticate(coordinator)
    assert api_client.get("/api/v1/audit-events/").status_code == 403
    api_client.force_authenticate(administrator)
    response = api_client.get("/api/v1/audit-events/?action=read")
    assert response.status_code == 200
    # The coordinator's refused attempt is itself on the trail (S8: denied access).
    [denied] = response.json()["results"]
    assert (denied["actor_id"], denied["outcome"], denied["path"]) == (
        str(coordinator.pk), "denied", "/api/v1/audit-events/")


def test_anonymous_callers_get_401(api_client):
    assert api_client.get("/api/v1/me/").status_code == 401
    assert api_client.get("/api/v1/audit-events/").status_code == 401
    assert AuditEvent.objects.count() == 0
