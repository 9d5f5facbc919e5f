"""Fixtures of the integration tests: the cast (two boards, their people, a case on each, a
booking) built by tests/support/world.py, which tests/security/conftest.py shares.

``ALL_SCOPES`` and ``World`` are re-exported for files that still import them from here; new
code imports them from ``tests.support.world``.
"""

from __future__ import annotations

import pytest

from tests.support.world import ALL_SCOPES, World, api_client_for, api_world_create, world_create

__all__ = ["ALL_SCOPES", "World", "api_world", "as_user", "worker_rooms", "world"]


@pytest.fixture
def world(db) -> World:
    return world_create()


@pytest.fixture
def as_user():
    """``as_user(user)``: a DRF test client authenticated as that user."""
    return api_client_for


@pytest.fixture
def api_world(world: World) -> World:
    """The world plus board A's meeting, agenda items, a decision and an open violation."""
    return api_world_create(world)


@pytest.fixture
def worker_rooms(transactional_db):
    """For the real-worker tests (which commit): the timing rules and catalogue (a
    transactional flush elsewhere may have emptied them), an angio suite and a theatre."""
    from scheduling.demo import seed_rules_and_catalogue
    from tests.factories.scheduling import ResourceFactory

    seed_rules_and_catalogue()
    return {"angio": ResourceFactory(code="angio-1", name="Angio suite", kind="angio_suite"),
            "or1": ResourceFactory(code="or-1", name="Operating room 1", kind="operating_room")}
