"""Fixtures of the integration tests: the cast (two boards, their people, a case on each, a
booking) built by tests/support/world.py, which tests/security/conftest.py shares.

``ALL_SCOPES`` and ``World`` are re-exported for files that still import them from here; new
code imports them from ``tests.support.world``.
"""

from __future__ import annotations

import pytest

from tests.support.world import ALL_SCOPES, World, api_client_for, api_world_create, world_create

__all__ = ["ALL_SCOPES", "World", "api_world", "as_user", "world"]


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
