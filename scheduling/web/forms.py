"""Forms of the coordinator pages: acknowledge a violation, move or cancel a booking.

They only parse what was typed into the shapes scheduling.services takes. Whether a move
breaks a timing rule, whether the room is free and whether the version is still current are
the services' checks (never restated here).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.utils.translation import gettext_lazy as _

from scheduling.models import Resource


class ViolationAcknowledgeForm(forms.Form):
    """Why the plan may keep a soft timing-rule violation (kept with the violation)."""

    reason = forms.CharField(
        label=_("Reason for accepting this violation"), max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Recorded with your name; shown to everyone who reviews the plan."),
    )


class BookingMoveForm(forms.Form):
    """A new start (date and time in the room's time zone), optionally another room."""

    day = forms.DateField(label=_("New date"), widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(label=_("New start time"),
                           widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    resource = forms.ChoiceField(label=_("Room"))
    override_reason = forms.CharField(
        label=_("Reason, if outside opening hours"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, resources: list[Resource], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.resources = {str(r.public_id): r for r in resources}
        self.fields["resource"].choices = [(str(r.public_id), r.name) for r in resources]

    def chosen_resource(self) -> Resource:
        return self.resources[self.cleaned_data["resource"]]

    def start(self) -> datetime:
        """The new start, aware, in the chosen room's time zone."""
        zone = ZoneInfo(self.chosen_resource().timezone or "Europe/Rome")
        return datetime.combine(self.cleaned_data["day"], self.cleaned_data["time"], tzinfo=zone)


class BookingCancelForm(forms.Form):
    """Why the booking is cancelled (kept on the booking and in its history)."""

    reason = forms.CharField(label=_("Reason for cancelling"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput)
