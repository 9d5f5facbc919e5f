"""Names that are data, in the active language: a board or a room may carry an Italian name
(``Board.name_it``, ``Resource.name_it``); a blank one means "the same as ``name``"."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language, gettext_noop


def localized_name(obj: Any, language: str | None = None) -> str:
    """``obj.name_it`` when the language is Italian and it is set, else ``obj.name``.

    Accepts a model, or a plain string (returned as it is) so templates can pass either."""
    if obj is None:
        return ""
    if isinstance(obj, str):
        return obj
    lang = (language or get_language() or "en").split("-")[0]
    if lang == "it":
        name_it = getattr(obj, "name_it", "") or ""
        if name_it:
            return str(name_it)
    return str(getattr(obj, "name", "") or obj)


# Day and month names as Django's date filter looks them up (django.utils.dates). Listed here so
# the project's catalog (locale/) carries them and can give them the site's usage: in Italian
# they are written in lower case ("martedì 8 dicembre 2026"), which Django's own Italian
# catalog capitalises.
DATE_NAMES = (
    gettext_noop("Monday"), gettext_noop("Tuesday"), gettext_noop("Wednesday"),
    gettext_noop("Thursday"), gettext_noop("Friday"), gettext_noop("Saturday"),
    gettext_noop("Sunday"),
    gettext_noop("Mon"), gettext_noop("Tue"), gettext_noop("Wed"), gettext_noop("Thu"),
    gettext_noop("Fri"), gettext_noop("Sat"), gettext_noop("Sun"),
    gettext_noop("January"), gettext_noop("February"), gettext_noop("March"),
    gettext_noop("April"), gettext_noop("May"), gettext_noop("June"), gettext_noop("July"),
    gettext_noop("August"), gettext_noop("September"), gettext_noop("October"),
    gettext_noop("November"), gettext_noop("December"),
)
