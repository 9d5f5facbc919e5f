"""Issue 10, item 14: the API documentation renders under the service's own CSP, in Chromium.

Before: /api/docs/ and /api/redoc/ were blank pages, their inline scripts blocked by the CSP.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.browser import shot

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _csp_blocks(page: Any) -> list[str]:
    """Scripts, styles or workers the CSP blocked. Redoc's footer also tries to load its
    vendor's logo from a CDN; the CSP blocks that image (nothing leaves the site), which is
    the policy doing its job, not a rendering failure, so image loads are not counted."""
    return [e for e in page.csp_errors
            if ("Content Security Policy" in e or "CSP" in e) and "Loading the image" not in e]


def test_swagger_ui_shows_the_operations(page: Any) -> None:
    response = page.goto("/api/docs/")
    csp = response.headers["content-security-policy"]
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src
    assert "unsafe-eval" not in script_src
    page.wait_for_selector(".opblock", timeout=20_000)
    assert page.locator(".opblock").count() > 20
    assert page.get_by_text("/api/v1/cases/", exact=True).first.is_visible()
    shot(page, "api-docs-swagger")
    assert _csp_blocks(page) == []


def test_redoc_shows_the_operations(page: Any) -> None:
    response = page.goto("/api/redoc/")
    csp = response.headers["content-security-policy"]
    script_src = next(p for p in csp.split(";") if p.strip().startswith("script-src"))
    assert "unsafe-inline" not in script_src
    page.wait_for_selector("[data-section-id^='operation/']", timeout=30_000)
    assert page.locator("[data-section-id^='operation/']").count() > 20
    shot(page, "api-docs-redoc")
    assert _csp_blocks(page) == []
    # Nothing is fetched from another origin (no CDN fonts).
    assert "fonts.googleapis.com" not in page.content()
