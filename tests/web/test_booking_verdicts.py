"""The booking page's rule check lists the rules that bind the plan and those that do not, with
the reason (issue 11, item 3): "no timing rule is broken" is never said plainly when a rule
was skipped for a pair; a same-session split is shown as refused (item 11)."""

from __future__ import annotations

import pytest

from tests.factories.scheduling import ResourceFactory, at, plan_with
from tests.support.web import login

pytestmark = pytest.mark.django_db


def _book(client, plan, procedure, resource, start):
    return client.post(f"/plans/{plan.public_id}/book/", {
        "procedure": str(procedure.public_id), "resource": str(resource.public_id),
        "start": start.isoformat(), "confirm": "1"})


def _check(client, plan, procedure, resource, start) -> str:
    page = client.get(f"/plans/{plan.public_id}/book/", {
        "procedure": procedure.public_id, "resource": resource.public_id,
        "start": start.isoformat(), "day": "2030-01-07"})
    assert page.status_code == 200
    return page.content.decode()


def test_a_skipped_rule_is_named_with_its_reason(coordinator):
    plan, (emb, surgery) = plan_with({"procedure_type": "embolization",
                                      "purpose": "palliative"}, "surgery")
    angio = ResourceFactory(code="angio-1", kind="angio_suite")
    theatre = ResourceFactory(code="or-1", kind="operating_room")
    client = login(coordinator)
    assert _book(client, plan, emb, angio, at(0, 9)).status_code == 302
    body = _check(client, plan, surgery, theatre, at(4, 9))
    assert "No timing rule is broken." not in body
    assert "No timing rule that applies is broken" in body
    assert 'data-verdict="R1|not_applicable"' in body
    assert "R1 binds a pre-operative embolization; this one is palliative" in body


def test_the_rules_that_bind_the_plan_are_listed_with_their_status(coordinator):
    plan, (emb, surgery) = plan_with({"procedure_type": "embolization",
                                      "purpose": "pre_operative"}, "surgery")
    angio = ResourceFactory(code="angio-1", kind="angio_suite")
    theatre = ResourceFactory(code="or-1", kind="operating_room")
    client = login(coordinator)
    assert _book(client, plan, emb, angio, at(0, 9)).status_code == 302
    body = _check(client, plan, surgery, theatre, at(0, 14))
    assert "No timing rule is broken." in body
    assert 'data-verdict="R2|satisfied"' in body
    assert 'data-verdict="R3|not_applicable"' in body  # no ablation in this plan


def test_a_same_session_split_is_shown_as_refused(coordinator):
    plan, (rfa, vp) = plan_with({"procedure_type": "rfa", "purpose": "palliative"},
                                "vertebroplasty")
    rfa.same_session_with = vp
    rfa.save(update_fields=["same_session_with"])
    ct = ResourceFactory(code="ct-1", kind="ct_room")
    client = login(coordinator)
    assert _book(client, plan, rfa, ct, at(0, 9)).status_code == 302
    body = _check(client, plan, vp, ct, at(0, 14))
    assert "will be refused" in body
    assert "same_session" in body
    assert _book(client, plan, vp, ct, at(0, 14)).status_code == 409
    assert _book(client, plan, vp, ct, at(0, 10, 30)).status_code == 302
