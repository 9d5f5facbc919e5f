"""Fixtures for board tests: a bone-metastasis board with its core team, a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from boardsvc.models import BoardMember
from boardsvc.services import board_create, board_member_add
from tests.factories.core import UserFactory

# A Monday; the board meets on Tuesdays at 14:00 Europe/Rome (13:00 UTC in winter).
MONDAY = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)

CORE_TEAM = [
    ("surgeon", "neurosurgeon", BoardMember.Role.MEMBER),
    ("rt", "radiation_oncologist", BoardMember.Role.MEMBER),
    ("rad", "radiologist", BoardMember.Role.MEMBER),
    ("ir", "interventional_radiologist", BoardMember.Role.MEMBER),
    ("chair", "medical_oncologist", BoardMember.Role.CHAIR),
]


@pytest.fixture
def clock():
    with time_machine.travel(MONDAY, tick=False) as traveller:
        yield traveller


@pytest.fixture
def board(db):
    return board_create(slug="bone-mets-spine", name="Bone metastases / spine",
                        focus="Bone metastases and spine")


@pytest.fixture
def team(board):
    """The board's people by short name: surgeon, rt, rad, ir, chair."""
    people = {}
    for key, specialty, role in CORE_TEAM:
        user = UserFactory(username=f"{key}.{board.slug}")
        board_member_add(board=board, user=user, specialty=specialty, role=role)
        people[key] = user
    return people


@pytest.fixture
def other_board(db):
    board = board_create(slug="sarcoma", name="Sarcoma", recurrence_weekday=3,
                         histologies=["osteosarcoma", "chondrosarcoma", "ewing_sarcoma"])
    outsider = UserFactory(username="outsider")
    board_member_add(board=board, user=outsider, specialty="radiologist")
    return board


@pytest.fixture
def client_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make

