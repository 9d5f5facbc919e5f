"""Page-test helpers: a Django test client signed in as a user."""

from __future__ import annotations

from typing import Any

from django.test import Client


def login(user: Any) -> Client:
    """A browser-like client with ``user``'s session (no password, no two-factor step)."""
    client = Client()
    client.force_login(user)
    return client
