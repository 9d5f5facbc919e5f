"""Every write to cases, patients, lesions and plans; views and the other apps call these.

Services are keyword-only, typed and atomic; they refuse a request with a rule error
(core.errors: CaseDataError 400, CaseNotReady and IllegalTransition 409, StaleVersion 412) and
enqueue background work through the outbox so it runs only after commit. One module per concern:

- ``intake``: case_create, case_update (with the patient and lesions);
- ``lifecycle``: case_transition (readiness checked on the way to "ready for MDT");
- ``plans``: treatment_plan_create, planned_procedure_add;
- ``parameters``: site_parameter_set;
- ``snapshot``: the field lists and the revision snapshot they share.

Every public name is importable from ``cases.services`` (boardsvc and scheduling do so).
"""

from __future__ import annotations

from cases.domain.errors import CaseDataError, CaseNotReady
from cases.domain.lifecycle import IllegalTransition
from cases.services.documents import DocumentTooLarge, document_remove, document_upload
from cases.services.imaging import imaging_study_add, imaging_study_remove
from cases.services.intake import case_create, case_update
from cases.services.lifecycle import case_transition
from cases.services.parameters import site_parameter_set
from cases.services.plans import planned_procedure_add, treatment_plan_create
from cases.services.snapshot import CASE_FIELDS, LESION_FIELDS, case_snapshot
from core.errors import StaleVersion

__all__ = [
    "CASE_FIELDS",
    "LESION_FIELDS",
    "CaseDataError",
    "CaseNotReady",
    "DocumentTooLarge",
    "IllegalTransition",
    "StaleVersion",
    "case_create",
    "case_snapshot",
    "case_transition",
    "case_update",
    "document_remove",
    "document_upload",
    "imaging_study_add",
    "imaging_study_remove",
    "planned_procedure_add",
    "site_parameter_set",
    "treatment_plan_create",
]
