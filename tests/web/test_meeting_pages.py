"""Agenda, live meeting mode (attendance, quorum, decisions, concurrency) and print pages."""

from __future__ import annotations

import re

import pytest

from boardsvc.models import Attendance, Decision, Meeting
from core.models import AuditEvent
from tests.support.boardsvc import due_soon
from tests.support.web import login

pytestmark = pytest.mark.django_db


def _live(world):
    return f"/meetings/{world.meeting_a.public_id}/live/"


def _start(world):
    due_soon(world.meeting_a)  # a meeting starts from its start margin (issue 11, item 9)
    client = login(world.chair_a)
    response = client.post(f"/meetings/{world.meeting_a.public_id}/state/", {"action": "start"})
    assert response.status_code == 302
    world.meeting_a.refresh_from_db()
    assert world.meeting_a.status == Meeting.Status.IN_SESSION
    return client


def _suggested(client, world) -> list[str]:
    """The suggested-procedure checkbox values the live page offers for the case."""
    body = client.get(_live(world)).content.decode()
    return re.findall(r'name="procedure" value="([^"]+)"', body)


def _fields(**extra):
    """What the decision form requires besides the plan (the default outcome template), with
    the case's one lesion explicitly given no alternative."""
    return {"outcome_category": "treatment", "intent": "palliative",
            "responsible_clinician": "chair.a", "lesion_0": "none", **extra}


def _decision_url(world):
    return f"/meetings/{world.meeting_a.public_id}/items/{world.item_a.public_id}/decision/"


def test_the_agenda_shows_case_cards_with_suggestions_and_audits_each_case(world):
    response = login(world.member_a).get(f"/meetings/{world.meeting_a.public_id}/")
    body = response.content.decode()
    assert response.status_code == 200
    assert str(world.case_a.patient.public_id)[:8] in body
    assert "Renal cell carcinoma" in body
    assert "Local treatment options?" in body
    assert 'class="suggestion"' in body
    assert AuditEvent.objects.filter(action="read", object_type="case",
                                     object_id=str(world.case_a.public_id)).exists()


def test_the_agenda_search_filters_cards_and_htmx_gets_the_list_only(world):
    client = login(world.member_a)
    url = f"/meetings/{world.meeting_a.public_id}/"
    none = client.get(url, {"q": "no-such-thing"}, HTTP_HX_REQUEST="true")
    assert none.status_code == 200
    assert b"<html" not in none.content
    assert b"No case on this agenda matches." in none.content
    hit = client.get(url, {"q": "renal"})
    assert str(world.case_a.patient.public_id)[:8] in hit.content.decode()


def test_attendance_at_the_door_and_quorum(world):
    client = _start(world)
    url = f"/meetings/{world.meeting_a.public_id}/attendance/"
    client.post(url, {"username": "member.a", "action": "arrive"})
    assert Attendance.objects.filter(meeting=world.meeting_a, user=world.member_a).exists()
    body = client.get(_live(world)).content.decode()
    assert "No quorum" in body  # only a radiologist is present
    client.post(url, {"username": "member.a", "action": "leave"})
    assert Attendance.objects.get(user=world.member_a).left_at is not None


def test_a_plain_member_cannot_take_attendance(world):
    response = login(world.member_a).post(
        f"/meetings/{world.meeting_a.public_id}/attendance/",
        {"username": "member.a", "action": "arrive"})
    assert response.status_code == 403


def test_departing_from_suggestions_needs_an_override_reason(world):
    client = _start(world)
    lesion = world.case_a.lesions.first()
    data = {**_fields(), "outcome_text": "Surgery only.", "extra_procedure_type": "surgery",
            "extra_lesion": str(lesion.public_id), "extra_intent": "palliative"}
    refused = client.post(_decision_url(world), data)
    assert refused.status_code == 400
    assert "override reason" in refused.content.decode()
    assert not Decision.objects.exists()
    data["override_reason"] = "Patient prefers a single procedure."
    ok = client.post(_decision_url(world), data)
    assert ok.status_code == 302
    decision = Decision.objects.get()
    assert decision.followed_suggestions is False
    assert decision.override_reason == "Patient prefers a single procedure."


def test_two_people_cannot_overwrite_each_others_decision(world):
    client = _start(world)
    client.post(_decision_url(world), {**_fields(), "outcome_text": "Radiotherapy.",
                                       "procedure": _suggested(client, world)[:1]})
    decision = Decision.objects.get()
    # Both editors loaded version 1; the first amendment wins ...
    first = client.post(_decision_url(world), {**_fields(lesion_0=""), "outcome_text": "Radiotherapy 8 Gy.",
                                               "version": decision.version,
                                               "amend_reason": "dose"})
    assert first.status_code == 302
    # ... the second gets a clear message instead of silently overwriting it.
    second = client.post(_decision_url(world), {**_fields(lesion_0=""), "outcome_text": "Something else.",
                                                "version": decision.version,
                                                "amend_reason": "mine"})
    assert second.status_code == 409
    assert "changed by someone else" in second.content.decode()
    decision.refresh_from_db()
    assert decision.outcome_text == "Radiotherapy 8 Gy."


def test_a_second_new_decision_on_the_same_case_is_reported_as_a_conflict(world):
    client = _start(world)
    client.post(_decision_url(world), {**_fields(), "outcome_text": "Radiotherapy.",
                                       "procedure": _suggested(client, world)[:1]})
    again = client.post(_decision_url(world), {**_fields(), "outcome_text": "Other."})
    assert again.status_code == 409
    assert "changed by someone else" in again.content.decode()


def test_defer_needs_a_reason(world):
    client = _start(world)
    url = f"/meetings/{world.meeting_a.public_id}/items/{world.item_a.public_id}/outcome/"
    page = client.post(url, {"action": "deferred", "reason": ""}, follow=True)
    assert "reason" in page.content.decode().lower()
    world.item_a.refresh_from_db()
    assert world.item_a.outcome == "pending"


def test_the_decision_summary_is_printable_and_scoped(world):
    client = _start(world)
    client.post(_decision_url(world), {**_fields(), "outcome_text": "Radiotherapy.",
                                       "procedure": _suggested(client, world)[:1]})
    decision = Decision.objects.get()
    page = login(world.member_a).get(f"/decisions/{decision.public_id}/")
    assert page.status_code == 200
    assert b"data-print" in page.content
    assert login(world.member_b).get(f"/decisions/{decision.public_id}/").status_code == 404


def test_keyboard_navigation_links_are_present(world):
    from tests.factories.boardsvc import AgendaItemFactory

    AgendaItemFactory(meeting=world.meeting_a)
    body = login(world.member_a).get(_live(world)).content.decode()
    assert 'data-hotkey="next"' in body


def test_the_calendar_shows_the_month(world):
    body = login(world.member_a).get("/meetings/calendar/").content.decode()
    assert 'class="calendar"' in body
