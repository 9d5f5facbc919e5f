"""After a submit the server refuses, the keyboard focus lands on the first field in error
(boardsvc/static/boardsvc/app.js), which is marked aria-invalid and described by its errors."""

from __future__ import annotations

import pytest

from tests.support.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_refused_intake_puts_the_focus_on_the_first_field_in_error(demo, page):
    sign_in(page, "coordinator")
    page.goto("/cases/new/")
    page.get_by_role("button", name="Submit case").click()
    page.wait_for_selector("#form-errors")
    focused = page.evaluate("""() => { const el = document.activeElement;
        return {invalid: el.getAttribute('aria-invalid'),
                described: el.getAttribute('aria-describedby') || '',
                first: el === document.querySelector('form [aria-invalid=true]')}; }""")
    shot(page, "form-errors-01-intake-focus")
    assert focused["invalid"] == "true"
    assert focused["first"] is True
    assert all(page.locator(f"#{ref}").count() == 1 for ref in focused["described"].split())
    assert focused["described"].split()[0].endswith("-errors")


def test_a_page_without_errors_leaves_the_focus_alone(demo, page):
    sign_in(page, "coordinator")
    page.goto("/cases/new/")
    assert page.evaluate("document.activeElement === document.body") is True
