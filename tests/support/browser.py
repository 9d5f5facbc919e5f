"""Helpers for the Playwright tests (tests/browser, tests/security): screenshots and the demo
sign-in. The fixtures (``chromium``, ``page``, ``demo``) are in the plugin
tests/browser/harness.py, loaded by tests/conftest.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"
DEMO_PASSWORD = "boardsvc-demo"  # every login seeded by ``manage.py seed_demo``


def shot(page: Any, name: str) -> None:
    """Save a full-page screenshot as artifacts/screenshots/<name>.png (CI keeps them). The
    timeout is generous: on a busy host Chromium once took over 15 s to settle the page's fonts
    before a screenshot, and a screenshot is an artifact, not an assertion."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True, timeout=60_000)


def sign_in(page: Any, username: str) -> None:
    """Sign in through the login form as a demo user and wait for the boards dashboard."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/boards/")
