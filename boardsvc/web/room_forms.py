"""The meeting room's small forms: an apology (with an optional stand-in), a self check-in and
a member's opinion on a listed case. The rules are the services'; these only parse."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from boardsvc.models import Opinion

ARRIVE_OR_LEAVE = [("arrive", _("arrive")), ("leave", _("leave"))]


class CheckInForm(forms.Form):
    """A member marks themself present (arrive) or gone (leave)."""

    action = forms.ChoiceField(choices=ARRIVE_OR_LEAVE)


class ApologyForm(forms.Form):
    """Apologies for ``username`` (the sender when blank), or their withdrawal."""

    action = forms.ChoiceField(choices=[("record", _("record")), ("withdraw", _("withdraw"))])
    username = forms.CharField(max_length=150, required=False)
    reason = forms.CharField(label=_("Reason"), max_length=300, required=False)
    stand_in = forms.CharField(label=_("Stand-in (username)"), max_length=150, required=False)


class OpinionForm(forms.Form):
    """A member's opinion or comment on one case (saving again replaces it)."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Opinion.Kind.choices,
                             initial=Opinion.Kind.OPINION)
    text = forms.CharField(label=_("Your opinion or comment"), max_length=4000,
                           widget=forms.Textarea(attrs={"rows": 2}))
