"""Phone layouts: at 390 × 844 CSS pixels no page scrolls sideways, and the touch targets a
finger needs (buttons, the nav's links, checkboxes and radios with their labels) are at least
24 × 24 px (WCAG 2.2, 2.5.8).

Pages are discovered, not listed: from the navigation, then the links inside each page, one page
per URL shape (``/meetings/<id>/`` once), so pages other work adds are checked too. The demo
data is seeded, then one plan with an R1 warning is booked so the worklist, the timeline and the
booking pages have content."""

from __future__ import annotations

import re
from collections import deque
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.support.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
MAX_PAGES = 45
SKIP = re.compile(r"^/(accounts/|i18n/|api/|admin/|o/|ical/|fhir/|static/|media/)|\.(ics|pdf|csv)$"
                  r"|/(print|download|pdf)/?$")
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")

# Elements whose box must be a 24 px target: the nav's links, buttons and button-links, and
# checkboxes / radios (measured with the label around them, which is what a finger presses).
TARGETS_JS = """() => {
  const out = [];
  const seen = new Set();
  const visible = (el) => { const r = el.getBoundingClientRect();
    const s = getComputedStyle(el);
    return r.width > 0 && r.height > 0 && s.visibility !== 'hidden' && !el.closest('.visually-hidden'); };
  const add = (el, box) => { if (seen.has(box)) return; seen.add(box);
    const r = box.getBoundingClientRect();
    out.push({what: (box.tagName + '.' + (box.className || '') + ' ' +
                     (box.textContent || box.name || '').trim().slice(0, 40)),
              w: Math.round(r.width * 10) / 10, h: Math.round(r.height * 10) / 10}); };
  document.querySelectorAll('.topbar nav a, button, a.button, select').forEach((el) => {
    if (visible(el)) add(el, el); });
  document.querySelectorAll('input[type=checkbox], input[type=radio]').forEach((el) => {
    if (!visible(el)) return; add(el, el.closest('label') || el); });
  return out;
}"""


def _shape(path: str) -> str:
    return re.sub(r"/\d+(?=/|$)", "/<n>", UUID.sub("<id>", path))


def _links(page: Any, selector: str) -> list[str]:
    hrefs = page.eval_on_selector_all(selector, "els => els.map(e => e.getAttribute('href'))")
    out = []
    for href in hrefs:
        if not href or href.startswith(("#", "mailto:", "tel:", "javascript:")):
            continue
        parts = urlsplit(href)
        if parts.netloc or not parts.path.startswith("/") or SKIP.search(parts.path):
            continue
        out.append(parts.path)
    return out


def _crawl(page: Any, who: str, extra: list[str]) -> dict[str, dict[str, Any]]:
    """Visit the nav's pages and the pages they link to, one per URL shape; return, per shape,
    the path visited, its width and its small touch targets."""
    page.goto("/")
    queue = deque(_links(page, ".topbar nav a") + extra)
    seen: dict[str, dict[str, Any]] = {}
    while queue and len(seen) < MAX_PAGES:
        path = queue.popleft()
        shape = _shape(path)
        if shape in seen:
            continue
        response = page.goto(path)
        kind = (response.headers.get("content-type", "") if response else "")
        if response is None or response.status != 200 or "text/html" not in kind:
            seen[shape] = {"path": path, "status": response.status if response else None,
                           "width": 0, "small": []}
            continue
        width = page.evaluate("document.documentElement.scrollWidth")
        small = [t for t in page.evaluate(TARGETS_JS) if t["w"] < 24 or t["h"] < 24]
        seen[shape] = {"path": path, "status": 200, "width": width, "small": small}
        name = re.sub(r"[^a-z0-9]+", "-", shape.lower()).strip("-") or "home"
        shot(page, f"phone-{who}-{name}")
        queue.extend(_links(page, "main a[href], .topbar nav a"))
    return seen


@pytest.fixture
def phone(chromium: Any, live_server: Any) -> Any:
    context = chromium.new_context(viewport=PHONE, base_url=live_server.url, locale="en-GB",
                                   is_mobile=True, has_touch=True, device_scale_factor=1)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


@pytest.fixture
def booked_plan(demo: None) -> Any:
    """A listed demo case with a plan booked so that R1 (embolization 1-3 days before surgery)
    may warn: the worklist, timeline and booking pages then have rows."""
    from django.contrib.auth import get_user_model

    from cases.models import Case
    from core.access import principal_for_user
    from scheduling.models import Resource
    from tests.factories.scheduling import at, plan_with
    from tests.support.scheduling import book

    case = Case.objects.filter(status="listed", requested_board="bone-mets-spine").first()
    assert case is not None, "the demo lists cases on the spine board"
    plan, (embo, surgery) = plan_with(
        {"procedure_type": "embolization", "purpose": "pre_operative"}, "surgery", case=case,
        lesion=case.lesions.first())
    principal = principal_for_user(get_user_model().objects.get(username="coordinator"))
    book(embo, Resource.objects.get(code="angio-1"), at(0, 9), principal)
    book(surgery, Resource.objects.get(code="or-1"), at(1, 9), principal)
    return plan


def _problems(seen: dict[str, dict[str, Any]]) -> dict[str, Any]:
    return {shape: {k: v for k, v in row.items() if k in ("width", "small", "status")}
            for shape, row in seen.items()
            if row["status"] != 200 or row["width"] > PHONE["width"] + 1 or row["small"]}


def test_the_coordinators_pages_fit_a_phone(booked_plan, phone):
    sign_in(phone, "coordinator")
    seen = _crawl(phone, "coordinator", [f"/plans/{booked_plan.public_id}/timeline/"])
    for shape in ("/", "/worklist/", "/cases/", "/cases/new/", "/cases/<id>/",
                  "/plans/<id>/timeline/", "/plans/<id>/book/", "/bookings/<id>/move/",
                  "/bookings/<id>/cancel/", "/notifications/"):
        assert shape in seen, f"{shape} was not reached from the navigation"
    assert _problems(seen) == {}


def test_the_chairs_pages_fit_a_phone(demo, phone):
    from boardsvc.models import BoardMember

    chair = BoardMember.objects.filter(board__slug="bone-mets-spine", role="chair",
                                       active=True).select_related("user").first()
    assert chair is not None
    sign_in(phone, chair.user.username)
    seen = _crawl(phone, "chair", [])
    for shape in ("/", "/meetings/", "/meetings/calendar/", "/meetings/<id>/",
                  "/meetings/<id>/live/", "/meetings/<id>/present/",
                  "/meetings/<id>/preparation/", "/cases/", "/cases/<id>/"):
        assert shape in seen, f"{shape} was not reached from the navigation"
    assert _problems(seen) == {}
