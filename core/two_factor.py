"""A person's TOTP device: enrolment on the first visit, verification of a code.

Two-factor authentication is required for anyone reaching patient data (docs/security.md, S3).
Each person has one device: unconfirmed until the first valid code, confirmed after it.
"""

from __future__ import annotations

from typing import Any

from django_otp.plugins.otp_totp.models import TOTPDevice


def totp_device_for(*, user: Any) -> TOTPDevice:
    """The user's confirmed device, else the one being enrolled, else a new unconfirmed one."""
    device = (TOTPDevice.objects.filter(user=user, confirmed=True).first()
              or TOTPDevice.objects.filter(user=user, confirmed=False).first())
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
    return device


def totp_verify(*, device: TOTPDevice, token: str) -> bool:
    """Whether ``token`` (digits only) is a valid code for the device; the first valid code
    confirms an enrolling device."""
    token = token.strip()
    if not (token.isdigit() and device.verify_token(token)):
        return False
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
    return True
