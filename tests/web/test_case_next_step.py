"""The coordinator's case page says what comes next, refuses "ready" while something is missing
and the intake form shows every problem in one round (issue 11, item 10)."""

from __future__ import annotations

import pytest

from cases.models import Case
from tests.factories.boardsvc import make_case
from tests.support.cases import intake_form
from tests.support.web import login

pytestmark = pytest.mark.django_db


def test_a_listed_case_links_its_meeting(coordinator, world):
    body = login(coordinator).get(f"/cases/{world.case_a.public_id}/").content.decode()
    assert 'id="next-step"' in body
    assert "Listed for discussion: nothing to do before the meeting." in body
    assert f'href="/meetings/{world.meeting_a.public_id}/"' in body
    assert "Spine board" in body


def test_members_do_not_get_the_coordinators_next_step(world):
    body = login(world.member_a).get(f"/cases/{world.case_a.public_id}/").content.decode()
    assert 'id="next-step"' not in body


def test_an_incomplete_case_says_what_to_do_and_cannot_be_made_ready(coordinator, world):
    case = make_case(status="submitted", requested_board="board-a", imaging_available=False)
    client = login(coordinator)
    page = client.get(f"/cases/{case.public_id}/").content.decode()
    assert "Complete the referral: resolve the items listed under readiness" in page
    response = client.post(f"/cases/{case.public_id}/", {"to": "ready_for_mdt",
                                                         "version": case.version}, follow=True)
    body = response.content.decode()
    assert "The case is not ready for MDT yet. Missing: (1) Relevant imaging is not available" \
        in body
    case.refresh_from_db()
    assert case.status == "submitted"


def test_a_complete_case_is_told_to_be_marked_ready(coordinator, world):
    case = make_case(status="submitted", requested_board="board-a")
    body = login(coordinator).get(f"/cases/{case.public_id}/").content.decode()
    assert "The referral is complete: mark it ready for MDT." in body


def test_the_intake_form_shows_every_problem_at_once(coordinator, world):
    data = intake_form(**{
        "case-ecog": "9",
        "lesions-0-site": "long_bone_lower",  # with a vertebral level T12
        "lesions-0-vascularity_method": "none",  # hypervascular, no method
        "lesions-0-max_diameter_mm": "0",
    })
    response = login(coordinator).post("/cases/new/", data)
    assert response.status_code == 400
    body = response.content.decode()
    assert "A vertebral level (T12) is given for a lesion that is not in the spine" in body
    assert "Hypervascular needs the imaging that showed it" in body
    for field in ("case-ecog", "lesions-0-max_diameter_mm", "lesions-0-vertebral_level",
                  "lesions-0-vascularity_method"):
        assert f'id="id_{field}-errors"' in body
    assert not Case.objects.filter(referring_clinician="Dr Web Form").exists()
