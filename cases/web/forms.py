"""The case intake form.

Field types, choices and ranges come from the model fields (``fields_for_model``), and the
cross-field rules run in cases.services.case_create: the page never restates a rule. Errors the
service raises name fields like ``lesions[1].max_diameter_mm``; ``attach_service_errors`` puts
each one next to its field.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms.models import fields_for_model
from django.utils.translation import gettext_lazy as _

from cases.domain.intake import lesion_inconsistencies
from cases.labels import choices
from cases.models import Case, Lesion, Patient
from cases.services import CASE_FIELDS, LESION_FIELDS

_CASE_CHOICES = {
    "urgency": "Urgency",
    "primary_histology": "Histology",
}
_LESION_CHOICES = {
    "site": "SkeletalSite",
    "pattern": "LesionPattern",
    "vascularity": "Vascularity",
    "vascularity_method": "VascularityMethod",
    "bilsky_grade": "BilskyGrade",
    "sins_location": "SinsLocation",
    "sins_pain": "SinsPain",
    "sins_alignment": "SinsAlignment",
    "sins_collapse": "SinsCollapse",
    "sins_posterolateral": "SinsPosterolateral",
    "mirels_site": "MirelsSite",
    "mirels_pain": "MirelsPain",
    "mirels_size": "MirelsSize",
}

CASE_LABELS = {
    "requested_board": _("Board (slug)"),
    "referring_clinician": _("Referring clinician"),
    "clinical_question": _("Question for the board"),
    "urgency": _("Urgency"),
    "urgency_reason": _("Reason for urgency"),
    "primary_histology": _("Primary histology"),
    "metastases_count": _("Number of known metastases"),
    "ecog": _("ECOG performance status (0-4)"),
    "pain_vas": _("Pain (VAS 0-10)"),
    "systemic_therapy_ongoing": _("Systemic therapy ongoing"),
    "systemic_therapy": _("Systemic therapy"),
    "prior_rt_date": _("Prior radiotherapy: date"),
    "prior_rt_dose_gy": _("Prior radiotherapy: dose (Gy)"),
    "prior_rt_fractions": _("Prior radiotherapy: fractions"),
    "imaging_available": _("Imaging available for the meeting"),
    "life_expectancy_months": _("Life expectancy (months)"),
    "active_infection": _("Active infection"),
    "uncorrectable_coagulopathy": _("Uncorrectable coagulopathy"),
    "pmma_allergy": _("PMMA (bone cement) allergy"),
}
LESION_LABELS = {
    "site": _("Site"),
    "vertebral_level": _("Vertebral level"),
    "site_detail": _("Site detail"),
    "max_diameter_mm": _("Maximum diameter (mm)"),
    "pattern": _("Pattern"),
    "vascularity": _("Vascularity"),
    "vascularity_method": _("Vascularity assessed by"),
    "pathological_fracture": _("Pathological fracture"),
    "epidural_extension": _("Epidural extension"),
    "bilsky_grade": _("Bilsky grade"),
    "soft_tissue_extension": _("Soft-tissue extension"),
    "distance_neural_mm": _("Distance to neural structures (mm)"),
    "distance_vascular_mm": _("Distance to vascular structures (mm)"),
    "rapid_growth": _("Rapid growth"),
    "neurological_deficit": _("Neurological deficit"),
    "painful": _("Painful"),
    "weight_bearing": _("Weight-bearing bone"),
    "adamkiewicz_in_field": _("Artery of Adamkiewicz in the field"),
    "vertebra_plana": _("Vertebra plana"),
    "posterior_wall_involved": _("Posterior wall involved"),
    "intense_enhancement": _("Intense enhancement"),
    "radicular_pain": _("Radicular pain"),
    "sins_location": _("SINS: location"),
    "sins_pain": _("SINS: pain"),
    "sins_alignment": _("SINS: alignment"),
    "sins_collapse": _("SINS: vertebral body collapse"),
    "sins_posterolateral": _("SINS: posterolateral involvement"),
    "mirels_site": _("Mirels: site"),
    "mirels_pain": _("Mirels: pain"),
    "mirels_size": _("Mirels: size"),
}
# How the lesion form is grouped on the page.
LESION_GROUPS = (
    (_("Where and what"), ("site", "vertebral_level", "site_detail", "max_diameter_mm",
                           "pattern", "vascularity", "vascularity_method")),
    (_("Findings"), ("pathological_fracture", "epidural_extension", "bilsky_grade",
                     "soft_tissue_extension", "distance_neural_mm", "distance_vascular_mm",
                     "rapid_growth", "neurological_deficit", "painful", "weight_bearing",
                     "adamkiewicz_in_field", "vertebra_plana", "posterior_wall_involved",
                     "intense_enhancement", "radicular_pain")),
    (_("SINS (spine)"), ("sins_location", "sins_pain", "sins_alignment", "sins_collapse",
                         "sins_posterolateral")),
    (_("Mirels (long bones)"), ("mirels_site", "mirels_pain", "mirels_size")),
)


def _localise(form: forms.BaseForm, labels: dict[str, Any], vocabularies: dict[str, str]) -> None:
    for name, field in form.fields.items():
        if name in labels:
            field.label = labels[name]
        if name in vocabularies and isinstance(field, forms.ChoiceField):
            blank = "—" if not field.required else None
            field.choices = choices(vocabularies[name], blank=blank)
        if isinstance(field, forms.BooleanField):
            field.required = False


class PatientForm(forms.Form):
    """Who the patient is: an identifier (never shown again) plus birth year and sex."""

    identifier_system = forms.CharField(label=_("Identifier system"), max_length=200,
                                        initial="hospital-mrn")
    identifier_value = forms.CharField(label=_("Identifier value"), max_length=200)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Patient, fields=["birth_year", "sex"]))
        _localise(self, {"birth_year": _("Birth year"), "sex": _("Sex")}, {"sex": "Sex"})

    def service_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "identifiers": [{"system": data["identifier_system"].strip(),
                             "value": data["identifier_value"].strip()}],
            "birth_year": data.get("birth_year"),
            "sex": data.get("sex") or "unknown",
        }


class CaseForm(forms.Form):
    """The referral itself: fields and choices straight from cases.models.Case."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Case, fields=list(CASE_FIELDS)))
        _localise(self, CASE_LABELS, _CASE_CHOICES)
        self.fields["clinical_question"].widget.attrs["rows"] = 3
        self.fields["prior_rt_date"].widget = forms.DateInput(attrs={"type": "date"})

    def service_data(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items()
                if value is not None and value != ""}


class LesionForm(forms.Form):
    """One lesion: fields and choices straight from cases.models.Lesion."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(fields_for_model(Lesion, fields=list(LESION_FIELDS)))
        _localise(self, LESION_LABELS, _LESION_CHOICES)
        self.fields["vertebral_level"].choices = [("", "—")] + [
            (v, v) for v, _label in self.fields["vertebral_level"].choices if v
        ]

    def groups(self) -> list[tuple[Any, list[forms.BoundField]]]:
        return [(title, [self[name] for name in names]) for title, names in LESION_GROUPS]

    def add_consistency_errors(self) -> None:
        """Put this lesion's contradictions (cases/domain/intake.py, the rules the service
        applies) beside their fields even when another field failed, so the page shows every
        problem in one round. Call after ``is_valid``."""
        cleaned = getattr(self, "cleaned_data", {})
        values = {name: cleaned.get(name, self[name].value()) for name in LESION_FIELDS}
        for issue in lesion_inconsistencies(values):
            if issue.field in self.fields and issue.field not in self.errors:
                self.add_error(issue.field, issue.message)

    def service_data(self) -> dict[str, Any]:
        return {name: value for name, value in self.cleaned_data.items()
                if value is not None and value != ""}


LesionFormSet = forms.formset_factory(LesionForm, extra=0, min_num=1, validate_min=True,
                                      max_num=20, validate_max=True)


def attach_service_errors(
    errors: list[dict[str, Any]],
    *,
    patient_form: PatientForm,
    case_form: CaseForm,
    lesion_formset: Any,
) -> list[str]:
    """Put each service error ({field, rule, message}) on its form field.

    ``patient.birth_year`` → patient form, ``lesions[1].site`` → second lesion form, a plain
    name → the case form. Returns the messages that name no field on the page (shown on top).
    """
    unplaced: list[str] = []
    for error in errors:
        field = error.get("field") or ""
        message = error.get("message") or str(error)
        form: forms.BaseForm | None = None
        name: str | None = None
        if field.startswith("patient."):
            form, name = patient_form, field.split(".", 1)[1]
            if name == "identifiers":
                name = "identifier_value"
        elif field.startswith("lesions[") and "]" in field:
            index_text, _sep, rest = field[len("lesions["):].partition("]")
            try:
                form = lesion_formset.forms[int(index_text)]
            except (ValueError, IndexError):
                form = None
            name = rest.lstrip(".") or None
        elif field in case_form.fields:
            form, name = case_form, field
        if form is not None and name in form.fields:
            form.add_error(name, message)
        elif form is not None:
            form.add_error(None, message)
        else:
            unplaced.append(message)
    return unplaced
