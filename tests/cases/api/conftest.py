"""Fixtures of the case API tests."""

from __future__ import annotations

import pytest

from tests.factories.cases import CaseFactory, LesionFactory


@pytest.fixture
def case(spine_board):
    """A submitted case for the spine board with one lesion."""
    case = CaseFactory(requested_board="bone-mets-spine")
    LesionFactory(case=case)
    return case
