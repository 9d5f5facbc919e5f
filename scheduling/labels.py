"""Timing-rule messages in the reader's language, for pages and notifications.

The rules engine (scheduling/domain/) stays pure Python and writes plain-English sentences: they
are stored on ``Violation.message``, sent over the API and written in the audit trail. A page
renders them again here, sentence shape by sentence shape, with every fragment a gettext message
(so makemessages and the translators see them): procedure names through the coded vocabulary
(cases.labels.code_label), durations with plural forms, dates with Django's date format in
the active language, and the default rationale of each rule (scheduling/domain/catalogue.py).
A shape or a rationale this module does not know (a site's own wording) stays in English, so a
missing translation never hides a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from django.utils import formats
from django.utils.translation import get_language, gettext_lazy, gettext_noop, ngettext, override
from django.utils.translation import gettext as _

from cases.labels import code_label

# The default rationales of the timing rules (scheduling/domain/catalogue.py), by English text.
RATIONALES: tuple[str, ...] = (
    gettext_noop("Surgery should follow pre-operative embolization on the same day or the next "
                 "day: blood loss is lowest within 24 hours of complete embolization, and beyond "
                 "48 hours the effect is lost to revascularization."),
    gettext_noop("Surgery more than 72 hours after pre-operative embolization is refused: the "
                 "embolized vessels revascularize, so a repeat angiography would be needed."),
    gettext_noop("A pre-operative embolization must be finished before the surgery it prepares "
                 "starts."),
    gettext_noop("Thermal ablation should follow embolization as soon as possible, ideally in the "
                 "same session, to minimise the heat-sink effect; warn beyond 24 hours."),
    gettext_noop("The radiotherapy course must end before embolization of the same lesion: the "
                 "hypoxia that embolization causes makes tumour cells radioresistant."),
    gettext_noop("More than 28 days between the end of radiotherapy and embolization: re-discuss "
                 "the plan at the MDT."),
    gettext_noop("Thermal ablation and cementoplasty of the same lesion belong in the same "
                 "session, ablation first, then cement."),
    gettext_noop("Vertebroplasty and radiotherapy of the same level should be within 14 days of "
                 "each other (either order): cement relieves pain quickly while RT takes weeks."),
    gettext_noop("A repeat palliative embolization of the same lesion should wait at least one "
                 "month after the previous one."),
    gettext_noop("Follow-up CT after embolization at 3, 6 and 12 months (± 2 weeks) to see "
                 "necrosis, size change and remineralisation."),
    gettext_noop("A palliative radiotherapy course is given as 1, 5, 6 or 10 fractions (SBRT: 2) "
                 "on consecutive working days, one fraction a day."),
    gettext_noop("Re-irradiation of a painful bone metastasis should not start earlier than one "
                 "month after the previous course."),
    gettext_noop("Suspected metastatic spinal cord compression is an oncological emergency: the "
                 "whole-spine MRI is done as soon as possible and within 24 hours of the "
                 "suspicion."),
    gettext_noop("MSCC not for surgery: radiotherapy starts within 24 hours of the decision to "
                 "treat, to preserve neurological function."),
    gettext_noop("Suspected spinal metastases without neurological signs: MRI within one week."),
)

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WHEN = re.compile(r"\b(?:" + "|".join(_WEEKDAYS) + r") (\d{2}) (" + "|".join(_MONTHS)
                   + r") (\d{4}) (\d{2}):(\d{2})\b")
_ISO_DAY = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_DURATION = re.compile(r"\b(\d+) (week|day|hour|minute)s?\b")
_PROC = r"[A-Za-z][a-z_ -]*?"
_SPAN = r"\d+ (?:weeks?|days?|hours?|minutes?)(?: \d+ (?:days?|hours?|minutes?))*"


def _duration(text: str) -> str:
    def one(match: re.Match[str]) -> str:
        n, unit = int(match.group(1)), match.group(2)
        forms = {
            "week": ngettext("%(n)d week", "%(n)d weeks", n),
            "day": ngettext("%(n)d day", "%(n)d days", n),
            "hour": ngettext("%(n)d hour", "%(n)d hours", n),
            "minute": ngettext("%(n)d minute", "%(n)d minutes", n),
        }
        return forms[unit] % {"n": n}

    return _DURATION.sub(one, text)


def _procedure(english: str) -> str:
    """A procedure named by the engine ('follow up ct', 'Embolization') in the active language."""
    code = english.strip().lower().replace(" ", "_").replace("-", "_")
    label = code_label("ProcedureType", code)
    return label if label != code else english


def _procedures(english: str) -> str:
    return _(" or ").join(_procedure(p) for p in english.split(" or "))


def _dates(text: str) -> str:
    def when(match: re.Match[str]) -> str:
        day, month, year, hour, minute = match.groups()
        day_of = date(int(year), _MONTHS.index(month) + 1, int(day))
        return f"{formats.date_format(day_of, 'D j M Y')} {hour}:{minute}"

    def iso(match: re.Match[str]) -> str:
        return formats.date_format(date(*(int(g) for g in match.groups())), "D j M Y")

    return _ISO_DAY.sub(iso, _WHEN.sub(when, text))


_VERB = {"start": gettext_lazy("starts"), "end": gettext_lazy("ends")}
_DIRECTION = {"after": gettext_lazy("after"), "before": gettext_lazy("before")}
_ANCHOR = {"start": gettext_lazy("the start"), "end": gettext_lazy("the end")}
_EVENTS = {"the suspicion": gettext_lazy("the suspicion"),
           "the decision to treat": gettext_lazy("the decision to treat")}


def _lag(m: re.Match[str]) -> str:
    what = _("%(b)s %(verb)s %(lag)s %(direction)s %(anchor)s of %(a)s") % {
        "b": _procedure(m["b"]), "verb": _VERB[m["verb"]], "lag": _duration(m["lag"]),
        "direction": _DIRECTION[m["dir"]], "anchor": _ANCHOR[m["anchor"]],
        "a": _procedure(m["a"]).lower()}
    off = _duration(m["off"])
    if m["min"]:
        bound = _("the minimum is %(d)s (%(off)s too early).") % {"d": _duration(m["min"]),
                                                                  "off": off}
    elif m["max"]:
        bound = _("the maximum is %(d)s (%(off)s too late).") % {"d": _duration(m["max"]),
                                                                 "off": off}
    else:
        bound = _("it must not be before it (%(off)s too early).") % {"off": off}
    return f"{what}; {bound}"


def _follow_up(m: re.Match[str]) -> str:
    return _("%(b)s is %(off)s outside the %(n)s-month window (± %(tol)s) after %(a)s.") % {
        "b": _procedure(m["b"]), "off": _duration(m["off"]), "n": m["n"],
        "tol": _duration(m["tol"]), "a": _procedure(m["a"]).lower()}


def _clock(m: re.Match[str]) -> str:
    what = _("%(b)s %(verb)s %(lag)s %(direction)s %(event)s (recorded %(when)s)") % {
        "b": _procedure(m["b"]), "verb": _VERB[m["verb"]], "lag": _duration(m["lag"]),
        "direction": _DIRECTION[m["dir"]], "event": _EVENTS.get(m["event"], m["event"]),
        "when": m["when"]}
    if m["due"]:
        rest = _("the deadline is %(due)s, %(d)s after it (%(off)s too late)") % {
            "due": m["due"], "d": _duration(m["d"]), "off": _duration(m["off"])}
    else:
        rest = _("it must not be before %(earliest)s") % {"earliest": m["earliest"]}
    return f"{what}; {rest}"


def _deadline(m: re.Match[str]) -> str:
    return _("%(what)s must %(verb)s by %(due)s (%(d)s after %(event)s, recorded %(when)s)") % {
        "what": _procedures(m["what"]), "verb": {"start": _("start"), "end": _("end")}[m["verb"]],
        "due": m["due"], "d": _duration(m["d"]), "event": _EVENTS.get(m["event"], m["event"]),
        "when": m["when"]}


def _course(m: re.Match[str]) -> str:
    problems = []
    for problem in m["problems"].split("; "):
        problems.append(_course_problem(problem))
    return _("radiotherapy course has %(problems)s.") % {"problems": "; ".join(problems)}


_COURSE_PROBLEMS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(r"^two fractions on (?P<day>\S+)$"),
     lambda m: _("two fractions on %(day)s") % {"day": m["day"]}),
    (re.compile(r"^a fraction on (?P<day>\S+) instead of the next working day (?P<next>\S+)$"),
     lambda m: _("a fraction on %(day)s instead of the next working day %(next)s")
     % {"day": m["day"], "next": m["next"]}),
    (re.compile(r"^(?P<n>\d+) fractions booked for a course planned as (?P<m>\d+)$"),
     lambda m: _("%(n)s fractions booked for a course planned as %(m)s")
     % {"n": m["n"], "m": m["m"]}),
)


def _course_problem(problem: str) -> str:
    for pattern, render in _COURSE_PROBLEMS:
        match = pattern.match(problem)
        if match:
            return render(match)
    return problem


_WHEN_TEXT = r"[^()]+?"
_SHAPES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (re.compile(rf"(?P<b>{_PROC}) (?P<verb>start|end)s (?P<lag>{_SPAN}) (?P<dir>after|before) "
                rf"the (?P<anchor>start|end) of (?P<a>{_PROC}); (?:the minimum is "
                rf"(?P<min>{_SPAN})|the maximum is (?P<max>{_SPAN})|it must not be before it) "
                rf"\((?P<off>{_SPAN}) too (?:early|late)\)\."), _lag),
    (re.compile(rf"(?P<b>{_PROC}) is (?P<off>{_SPAN}) outside the (?P<n>\d+)-month window "
                rf"\(± (?P<tol>{_SPAN})\) after (?P<a>{_PROC})\."), _follow_up),
    (re.compile(rf"(?P<b>{_PROC}) (?P<verb>start|end)s (?P<lag>{_SPAN}) (?P<dir>after|before) "
                rf"(?P<event>the suspicion|the decision to treat) \(recorded (?P<when>{_WHEN_TEXT})"
                rf"\); (?:the deadline is (?P<due>{_WHEN_TEXT}), (?P<d>{_SPAN}) after it "
                rf"\((?P<off>{_SPAN}) too late\)|it must not be before (?P<earliest>[^.]+?))"
                rf"(?=\.)"), _clock),
    (re.compile(rf"(?P<what>{_PROC}(?: or {_PROC})*) must (?P<verb>start|end) by "
                rf"(?P<due>{_WHEN_TEXT}) \((?P<d>{_SPAN}) after "
                rf"(?P<event>the suspicion|the decision to treat), recorded "
                rf"(?P<when>{_WHEN_TEXT})\)"), _deadline),
    (re.compile(r"radiotherapy course has (?P<problems>.+?)\.(?= |$)"), _course),
)
_HEADER = re.compile(r"^(?P<rule>R\d+) \((?P<severity>hard|soft)\): ")


def rule_text(message: str, language: str | None = None) -> str:
    """``message`` (an engine's English sentence) in the active language; unchanged in English
    and for any wording this module does not know."""
    if not message:
        return ""
    lang = (language or get_language() or "en").split("-")[0]
    if lang == "en":
        return message
    with override(lang):
        return _rendered(message)


def _rendered(message: str) -> str:
    text = message
    for english in RATIONALES:
        if english in text:
            text = text.replace(english, _(english))
    for pattern, render in _SHAPES:
        text = pattern.sub(render, text, count=1)
    text = _HEADER.sub(lambda m: "{} ({}): ".format(
        m["rule"], _("hard") if m["severity"] == "hard" else _("soft")), text)
    return _dates(text)


# The people booked with a room (issue 13), in the reader's language.
STAFF_KIND_LABELS = {
    "interventional_radiologist": gettext_lazy("Interventional radiologist"),
    "surgeon": gettext_lazy("Surgeon"),
    "anaesthetist": gettext_lazy("Anaesthesia team"),
}


def staff_kind_label(kind: str) -> str:
    """The translated name of a kind of person (the code itself for an unknown kind)."""
    return str(STAFF_KIND_LABELS.get(kind, kind.replace("_", " ")))
