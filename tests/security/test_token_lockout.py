"""Issue 10, item 10: the token endpoint locks a client id out per address, audited.

Reproduces the attack: 40 wrong client secrets, then the right one worked, nothing audited.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from core.clients import system_client_create
from core.models import AuditEvent

pytestmark = pytest.mark.django_db




def _ask(client_id: str, secret: str, ip: str):
    return Client().post("/o/token/", {"grant_type": "client_credentials",
                                       "client_id": client_id, "client_secret": secret},
                         REMOTE_ADDR=ip)


def test_wrong_secrets_lock_the_client_out_from_that_address(axes_on):
    his, secret = system_client_create(name="HIS", scopes="cases:read", principal=None)
    client_id = his.application.client_id
    for _ in range(40):
        _ask(client_id, "wrong-secret", "198.51.100.7")
    locked = _ask(client_id, secret, "198.51.100.7")
    assert locked.status_code == 429
    assert locked["Retry-After"]
    # Keyed on client id + address: the hospital's real system elsewhere keeps working.
    assert _ask(client_id, secret, "10.20.0.5").status_code == 200

    trail = AuditEvent.objects.filter(object_type="oauth_token", object_id=client_id)
    assert trail.filter(action="login_failed", detail__reason="invalid_client").count() == 3
    assert trail.filter(action="login_failed", detail__reason="locked_out").count() == 38
    assert AuditEvent.objects.filter(action="lockout").count() == 1
    assert trail.filter(action="login", outcome="success").count() == 1


def test_the_lockout_expires_and_success_resets_the_count(axes_on, settings):
    his, secret = system_client_create(name="HIS", scopes="cases:read", principal=None)
    client_id = his.application.client_id
    for _ in range(3):
        _ask(client_id, "wrong", "198.51.100.8")
    assert _ask(client_id, secret, "198.51.100.8").status_code == 429
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME + timedelta(minutes=1)):
        assert _ask(client_id, secret, "198.51.100.8").status_code == 200
        for _ in range(2):
            _ask(client_id, "wrong", "198.51.100.8")
        assert _ask(client_id, secret, "198.51.100.8").status_code == 200


def test_unknown_client_ids_are_counted_too(axes_on):
    for _ in range(2):
        assert _ask("guessed-id", "guess", "198.51.100.9").status_code == 401
    locked = _ask("guessed-id", "guess", "198.51.100.9")
    assert locked.status_code == 429
    assert locked.json()["error"] == "invalid_client"
    assert _ask("guessed-id", "guess", "198.51.100.9").status_code == 429
