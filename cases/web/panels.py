"""The case page's imaging and documents panels: their forms and rows (reads only).

The views that post these forms are in cases/web/attachments.py; the case page (views.py)
renders the panels.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _lazy

from cases import selectors
from cases.models import Case, CaseDocument, ImagingStudy


class ImagingStudyForm(forms.Form):
    """The small "add a study" form of the imaging panel (the rules are the service's)."""

    modality = forms.ChoiceField(label=_lazy("Modality"), choices=ImagingStudy.Modality.choices)
    study_date = forms.DateField(label=_lazy("Study date"),
                                 widget=forms.DateInput(attrs={"type": "date"}))
    accession_number = forms.CharField(label=_lazy("Accession number"), max_length=64,
                                       required=False)
    study_instance_uid = forms.CharField(label=_lazy("Study instance UID"), max_length=64,
                                         required=False)
    description = forms.CharField(label=_lazy("Description"), max_length=200, required=False)
    report = forms.CharField(label=_lazy("Report"), required=False, max_length=20000,
                             widget=forms.Textarea(attrs={"rows": 3}))
    lesion = forms.ChoiceField(label=_lazy("Lesion"), required=False)

    def __init__(self, *args: Any, lesions: list[tuple[str, str]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(*args, prefix="imaging", **kwargs)
        self.fields["lesion"].choices = [("", _lazy("The whole case")), *(lesions or [])]


class DocumentForm(forms.Form):
    """The documents panel's upload form: a PDF, its kind and a title."""

    file = forms.FileField(label=_lazy("PDF file"), required=False,
                           widget=forms.FileInput(attrs={"accept": "application/pdf"}))
    kind = forms.ChoiceField(label=_lazy("Kind"), choices=CaseDocument.Kind.choices)
    title = forms.CharField(label=_lazy("Title"), max_length=200, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, prefix="document", **kwargs)


def lesion_choices(case: Case) -> list[tuple[str, str]]:
    """The case's lesions as (public id, label) for the forms (lesions already loaded)."""
    return [(str(lesion.public_id), str(lesion))
            for lesion in sorted(case.lesions.all(), key=lambda les: (les.position, les.pk))]


def imaging_rows(case: Case) -> list[dict[str, Any]]:
    """The imaging panel's rows: each study with its link into the PACS viewer ("" if none)."""
    return [{"study": study,
             "viewer_url": selectors.imaging_viewer_url(accession=study.accession_number,
                                                        study_uid=study.study_instance_uid)}
            for study in selectors.imaging_studies_for_case(case=case)]


def case_url(case: Case) -> str:
    return reverse("cases_web:case_detail", kwargs={"public_id": case.public_id})
