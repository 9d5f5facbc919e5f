"""/meetings/<id>/preparation/: the reviews before the meeting, by whom, what is done (htmx)."""

from __future__ import annotations

import pytest

from boardsvc.models import BoardMember, PreparationTask
from boardsvc.services.preparation import preparation_list_build
from cases.selectors import AUDIT_IDENTIFY
from tests.factories.boardsvc import AgendaItemFactory, BoardMemberFactory, make_case
from tests.factories.core import UserFactory
from tests.support.attachments import audit_rows, identify, study_for
from tests.support.queries import count_queries
from tests.support.web import login

pytestmark = pytest.mark.django_db


def _url(meeting, tail: str = "") -> str:
    return f"/meetings/{meeting.public_id}/preparation/{tail}"


@pytest.fixture
def task(world):
    identify(world.case_a, number="RM7788", given="Marco", family="Bianchi")
    study_for(world.case_a)
    [task] = preparation_list_build(meeting=world.meeting_a)
    return task


def test_the_page_lists_each_review_with_its_reviewer(world, task):
    html = login(world.chair_a).get(_url(world.meeting_a)).content.decode()
    assert "Radiology review" in html
    # The board's radiologist got it.
    assert f'<option value="{world.member_a.pk}" selected>' in html


def test_the_page_shows_who_the_patient_is_and_audits_it(world, task):
    html = login(world.member_a).get(_url(world.meeting_a)).content.decode()
    assert "RM7788" in html
    assert len(audit_rows(AUDIT_IDENTIFY, "case")) == 1


def test_the_agenda_links_to_the_preparation_list(world):
    html = login(world.member_a).get(f"/meetings/{world.meeting_a.public_id}/").content.decode()
    assert _url(world.meeting_a) in html


def test_the_chair_builds_the_list_from_the_agenda(world):
    study_for(world.case_a)
    response = login(world.chair_a).post(_url(world.meeting_a, "build/"))
    assert response.status_code == 302
    assert PreparationTask.objects.filter(agenda_item=world.item_a, kind="radiology").exists()


def test_a_plain_member_may_not_build_the_list(world):
    response = login(world.member_a).post(_url(world.meeting_a, "build/"))
    assert response.status_code == 403


def test_the_assignee_marks_a_review_done_with_htmx(world, task):
    response = login(world.member_a).post(_url(world.meeting_a, f"{task.public_id}/done/"),
                                          {"done": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.lstrip().startswith(f'<tr id="task-{task.public_id}"')
    assert "Mark to do" in html
    task.refresh_from_db()
    assert task.status == PreparationTask.Status.DONE


def test_someone_else_gets_the_refusal_on_the_row(world, task):
    colleague = UserFactory(username="member.a2")
    BoardMemberFactory(board=world.board_a, user=colleague, specialty="medical_oncologist",
                       role=BoardMember.Role.MEMBER)
    response = login(colleague).post(_url(world.meeting_a, f"{task.public_id}/done/"),
                                     {"done": "1"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 403
    assert 'role="alert"' in response.content.decode()
    task.refresh_from_db()
    assert task.status == PreparationTask.Status.PENDING


def test_the_chair_assigns_a_review(world, task):
    response = login(world.chair_a).post(_url(world.meeting_a, f"{task.public_id}/assign/"),
                                         {"assignee": str(world.chair_a.pk)})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assignee == world.chair_a


def test_my_reviews_shows_only_mine(world, task):
    html = login(world.chair_a).get(_url(world.meeting_a) + "?mine=1").content.decode()
    assert "Nothing is assigned to you" in html


def test_another_boards_member_gets_404(world, task):
    assert login(world.member_b).get(_url(world.meeting_a)).status_code == 404


def test_the_page_reads_a_fixed_number_of_queries_whatever_the_rows(world, task):
    client = login(world.chair_a)
    client.get(_url(world.meeting_a))
    one = count_queries(lambda: client.get(_url(world.meeting_a)))
    for _ in range(3):
        case = make_case(status="listed", histology="unknown_primary")
        AgendaItemFactory(meeting=world.meeting_a, case=case)
    preparation_list_build(meeting=world.meeting_a)
    assert count_queries(lambda: client.get(_url(world.meeting_a))) == one
