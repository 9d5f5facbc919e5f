"""Accessibility checks over the main pages: every form control has a label, headings are in
order, badges meet WCAG AA contrast (4.5:1) and the live meeting documents its keys."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from itertools import pairwise
from pathlib import Path

import pytest
from django.conf import settings

from core.access import principal_for_user
from scheduling import services as scheduling_services
from scheduling.models import Violation
from tests.factories.scheduling import at
from tests.support.web import login

CSS = Path(settings.BASE_DIR) / "boardsvc/static/boardsvc/app.css"


class _Page(HTMLParser):
    """Collects form controls, labels and headings of one HTML page."""

    def __init__(self) -> None:
        super().__init__()
        self.label_for: set[str] = set()
        self.controls: list[dict[str, str]] = []
        self.headings: list[int] = []
        self._label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if tag == "label":
            self._label_depth += 1
            if attributes.get("for"):
                self.label_for.add(attributes["for"])
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag in ("input", "select", "textarea"):
            kind = attributes.get("type", "text")
            if tag == "input" and kind in ("hidden", "submit", "button"):
                return
            self.controls.append({**attributes, "_tag": tag,
                                  "_wrapped": "1" if self._label_depth else ""})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self._label_depth:
            self._label_depth -= 1


def _parse(body: str) -> _Page:
    parser = _Page()
    parser.feed(body)
    return parser


def _unlabelled(page: _Page) -> list[str]:
    return [control.get("name", control["_tag"]) for control in page.controls
            if not (control.get("id") in page.label_for or control.get("aria-label")
                    or control.get("aria-labelledby") or control["_wrapped"])]


def _heading_problems(levels: list[int]) -> list[str]:
    problems = []
    if levels.count(1) != 1:
        problems.append(f"{levels.count(1)} h1")
    for before, after in pairwise(levels):
        if after > before + 1:
            problems.append(f"h{before} then h{after}")
    return problems


@pytest.fixture
def pages(db, world, coordinator, plan_ready):
    """(client, url) for the main pages, with a meeting in session and an R1 violation."""
    plan, procedures, angio, theatre = plan_ready
    principal = principal_for_user(coordinator)
    scheduling_services.booking_create(procedure=procedures[0], resource=angio, start=at(0, 9),
                                       principal=principal)
    surgery = scheduling_services.booking_create(procedure=procedures[1], resource=theatre,
                                                 start=at(3, 9), principal=principal).booking
    violation = Violation.objects.get(plan=plan, rule_id="R1")
    chair = login(world.chair_a)
    chair.post(f"/meetings/{world.meeting_a.public_id}/state/", {"action": "start"})
    coord = login(coordinator)
    m = world.meeting_a.public_id
    return [
        (chair, "/boards/"), (chair, "/meetings/"), (chair, "/meetings/calendar/"),
        (chair, f"/meetings/{m}/"), (chair, f"/meetings/{m}/live/"), (chair, "/cases/"),
        (chair, f"/cases/{world.case_a.public_id}/"), (chair, "/notifications/"),
        (chair, f"/meetings/{m}/print/"),
        (coord, "/cases/new/"), (coord, "/worklist/"), (coord, f"/plans/{plan.public_id}/book/"),
        (coord, f"/plans/{plan.public_id}/timeline/"), (coord, f"/violations/{violation.public_id}/"),
        (coord, f"/bookings/{surgery.public_id}/move/"),
        (coord, f"/bookings/{surgery.public_id}/cancel/"),
        (coord, f"/meetings/{world.meeting_b.public_id}/add/"),
    ]


@pytest.mark.django_db
def test_every_form_control_has_a_label_and_headings_are_in_order(pages):
    problems = {}
    for client, url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        page = _parse(response.content.decode())
        found = _unlabelled(page) + _heading_problems(page.headings)
        if found:
            problems[url] = found
    assert problems == {}


def _css_vars(css: str) -> dict[str, str]:
    root = re.search(r":root\s*{([^}]*)}", css)
    assert root is not None
    return dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})", root.group(1)))


def _luminance(hex_colour: str) -> float:
    channels = [int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(foreground: str, background: str) -> float:
    light, dark = sorted((_luminance(foreground), _luminance(background)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def _badge_colours() -> dict[str, tuple[str, str]]:
    css = CSS.read_text(encoding="utf-8")
    variables = _css_vars(css)

    def resolve(value: str) -> str:
        value = value.strip()
        match = re.fullmatch(r"var\(--([\w-]+)\)", value)
        return variables[match.group(1)] if match else value

    out: dict[str, tuple[str, str]] = {}
    for selectors, body in re.findall(r"([^{}]*\.badge[^{}]*){([^}]*)}", css):
        fg = re.search(r"(?<![-\w])color:\s*([^;]+);", body)
        bg = re.search(r"background:\s*([^;]+);", body)
        for selector in selectors.split(","):
            out[selector.strip()] = (resolve(fg.group(1)) if fg else variables["fg"],
                                     resolve(bg.group(1)) if bg else "#fff")
    return out


def test_the_contrast_helper_matches_known_values():
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert round(contrast("#767676", "#ffffff"), 1) == 4.5


def test_every_badge_meets_aa_contrast():
    colours = _badge_colours()
    assert ".badge.hard" in colours
    assert ".badge.soft" in colours
    failing = {selector: round(contrast(fg, bg if len(bg) == 7 else "#ffffff"), 2)
               for selector, (fg, bg) in colours.items()
               if contrast(fg, bg if len(bg) == 7 else "#ffffff") < 4.5}
    assert failing == {}


def test_the_focus_ring_is_visible_on_white():
    css = CSS.read_text(encoding="utf-8")
    rule = re.search(r"button:focus-visible[^{]*{([^}]*)}", css)
    assert rule is not None
    colour = re.search(r"outline:\s*\d+px solid (#[0-9a-fA-F]{6})", rule.group(1))
    assert colour is not None
    assert contrast(colour.group(1), "#ffffff") >= 3.0


@pytest.mark.django_db
def test_the_live_meeting_documents_its_keyboard_shortcuts(world):
    body = login(world.member_a).get(f"/meetings/{world.meeting_a.public_id}/live/").content
    text = body.decode()
    assert "Keyboard shortcuts" in text
    assert 'href="#decision-h"' in text
    assert "Previous case" in text
    assert "Next case" in text
