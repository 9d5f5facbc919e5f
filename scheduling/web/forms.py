"""Forms of the coordinator pages: acknowledge a violation, move or cancel a booking.

They only parse what was typed into the shapes scheduling.services takes. Whether a move
breaks a timing rule, whether the room is free and whether the version is still current are
the services' checks (never restated here).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.dates import (
    RULE_AMBIGUOUS,
    DateLimitError,
    LocalTimeError,
    check_date,
    check_instant,
    describe_offset,
    local_to_aware,
)
from core.timezones import zone_info
from scheduling.models import Resource

OCCURRENCES = {"first": 0, "second": 1}


def local_time_message(exc: LocalTimeError) -> str:
    """The page's wording for a local time DST makes missing or ambiguous (core.dates)."""
    first, second = exc.options
    values = {"time": f"{exc.local:%H:%M}", "day": f"{exc.local:%Y-%m-%d}",
              "zone": exc.zone.key, "first": describe_offset(first),
              "second": describe_offset(second)}
    if exc.rule == RULE_AMBIGUOUS:
        return gettext(
            "%(time)s on %(day)s happens twice in %(zone)s (the clocks go back): choose the "
            "first occurrence (%(first)s) or the second (%(second)s), or another time."
        ) % values
    return gettext(
        "%(time)s on %(day)s does not exist in %(zone)s: the clocks go forward at that hour "
        "(%(first)s → %(second)s). Choose another time."
    ) % values


def occurrence_choices(exc: LocalTimeError | None = None) -> list[tuple[str, str]]:
    """The two occurrences of an ambiguous local time, labelled with their offsets."""
    if exc is None:
        return [("first", gettext("First occurrence")), ("second", gettext("Second occurrence"))]
    first, second = exc.options
    return [
        ("first", gettext("First occurrence: %(time)s %(offset)s")
         % {"time": f"{first:%H:%M}", "offset": describe_offset(first)}),
        ("second", gettext("Second occurrence: %(time)s %(offset)s")
         % {"time": f"{second:%H:%M}", "offset": describe_offset(second)}),
    ]


class ViolationAcknowledgeForm(forms.Form):
    """Why the plan may keep a soft timing-rule violation (kept with the violation)."""

    reason = forms.CharField(
        label=_("Reason for accepting this violation"), max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded with your name; shown to everyone who reviews the plan."),
    )


class BookingMoveForm(forms.Form):
    """A new start (date and time in the room's time zone), optionally another room.

    The local time is never shifted: one that does not exist in the room's zone (the
    spring-forward gap) is an error on ``time``; one that happens twice (the fall-back
    overlap) is an error until ``occurrence`` says which (core.dates.local_to_aware). A date
    outside the service's window is an error on ``day``.
    """

    day = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("New start time"),
                           widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    occurrence = forms.ChoiceField(
        label=_("This time happens twice that day: which one?"), required=False,
        choices=[("first", _("First occurrence")), ("second", _("Second occurrence"))],
        widget=forms.RadioSelect)
    resource = forms.ChoiceField(label=_("Room"))
    override_reason = forms.CharField(
        label=_("Reason, if outside opening hours"), max_length=300, required=False)
    retrospective_reason = forms.CharField(
        label=_("Reason, if the new time is in the past (recording work already done)"),
        max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, resources: list[Resource], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resources = {str(r.public_id): r for r in resources}
        self.fields["resource"].choices = [(str(r.public_id), r.name) for r in resources]
        self.ambiguous = False

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        day, at, key = cleaned.get("day"), cleaned.get("time"), cleaned.get("resource")
        if day is None or at is None or key not in self.resources:
            return cleaned
        zone = zone_info(self.resources[key].timezone)
        try:
            start = local_to_aware(day, at, zone,
                                   fold=OCCURRENCES.get(cleaned.get("occurrence") or ""))
        except LocalTimeError as exc:
            if exc.rule == RULE_AMBIGUOUS:
                self.ambiguous = True
                self.fields["occurrence"].choices = occurrence_choices(exc)
            self.add_error("time", local_time_message(exc))
            return cleaned
        try:
            check_instant(start)
        except DateLimitError as exc:
            self.add_error("day", exc.message)
            return cleaned
        cleaned["start"] = start
        return cleaned

    def chosen_resource(self) -> Resource:
        return self.resources[self.cleaned_data["resource"]]

    def start(self) -> datetime:
        """The new start, aware, in the chosen room's time zone (checked by ``clean``)."""
        start: datetime = self.cleaned_data["start"]
        return start


class BookingCancelForm(forms.Form):
    """Why the booking is cancelled (kept on the booking and in its history)."""

    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)


class ClosureForm(forms.Form):
    """A closure of a room, an absence of a person, or an extra session: from a local date and
    time to another, in the resource's time zone. No start time is the start of the day; no end
    time is the end of the last day, so "from the 8th to the 9th" closes both days. A time that
    happens twice (the fall-back overlap) is taken to cover the whole ambiguous hour; one that
    does not exist (the spring-forward gap) is an error on its field."""

    kind = forms.ChoiceField(label=_("What"), choices=[
        ("closure", _("Closed or away")), ("maintenance", _("Maintenance")),
        ("extra_session", _("Extra session (open outside the usual hours)"))])
    start_day = forms.DateField(label=_("From"),
                                widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(label=_("From time (blank: the start of the day)"),
                                 required=False,
                                 widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    end_day = forms.DateField(label=_("Until"), widget=forms.DateInput(attrs={"type": "date"}))
    end_time = forms.TimeField(label=_("Until time (blank: the end of that day)"),
                               required=False,
                               widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    reason = forms.CharField(label=_("Reason"), max_length=200, required=False,
                             help_text=_("Required for a closure or maintenance; coordinators "
                                         "and the audit trail read it."))

    # The service's field names, on this form's fields.
    ALIASES = {"start": "start_day", "end": "end_day"}

    def __init__(self, *args: Any, zone: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.zone = zone_info(zone)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for side, fold, default_time, next_day in (("start", 0, time.min, False),
                                                   ("end", 1, time.min, True)):
            day, at = cleaned.get(f"{side}_day"), cleaned.get(f"{side}_time")
            if day is None:
                continue
            try:
                check_date(day)  # first: year 1 or 9999 would overflow the arithmetic below
                if at is None and next_day:
                    day = day + timedelta(days=1)
                moment = local_to_aware(day, at or default_time, self.zone, fold=fold)
                check_instant(moment)
            except LocalTimeError as exc:
                self.add_error(f"{side}_time", local_time_message(exc))
                continue
            except DateLimitError as exc:
                self.add_error(f"{side}_day", exc.message)
                continue
            cleaned[side] = moment
        return cleaned
