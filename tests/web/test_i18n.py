"""English and Italian: the switch, the catalogue, localised dates."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.support.web import login

pytestmark = pytest.mark.django_db


def test_the_language_switch_sets_italian_and_pages_follow(world):
    client = login(world.member_a)
    response = client.post("/i18n/setlang/", {"language": "it", "next": "/meetings/"})
    assert response.status_code == 302
    assert client.cookies[settings.LANGUAGE_COOKIE_NAME].value == "it"
    body = client.get("/meetings/").content.decode()
    assert '<html lang="it">' in body
    assert "Le mie riunioni" in body
    assert "Riunioni" in body


def test_dates_are_localised(world):
    client = login(world.member_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    body = client.get("/meetings/").content.decode()
    italian_days = ("lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica")
    assert any(day in body.lower() for day in italian_days)


def test_code_labels_are_translated_on_the_case_page(world):
    client = login(world.member_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    body = client.get(f"/cases/{world.case_a.public_id}/").content.decode()
    assert "Carcinoma a cellule renali" in body


def test_the_italian_catalogue_is_complete():
    from pathlib import Path

    po = (Path(settings.BASE_DIR) / "locale/it/LC_MESSAGES/django.po").read_text(encoding="utf-8")
    entries = po.split("\n\n")[1:]
    untranslated = [e for e in entries if 'msgstr ""' in e and "msgstr \"\"\n\"" not in e
                    and not e.lstrip().startswith("#~")]
    assert untranslated == []
    assert "#, fuzzy" not in po
    assert (Path(settings.BASE_DIR) / "locale/it/LC_MESSAGES/django.mo").exists()


def test_the_new_pages_are_translated(world, coordinator, plan_ready):
    from core.access import principal_for_user
    from scheduling import services

    _plan, procedures, angio, _theatre = plan_ready
    from tests.factories.scheduling import at

    booking = services.booking_create(procedure=procedures[0], resource=angio, start=at(0, 9),
                                      principal=principal_for_user(coordinator)).booking
    client = login(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    assert "Notifiche" in client.get("/notifications/").content.decode()
    move = client.get(f"/bookings/{booking.public_id}/move/").content.decode()
    assert "Verifica le regole" in move
    assert "Annulla la prenotazione" in client.get(
        f"/bookings/{booking.public_id}/cancel/").content.decode()
    agenda = login(world.chair_a)
    agenda.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    assert "Aggiungi un caso" in agenda.get(
        f"/meetings/{world.meeting_a.public_id}/").content.decode()
