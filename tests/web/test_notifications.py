"""The notification inbox: only my notifications, mark read, the unread count in the nav."""

from __future__ import annotations

import uuid

import pytest

from core.models import Notification
from core.web.inbox import page_link
from tests.factories.core import UserFactory
from tests.support.queries import assert_num_queries, count_queries
from tests.support.web import login

pytestmark = pytest.mark.django_db

UNKNOWN = "00000000-0000-4000-8000-000000000000"
PLAN = "11111111-2222-4333-8444-555555555555"


def _note(user, *, subject="R1 soft timing rule broken in plan 11111111", link="",
          kind=Notification.Kind.RULE_VIOLATION, read=False) -> Notification:
    from django.utils import timezone

    return Notification.objects.create(
        recipient=user, kind=kind, subject=subject, body="Synthetic message.", link=link,
        dedup_key=f"test:{uuid.uuid4()}", read_at=timezone.now() if read else None)


@pytest.mark.parametrize(("link", "page"), [
    (f"/plans/{PLAN}/timeline/", f"/plans/{PLAN}/timeline/"),
    (f"/meetings/{PLAN}/", f"/meetings/{PLAN}/"),
    (f"/api/v1/plans/{PLAN}/validation/", ""),  # an API resource is not a page
    ("/api/v1/other/", ""),
    ("https://elsewhere.example/", ""),
    ("//elsewhere.example/", ""),
    ("javascript:alert(1)", ""),
    ("", ""),
])
def test_links_open_a_page_of_this_site_and_never_an_api_resource_or_another_site(link, page):
    assert page_link(link) == page


def test_anonymous_is_sent_to_login(client):
    response = client.get("/notifications/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_the_inbox_lists_only_my_notifications(coordinator):
    other = UserFactory(username="someone.else")
    mine = _note(coordinator, link=f"/plans/{PLAN}/timeline/")
    _note(other, subject="Not for you")
    body = login(coordinator).get("/notifications/").content.decode()
    assert mine.subject in body
    assert "Not for you" not in body
    assert f'href="/plans/{PLAN}/timeline/"' in body


def test_the_nav_shows_the_unread_count(coordinator):
    _note(coordinator)
    _note(coordinator)
    _note(coordinator, read=True)
    body = login(coordinator).get("/meetings/").content.decode()
    assert 'href="/notifications/"' in body
    assert '<span class="count" aria-hidden="true">2</span>' in body
    assert "(2 unread)" in body


def test_marking_one_read(coordinator):
    note = _note(coordinator)
    client = login(coordinator)
    response = client.post(f"/notifications/{note.pk}/read/", {"show": "unread"})
    assert response.status_code == 302
    assert response["Location"] == "/notifications/?show=unread"
    note.refresh_from_db()
    assert note.read_at is not None
    # Twice is harmless.
    assert client.post(f"/notifications/{note.pk}/read/").status_code == 302


def test_nobody_marks_someone_elses_notification(coordinator):
    other = _note(UserFactory(username="someone.else"))
    client = login(coordinator)
    assert client.post(f"/notifications/{other.pk}/read/").status_code == 404
    assert client.post(f"/notifications/{UNKNOWN}/read/").status_code == 404
    other.refresh_from_db()
    assert other.read_at is None


def test_marking_read_refuses_get(coordinator):
    note = _note(coordinator)
    assert login(coordinator).get(f"/notifications/{note.pk}/read/").status_code == 405
    assert login(coordinator).get("/notifications/read-all/").status_code == 405


def test_mark_all_read_and_the_unread_filter(coordinator):
    _note(coordinator, subject="First")
    _note(coordinator, subject="Second")
    client = login(coordinator)
    unread = client.get("/notifications/", {"show": "unread"}).content.decode()
    assert "First" in unread
    assert "Second" in unread
    response = client.post("/notifications/read-all/", follow=True)
    assert "2 notifications marked as read." in response.content.decode()
    assert not Notification.objects.filter(recipient=coordinator, read_at__isnull=True).exists()
    assert "No unread notification." in client.get("/notifications/",
                                                   {"show": "unread"}).content.decode()


def test_the_inbox_runs_the_same_queries_whatever_the_number_of_notifications(coordinator):
    _note(coordinator)
    client = login(coordinator)
    client.get("/notifications/")
    one = count_queries(lambda: client.get("/notifications/"))
    for _ in range(5):
        _note(coordinator)
    with assert_num_queries(one):
        client.get("/notifications/")


def test_members_have_an_inbox_too(world):
    _note(world.member_a, subject="Agenda circulated", kind=Notification.Kind.AGENDA_CIRCULATED,
          link=f"/meetings/{world.meeting_a.public_id}/")
    page = login(world.member_a).get("/notifications/")
    assert page.status_code == 200
    assert "Agenda circulated" in page.content.decode()
