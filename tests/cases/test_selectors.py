"""cases.selectors: readiness and the active plan (database, no HTTP)."""

from __future__ import annotations

import pytest

from cases.selectors import case_active_plan, case_readiness
from tests.factories.cases import CaseFactory, LesionFactory
from tests.factories.scheduling import plan_with
from tests.support.queries import assert_num_queries

pytestmark = pytest.mark.django_db


def test_case_readiness_selector_reports_missing_imaging():
    case = CaseFactory(imaging_available=False)
    LesionFactory(case=case)
    assert [r["code"] for r in case_readiness(case=case)] == ["imaging_not_available"]


def test_the_active_plan_comes_with_its_procedures_and_their_links():
    plan, (emb, surgery) = plan_with(
        {"procedure_type": "embolization", "purpose": "pre_operative"}, "surgery")
    emb.prepares = surgery
    emb.save(update_fields=["prepares"])
    found = case_active_plan(case=plan.case)
    assert found == plan
    with assert_num_queries(0):
        assert [(p.procedure_type, p.prepares) for p in found.procedures.all()] == [
            ("embolization", surgery), ("surgery", None)]
    assert case_active_plan(case=CaseFactory()) is None
