"""The booking board's lane items as HTML, written in Python.

A week of eight rooms holds some 2,000 items (open hours, closures, bookings, judged starts);
through the template language each costs a dozen variable lookups, filters and an include, which
was two thirds of the page's time. This writes the same markup directly: every value escaped
(django.utils.html.escape, as the template's autoescape does), times in the board's zone, the
same translated texts. ``tests/web/test_board_html.py`` holds it to the template markup it
replaces (kept there as the reference), item kind by item kind.

The patient identity of a booking card is ``cases/_patient_identity.html`` written out the same
way (``identity_html``), for the same reason: one include per booking.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext


def _hm(value: datetime, zone: ZoneInfo) -> str:
    return value.astimezone(zone).strftime("%H:%M")


def identity_html(identity: Any, pseudonym: str, texts: dict[str, str]) -> str:
    """``cases/_patient_identity.html``: who the patient is, or the pseudonym."""
    if not identity:
        return f'<span class="mono">{escape(pseudonym)}</span>'
    parts = ['<span class="patient-identity">']
    if identity.hospital_number:
        parts.append(f'<span class="patient-number"><span class="visually-hidden">'
                     f'{texts["number"]}: </span>{escape(identity.hospital_number)}</span>')
    if identity.full_name:
        parts.append(f' <span class="patient-name">{escape(identity.full_name)}</span>')
    if identity.birth_date:
        born = texts["born"] % {"date": escape(identity.birth_date.strftime("%d/%m/%Y"))}
        parts.append(f' <span class="patient-dob">{born}</span>')
    parts.append(f' <span class="mono muted small" title="{texts["pseudonym"]}">'
                 f'{escape(identity.short_pseudonym)}</span></span>')
    return "".join(parts)


def _texts() -> dict[str, str]:
    """The translated texts of the items, once per page (escaped as the template would)."""
    return {"closed": escape(gettext("Closed")), "proposed": escape(gettext("Proposed")),
            "move": escape(gettext("Move")), "pick": escape(gettext("Move on the board")),
            "number": escape(gettext("Hospital number")),
            "pseudonym": escape(gettext("Pseudonym")),
            "born": gettext("born %(date)s")}


def _booking(item: dict[str, Any], place: str, zone: ZoneInfo, texts: dict[str, str]) -> str:
    booking = item["booking"]
    classes = "board-booking" + (" own" if item["own"] else "") + \
        (" movable" if item["movable"] else "")
    attrs = f' data-booking="{escape(booking.public_id)}"'
    if item["movable"]:
        attrs += (f' draggable="true" aria-describedby="board-move-help"'
                  f' data-move-url="{escape(item["move_url"])}"'
                  f' data-version="{escape(booking.version)}"'
                  f' data-procedure-label="{escape(item["procedure"])}"')
    body = (f'{_hm(item["start"], zone)}–{_hm(item["end"], zone)} '
            f'{identity_html(item["identity"], item["pseudonym"], texts)}'
            f' · {escape(item["procedure"])}')
    if item["people"]:
        body += ' · <span class="board-people">' + " · ".join(
            f'<span data-person="{escape(p["code"])}" title="{escape(p["kind"])}">'
            f'<span class="board-sr">{escape(p["kind"])}: </span>{escape(p["name"])}</span>'
            for p in item["people"]) + "</span>"
    if item["movable"]:
        body += (f' <a class="board-move-link" href="{escape(item["move_url"])}">'
                 f'{texts["move"]}</a> <button type="button" class="board-pick small"'
                 f' aria-pressed="false" hidden>{texts["pick"]}</button>')
    return f'<div class="{classes} {place}"{attrs}>{body}</div>'


def _slot(item: dict[str, Any], place: str, zone: ZoneInfo) -> str:
    label = escape(item["label"])
    start = _hm(item["start"], zone)
    status = escape(item["status"])
    if item.get("href"):
        move = item["move"]
        rules = f' {escape(item["rules"])}' if item["rules"] else ""
        return (f'<a class="slot slot-{status} {place}" href="{escape(item["href"])}"'
                f' aria-label="{label}" title="{label}" data-slot="{escape(item["data"])}"'
                f' data-move-day="{escape(move["day"])}" data-move-time="{escape(move["time"])}"'
                f' data-move-resource="{escape(move["resource"])}"><span aria-hidden="true">'
                f'{escape(item["icon"])} {start}{rules}</span></a>')
    return (f'<span class="slot slot-{status} {place}" role="img" aria-disabled="true"'
            f' aria-label="{label}" title="{label}" data-slot="{escape(item["data"])}"'
            f' data-refused="{label}"><span aria-hidden="true">{escape(item["icon"])} {start}'
            f' {escape(item["rules"])}</span></span>')


def item_html(item: dict[str, Any], zone: ZoneInfo, texts: dict[str, str]) -> str:
    place = f'r-{item["row"]} h-{item["height"]}'
    kind = item["kind"]
    if kind == "open":
        return f'<div class="board-open {place}" aria-hidden="true"></div>'
    if kind == "closure":
        return f'<div class="board-closure {place}">{texts["closed"]}: {escape(item["text"])}</div>'
    if kind == "proposed":
        return (f'<div class="board-proposed {place}" data-proposed-slot="{escape(item["data"])}">'
                f'{texts["proposed"]}: {_hm(item["start"], zone)}–{_hm(item["end"], zone)}'
                f' · {escape(item["text"])}</div>')
    if kind == "booking":
        return _booking(item, place, zone, texts)
    return _slot(item, place, zone)


def lanes_html(lanes: Iterable[dict[str, Any]], *, zone: ZoneInfo) -> None:
    """Give each lane its items' markup as ``html`` (safe: every value above is escaped)."""
    texts = _texts()
    for lane in lanes:
        lane["html"] = mark_safe("\n".join(  # noqa: S308 - built from escaped values only
            item_html(item, zone, texts) for item in lane["items"]))

