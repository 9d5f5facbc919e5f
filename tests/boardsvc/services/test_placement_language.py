"""Placement notices in the recipient's language: "not ready for the MDT agenda" words each open
requirement again from its code and parameters (cases.labels.requirement_text), "could not be
placed" each placement reason (boardsvc/labels.py), both inside core.notifications' language
override, the way tests/boardsvc/services/test_emergency_language.py checks the MSCC alerts.
An English site reads exactly what the domain wrote."""

from __future__ import annotations

import html
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import translation

from boardsvc.domain.placement import CaseInfo, MeetingInfo, OncallWindow, place_case
from boardsvc.labels import placement_reason_text
from boardsvc.models import Meeting
from boardsvc.services import agenda_place_case
from cases.models import Lesion
from cases.selectors import case_label
from core.models import Notification
from tests.factories.boardsvc import make_case

IMAGING_IT = ("Le immagini diagnostiche pertinenti non sono disponibili per la revisione in "
              "riunione.")
BILSKY_IT = "Lesione 2 (Bacino, 30 mm): estensione epidurale senza il grado di Bilsky."


def _not_ready_case(board):
    """A case on "ready for MDT" whose imaging went missing and whose second lesion extends
    into the epidural space with no Bilsky grade."""
    case = make_case(requested_board=board.slug, imaging_available=False)
    Lesion.objects.create(case=case, position=1, site="pelvis", max_diameter_mm=30,
                          pattern="lytic", epidural_extension=True)
    return case


@pytest.mark.django_db
def test_not_ready_on_an_italian_site_lists_the_requirements_in_italian(
        settings, board, meetings, coordinator_user):
    settings.LANGUAGE_CODE = "it"
    case = _not_ready_case(board)
    record = agenda_place_case(case_id=case.pk)
    assert record.outcome == "blocked"
    note = Notification.objects.get(recipient=coordinator_user)
    assert note.subject == (f"Il caso del paziente {case_label(case)} non è pronto per l'ordine "
                            "del giorno multidisciplinare")
    assert note.body.splitlines() == [f"- {IMAGING_IT}", f"- {BILSKY_IT}"]
    # The record keeps the English messages, with what is needed to word them again.
    assert record.unresolved[1]["message"] == ("Lesion 2 (Pelvis, 30 mm): epidural extension "
                                               "without a Bilsky grade.")
    assert record.unresolved[1]["params"]["lesion_number"] == "2"


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "en-gb"])
def test_not_ready_on_an_english_site_stays_english(
        language, settings, board, meetings, coordinator_user):
    settings.LANGUAGE_CODE = language
    case = _not_ready_case(board)
    agenda_place_case(case_id=case.pk)
    note = Notification.objects.get(recipient=coordinator_user)
    assert note.subject == f"Patient {case_label(case)} is not ready for the MDT agenda"
    assert note.body.splitlines() == [
        "- Relevant imaging is not available for review at the meeting.",
        "- Lesion 2 (Pelvis, 30 mm): epidural extension without a Bilsky grade.",
    ]


@pytest.mark.django_db
def test_could_not_be_placed_on_an_italian_site_gives_the_reasons_in_italian(
        settings, board, meetings, coordinator_user):
    settings.LANGUAGE_CODE = "it"
    Meeting.objects.filter(board=board).update(capacity_minutes=5)
    case = make_case(requested_board=board.slug)  # an IR candidate: 10 minutes (R14)
    record = agenda_place_case(case_id=case.pk)
    assert record.outcome == "no_meeting"
    note = Notification.objects.get(recipient=coordinator_user)
    assert note.subject == (f"Non è stato possibile inserire il caso del paziente "
                            f"{case_label(case)} in un ordine del giorno")
    # The last three reasons: two full meetings, then that none had room.
    full = ("La riunione del {} 13:00 UTC è al completo: tempo disponibile 5 min su 5, il caso "
            "richiede 10 min (R14).")
    assert note.body == "; ".join([
        full.format("2026-12-01"), full.format("2026-12-08"),
        "Nessuna prossima riunione di un gruppo multidisciplinare adatto ha tempo disponibile "
        "prima del termine per l'invio; i coordinatori sono stati avvisati."])
    for english in ("Meeting on", "minutes free", "coordinators have been told"):
        assert english not in note.body


@pytest.mark.django_db
def test_no_suitable_board_on_an_italian_site_is_italian(settings, board, meetings,
                                                         coordinator_user):
    settings.LANGUAGE_CODE = "it"
    case = make_case(requested_board="no-such-board")
    agenda_place_case(case_id=case.pk)
    note = Notification.objects.get(recipient=coordinator_user)
    italian = ("Nessun gruppo multidisciplinare attivo è adatto a questa richiesta (gruppo "
               "richiesto sconosciuto, oppure nessun gruppo tratta questa istologia).")
    assert note.body == italian
    # The case page's last placement attempt (boardsvc.selectors.case_agenda_summary) too.
    client = Client()
    client.force_login(coordinator_user)
    body = client.get(f"/cases/{case.public_id}/").content.decode()
    assert html.escape(italian) in body


# --- every placement reason the domain gives, worded again -----------------------------------

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)  # a Monday
ROME = ZoneInfo("Europe/Rome")


def _meeting(mid: int, days: float, *, used: int = 0, capacity: int = 90,
             status: str = "planned", adhoc: bool = False) -> MeetingInfo:
    starts = NOW + timedelta(days=days)
    return MeetingInfo(mid, starts, starts if adhoc else starts - timedelta(hours=24), capacity,
                       used, status, adhoc)


def _reasons() -> list[dict]:
    """One placement of each kind, so that every code and variant occurs."""
    routine = CaseInfo(1, "routine", NOW)
    urgent = CaseInfo(2, "urgent", NOW)
    complex_case = CaseInfo(3, "routine", NOW, lesion_count=2)
    emergency = CaseInfo(4, "emergency", NOW)
    results = [
        place_case(case=routine, now=NOW, meetings=[
            _meeting(1, 0.5), _meeting(2, 2, status="in_session"), _meeting(3, 3, used=88),
            _meeting(4, 8)]),
        place_case(case=complex_case, now=NOW, meetings=[_meeting(5, 8)]),
        place_case(case=urgent, now=NOW, meetings=[_meeting(6, 0.5)], late_reason="Cord at risk"),
        place_case(case=urgent, now=NOW, meetings=[_meeting(7, 0.5, used=90)]),
        place_case(case=emergency, now=NOW, meetings=[
            _meeting(8, 0.2, adhoc=True, used=30, capacity=30),
            _meeting(9, 0.5, adhoc=True, capacity=30)]),
        place_case(case=emergency, now=NOW, meetings=[]),
    ]
    late_night = datetime(2026, 11, 24, 22, 50, tzinfo=ROME)
    short_window = OncallWindow("Europe/Rome", start=time(23, 0), end=time(23, 10))
    results.append(place_case(case=CaseInfo(5, "emergency", late_night), meetings=[],
                              now=late_night, oncall=short_window))
    return [reason for result in results for reason in result.explanation()]


REASONS = _reasons()


def test_the_reasons_cover_every_code_and_wording():
    kinds = {(r["code"], r["params"].get("variant", r["params"].get("kind", "")))
             for r in REASONS}
    assert kinds == {
        ("cut_off_passed", ""), ("not_open", ""), ("full", ""), ("chosen", "standard"),
        ("chosen", "complex"), ("chosen", "late"), ("none", ""), ("emergency_adhoc", ""),
        ("full", "adhoc"), ("chosen", "adhoc"), ("create_adhoc", ""),
    }
    assert any("on-call window" in r["message"] and "more than 24 h" in r["message"]
               for r in REASONS)
    assert any("can be added late" in r["message"] for r in REASONS)


@pytest.mark.parametrize("reason", REASONS, ids=lambda r: r["code"])
def test_in_english_a_reason_reads_as_the_domain_wrote_it(reason):
    with translation.override("en"):
        assert placement_reason_text(reason) == reason["message"]


@pytest.mark.parametrize("reason", REASONS, ids=lambda r: r["code"])
def test_in_italian_a_reason_has_no_english_left(reason):
    with translation.override("it"):
        text = placement_reason_text(reason)
    assert text != reason["message"]
    for english in ("Meeting", "meeting", "minutes", "case needs", "cut-off", "within 24 h"):
        assert english not in text


def test_italian_wording_of_a_passed_cut_off_and_a_late_night_emergency():
    with translation.override("it"):
        texts = [placement_reason_text(r) for r in REASONS]
    assert ("Il termine per l'invio (R13) per la riunione del 2026-11-23 21:00 UTC è scaduto il "
            "2026-11-22 21:00 UTC. Un caso urgente può essere aggiunto in ritardo registrandone "
            "il motivo.") in texts
    assert ("Nessuna riunione straordinaria con tempo disponibile entro 24 h: è stata fissata una "
            "riunione virtuale per il 2026-11-25 22:00 UTC (R9-R12). È l'inizio della fascia di "
            "reperibilità del gruppo (23:00-23:10 Europe/Rome); l'équipe reperibile è stata "
            "avvisata all'arrivo del caso (R12). Sono trascorse più di 24 h da quando il caso è "
            "risultato pronto: il percorso MSCC (RM, parere specialistico, radioterapia) deve "
            "procedere senza attendere la riunione.") in texts


def test_a_reason_stored_without_parameters_or_of_an_unknown_code_stays_english():
    old = {"code": "full", "message": "Meeting on 2026-11-24 13:00 UTC is full: 0 of 60 minutes "
           "free, the case needs 5 (R14).", "meeting_id": 3, "starts_at": None}
    newer = {"code": "board_paused", "message": "The board is paused.", "params": {}}
    with translation.override("it"):
        assert placement_reason_text(old) == old["message"]
        assert placement_reason_text(newer) == "The board is paused."
        # a reason that never had parameters is worded from its code alone
        assert placement_reason_text({"code": "unresolved", "message": "x"}) == (
            "Il caso ha requisiti ancora aperti e non è stato messo all'ordine del giorno.")
