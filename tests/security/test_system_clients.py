"""Issue 10, item 1: nobody makes themselves a system client; each client holds only what an
administrator allowed, now, and on the boards it was allowed.

Reproduces the attack: a plain board member registering an application at
/o/applications/register/ and asking the token endpoint for every scope; an admin-made
FHIR-only client asking for ``audit:read cases:write``.
"""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.test import Client
from oauth2_provider.models import AccessToken, Application

from core.access import GROUP_ADMINISTRATOR
from core.clients import system_client_create, system_client_update
from core.models import AuditEvent, SystemClient
from tests.factories.core import UserFactory
from tests.support.world import ALL_SCOPES, World

pytestmark = pytest.mark.django_db


def _token(client: Client, client_id: str, secret: str, scope: str | None = None):
    data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
    if scope is not None:
        data["scope"] = scope
    return client.post("/o/token/", data, REMOTE_ADDR="192.0.2.10")


@pytest.mark.parametrize("path", [
    "/o/applications/", "/o/applications/register/", "/o/authorized_tokens/", "/o/register/",
    "/o/authorize/", "/o/device-authorization/", "/o/userinfo/",
])
def test_people_find_no_application_pages(path):
    member = UserFactory(username="plain.member")
    client = Client()
    client.force_login(member)
    assert client.get(path).status_code == 404
    assert client.post(path, {"name": "mine", "client_type": "confidential",
                              "authorization_grant_type": "client-credentials"}).status_code == 404
    assert not Application.objects.exists()


def test_an_application_without_an_administrators_allow_list_gets_no_token(client):
    # Made behind the service's back (the old self-service page did this): no policy, no token.
    Application.objects.create(
        name="self-made", client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_id="self-made-id", client_secret="self-made-secret", hash_client_secret=True)
    response = _token(client, "self-made-id", "self-made-secret", " ".join(ALL_SCOPES))
    assert response.status_code == 401
    assert response.json()["error"] == "invalid_client"
    assert not AccessToken.objects.exists()


def test_a_fhir_only_client_cannot_scope_itself_up(client):
    fhir, secret = system_client_create(name="PACS", scopes="fhir:read", principal=None)
    client_id = fhir.application.client_id
    refused = _token(client, client_id, secret, "fhir:read audit:read cases:write")
    assert refused.status_code == 400
    assert refused.json()["error"] == "invalid_scope"
    assert not AccessToken.objects.exists()

    granted = _token(client, client_id, secret, "fhir:read")
    assert granted.status_code == 200
    assert granted.json()["scope"] == "fhir:read"
    # Asking for nothing gives the allow-list, never the service's whole scope list.
    default = _token(client, client_id, secret)
    assert default.status_code == 200
    assert default.json()["scope"] == "fhir:read"

    bearer = f"Bearer {granted.json()['access_token']}"
    assert client.get("/api/v1/audit-events/", HTTP_AUTHORIZATION=bearer).status_code == 403
    assert client.get("/api/v1/cases/", HTTP_AUTHORIZATION=bearer).status_code == 403

    trail = AuditEvent.objects.filter(object_type="oauth_token", object_id=client_id)
    assert trail.filter(action="login", outcome="success").count() == 2
    [refusal] = trail.filter(action="login_failed")
    assert refusal.outcome == "denied"
    assert refusal.detail["reason"] == "invalid_scope"
    assert refusal.detail["requested_scope"] == "fhir:read audit:read cases:write"


def test_a_removed_scope_leaves_tokens_already_issued(client):
    his, secret = system_client_create(name="HIS", scopes="cases:read audit:read", principal=None)
    token = _token(client, his.application.client_id, secret, "cases:read audit:read").json()
    bearer = f"Bearer {token['access_token']}"
    assert client.get("/api/v1/audit-events/", HTTP_AUTHORIZATION=bearer).status_code == 200

    system_client_update(client=his, scopes="cases:read", principal=None)

    assert client.get("/api/v1/audit-events/", HTTP_AUTHORIZATION=bearer).status_code == 403
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=bearer)
    assert me.status_code == 200
    assert me.json()["scopes"] == ["cases:read"]
    assert client.get("/api/v1/cases/", HTTP_AUTHORIZATION=bearer).status_code == 200


def test_disabling_a_client_kills_every_token_it_holds(client):
    his, secret = system_client_create(name="HIS", scopes="cases:read", principal=None)
    bearers = [f"Bearer {_token(client, his.application.client_id, secret).json()['access_token']}"
               for _ in range(2)]
    system_client_update(client=his, enabled=False, principal=None)
    for bearer in bearers:
        assert client.get("/api/v1/cases/", HTTP_AUTHORIZATION=bearer).status_code == 401
    assert _token(client, his.application.client_id, secret).status_code == 401
    # Even a token row that survived (a restore, a race) is refused while the client is off.
    SystemClient.objects.filter(pk=his.pk).update(enabled=False)
    assert not AccessToken.objects.filter(application=his.application).exists()


def test_a_client_limited_to_one_board_sees_only_its_cases(client, world: World):
    limited, secret = system_client_create(name="Spine A RIS", scopes="cases:read cases:write",
                                           boards=[world.board_a.slug], principal=None)
    bearer = f"Bearer {_token(client, limited.application.client_id, secret).json()['access_token']}"
    listed = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=bearer).json()["results"]
    assert [c["id"] for c in listed] == [str(world.case_a.public_id)]
    assert client.get(f"/api/v1/cases/{world.case_b.public_id}/",
                      HTTP_AUTHORIZATION=bearer).status_code == 404
    assert client.get(f"/api/v1/cases/{world.case_a.public_id}/",
                      HTTP_AUTHORIZATION=bearer).status_code == 200
    refused = client.post(
        "/api/v1/cases/", data={"requested_board": world.board_b.slug},
        content_type="application/json", HTTP_AUTHORIZATION=bearer,
        HTTP_IDEMPOTENCY_KEY="5b0b7f3e-7d1c-4c55-9d59-0f1b8a0c1a11")
    assert refused.status_code == 400
    assert any(e["field"] == "requested_board" and e["rule"] == "board_not_allowed"
               for e in refused.json()["errors"])


def test_only_administrators_manage_clients_in_the_admin_and_every_change_is_audited(settings):
    settings.BOARDSVC_REQUIRE_2FA = False
    staff = UserFactory(username="staff.only", is_staff=True)
    admin = UserFactory(username="it.admin", is_staff=True)
    admin.groups.add(Group.objects.get_or_create(name=GROUP_ADMINISTRATOR)[0])
    browser = Client()
    browser.force_login(staff)
    assert browser.get("/admin/oauth2_provider/application/add/").status_code == 403

    browser.force_login(admin)
    form = {
        "name": "Radiology RIS", "client_id": "ris-client-id", "client_secret": "ris-secret-123",
        "hash_client_secret": "on", "client_type": "confidential",
        "authorization_grant_type": "client-credentials", "redirect_uris": "",
        "post_logout_redirect_uris": "", "allowed_origins": "", "algorithm": "",
        "system_client-TOTAL_FORMS": "1", "system_client-INITIAL_FORMS": "0",
        "system_client-MIN_NUM_FORMS": "1", "system_client-MAX_NUM_FORMS": "1",
        "system_client-0-enabled": "on", "system_client-0-allowed_scopes": ["bookings:read"],
        "system_client-0-all_boards": "on", "system_client-0-allowed_boards": "",
    }
    response = browser.post("/admin/oauth2_provider/application/add/", form)
    assert response.status_code == 302, response.content.decode()[:3000]
    created = SystemClient.objects.get(application__client_id="ris-client-id")
    assert created.allowed_scopes == "bookings:read"
    [row] = AuditEvent.objects.filter(object_type="system_client", action="create")
    assert (row.actor_type, row.actor_id, row.object_id) == ("user", str(admin.pk), "ris-client-id")
    assert row.detail["scopes"] == ["bookings:read"]


def test_the_management_command_creates_and_disables_clients(capsys, client):
    call_command("system_client", "create", "--name", "LIS", "--scopes", "cases:read")
    out = capsys.readouterr().out
    client_id = out.split("client_id: ")[1].split()[0]
    secret = out.split("client_secret: ")[1].split()[0]
    assert _token(client, client_id, secret).json()["scope"] == "cases:read"
    call_command("system_client", "disable", client_id)
    assert _token(client, client_id, secret).status_code == 401
    assert AuditEvent.objects.filter(object_type="system_client", object_id=client_id,
                                     action="update").count() == 1
