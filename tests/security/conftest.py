"""The security suite runs each attack against the integration cast (two boards, their people,
a case and a booking each; tests/support/world.py), the same world as the authorisation
matrix."""

from __future__ import annotations

import pytest

from tests.support.world import World, world_create


@pytest.fixture
def world(db) -> World:
    return world_create()
