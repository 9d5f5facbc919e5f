"""Issue 10, item 11: behind the documented reverse proxy, lockouts key on the real client.

Without BOARDSVC_TRUSTED_PROXIES every request seemed to come from the proxy: one person's
typos locked everybody out, and an attacker's failures were spread over everyone. With it, the
client is the right-most X-Forwarded-For hop that is not a trusted proxy, so a forged header
changes nothing; without it the header is ignored altogether.
"""

from __future__ import annotations

import pytest
from django.test import Client

from core.net import client_ip
from tests.factories.core import UserFactory

pytestmark = pytest.mark.django_db

PROXY = "10.9.0.2"




def _login(username: str, password: str, *, remote: str, forwarded: str | None = None):
    headers = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded
    return Client().post("/accounts/login/", {"username": username, "password": password},
                         **headers)


def test_behind_the_trusted_proxy_each_client_has_its_own_lockout(axes_on, settings):
    settings.BOARDSVC_TRUSTED_PROXIES = [PROXY]
    UserFactory(username="dr.bianchi")
    for _ in range(3):
        _login("dr.bianchi", "typo", remote=PROXY, forwarded="203.0.113.5")
    assert _login("dr.bianchi", "pw-demo-12345", remote=PROXY,
                  forwarded="203.0.113.5").status_code == 429
    # The same clinician on the ward PC next door, through the same proxy, is not locked out.
    assert _login("dr.bianchi", "pw-demo-12345", remote=PROXY,
                  forwarded="203.0.113.6").status_code == 302


def test_a_forged_left_most_hop_does_not_escape_the_lockout(axes_on, settings):
    settings.BOARDSVC_TRUSTED_PROXIES = [PROXY]
    UserFactory(username="dr.neri")
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        _login("dr.neri", "guess", remote=PROXY, forwarded=f"{forged}, 198.51.100.66")
    assert _login("dr.neri", "pw-demo-12345", remote=PROXY,
                  forwarded="4.4.4.4, 198.51.100.66").status_code == 429


def test_without_the_setting_x_forwarded_for_is_ignored(axes_on, settings):
    settings.BOARDSVC_TRUSTED_PROXIES = []
    UserFactory(username="dr.russo")
    for forged in ("1.1.1.1", "2.2.2.2", "3.3.3.3"):
        _login("dr.russo", "guess", remote="198.51.100.77", forwarded=forged)
    assert _login("dr.russo", "pw-demo-12345", remote="198.51.100.77",
                  forwarded="5.5.5.5").status_code == 429


@pytest.mark.parametrize(("remote", "forwarded", "trusted", "expected"), [
    ("10.9.0.2", "203.0.113.5", ["10.9.0.0/24"], "203.0.113.5"),
    ("10.9.0.2", "203.0.113.5, 10.9.0.7", ["10.9.0.0/24"], "203.0.113.5"),
    ("10.9.0.2", "garbage", ["10.9.0.0/24"], "10.9.0.2"),
    ("10.9.0.2", "", ["10.9.0.0/24"], "10.9.0.2"),
    ("198.51.100.1", "203.0.113.5", ["10.9.0.0/24"], "198.51.100.1"),
    ("10.9.0.2", "203.0.113.5", [], "10.9.0.2"),
])
def test_client_ip(rf, settings, remote, forwarded, trusted, expected):
    settings.BOARDSVC_TRUSTED_PROXIES = trusted
    request = rf.get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_a_malformed_setting_stops_start_up(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from config.settings._env import env_networks

    monkeypatch.setenv("BOARDSVC_TRUSTED_PROXIES", "10.0.0.1,not-an-ip")
    with pytest.raises(ImproperlyConfigured, match="BOARDSVC_TRUSTED_PROXIES"):
        env_networks("BOARDSVC_TRUSTED_PROXIES")
