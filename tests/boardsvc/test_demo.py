"""The demo seed: two boards, 8-10 members each covering the quorum, one chair each,
idempotent."""

from __future__ import annotations

import pytest

from boardsvc.demo import seed_demo
from boardsvc.models import Board, BoardMember, Meeting

pytestmark = pytest.mark.django_db


def test_seed_demo_builds_two_boards_with_full_teams_and_is_idempotent(clock):
    first = seed_demo()
    assert first["boards"] == ["bone-mets-spine", "sarcoma"]
    assert first["meetings_created"] == 16
    for board in Board.objects.all():
        members = BoardMember.objects.filter(board=board)
        assert 8 <= members.count() <= 10
        assert members.filter(role="chair").count() == 1
        specialties = set(members.values_list("specialty", flat=True))
        assert all(set(group) & specialties for group in board.quorum_requirements)
    shared = [login for login in first["logins"] if len(login["boards"]) == 2]
    assert len(shared) >= 2
    assert all(login["password"] == "boardsvc-demo" for login in first["logins"])
    second = seed_demo()
    assert second["users_created"] == 0
    assert second["meetings_created"] == 0
    assert [x["username"] for x in second["logins"]] == [x["username"] for x in first["logins"]]
    assert Meeting.objects.count() == 16
