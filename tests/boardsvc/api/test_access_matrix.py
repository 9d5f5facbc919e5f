"""Every board endpoint × {anonymous, wrong method, unknown id, another board's member, plain
member on a managing endpoint, system client without scope} (docs/security.md, S2)."""

from __future__ import annotations

import uuid

import pytest
from django.urls import reverse

from core.models import AuditEvent

pytestmark = pytest.mark.django_db

# name, method, kind of object in the URL, managing endpoint?
ENDPOINTS = [
    ("board-list", "get", None, False),
    ("board-detail", "get", "board", False),
    ("meeting-list", "get", None, False),
    ("meeting-detail", "get", "meeting", False),
    ("meeting-agenda", "get", "meeting", False),
    ("agenda-reorder", "post", "meeting", True),
    ("agenda-late-add", "post", "meeting", True),
    ("attendance-list", "get", "meeting", False),
    ("attendance-record", "post", "meeting", False),
    ("meeting-start", "post", "meeting", True),
    ("meeting-close", "post", "meeting", True),
    ("agenda-item-defer", "post", "item", True),
    ("agenda-item-standard-of-care", "post", "item", True),
    ("decision-create", "post", "item", True),
    ("decision-ratify", "post", "item", True),
    ("decision-detail", "get", "decision", False),
    ("decision-amend", "patch", "decision", True),
    ("case-placement", "get", "case", False),
]
WRONG_METHOD = {"get": "delete", "post": "get", "patch": "put"}


def url_for(name, kind, world, *, own=True):
    if kind is None:
        return reverse(f"boardsvc_api:{name}")
    if not own:
        public_id = {
            "board": world.other_board.public_id,
            "meeting": world.other_meeting.public_id,
            "item": None, "decision": None, "case": None,
        }[kind]
        if public_id is None:
            return None
    else:
        public_id = {
            "board": world.board.public_id,
            "meeting": world.meeting.public_id,
            "item": world.items[0].public_id,
            "decision": uuid.uuid4(),
            "case": world.items[0].case.public_id,
        }[kind]
    return reverse(f"boardsvc_api:{name}", kwargs={"public_id": public_id})


def call(client, method, url, data=None):
    return getattr(client, method)(url, data or {}, format="json")


@pytest.mark.parametrize(("name", "method", "kind", "manage"), ENDPOINTS)
def test_anonymous_callers_get_401(api_client, world, name, method, kind, manage):
    response = call(api_client, method, url_for(name, kind, world))
    assert response.status_code == 401
    assert response["Content-Type"].startswith("application/problem+json")


@pytest.mark.parametrize(("name", "method", "kind", "manage"), ENDPOINTS)
def test_a_wrong_method_gets_405(client_for, world, name, method, kind, manage):
    response = call(client_for(world.team["chair"]), WRONG_METHOD[method],
                    url_for(name, kind, world))
    assert response.status_code == 405


@pytest.mark.parametrize(("name", "method", "kind", "manage"),
                         [e for e in ENDPOINTS if e[2] is not None])
def test_an_unknown_id_gets_404(client_for, world, name, method, kind, manage):
    url = reverse(f"boardsvc_api:{name}", kwargs={"public_id": uuid.uuid4()})
    response = call(client_for(world.team["chair"]), method, url)
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "method", "kind", "manage"),
                         [e for e in ENDPOINTS if e[2] in ("board", "meeting", "item", "case")])
def test_another_boards_member_gets_404_and_the_refusal_is_audited(
        client_for, world, name, method, kind, manage):
    response = call(client_for(world.outsider), method, url_for(name, kind, world))
    expected = 403 if manage else 404  # no managing role anywhere: refused before the lookup
    assert response.status_code == expected
    if not manage:
        assert AuditEvent.objects.filter(outcome="denied").exists()


@pytest.mark.parametrize(("name", "method", "kind", "manage"),
                         [e for e in ENDPOINTS if e[2] in ("board", "meeting")])
def test_a_chair_cannot_reach_another_boards_objects(client_for, world, name, method, kind,
                                                     manage):
    response = call(client_for(world.team["chair"]), method,
                    url_for(name, kind, world, own=False))
    assert response.status_code == 404


@pytest.mark.parametrize(("name", "method", "kind", "manage"), [e for e in ENDPOINTS if e[3]])
def test_a_plain_member_cannot_manage_the_agenda(client_for, world, name, method, kind, manage):
    response = call(client_for(world.member), method, url_for(name, kind, world))
    assert response.status_code == 403


def test_a_chair_of_one_board_who_is_a_plain_member_of_another_gets_403(client_for, world):
    from boardsvc.services import board_member_add

    board_member_add(board=world.other_board, user=world.team["chair"], specialty="pathologist")
    url = reverse("boardsvc_api:meeting-start", kwargs={"public_id": world.other_meeting.public_id})
    response = client_for(world.team["chair"]).post(url, {}, format="json")
    assert response.status_code == 403


@pytest.mark.parametrize(("name", "method", "kind", "manage"), ENDPOINTS)
def test_a_system_client_without_the_scope_gets_403(oauth_client_factory, world, name, method,
                                                    kind, manage):
    client = oauth_client_factory("cases:read")
    response = call(client, method, url_for(name, kind, world))
    assert response.status_code == 403


def test_a_system_client_with_agenda_read_reads_every_board(oauth_client_factory, world):
    client = oauth_client_factory("agenda:read")
    response = client.get(reverse("boardsvc_api:meeting-list"))
    assert response.status_code == 200
    assert response.json()["count"] == 2
