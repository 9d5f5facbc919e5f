"""A chair who reads Italian sees the agenda and a case page without English clinical labels:
sites, patterns, procedures, intents, specialties, score categories, day and month names."""

from __future__ import annotations

import re

import pytest

from tests.support.browser import shot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ENGLISH = ["Vertebra", "vertebra,", "Lytic", "lytic", "Pathological fracture", "Embolization",
           "Palliative", "Radiologist", "Spine surgeon", "Surgery", "Radiotherapy",
           "potentially unstable", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday",
           "Saturday", "Sunday", "January", "February", "March", "April", "June", "July",
           "August", "September", "October", "November", "December"]
# ("palliative" in lower case is Italian too: "cure palliative".)
# Free text typed by people (the clinical question) is data, not interface: left out.
DATA = ("blockquote", ".question")


def _visible_text(page) -> str:
    return page.evaluate("""(skip) => { const clone = document.body.cloneNode(true);
        clone.querySelectorAll(skip.join(',')).forEach((el) => el.remove());
        return clone.innerText; }""", list(DATA))


def _english_in(text: str) -> list[str]:
    return [word for word in ENGLISH if re.search(rf"(?<![\\w-]){re.escape(word)}(?![\\w-])",
                                                  text)]


def _chair_in_italian(page):
    from boardsvc.models import BoardMember

    chair = BoardMember.objects.filter(board__slug="bone-mets-spine", role="chair",
                                       active=True).select_related("user").first()
    assert chair is not None
    sign_in(page, chair.user.username)
    page.locator("#lang-select").select_option("it")
    page.wait_for_selector("html[lang=it]")


def _meeting_with_cases():
    from django.utils import timezone

    from boardsvc.models import Meeting

    return (Meeting.objects.filter(board__slug="bone-mets-spine", starts_at__gte=timezone.now(),
                                   items__isnull=False).order_by("starts_at").distinct().first())


def test_the_agenda_in_italian_has_no_english_clinical_labels(demo, page):
    _chair_in_italian(page)
    meeting = _meeting_with_cases()
    assert meeting is not None
    page.goto(f"/meetings/{meeting.public_id}/")
    shot(page, "italian-03-agenda")
    text = _visible_text(page)
    assert _english_in(text) == []
    assert "Litico" in text or "Misto" in text or "Blastico" in text
    assert re.search(r"(lunedì|martedì|mercoledì|giovedì|venerdì|sabato|domenica) \d+ "
                     r"(gennaio|febbraio|marzo|aprile|maggio|giugno|luglio|agosto|settembre|"
                     r"ottobre|novembre|dicembre)", text)


def test_a_case_page_in_italian_has_no_english_clinical_labels(demo, page):
    _chair_in_italian(page)
    meeting = _meeting_with_cases()
    page.goto(f"/meetings/{meeting.public_id}/")
    case_url = re.search(r"/cases/[0-9a-f-]{36}/", page.content())
    assert case_url is not None
    page.goto(case_url.group(0))
    shot(page, "italian-04-case")
    text = _visible_text(page)
    assert _english_in(text) == []
    assert "Istologia" in text
