"""Emergencies reach people at once, at sensible hours (issue 11, item 6; R9-R12):
boardsvc/services/emergency.py, driven through the cases API and the tasks.

A coordinator submits a suspected MSCC at 03:30 (Rome): the board's chair, coordinator and
MSCC coordinator are told at once with the R9-R12 deadlines; once the case is ready the ad-hoc
virtual meeting is at 08:00, the start of the on-call window, not at 05:30."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine

from boardsvc import tasks
from boardsvc.models import BoardMember, Meeting
from boardsvc.services import board_member_add
from cases.models import Case
from cases.selectors import case_label
from core.models import Notification
from tests.factories.cases import submission_payload
from tests.factories.core import UserFactory

pytestmark = pytest.mark.django_db

AT_0330_ROME = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # Tuesday 03:30 CET


@pytest.fixture
def oncall(board, team):
    """The people an MSCC reaches: the chair, a board coordinator and an MSCC coordinator."""
    coordinator = UserFactory(username="coord.board")
    board_member_add(board=board, user=coordinator, specialty="coordinator",
                     role=BoardMember.Role.COORDINATOR)
    mscc = UserFactory(username="mscc.cns")
    board_member_add(board=board, user=mscc, specialty="nurse_specialist",
                     role=BoardMember.Role.MSCC_COORDINATOR)
    return {"chair": team["chair"], "coordinator": coordinator, "mscc": mscc}


def _mscc_payload(board) -> dict:
    payload = submission_payload(requested_board=board.slug, urgency="emergency",
                                 urgency_reason="New leg weakness since last night.",
                                 referring_clinician="Dr Night Registrar")
    payload["lesions"][0]["neurological_deficit"] = True
    return payload


def test_an_mscc_case_at_0330_alerts_the_oncall_people_at_once_and_meets_at_0800(
        coordinator_client, board, oncall, django_capture_on_commit_callbacks, mailoutbox):
    payload = _mscc_payload(board)
    with time_machine.travel(AT_0330_ROME, tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 201, response.json()
    case = Case.objects.get(public_id=response.json()["id"])

    alerts = Notification.objects.filter(dedup_key__startswith=f"mscc-alert:{case.pk}:")
    assert {n.recipient for n in alerts} == set(oncall.values())  # exactly the three
    alert = alerts.first()
    assert alert.subject.startswith(f"MSCC emergency: patient {case_label(case)} needs the ")
    assert alert.subject.endswith(" on-call team now")
    assert alert.link == f"/cases/{case.public_id}/"
    # e-mailed at once, whatever the hour
    assert alert.emailed_at == AT_0330_ROME
    assert sorted(m.to[0] for m in mailoutbox) == sorted(u.email for u in oncall.values())
    body = alert.body
    assert "referred at Tue 24 Nov 2026 03:30 Europe/Rome" in body
    assert "- R12 Contact the MSCC coordinator: by Tue 24 Nov 03:30 Europe/Rome" in body
    assert "- R9 Whole-spine MRI: by Wed 25 Nov 03:30 Europe/Rome (02:30 UTC)" in body
    assert "- R12 Expert advice (spinal surgery / clinical oncology): by Wed 25 Nov 03:30" in body
    assert "- R10 Radiotherapy if not for surgery: within 24 h of the decision to treat" in body
    assert "08:00-20:00 Europe/Rome" in body
    # pseudonym and link only: no clinician name, no identifier
    assert "Night Registrar" not in body
    assert payload["patient"]["identifiers"][0]["value"] not in body + alert.subject

    # The case is complete, so it is marked ready: the ad-hoc meeting waits for 08:00.
    with time_machine.travel(AT_0330_ROME.replace(minute=35), tick=False), \
            django_capture_on_commit_callbacks(execute=True):
        moved = coordinator_client.post(f"/api/v1/cases/{case.public_id}/transition/",
                                        {"to": "ready_for_mdt"}, format="json")
    assert moved.status_code == 200, moved.json()
    meeting = Meeting.objects.get(board=board, kind=Meeting.Kind.ADHOC)
    assert meeting.starts_at == datetime(2026, 11, 24, 7, 0, tzinfo=UTC)  # 08:00 in Rome
    assert meeting.virtual
    case.refresh_from_db()
    assert case.status == "listed"
    told = Notification.objects.filter(dedup_key__startswith=f"mscc-meeting:{case.pk}:")
    assert {n.recipient for n in told} == set(oncall.values())
    note = told.first()
    assert note.link == f"/meetings/{meeting.public_id}/"
    assert "Ad-hoc virtual meeting: Tue 24 Nov 2026 08:00 Europe/Rome." in note.body
    # R10 from a decision at that meeting: radiotherapy by 08:00 the next day at the latest.
    assert "- R10 Radiotherapy if not for surgery: by Wed 25 Nov 08:00 Europe/Rome" in note.body

    # The chair sees where it is and why.
    chair_view = coordinator_client.get(f"/api/v1/cases/{case.public_id}/placement/").json()
    assert "on-call window (08:00-20:00 Europe/Rome)" in str(chair_view)

    # Alerts are idempotent: the task again (or an update) tells nobody twice.
    assert tasks.emergency_alert(case.pk) == 0
    assert Notification.objects.filter(dedup_key__startswith=f"mscc-alert:{case.pk}:").count() \
        == 3


def test_a_routine_case_alerts_nobody(coordinator_client, board, oncall,
                                      django_capture_on_commit_callbacks):
    payload = submission_payload(requested_board=board.slug)
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 201
    assert not Notification.objects.filter(dedup_key__startswith="mscc-").exists()


def test_an_update_that_reveals_mscc_alerts_then(coordinator_client, board, oncall,
                                                 django_capture_on_commit_callbacks):
    payload = submission_payload(requested_board=board.slug)
    with django_capture_on_commit_callbacks(execute=True):
        created = coordinator_client.post("/api/v1/cases/", payload, format="json").json()
    lesion = created["lesions"][0]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.patch(
            f"/api/v1/cases/{created['id']}/", {"lesions": [
                {"id": lesion, "neurological_deficit": True}]},
            format="json", HTTP_IF_MATCH='W/"1"')
    assert response.status_code == 200, response.json()
    alerts = Notification.objects.filter(dedup_key__startswith="mscc-alert:")
    assert alerts.count() == 3
    # No recorded deficit means R11 would not apply; with one, the R9 24 h clock does.
    assert "R11" not in alerts.first().body


def test_without_a_board_coordinator_the_site_coordinators_hear(coordinator, board, team,
                                                                django_capture_on_commit_callbacks):
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(coordinator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/api/v1/cases/", _mscc_payload(board), format="json")
    assert response.status_code == 201
    told = {n.recipient for n in Notification.objects.filter(dedup_key__startswith="mscc-alert:")}
    assert told == {team["chair"], coordinator}
