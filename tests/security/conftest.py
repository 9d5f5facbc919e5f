"""The security suite reuses the integration cast (two boards, their people, a booking each),
so each attack runs against the same world as the authorization matrix."""

from __future__ import annotations

from tests.integration.conftest import api_world, as_user, world  # noqa: F401
