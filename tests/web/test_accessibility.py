"""Accessibility checks over the main pages: every form control has a label, headings are in
order, every id a page refers to (aria-describedby, aria-labelledby, aria-controls, label for)
exists and no id is used twice, in the forms' error states too; a field in error is marked
aria-invalid and described by its error list; badges meet WCAG AA contrast (4.5:1) and the live
meeting documents its keys."""

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
        self.ids: list[str] = []
        self.references: list[tuple[str, str, str]] = []  # (tag, attribute, id)
        self._label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {k: v or "" for k, v in attrs}
        if attributes.get("id"):
            self.ids.append(attributes["id"])
        for name in ("aria-describedby", "aria-labelledby", "aria-controls"):
            for ref in attributes.get(name, "").split():
                self.references.append((tag, name, ref))
        if tag == "label" and attributes.get("for"):
            self.references.append((tag, "for", attributes["for"]))
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


def _reference_problems(page: _Page) -> list[str]:
    """References to ids that are not on the page, and ids used more than once."""
    known = set(page.ids)
    dangling = [f"{tag}[{name}] -> #{ref} missing" for tag, name, ref in page.references
                if ref not in known]
    twice = sorted({f"#{i} used {page.ids.count(i)} times" for i in page.ids
                    if page.ids.count(i) > 1})
    return dangling + twice


def _invalid_problems(page: _Page) -> list[str]:
    """Controls in error must say so (aria-invalid) and point at an error list that exists."""
    known = set(page.ids)
    problems = []
    for control in page.controls:
        if control.get("aria-invalid") != "true":
            continue
        described = control.get("aria-describedby", "").split()
        if not any(ref in known and ref.endswith("-errors") for ref in described):
            problems.append(f"{control.get('name')} is invalid but not described by its errors")
    return problems


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


@pytest.fixture
def error_states(pages, world, coordinator, plan_ready):
    """(client, url, data) of every form page posted with missing or wrong data."""
    plan = plan_ready[0]
    violation = Violation.objects.get(plan=plan, rule_id="R1")
    surgery = plan.procedures.get(sequence=2).bookings.get()
    coord = login(coordinator)
    return [
        (coord, "/cases/new/", {}),
        (coord, f"/violations/{violation.public_id}/", {"reason": ""}),
        (coord, f"/bookings/{surgery.public_id}/move/", {"day": "not a date", "time": "",
                                                          "version": surgery.version}),
        (coord, f"/bookings/{surgery.public_id}/cancel/", {"reason": "",
                                                            "version": surgery.version}),
        (coord, f"/meetings/{world.meeting_b.public_id}/add/", {"case": ""}),
    ]


@pytest.mark.django_db
def test_every_id_a_page_refers_to_exists_and_no_id_is_used_twice(pages):
    problems = {}
    for client, url in pages:
        found = _reference_problems(_parse(client.get(url).content.decode()))
        if found:
            problems[url] = found
    assert problems == {}


@pytest.mark.django_db
def test_a_member_following_the_room_gets_ids_distinct_from_the_page(pages, world):
    """Live mode for a member embeds the room screen ("Follow the room"): the embedded copy of
    the current case must not repeat the page's own ids, and its references resolve."""
    m = world.meeting_a.public_id
    login(world.chair_a).get(f"/meetings/{m}/live/")  # the chair opens the first case
    member = login(world.member_a)
    live = _parse(member.get(f"/meetings/{m}/live/").content.decode())
    fragment = member.get(f"/meetings/{m}/present/fragment/?mode=follow")
    assert fragment.status_code == 200
    embedded = _parse(fragment.content.decode())
    assert "follow-room-case-h" in embedded.ids
    combined = _Page()
    combined.ids = live.ids + embedded.ids
    combined.references = live.references + embedded.references
    assert _reference_problems(combined) == []


@pytest.mark.django_db
def test_forms_in_error_refer_only_to_ids_that_exist(error_states):
    problems = {}
    for client, url, data in error_states:
        response = client.post(url, data)
        assert response.status_code in (200, 400, 409, 412), (url, response.status_code)
        page = _parse(response.content.decode())
        found = _reference_problems(page) + _unlabelled(page)
        if found:
            problems[url] = found
    assert problems == {}


@pytest.mark.django_db
def test_a_field_in_error_is_marked_invalid_and_described_by_its_error_list(error_states):
    problems = {}
    for client, url, data in error_states:
        page = _parse(client.post(url, data).content.decode())
        if not any(c.get("aria-invalid") == "true" for c in page.controls):
            problems[url] = ["no control is marked aria-invalid"]
        elif _invalid_problems(page):
            problems[url] = _invalid_problems(page)
    assert problems == {}


@pytest.mark.django_db
def test_the_sign_in_page_in_error_refers_only_to_ids_that_exist(db):
    from django.test import Client

    response = Client().post("/accounts/login/", {"username": "x", "password": "y"})
    assert _reference_problems(_parse(response.content.decode())) == []


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
