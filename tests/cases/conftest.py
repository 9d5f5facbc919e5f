"""Fixtures for the cases tests: boards, a board member and authenticated API clients."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from boardsvc.models import Board, BoardMember
from tests.factories.core import UserFactory


@pytest.fixture
def spine_board(db) -> Board:
    return Board.objects.get_or_create(slug="bone-mets-spine",
                                       defaults={"name": "Bone metastases / spine"})[0]


@pytest.fixture
def sarcoma_board(db) -> Board:
    return Board.objects.get_or_create(slug="sarcoma", defaults={"name": "Sarcoma"})[0]


@pytest.fixture
def spine_member(spine_board):
    user = UserFactory(username="spine-member")
    BoardMember.objects.create(board=spine_board, user=user, specialty="radiologist")
    return user


@pytest.fixture
def sarcoma_member(sarcoma_board):
    user = UserFactory(username="sarcoma-member")
    BoardMember.objects.create(board=sarcoma_board, user=user, specialty="radiologist")
    return user


def _client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def spine_member_client(spine_member) -> APIClient:
    return _client_for(spine_member)


@pytest.fixture
def sarcoma_member_client(sarcoma_member) -> APIClient:
    return _client_for(sarcoma_member)


@pytest.fixture
def plain_client(plain_user) -> APIClient:
    return _client_for(plain_user)


@pytest.fixture
def admin_client(administrator) -> APIClient:
    return _client_for(administrator)
