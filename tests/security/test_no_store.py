"""Issue 10, item 13: responses that carry patient data say ``Cache-Control: no-store``."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.support.world import World

pytestmark = pytest.mark.django_db


def test_api_fhir_and_pages_are_not_stored(world: World, oauth_client_factory):
    his = oauth_client_factory("cases:read", "fhir:read", "bookings:read")
    for path in (f"/api/v1/cases/{world.case_a.public_id}/", "/api/v1/cases/",
                 f"/api/v1/bookings/{world.booking_a.public_id}/", "/fhir/R4/ServiceRequest"):
        response = his.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "no-store", path

    browser = Client()
    browser.force_login(world.users["coordinator"])
    for path in (f"/cases/{world.case_a.public_id}/", "/worklist/"):
        response = browser.get(path)
        assert response.status_code == 200, path
        assert response["Cache-Control"] == "no-store", path


def test_errors_and_refusals_are_not_stored_either():
    for response in (Client().get("/api/v1/cases/"), Client().get("/accounts/login/")):
        assert response["Cache-Control"] == "no-store"
