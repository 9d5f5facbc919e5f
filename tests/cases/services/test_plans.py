"""A planned procedure's purpose and the procedure it prepares (issue 11, item 2):
treatment_plan_create links the plan and names the bad item; the database refuses what the
service would (CheckConstraints)."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from cases.models import PlannedProcedure
from cases.services import treatment_plan_create
from tests.factories.cases import CaseFactory, LesionFactory
from tests.factories.scheduling import plan_with

pytestmark = pytest.mark.django_db


def test_a_plan_is_linked_as_given():
    case = CaseFactory()
    lesion = LesionFactory(case=case)
    plan = treatment_plan_create(case=case, principal=None, procedures=[
        {"procedure_type": "embolization", "intent": "curative", "purpose": "pre_ablation",
         "prepares_index": 1, "same_session_with_index": 1, "target_lesion": lesion},
        {"procedure_type": "mwa", "intent": "curative", "purpose": "curative",
         "target_lesion": lesion},
        {"procedure_type": "vertebroplasty", "intent": "curative", "target_lesion": lesion,
         "same_session_with_index": 1},
    ])
    emb, mwa, vp = plan.procedures.order_by("sequence")
    assert (emb.purpose, emb.prepares, emb.same_session_with) == ("pre_ablation", mwa, mwa)
    assert (mwa.purpose, mwa.prepares, vp.same_session_with) == ("curative", None, mwa)
    assert list(mwa.prepared_by.all()) == [emb]
    assert emb.embolization_purpose == "pre_ablation"  # the deprecated alias reads purpose
    assert mwa.embolization_purpose == ""


def test_the_deprecated_alias_is_read_with_adjuvant_as_pre_ablation():
    plan = treatment_plan_create(case=CaseFactory(), principal=None, procedures=[
        {"procedure_type": "embolization", "intent": "curative",
         "embolization_purpose": "adjuvant"}])
    assert plan.procedures.get().purpose == "pre_ablation"


@pytest.mark.parametrize(("procedures", "message"), [
    ([{"procedure_type": "surgery", "intent": "palliative", "purpose": "palliative"}],
     "procedures[0].purpose is not allowed. Only embolizations and ablations carry a purpose, "
     "not surgery."),
    ([{"procedure_type": "rfa", "intent": "curative", "purpose": "pre_ablation"}],
     "procedures[0].purpose is not allowed. pre_ablation is not a purpose for rfa; "
     "allowed: curative, palliative."),
    ([{"procedure_type": "embolization", "intent": "palliative", "purpose": "pre_operative",
       "prepares_index": 1}, {"procedure_type": "radiotherapy", "intent": "palliative"}],
     "procedures[0].prepares_index is not allowed. A pre-operative procedure prepares "
     "osteosynthesis, surgery, not radiotherapy."),
    ([{"procedure_type": "embolization", "intent": "palliative", "purpose": "palliative",
       "prepares_index": 1}, {"procedure_type": "surgery", "intent": "palliative"}],
     "procedures[0].prepares_index is not allowed. Only a procedure whose purpose is "
     "pre_ablation or pre_operative prepares another procedure (this one is palliative)."),
    ([{"procedure_type": "embolization", "intent": "palliative", "purpose": "pre_operative",
       "prepares_index": 3}],
     "procedures[0].prepares_index is out of range: it must be the index of another "
     "procedure of this plan."),
])
def test_a_bad_purpose_or_link_is_refused_naming_the_item(procedures, message):
    case = CaseFactory()
    with pytest.raises(ValueError) as caught:
        treatment_plan_create(case=case, principal=None, procedures=procedures)
    assert str(caught.value) == message
    assert not case.plans.exists()


@pytest.mark.parametrize(("fields", "constraint"), [
    ({"procedure_type": "surgery", "purpose": "palliative"}, "procedure_purpose_allowed"),
    ({"procedure_type": "rfa", "purpose": "pre_operative"}, "procedure_purpose_allowed"),
    ({"procedure_type": "embolization", "purpose": "adjuvant"}, "procedure_purpose_allowed"),
])
def test_the_database_refuses_a_purpose_the_type_cannot_carry(fields, constraint):
    plan, _ = plan_with("surgery")
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        PlannedProcedure.objects.create(plan=plan, sequence=9, intent="palliative", **fields)


def test_the_database_refuses_a_link_without_a_preparing_purpose():
    _plan, (emb, surgery) = plan_with({"procedure_type": "embolization",
                                       "purpose": "palliative"}, "surgery")
    emb.prepares = surgery
    with pytest.raises(IntegrityError, match="procedure_prepares_needs_purpose"), \
            transaction.atomic():
        emb.save(update_fields=["prepares"])
