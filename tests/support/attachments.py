"""Helpers for imaging, documents and patient identification tests: synthetic PDFs, uploads,
an identified patient (Faker names only) and the audit rows they leave."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from faker import Faker
from fpdf import FPDF

from cases.models import Case, ImagingStudy, PatientIdentifier
from cases.selectors import hospital_number_system
from core.models import AuditEvent

_fake = Faker("it_IT")


def pdf_bytes(text: str = "Synthetic radiology report") -> bytes:
    """A small real PDF (fpdf2), synthetic content only."""
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    pdf.cell(text=text)
    return bytes(pdf.output())


def upload(content: bytes | None = None, *, name: str = "report.pdf",
           content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes() if content is None else content,
                              content_type=content_type)


def identify(case: Case, *, number: str = "RM0012345", given: str | None = None,
             family: str | None = None, born: date = date(1951, 4, 2)) -> Case:
    """Give the case's patient a hospital number (the site's system), a name and a birth date."""
    patient = case.patient
    patient.given_name = given if given is not None else _fake.first_name()
    patient.family_name = family if family is not None else _fake.last_name()
    patient.birth_date = born
    patient.save(update_fields=["given_name", "family_name", "birth_date"])
    PatientIdentifier.objects.create(patient=patient, system=hospital_number_system(),
                                     value=number)
    return case


def study_for(case: Case, **fields: Any) -> ImagingStudy:
    values: dict[str, Any] = {"modality": "MR", "study_date": date(2026, 10, 1),
                              "accession_number": "ACC-1", "study_instance_uid": "1.2.3.4",
                              "description": "MRI whole spine"}
    values.update(fields)
    return ImagingStudy.objects.create(case=case, **values)


def audit_rows(action: str, object_type: str, **filters: Any) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, object_type=object_type, **filters)
                .order_by("id"))
