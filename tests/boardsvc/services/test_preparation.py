"""boardsvc.services.preparation: which reviews a meeting needs, who gets them, who closes them."""

from __future__ import annotations

import pytest

from boardsvc.domain.errors import BoardRuleError
from boardsvc.models import AgendaItem, BoardMember, PreparationTask
from boardsvc.services.preparation import (
    preparation_list_build,
    preparation_task_assign,
    preparation_task_set_done,
)
from core.access import principal_for_user
from tests.factories.boardsvc import (
    AgendaItemFactory,
    BoardFactory,
    BoardMemberFactory,
    MeetingFactory,
    make_case,
)
from tests.factories.core import UserFactory
from tests.support.attachments import study_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def board():
    return BoardFactory(slug="prep-board", name="Preparation board")


@pytest.fixture
def people(board):
    out = {}
    for key, specialty, role in (("chair", "spine_surgeon", BoardMember.Role.CHAIR),
                                 ("radiologist", "radiologist", BoardMember.Role.MEMBER),
                                 ("pathologist", "pathologist", BoardMember.Role.MEMBER),
                                 ("oncologist", "medical_oncologist", BoardMember.Role.MEMBER)):
        user = UserFactory(username=f"prep.{key}")
        BoardMemberFactory(board=board, user=user, specialty=specialty, role=role)
        out[key] = user
    return out


@pytest.fixture
def meeting(board):
    return MeetingFactory(board=board)


def _item(meeting, *, histology="breast", imaging=False, **fields):
    case = make_case(status="listed", histology=histology)
    if imaging:
        study_for(case)
    return AgendaItemFactory(meeting=meeting, case=case, **fields)


def _kinds(meeting):
    return sorted((t.agenda_item.case.primary_histology, t.kind)
                  for t in PreparationTask.objects.filter(agenda_item__meeting=meeting))


def test_a_case_with_imaging_gets_a_radiology_review(meeting):
    _item(meeting, imaging=True)
    preparation_list_build(meeting=meeting)
    assert _kinds(meeting) == [("breast", "radiology")]


def test_an_unknown_primary_gets_a_pathology_review(meeting):
    _item(meeting, histology="unknown_primary")
    preparation_list_build(meeting=meeting)
    assert _kinds(meeting) == [("unknown_primary", "pathology")]


def test_an_other_histology_gets_a_pathology_review(meeting):
    _item(meeting, histology="other", imaging=True)
    preparation_list_build(meeting=meeting)
    assert _kinds(meeting) == [("other", "pathology"), ("other", "radiology")]


def test_a_known_histology_without_imaging_needs_no_review(meeting):
    _item(meeting, histology="prostate")
    assert preparation_list_build(meeting=meeting) == []


def test_building_twice_adds_nothing_new(meeting):
    _item(meeting, imaging=True)
    preparation_list_build(meeting=meeting)
    assert preparation_list_build(meeting=meeting) == []
    assert PreparationTask.objects.count() == 1


def test_items_no_longer_pending_get_no_review(meeting):
    _item(meeting, imaging=True, outcome=AgendaItem.Outcome.DEFERRED)
    assert preparation_list_build(meeting=meeting) == []


def test_new_reviews_go_to_the_boards_radiologist_and_pathologist(meeting, people):
    _item(meeting, histology="unknown_primary", imaging=True)
    preparation_list_build(meeting=meeting)
    assignees = {t.kind: t.assignee for t in PreparationTask.objects.all()}
    assert assignees == {"radiology": people["radiologist"], "pathology": people["pathologist"]}


def test_the_chair_reassigns_a_review_to_a_board_member(meeting, people):
    _item(meeting, imaging=True)
    [task] = preparation_list_build(meeting=meeting)
    task = preparation_task_assign(principal=principal_for_user(people["chair"]), task=task,
                                   assignee_id=people["oncologist"].pk)
    assert task.assignee == people["oncologist"]


def test_a_review_cannot_go_to_someone_outside_the_board(meeting, people):
    _item(meeting, imaging=True)
    [task] = preparation_list_build(meeting=meeting)
    outsider = UserFactory(username="prep.outsider")
    with pytest.raises(BoardRuleError) as caught:
        preparation_task_assign(principal=principal_for_user(people["chair"]), task=task,
                                assignee_id=outsider.pk)
    assert (caught.value.field, caught.value.rule) == ("assignee", "not_board_member")


def test_a_plain_member_may_not_assign(meeting, people):
    _item(meeting, imaging=True)
    [task] = preparation_list_build(meeting=meeting)
    with pytest.raises(BoardRuleError) as caught:
        preparation_task_assign(principal=principal_for_user(people["oncologist"]), task=task,
                                assignee_id=people["oncologist"].pk)
    assert caught.value.rule == "not_manager"


def test_the_assignee_marks_the_review_done_with_who_and_when(meeting, people):
    _item(meeting, imaging=True)
    [task] = preparation_list_build(meeting=meeting)
    task = preparation_task_set_done(principal=principal_for_user(people["radiologist"]),
                                     task=task, done=True)
    assert task.status == PreparationTask.Status.DONE
    assert task.done_by == people["radiologist"]
    assert task.done_at is not None


def test_marking_it_to_do_again_clears_who_did_it(meeting, people):
    _item(meeting, imaging=True)
    [task] = preparation_list_build(meeting=meeting)
    radiologist = principal_for_user(people["radiologist"])
    preparation_task_set_done(principal=radiologist, task=task, done=True)
    task = preparation_task_set_done(principal=radiologist, task=task, done=False)
    assert (task.status, task.done_by, task.done_at) == ("pending", None, None)


def test_someone_else_may_not_mark_a_review_done(meeting, people):
    _item(meeting, imaging=True)
    [task] = preparation_list_build(meeting=meeting)
    with pytest.raises(BoardRuleError) as caught:
        preparation_task_set_done(principal=principal_for_user(people["oncologist"]),
                                  task=task, done=True)
    assert caught.value.rule == "not_assignee"
    task.refresh_from_db()
    assert task.status == PreparationTask.Status.PENDING
