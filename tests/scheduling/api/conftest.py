"""API fixtures: board members of two boards (for IDOR checks) and authenticated clients."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from boardsvc.models import Board, BoardMember
from tests.factories.core import UserFactory
from tests.support.scheduling import client_for


@pytest.fixture
def spine_member(db):
    board = Board.objects.get_or_create(slug="bone-mets-spine", defaults={"name": "Spine"})[0]
    user = UserFactory(username="spine-member")
    BoardMember.objects.create(board=board, user=user, specialty="radiologist")
    return user


@pytest.fixture
def sarcoma_member(db):
    board = Board.objects.get_or_create(slug="sarcoma", defaults={"name": "Sarcoma"})[0]
    user = UserFactory(username="sarcoma-member")
    BoardMember.objects.create(board=board, user=user, specialty="radiologist")
    return user


@pytest.fixture
def spine_client(spine_member) -> APIClient:
    return client_for(spine_member)


@pytest.fixture
def sarcoma_client(sarcoma_member) -> APIClient:
    return client_for(sarcoma_member)


@pytest.fixture
def plain_client(plain_user) -> APIClient:
    return client_for(plain_user)


@pytest.fixture
def admin_client(administrator) -> APIClient:
    return client_for(administrator)
