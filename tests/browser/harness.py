"""Playwright fixtures, a plugin loaded by tests/conftest.py: Debian's Chromium, headless,
against pytest-django's live_server with the demo data (``manage.py seed_demo``).

The helpers the tests call (``shot``, ``sign_in``) are in tests/support/browser.py; they are
re-exported here for files that still import them from this module."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.support.browser import DEMO_PASSWORD, SCREENSHOTS, shot, sign_in

__all__ = ["CHROMIUM", "DEMO_PASSWORD", "SCREENSHOTS", "chromium", "demo", "page", "shot",
           "sign_in"]

# Playwright's sync API runs an event loop in this thread; Django's ORM calls made by the test
# itself (seeding, assertions) would otherwise be refused as "async unsafe".
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-gpu",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        yield browser
        browser.close()


def _empty_audit_table_for_flush() -> None:
    """The audit table refuses DELETE (core migration 0002; guarantee G-AUDIT-1 in docs/guarantees.md), so the flush
    that ends a transactional test cannot empty it on SQLite. Between tests only, lift the
    trigger, empty the table and put the trigger back. (PostgreSQL's test settings allow the
    TRUNCATE the flush uses instead.)"""
    from importlib import import_module

    from django.db import connection

    if connection.vendor != "sqlite":
        return
    forward = import_module("core.migrations.0002_audit_append_only").SQLITE_FORWARD
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER IF EXISTS core_auditevent_no_delete")
        try:
            cursor.execute("DELETE FROM core_auditevent")
        finally:
            cursor.execute(forward[1])


@pytest.fixture
def demo(transactional_db: Any) -> Iterator[None]:
    """The demo data, committed (the live server reads it from another thread)."""
    from django.core.management import call_command

    call_command("seed_demo", quiet=True)
    yield
    _empty_audit_table_for_flush()


@pytest.fixture
def page(chromium: Any, live_server: Any) -> Iterator[Any]:
    """A fresh browser context at meeting-room resolution, with the live server as base URL."""
    context = chromium.new_context(viewport={"width": 1600, "height": 1000},
                                   base_url=live_server.url, locale="en-GB")
    context.set_default_timeout(15_000)
    browser_page = context.new_page()
    errors: list[str] = []
    browser_page.on("console", lambda msg: errors.append(msg.text)
                    if msg.type == "error" else None)
    browser_page.csp_errors = errors  # type: ignore[attr-defined]
    yield browser_page
    context.close()

