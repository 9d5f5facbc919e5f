"""Emergency (MSCC, R9-R12) notices in the recipient's language: boardsvc/services/emergency.py
renders its subject and body inside core.notifications' language override, so an Italian site
reads Italian sentences, Italian dates ("mar 24 nov 2026") and the board's Italian name, and an
English site keeps the English text unchanged. The patient appears by label only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import time_machine
from django.utils import translation

from boardsvc.models import BoardMember, Meeting
from boardsvc.services import board_member_add
from boardsvc.services.common import local_label
from cases.models import Case
from cases.selectors import case_label
from core.models import Notification
from tests.factories.cases import submission_payload
from tests.factories.core import UserFactory

pytestmark = pytest.mark.django_db

AT_0330_ROME = datetime(2026, 11, 24, 2, 30, tzinfo=UTC)  # Tuesday 03:30 CET
NAME_IT = "Metastasi ossee / colonna"


@pytest.fixture
def oncall(board, team):
    """The board (with an Italian name) and the people an MSCC reaches."""
    board.name_it = NAME_IT
    board.save(update_fields=["name_it"])
    coordinator = UserFactory(username="coord.board")
    board_member_add(board=board, user=coordinator, specialty="coordinator",
                     role=BoardMember.Role.COORDINATOR)
    mscc = UserFactory(username="mscc.cns")
    board_member_add(board=board, user=mscc, specialty="nurse_specialist",
                     role=BoardMember.Role.MSCC_COORDINATOR)
    return [team["chair"], coordinator, mscc]


def _refer_mscc(client, board, capture) -> tuple[Case, dict]:
    payload = submission_payload(requested_board=board.slug, urgency="emergency",
                                 urgency_reason="New leg weakness since last night.",
                                 referring_clinician="Dr Night Registrar")
    payload["lesions"][0]["neurological_deficit"] = True
    with time_machine.travel(AT_0330_ROME, tick=False), capture(execute=True):
        response = client.post("/api/v1/cases/", payload, format="json")
    assert response.status_code == 201, response.json()
    return Case.objects.get(public_id=response.json()["id"]), payload


def _mark_ready(client, case, capture) -> None:
    with time_machine.travel(AT_0330_ROME.replace(minute=35), tick=False), capture(execute=True):
        moved = client.post(f"/api/v1/cases/{case.public_id}/transition/",
                            {"to": "ready_for_mdt"}, format="json")
    assert moved.status_code == 200, moved.json()


def test_an_mscc_alert_on_an_italian_site_is_italian(
        settings, coordinator_client, board, oncall, django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = "it"
    case, payload = _refer_mscc(coordinator_client, board, django_capture_on_commit_callbacks)
    label = case_label(case)

    alerts = Notification.objects.filter(dedup_key__startswith=f"mscc-alert:{case.pk}:")
    assert {n.recipient for n in alerts} == set(oncall)
    alert = alerts.first()
    assert alert.subject == (f"Urgenza MSCC: il paziente {label} richiede subito l'équipe "
                             f"reperibile di {NAME_IT}")
    body = alert.body
    assert body.startswith("Sospetta compressione midollare metastatica, segnalata il "
                           "mar 24 nov 2026 03:30 Europe/Rome (le scadenze qui sotto decorrono "
                           "da quel momento).")
    assert ("nella fascia di reperibilità del gruppo (08:00-20:00 Europe/Rome)." in body)
    assert "Scadenze (R9-R12, docs/clinical-rules.md):" in body
    assert ("- R12 Contattare il coordinatore MSCC: entro mar 24 nov 03:30 Europe/Rome "
            "(02:30 UTC), immediatamente") in body
    assert ("- R9 RM di tutta la colonna: entro mer 25 nov 03:30 Europe/Rome (02:30 UTC), "
            "entro 24 h dal sospetto") in body
    assert ("- R10 Radioterapia se non candidato alla chirurgia: entro 24 h dalla decisione di "
            "trattare") in body
    # No English left: not a sentence, not a day or month name, not the English board name.
    for english in ("Suspected", "Deadlines", "Tue", "Nov", "within", board.name):
        assert english not in body + alert.subject
    # Still no name or identifier of the patient.
    assert "Night Registrar" not in body
    assert payload["patient"]["identifiers"][0]["value"] not in body + alert.subject

    # The ad-hoc meeting's notice too.
    _mark_ready(coordinator_client, case, django_capture_on_commit_callbacks)
    meeting = Meeting.objects.get(board=board, kind=Meeting.Kind.ADHOC)
    note = Notification.objects.filter(dedup_key__startswith=f"mscc-meeting:{case.pk}:").first()
    assert note.subject == (f"MSCC, paziente {label}: riunione straordinaria di {NAME_IT}, "
                            "mar 24 nov 2026 08:00 Europe/Rome")
    assert "Riunione straordinaria virtuale: mar 24 nov 2026 08:00 Europe/Rome." in note.body
    assert ("- R10 Radioterapia se non candidato alla chirurgia: entro mer 25 nov 08:00 "
            "Europe/Rome (07:00 UTC), entro 24 h dalla decisione di trattare (se presa nella "
            "riunione straordinaria)") in note.body
    assert note.link == f"/meetings/{meeting.public_id}/"


@pytest.mark.parametrize("language", ["en-gb", "en"])
def test_the_same_alert_on_an_english_site_stays_english(
        language, settings, coordinator_client, board, oncall,
        django_capture_on_commit_callbacks):
    settings.LANGUAGE_CODE = language
    case, _payload = _refer_mscc(coordinator_client, board, django_capture_on_commit_callbacks)
    label = case_label(case)

    alert = Notification.objects.filter(dedup_key__startswith=f"mscc-alert:{case.pk}:").first()
    assert alert.subject == (f"MSCC emergency: patient {label} needs the Bone metastases / spine "
                             "on-call team now")
    assert alert.body.splitlines() == [
        "Suspected metastatic spinal cord compression, referred at Tue 24 Nov 2026 03:30 "
        "Europe/Rome (the clocks below start then).",
        "Once the referral is complete and marked ready for MDT, an ad-hoc meeting is set up in "
        "the board's on-call window (08:00-20:00 Europe/Rome).",
        "",
        "Deadlines (R9-R12, docs/clinical-rules.md):",
        "- R12 Contact the MSCC coordinator: by Tue 24 Nov 03:30 Europe/Rome (02:30 UTC), "
        "immediately",
        "- R9 Whole-spine MRI: by Wed 25 Nov 03:30 Europe/Rome (02:30 UTC), within 24 h of the "
        "suspicion",
        "- R12 Expert advice (spinal surgery / clinical oncology): by Wed 25 Nov 03:30 "
        "Europe/Rome (02:30 UTC), within 24 h",
        "- R10 Radiotherapy if not for surgery: within 24 h of the decision to treat",
    ]
    assert NAME_IT not in alert.subject + alert.body

    _mark_ready(coordinator_client, case, django_capture_on_commit_callbacks)
    note = Notification.objects.filter(dedup_key__startswith=f"mscc-meeting:{case.pk}:").first()
    assert note.subject == (f"MSCC, patient {label}: ad-hoc meeting of Bone metastases / spine, "
                            "Tue 24 Nov 2026 08:00 Europe/Rome")
    assert "Ad-hoc virtual meeting: Tue 24 Nov 2026 08:00 Europe/Rome." in note.body


def test_each_recipient_reads_their_own_language(
        settings, monkeypatch, coordinator_client, board, oncall,
        django_capture_on_commit_callbacks):
    """The texts are rendered per recipient: one reader in Italian, the others in English."""
    from core import notifications

    settings.LANGUAGE_CODE = "en"
    italian = oncall[1]
    monkeypatch.setattr(notifications, "recipient_language",
                        lambda user: "it" if user.pk == italian.pk else "en")
    case, _payload = _refer_mscc(coordinator_client, board, django_capture_on_commit_callbacks)
    alerts = {n.recipient_id: n for n in
              Notification.objects.filter(dedup_key__startswith=f"mscc-alert:{case.pk}:")}
    assert alerts[italian.pk].subject.endswith(f"l'équipe reperibile di {NAME_IT}")
    assert "segnalata il mar 24 nov 2026 03:30 Europe/Rome" in alerts[italian.pk].body
    assert alerts[oncall[0].pk].subject.endswith("Bone metastases / spine on-call team now")
    assert "referred at Tue 24 Nov 2026 03:30 Europe/Rome" in alerts[oncall[0].pk].body


def test_a_local_label_follows_the_active_language(board):
    moment = datetime(2026, 11, 24, 13, 0, tzinfo=UTC)
    with translation.override("it"):
        assert local_label(moment, board) == "mar 24 nov 2026 14:00 Europe/Rome"
    with translation.override("en"):
        assert local_label(moment, board) == "Tue 24 Nov 2026 14:00 Europe/Rome"
