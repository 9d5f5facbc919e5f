"""/api/v1/violations/{id}/acknowledge/ (scheduling/api/violations.py): a coordinator accepts a
soft violation with a reason."""

from __future__ import annotations

import uuid

import pytest

from scheduling import services
from scheduling.models import Violation
from tests.factories.scheduling import at, plan_with
from tests.support.scheduling import BASE

pytestmark = pytest.mark.django_db


def test_a_coordinator_acknowledges_a_soft_violation(coordinator_client, spine_client, api_client,
                                                     rooms):
    plan, (emb, surgery) = plan_with(
        {"procedure_type": "embolization", "purpose": "pre_operative"}, "surgery")
    services.booking_create(procedure=emb, resource=rooms["angio"], start=at(0, 8), principal=None)
    services.booking_create(procedure=surgery, resource=rooms["or1"], start=at(2, 15),
                            principal=None)
    violation = Violation.objects.get(plan=plan)
    url = f"{BASE}/violations/{violation.public_id}/acknowledge/"
    assert api_client.post(url, {"reason": "x"}, format="json").status_code == 401
    assert spine_client.post(url, {"reason": "x"}, format="json").status_code == 403
    assert coordinator_client.post(url, {}, format="json").status_code == 400
    assert coordinator_client.get(url).status_code == 405
    assert coordinator_client.post(f"{BASE}/violations/{uuid.uuid4()}/acknowledge/",
                                   {"reason": "x"}, format="json").status_code == 404
    ok = coordinator_client.post(url, {"reason": "OR list full; surgeon agrees"}, format="json")
    assert (ok.status_code, ok.json()["status"]) == (200, "acknowledged")
    # Re-acknowledging replaces the reason (still soft, still unresolved).
    again = coordinator_client.post(url, {"reason": "Confirmed at the MDT"}, format="json")
    assert (again.status_code, again.json()["acknowledged_reason"]) == (200,
                                                                        "Confirmed at the MDT")
