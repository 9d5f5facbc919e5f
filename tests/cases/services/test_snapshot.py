"""cases.services.snapshot: what a case revision stores."""

from __future__ import annotations

import pytest

from cases.services import CASE_FIELDS, LESION_FIELDS, case_snapshot
from tests.factories.cases import LesionFactory

pytestmark = pytest.mark.django_db


def test_a_snapshot_holds_codes_and_pseudonymous_ids_only():
    lesion = LesionFactory()
    case = lesion.case
    snapshot = case_snapshot(case=case)
    assert set(CASE_FIELDS) <= set(snapshot)
    assert snapshot["patient"] == str(case.patient.public_id)
    assert [item["public_id"] for item in snapshot["lesions"]] == [str(lesion.public_id)]
    assert set(LESION_FIELDS) <= set(snapshot["lesions"][0])
    assert "identifiers" not in snapshot
