"""Forms of the MDT pages: attendance at the door and the decision form.

The decision form only parses what was typed into the shape boardsvc.services.decision_record /
decision_amend take; whether the plan departs from the suggestions, whether an override reason is
needed and whether the version is current are the services' checks (never restated here).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from boardsvc.models import Specialty
from cases.domain.codes import ProcedureType
from cases.domain.purposes import allowed_purposes, legacy_purpose
from cases.web.labels import choices

SEP = "|"


def suggestion_token(*, lesion: str, procedure_type: str, intent: str, purpose: str,
                     key: str = "", prepares: str = "") -> str:
    """The checkbox value for one suggested procedure:
    lesion|type|intent|purpose|key|prepares (``key`` names the suggestion on its lesion,
    ``prepares`` the key of the suggestion it prepares: issue 11, item 2)."""
    return SEP.join([lesion, procedure_type, intent, purpose, key, prepares])


def parse_token(token: str) -> dict[str, Any] | None:
    """The procedure dict the service takes, or None for a malformed token. The link to the
    prepared procedure is kept as ``_key``/``_prepares`` until ``link_prepared`` resolves it
    to an index in the plan."""
    parts = token.split(SEP)
    if len(parts) == 4:  # a form rendered before links existed
        parts += ["", ""]
    if len(parts) != 6 or parts[1] not in {p.value for p in ProcedureType}:
        return None
    lesion, procedure_type, intent, purpose, key, prepares = parts
    item: dict[str, Any] = {"procedure_type": procedure_type, "intent": intent or "palliative"}
    if lesion:
        item["target_lesion"] = lesion
    purpose = legacy_purpose(purpose)
    if purpose:
        item["purpose"] = purpose
    if key:
        item["_key"] = key
    if prepares:
        item["_prepares"] = prepares
    return item


def link_prepared(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Resolve each item's ``_prepares`` (a suggestion key on the same lesion) to
    ``prepares_index`` when that suggestion is in the plan too; drop the helper keys. A
    preparation whose target was left out stays unlinked (the timing rules then scope it by
    lesion; the plan adherence check says whether that departs)."""
    out = []
    for item in items:
        row = {k: v for k, v in item.items() if not k.startswith("_")}
        wanted = item.get("_prepares")
        if wanted:
            for index, other in enumerate(items):
                if other is not item and other.get("_key") == wanted and other.get(
                        "target_lesion") == item.get("target_lesion"):
                    row["prepares_index"] = index
                    break
        out.append(row)
    return out


class AttendanceForm(forms.Form):
    """Arrive or leave; ``specialty`` only for a stand-in covering another specialty."""

    username = forms.CharField(max_length=150)
    action = forms.ChoiceField(choices=[("arrive", "arrive"), ("leave", "leave")])
    specialty = forms.ChoiceField(required=False, choices=[("", "—"), *Specialty.choices])


class DecisionForm(forms.Form):
    """The decision on the current case: outcome, plan, override reason (when departing)."""

    outcome_text = forms.CharField(label=_("Outcome"), widget=forms.Textarea(attrs={"rows": 3}),
                                   required=False)
    procedure = forms.MultipleChoiceField(label=_("Plan: suggested procedures"), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    extra_procedure_type = forms.ChoiceField(label=_("Add a procedure not suggested"),
                                             required=False)
    extra_lesion = forms.ChoiceField(label=_("Target lesion"), required=False)
    extra_intent = forms.ChoiceField(label=_("Intent"), required=False)
    extra_purpose = forms.ChoiceField(label=_("Purpose"), required=False)
    override_reason = forms.CharField(
        label=_("Override reason (required when the plan departs from the suggestions)"),
        widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    amend_reason = forms.CharField(label=_("Reason for the amendment"), required=False,
                                   max_length=300)

    def __init__(self, *args: Any, suggestions: list[tuple[str, str]],
                 lesions: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["procedure"].choices = suggestions
        self.fields["extra_procedure_type"].choices = choices("ProcedureType", blank="—")
        self.fields["extra_lesion"].choices = [("", "—"), *lesions]
        self.fields["extra_intent"].choices = choices("Intent")
        self.fields["extra_purpose"].choices = choices("ProcedurePurpose", blank="—")

    def procedures(self) -> list[dict[str, Any]]:
        """The plan in order: ticked suggestions, then the added procedure (if any)."""
        out: list[dict[str, Any]] = []
        for token in self.cleaned_data.get("procedure") or []:
            item = parse_token(token)
            if item is not None:
                out.append(item)
        out = link_prepared(out)
        extra = self.cleaned_data.get("extra_procedure_type")
        if extra:
            item = {"procedure_type": extra,
                    "intent": self.cleaned_data.get("extra_intent") or "palliative"}
            if self.cleaned_data.get("extra_lesion"):
                item["target_lesion"] = self.cleaned_data["extra_lesion"]
            if self.cleaned_data.get("extra_purpose") and allowed_purposes(extra):
                item["purpose"] = self.cleaned_data["extra_purpose"]
            out.append(item)
        return out


class LateAdditionForm(forms.Form):
    """A case added to a meeting by hand, with the reason R13 asks for after the cut-off."""

    case = forms.ChoiceField(label=_("Case"))
    reason = forms.CharField(
        label=_("Reason (required after the cut-off: why this case cannot wait)"),
        max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, cases: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["case"].choices = [("", "—"), *cases]


class ReorderForm(forms.Form):
    """Move one agenda item a place up or down."""

    item = forms.UUIDField()
    direction = forms.ChoiceField(choices=[("up", "up"), ("down", "down")])
