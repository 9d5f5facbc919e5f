"""People: lockout (S5), two-factor (S3), CSRF (S6), security headers and CSP (S7)."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client, override_settings
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from core.models import AuditEvent, Notification
from tests.factories.core import UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "pw-demo-12345"




def _login(client: Client, username: str, password: str, ip: str = "10.0.0.1"):
    return client.post("/accounts/login/", {"username": username, "password": password},
                       REMOTE_ADDR=ip)


def test_repeated_failures_lock_the_account_for_that_address(axes_on):
    UserFactory(username="dr.verdi")
    client = Client()
    for _ in range(3):
        assert _login(client, "dr.verdi", "wrong").status_code in (200, 429)
    # Locked now, even with the right password, from the same address.
    locked = _login(client, "dr.verdi", PASSWORD)
    assert locked.status_code == 429
    # Lockout keys on username+IP: the clinician at another address can still sign in.
    other = _login(Client(), "dr.verdi", PASSWORD, ip="10.0.0.2")
    assert other.status_code == 302
    assert AuditEvent.objects.filter(action="login_failed").count() >= 3
    assert AuditEvent.objects.filter(action="lockout").exists()


def test_the_lockout_expires_after_the_cool_off(axes_on, settings):
    UserFactory(username="dr.neri")
    client = Client()
    for _ in range(3):
        _login(client, "dr.neri", "wrong")
    assert _login(client, "dr.neri", PASSWORD).status_code == 429
    with time_machine.travel(timezone.now() + settings.AXES_COOLOFF_TIME * 2):
        assert _login(Client(), "dr.neri", PASSWORD).status_code == 302


@override_settings(BOARDSVC_REQUIRE_2FA=True)
def test_without_a_verified_device_a_person_reaches_only_the_two_factor_page(coordinator):
    user = coordinator
    client = Client()
    client.force_login(user)
    assert client.get("/api/v1/me/").status_code == 403
    page = client.get("/admin/")
    assert page.status_code == 302
    assert page["Location"].startswith("/accounts/2fa/")

    # Enrol: the page makes a device; a correct TOTP code verifies the session.
    assert client.get("/accounts/2fa/").status_code == 200
    device = TOTPDevice.objects.get(user=user)
    code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
    wrong = "000000" if code != "000000" else "111111"
    assert client.post("/accounts/2fa/", {"token": wrong}).status_code == 200
    assert client.get("/api/v1/me/").status_code == 403
    # django-otp throttles after a failure; a real person retries some seconds later.
    with time_machine.travel(timezone.now() + timedelta(seconds=30), tick=False):
        device.refresh_from_db()
        code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
        response = client.post("/accounts/2fa/", {"token": code})
    assert response.status_code == 302
    assert client.get("/api/v1/me/").status_code == 200


def test_session_writes_without_a_csrf_token_are_refused():
    user = UserFactory(username="dr.rosa")
    note = Notification.objects.create(recipient=user, kind="general", subject="s", dedup_key="k")
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    response = client.post(f"/api/v1/notifications/{note.id}/read/", data="{}",
                           content_type="application/json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]
    note.refresh_from_db()
    assert note.read_at is None


def test_html_pages_carry_an_enforced_csp_without_unsafe_inline_scripts(client):
    response = client.get("/accounts/login/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "'nonce-" in script_src
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    body = response.content.decode()
    assert "<script>" not in body  # every script is external and nonce-tagged
