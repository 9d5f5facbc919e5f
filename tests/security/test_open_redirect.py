"""Issue 10, item 9: the two-factor page sends people back only to this site."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories.core import UserFactory

pytestmark = pytest.mark.django_db


def _verify(client: Client, next_url: str):
    user = UserFactory(username=f"dr.{abs(hash(next_url)) % 10**6}")
    client.force_login(user)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    with time_machine.travel(timezone.now() + timedelta(minutes=5), tick=False):
        code = f"{totp(device.bin_key, device.step, device.t0, device.digits, device.drift):06d}"
        return client.post("/accounts/2fa/", {"token": code}, QUERY_STRING=f"next={next_url}")


@pytest.mark.parametrize("target", [
    "https://evil.example/phish", "//evil.example/phish", "http://evil.example",
    "https:/evil.example", "/\\evil.example", "javascript:alert(1)",
])
def test_after_two_factor_another_site_is_never_the_destination(target):
    response = _verify(Client(), target)
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_a_path_on_this_site_is_kept():
    response = _verify(Client(), "/worklist/")
    assert response["Location"] == "/worklist/"


def test_the_middleware_sends_people_back_to_where_they_were(settings):
    settings.BOARDSVC_REQUIRE_2FA = True
    client = Client()
    client.force_login(UserFactory(username="dr.back"))
    response = client.get("/worklist/")
    assert response["Location"] == "/accounts/2fa/?next=%2Fworklist%2F"
