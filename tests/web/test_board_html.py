"""The booking board's lane items written in Python (scheduling.web.board_html) are the markup
of the template loop they replaced, kept here as the reference: every item kind and branch,
hostile text escaped, times in the board's zone, in English and Italian."""

from __future__ import annotations

import re
import uuid
from datetime import UTC, date, datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.template import engines
from django.utils import translation

from cases.selectors import PatientIdentity
from scheduling.web.board_html import lanes_html

REFERENCE = """{% load i18n tz %}{% timezone tz %}
      {% for item in lane.items %}
        {% if item.kind == "open" %}<div class="board-open r-{{ item.row }} h-{{ item.height }}" aria-hidden="true"></div>
        {% elif item.kind == "closure" %}<div class="board-closure r-{{ item.row }} h-{{ item.height }}">{% translate "Closed" %}: {{ item.text }}</div>
        {% elif item.kind == "proposed" %}<div class="board-proposed r-{{ item.row }} h-{{ item.height }}" data-proposed-slot="{{ item.data }}">{% translate "Proposed" %}: {{ item.start|time:"H:i" }}–{{ item.end|time:"H:i" }} · {{ item.text }}</div>
        {% elif item.kind == "booking" %}<div class="board-booking{% if item.own %} own{% endif %}{% if item.movable %} movable{% endif %} r-{{ item.row }} h-{{ item.height }}" data-booking="{{ item.booking.public_id }}"{% if item.movable %} draggable="true" aria-describedby="board-move-help" data-move-url="{{ item.move_url }}" data-version="{{ item.booking.version }}" data-procedure-label="{{ item.procedure }}"{% endif %}>{{ item.start|time:"H:i" }}–{{ item.end|time:"H:i" }} {% include "cases/_patient_identity.html" with identity=item.identity pseudonym=item.pseudonym %} · {{ item.procedure }}{% if item.people %} · <span class="board-people">{% for p in item.people %}<span data-person="{{ p.code }}" title="{{ p.kind }}"><span class="board-sr">{{ p.kind }}: </span>{{ p.name }}</span>{% if not forloop.last %} · {% endif %}{% endfor %}</span>{% endif %}{% if item.movable %} <a class="board-move-link" href="{{ item.move_url }}">{% translate "Move" %}</a> <button type="button" class="board-pick small" aria-pressed="false" hidden>{% translate "Move on the board" %}</button>{% endif %}</div>
        {% elif item.href %}<a class="slot slot-{{ item.status }} r-{{ item.row }} h-{{ item.height }}" href="{{ item.href }}" aria-label="{{ item.label }}" title="{{ item.label }}" data-slot="{{ item.data }}" data-move-day="{{ item.move.day }}" data-move-time="{{ item.move.time }}" data-move-resource="{{ item.move.resource }}"><span aria-hidden="true">{{ item.icon }} {{ item.start|time:"H:i" }}{% if item.rules %} {{ item.rules }}{% endif %}</span></a>
        {% else %}<span class="slot slot-{{ item.status }} r-{{ item.row }} h-{{ item.height }}" role="img" aria-disabled="true" aria-label="{{ item.label }}" title="{{ item.label }}" data-slot="{{ item.data }}" data-refused="{{ item.label }}"><span aria-hidden="true">{{ item.icon }} {{ item.start|time:"H:i" }} {{ item.rules }}</span></span>{% endif %}
      {% endfor %}
{% endtimezone %}"""

HOSTILE = "<b>\"O'Neil\" & co</b>"
START = datetime(2030, 3, 30, 23, 15, tzinfo=UTC)  # 00:15 the next day in Rome (CET)
END = datetime(2030, 3, 31, 1, 0, tzinfo=UTC)  # 03:00 CEST: the clocks went forward at 02:00


def _identity(**fields):
    return PatientIdentity(case_id="c", pseudonym=str(uuid.uuid4()), **fields)


def _booking(**fields):
    item = {"kind": "booking", "booking": SimpleNamespace(public_id=uuid.uuid4(), version=7),
            "pseudonym": "ab12cd34", "identity": None, "procedure": HOSTILE, "people": [],
            "own": False, "movable": False, "move_url": "", "start": START, "end": END,
            "row": 3, "height": 8}
    return {**item, **fields}


def _slot(**fields):
    item = {"kind": "slot", "status": "warn", "icon": "⚠", "status_text": "allowed",
            "rules": "R1, R4", "start": START, "href": "/plans/x/book/?a=1&b=<2>#check",
            "move": {"day": "2030-03-31", "time": "01:15", "resource": str(uuid.uuid4())},
            "label": HOSTILE, "data": "or-1|2030-03-31 01:15|warn", "row": 5, "height": 2}
    return {**item, **fields}


ITEMS = [
    {"kind": "open", "row": 1, "height": 52},
    {"kind": "closure", "text": HOSTILE, "row": 4, "height": 12},
    {"kind": "proposed", "text": HOSTILE, "start": START, "end": END, "data": "x|y&z",
     "row": 2, "height": 6},
    _booking(),
    _booking(own=True, movable=True, move_url="/bookings/1/move/?v=<1>",
             people=[{"code": "ir-1", "kind": "Operator", "name": HOSTILE},
                     {"code": "an'1", "kind": "Anaesthetist", "name": "Dr B"}],
             identity=_identity(hospital_number="H<1>", given_name="Ann'a",
                                family_name='O"Brien', birth_date=date(1950, 2, 3))),
    _booking(own=True, identity=_identity(given_name="Solo")),
    _booking(identity=_identity(hospital_number="77", birth_date=date(1999, 12, 31))),
    _slot(),
    _slot(rules=""),
    _slot(href="", status="refused", icon="✕"),
    _slot(href="", status="refused", icon="✕", rules=""),
]


def _squeeze(html: str) -> str:
    """Runs of white space as one space (what a browser renders; the include's newline)."""
    return re.sub(r"\s+", " ", html).strip()


@pytest.mark.parametrize("language", ["en", "it"])
def test_the_lane_markup_is_the_template_loops(language):
    zone = ZoneInfo("Europe/Rome")
    with translation.override(language):
        expected = engines["django"].from_string(REFERENCE).render(
            {"lane": {"items": ITEMS}, "tz": zone})
        lanes = [{"items": ITEMS}]
        lanes_html(lanes, zone=zone)
    assert _squeeze(str(lanes[0]["html"])) == _squeeze(expected)
    assert "<b>" not in lanes[0]["html"]
    assert "00:15–03:00" in lanes[0]["html"]
