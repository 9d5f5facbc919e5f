"""Forms of the MDT pages: attendance at the door and the decision form.

The decision form only parses what was typed into the shape boardsvc.services.decision_record /
decision_amend take; whether the plan departs from the suggestions, whether an override reason is
needed and whether the version is current are the services' checks (never restated here).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from boardsvc.domain.outcome import OUTCOME_FIELDS
from boardsvc.models import OutcomeCategoryChoice, Specialty
from cases.domain.codes import ProcedureType
from cases.domain.purposes import allowed_purposes, legacy_purpose
from cases.labels import choices

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
    item: dict[str, Any] = {"procedure_type": procedure_type}
    if intent:  # the suggestion's own intent; none is never invented (the service asks)
        item["intent"] = intent
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


# A lesion's radio value for "none of these" (the chair's explicit choice, never a default).
NONE = "none"
COMBINE = "+"  # joins the tokens of a combination accepted in one choice


def lesion_field(index: int) -> str:
    """The radio group of the ``index``-th lesion's alternatives."""
    return f"lesion_{index}"


class DecisionForm(forms.Form):
    """The decision on the current case: the structured outcome (the board's outcome template
    says what is shown and mandatory), the plan and the override reason.

    The plan is chosen, never pre-ticked: each lesion's mutually exclusive alternatives are one
    radio group (``lesion_<n>``, with "none"), where a combination the algorithm proposes
    together (a preparation and what it prepares) is one option; the add-ons (radiotherapy,
    work-up) are checkboxes (``procedure``); one procedure not suggested can be added.
    """

    outcome_category = forms.ChoiceField(label=_("Outcome category"), required=False)
    intent = forms.ChoiceField(label=_("Intent"), required=False)
    procedure = forms.MultipleChoiceField(label=_("Also accept"), required=False,
                                          widget=forms.CheckboxSelectMultiple)
    extra_procedure_type = forms.ChoiceField(label=_("Add a procedure not suggested"),
                                             required=False)
    extra_lesion = forms.ChoiceField(label=_("Target lesion"), required=False)
    extra_intent = forms.ChoiceField(label=_("Intent of the added procedure"), required=False)
    extra_purpose = forms.ChoiceField(label=_("Purpose"), required=False)
    extra_position = forms.ChoiceField(
        label=_("Place in the plan"), required=False, initial="last",
        choices=[("last", _("After the chosen procedures")),
                 ("first", _("Before the chosen procedures"))])
    follow_up = forms.CharField(label=_("Follow-up"), required=False, max_length=2000,
                                widget=forms.Textarea(attrs={"rows": 2}))
    responsible_clinician = forms.ChoiceField(label=_("Responsible clinician"), required=False)
    outcome_text = forms.CharField(label=_("Outcome (free text)"),
                                   widget=forms.Textarea(attrs={"rows": 3}), required=False)
    override_reason = forms.CharField(
        label=_("Override reason (required when the plan departs from the suggestions)"),
        widget=forms.Textarea(attrs={"rows": 2}), required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
    amend_reason = forms.CharField(label=_("Reason for the amendment"), required=False,
                                   max_length=300)

    def __init__(self, *args: Any, suggestions: list[tuple[str, str]],
                 lesions: list[tuple[str, str]],
                 groups: list[tuple[str, list[tuple[str, str]]]] | None = None,
                 clinicians: list[tuple[str, str]] | None = None,
                 required: frozenset[str] = frozenset(), recording: bool = False,
                 shown: tuple[str, ...] | None = None, **kwargs: Any) -> None:
        """``suggestions``: the add-on (token, label) checkboxes; ``groups``: per lesion, its
        label and its alternatives as (value, label), a value being one token or a
        combination's tokens joined by ``+``; ``required``: the template's mandatory fields
        (marked, and checked by the service); ``recording``: a new decision, where every
        lesion with alternatives needs a choice (an amendment keeps the plan unless one is
        made)."""
        super().__init__(*args, **kwargs)
        self.required_fields = required
        self.shown_fields = shown if shown is not None else OUTCOME_FIELDS
        self.recording = recording
        self.fields["outcome_category"].choices = [("", "—"), *OutcomeCategoryChoice.choices]
        self.fields["intent"].choices = choices("Intent", blank="—")
        self.fields["procedure"].choices = suggestions
        self.fields["extra_procedure_type"].choices = choices("ProcedureType", blank="—")
        self.fields["extra_lesion"].choices = [("", "—"), *lesions]
        self.fields["extra_intent"].choices = choices("Intent", blank="—")
        self.fields["extra_purpose"].choices = choices("ProcedurePurpose", blank="—")
        self.fields["responsible_clinician"].choices = [("", "—"), *(clinicians or [])]
        self.lesion_fields: list[str] = []
        for index, (label, options) in enumerate(groups or []):
            name = lesion_field(index)
            self.fields[name] = forms.ChoiceField(
                label=label, required=False, widget=forms.RadioSelect,
                choices=[*options, (NONE, _("None of these"))])
            self.lesion_fields.append(name)
        self.annotate()

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.recording:
            for name in self.lesion_fields:
                if not data.get(name):
                    self.add_error(name, _("Choose one option for this lesion, or "
                                           "\u201cNone of these\u201d."))
        if data.get("extra_procedure_type") and not data.get("extra_intent"):
            self.add_error("extra_intent", _("Choose the intent of the added procedure."))
        return data

    def plan_chosen(self) -> bool:
        """Whether the form says anything about the plan (an amendment keeps it otherwise)."""
        data = self.cleaned_data
        return bool(data.get("procedure") or data.get("extra_procedure_type")
                    or any(data.get(name) for name in self.lesion_fields))

    def procedures(self) -> list[dict[str, Any]]:
        """The plan in order: each lesion's chosen alternative (a combination in the
        algorithm's order), the accepted add-ons, and the added procedure (if any) after them,
        or before them when the chair places it first (a pre-operative embolization, say)."""
        tokens: list[str] = []
        for name in self.lesion_fields:
            value = self.cleaned_data.get(name) or ""
            if value and value != NONE:
                tokens += value.split(COMBINE)
        for value in self.cleaned_data.get("procedure") or []:
            tokens += value.split(COMBINE)
        out = [item for item in map(parse_token, tokens) if item is not None]
        out = link_prepared(out)
        extra = self.cleaned_data.get("extra_procedure_type")
        if extra:
            item = {"procedure_type": extra, "intent": self.cleaned_data["extra_intent"]}
            if self.cleaned_data.get("extra_lesion"):
                item["target_lesion"] = self.cleaned_data["extra_lesion"]
            if self.cleaned_data.get("extra_purpose") and allowed_purposes(extra):
                item["purpose"] = self.cleaned_data["extra_purpose"]
            if self.cleaned_data.get("extra_position") == "first":
                out.insert(0, item)
            else:
                out.append(item)
        return out

    def annotate(self) -> None:
        """Accessibility attributes for rendering: mandatory fields ``aria-required``; a field
        in error ``aria-invalid`` and ``aria-describedby`` its error list (rendered with the id
        ``<auto_id>-errors`` by boardsvc/_decision_form.html)."""
        for name, field in self.fields.items():
            attrs = field.widget.attrs
            if name in self.required_fields:
                attrs["aria-required"] = "true"
            if self.is_bound and name in self.errors:
                attrs["aria-invalid"] = "true"
                attrs["aria-describedby"] = f"{self[name].auto_id}-errors"


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
