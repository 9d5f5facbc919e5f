"""Imaging studies of a case (and optionally one of its lesions): what the board should look at
in the hospital's PACS viewer (cases.selectors.imaging_viewer_url builds the link).

Every refusal is a CaseDataError naming the field and the rule; nothing is written then. Each
addition and removal leaves an audit row with the patient's pseudonym.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any
from uuid import UUID

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.domain.errors import CaseDataError
from cases.models import Case, ImagingStudy, Lesion
from core.access import Principal
from core.audit import audit_record
from core.dates import DateLimitError, check_date

# A DICOM UID: dot-separated numeric components, no leading zeros, at most 64 characters
# (DICOM PS3.5 §9.1), e.g. 1.2.840.113619.2.55.3.604688119.969.1268071029.320.
UID_MAX_LENGTH = 64
_UID = re.compile(r"^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$")
_ACCESSION = re.compile(r"^[A-Za-z0-9._/-]{1,64}$")


def _error(field: str, rule: str, message: str) -> dict[str, str]:
    return {"field": field, "rule": rule, "message": message}


def imaging_study_problems(data: dict[str, Any], *, case: Case,
                           today: date | None = None) -> list[dict[str, str]]:
    """Every problem with a study as submitted ([{field, rule, message}], empty when valid)."""
    problems: list[dict[str, str]] = []
    uid = str(data.get("study_instance_uid") or "").strip()
    accession = str(data.get("accession_number") or "").strip()
    if uid and (len(uid) > UID_MAX_LENGTH or not _UID.match(uid)):
        problems.append(_error("study_instance_uid", "dicom_uid", _(
            "A study instance UID is dot-separated numbers without leading zeros (1.2.840…), "
            "at most 64 characters.")))
    if accession and not _ACCESSION.match(accession):
        problems.append(_error("accession_number", "accession_format", _(
            "An accession number has at most 64 letters, digits, dots, dashes or slashes.")))
    if not uid and not accession:
        problems.append(_error("accession_number", "identifier_required", _(
            "Give the accession number or the study instance UID, so the viewer can find the "
            "study.")))
    if data.get("modality") not in ImagingStudy.Modality.values:
        problems.append(_error("modality", "invalid_choice", _(
            "Choose one of: %(choices)s.") % {"choices": ", ".join(ImagingStudy.Modality.values)}))
    study_date = data.get("study_date")
    if not isinstance(study_date, date):
        problems.append(_error("study_date", "required", _("Give the date of the study.")))
    else:
        try:
            check_date(study_date)
        except DateLimitError as exc:
            problems.append(_error("study_date", exc.rule, exc.message))
        else:
            if study_date > (today or timezone.localdate()):
                problems.append(_error("study_date", "not_in_future", _(
                    "A study cannot be dated in the future.")))
    for name, limit in (("description", 200), ("report", 20000)):
        if len(str(data.get(name) or "")) > limit:
            problems.append(_error(name, "max_length", _(
                "At most %(limit)d characters.") % {"limit": limit}))
    return problems


def lesion_of_case(case: Case, value: object) -> Lesion | None:
    if value in (None, ""):
        return None
    if isinstance(value, Lesion):
        lesion_id: object = value.public_id
    else:
        lesion_id = value
    try:
        UUID(str(lesion_id))
    except ValueError:
        lesion_id = None
    lesion = Lesion.objects.filter(case=case, public_id=lesion_id).first() if lesion_id else None
    if lesion is None:
        raise CaseDataError([_error("lesion", "not_of_case", _(
            "The lesion must be one of this case's lesions."))])
    return lesion


@transaction.atomic
def imaging_study_add(*, principal: Principal | None, case: Case, data: dict[str, Any],
                      path: str = "") -> ImagingStudy:
    """Attach an imaging study to ``case`` (a case the caller may see).

    ``data``: modality (ImagingStudy.Modality), study_date (a date, inside the service's window
    and not in the future), accession_number and/or study_instance_uid (a DICOM UID, ≤ 64
    characters), optional description, report and lesion (one of the case's lesions, or its
    public id). Raises CaseDataError listing every problem; audited as a case update."""
    problems = imaging_study_problems(data, case=case)
    if problems:
        raise CaseDataError(problems)
    lesion = lesion_of_case(case, data.get("lesion"))
    study = ImagingStudy.objects.create(
        case=case, lesion=lesion,
        accession_number=str(data.get("accession_number") or "").strip(),
        study_instance_uid=str(data.get("study_instance_uid") or "").strip(),
        modality=data["modality"], study_date=data["study_date"],
        description=str(data.get("description") or "").strip(),
        report=str(data.get("report") or "").strip(),
        created_by=principal.user if principal is not None and principal.is_user else None,
    )
    audit_record(principal=principal, action="create", object_type="imaging_study",
                 object_id=study.public_id, patient_pseudonym=case.patient.public_id,
                 path=path, detail={"case": str(case.public_id), "modality": study.modality})
    return study


@transaction.atomic
def imaging_study_remove(*, principal: Principal | None, study: ImagingStudy,
                         path: str = "") -> None:
    """Remove an imaging study (read through cases.selectors.imaging_study_get_visible);
    audited as a delete with the patient's pseudonym."""
    case = study.case
    audit_record(principal=principal, action="delete", object_type="imaging_study",
                 object_id=study.public_id, patient_pseudonym=case.patient.public_id,
                 path=path, detail={"case": str(case.public_id)})
    ImagingStudy.objects.filter(pk=study.pk).delete()
