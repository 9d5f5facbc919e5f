"""Scheduling fixtures: the rooms of a site and principals. Factories: tests/factories/scheduling.py."""

from __future__ import annotations

import pytest

from core.access import principal_for_user
from tests.factories.scheduling import ResourceFactory


@pytest.fixture
def rooms(db):
    """One room of each kind, open Monday to Friday 07:00-20:00 Rome time."""
    return {
        "angio": ResourceFactory(code="angio-1", name="Angio suite", kind="angio_suite"),
        "hybrid": ResourceFactory(code="hybrid-1", name="Hybrid CT-angio", kind="hybrid_ct_angio"),
        "ct": ResourceFactory(code="ct-1", name="CT room", kind="ct_room"),
        "or1": ResourceFactory(code="or-1", name="Operating room 1", kind="operating_room"),
        "or2": ResourceFactory(code="or-2", name="Operating room 2", kind="operating_room"),
        "linac": ResourceFactory(code="linac-1", name="Linac", kind="linac"),
        "mri": ResourceFactory(code="mri-1", name="MRI", kind="mri"),
    }


@pytest.fixture
def coordinator_principal(coordinator):
    return principal_for_user(coordinator)


@pytest.fixture(autouse=True)
def _default_rules(request):
    """Migration 0003 seeds the rules and catalogue, but a transactional test's flush (here or in
    another app) empties every table; re-create what is missing for each database test."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None:
        return
    request.getfixturevalue("transactional_db" if marker.kwargs.get("transaction") else "db")
    from scheduling.demo import seed_rules_and_catalogue
    from scheduling.domain.catalogue import DEFAULT_PROCEDURES, TIMING_RULES
    from scheduling.models import ProcedureCatalogueEntry, TimingRule

    if (TimingRule.objects.count() < len(TIMING_RULES)
            or ProcedureCatalogueEntry.objects.count() < len(DEFAULT_PROCEDURES)):
        seed_rules_and_catalogue()
