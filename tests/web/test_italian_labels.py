"""Clinical content in Italian: timing-rule messages, lesion and score labels, specialties,
names that are data (boards, rooms), day and month names, and notifications written in the
recipient's language."""

from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from django.utils import formats, translation
from django.utils.translation import gettext_lazy

from boardsvc.models import Specialty
from cases.labels import finding_summary, lesion_label
from core.notifications import notification_send, recipient_language
from core.web.localized import localized_name
from scheduling.labels import rule_text

R1 = ("R1 (hard): Surgery starts 3 days 21 hours 30 minutes after the end of embolization; the "
      "maximum is 3 days (21 hours 30 minutes too late). Surgery more than 72 hours after "
      "pre-operative embolization is refused: the embolized vessels revascularize, so a repeat "
      "angiography would be needed.")
R10 = ("R10 (hard): Radiotherapy starts 2 days after the decision to treat (recorded Mon 07 Jan "
       "2030 10:00); the deadline is Tue 08 Jan 2030 10:00, 1 day after it (1 day too late). "
       "MSCC not for surgery: radiotherapy starts within 24 hours of the decision to treat, to "
       "preserve neurological function.")
R17 = ("R17 (soft): radiotherapy course has two fractions on 2030-01-08. A palliative "
       "radiotherapy course is given as 1, 5, 6 or 10 fractions (SBRT: 2) on consecutive "
       "working days, one fraction a day.")


def test_a_lag_violation_reads_in_italian():
    text = rule_text(R1, "it")
    assert text.startswith("R1 (vincolante): Chirurgia: inizia 3 giorni 21 ore 30 minuti dopo")
    assert "il massimo è 3 giorni (21 ore 30 minuti in ritardo)" in text
    assert "rivascolarizzano" in text
    assert "Surgery" not in text


def test_a_clock_violation_reads_in_italian_with_italian_dates():
    text = rule_text(R10, "it")
    assert "Radioterapia: inizia 2 giorni dopo la decisione di trattare" in text
    assert "lun 7 Gen 2030 10:00" in text
    assert "in ritardo" in text
    assert "Mon" not in text


def test_a_deadline_reads_in_italian():
    text = rule_text("radiotherapy must start by Tue 08 Jan 2030 10:00 (24 hours after the "
                     "decision to treat, recorded Mon 07 Jan 2030 10:00)", "it")
    assert text == ("Radioterapia: deve iniziare entro mar 8 Gen 2030 10:00 (24 ore dopo la "
                    "decisione di trattare, registrato lun 7 Gen 2030 10:00)")


def test_a_radiotherapy_course_violation_reads_in_italian():
    text = rule_text(R17, "it")
    assert "ciclo di radioterapia con due frazioni il mar 8 Gen 2030." in text
    assert "giorni lavorativi consecutivi" in text


def test_rule_messages_stay_as_they_are_in_english():
    assert rule_text(R1, "en") == R1


def test_a_wording_the_translator_does_not_know_stays_english():
    assert rule_text("R99 (soft): a site's own rule text.", "it") == (
        "R99 (non vincolante): a site's own rule text.")


def test_a_lesion_label_is_italian():
    lesion = SimpleNamespace(vertebral_level="T7", site="vertebra", site_detail="",
                             max_diameter_mm=50)
    rib = SimpleNamespace(vertebral_level="", site="rib", site_detail="", max_diameter_mm=26)
    with translation.override("it"):
        assert lesion_label(lesion) == "vertebra T7, 50 mm"
        assert lesion_label(rib) == "Costa, 26 mm"


def test_a_score_category_is_italian():
    with translation.override("it"):
        assert finding_summary({"result": {"score": 9, "category": "potentially_unstable"}}) == (
            "9 (potenzialmente instabile)")


def test_specialties_are_italian():
    with translation.override("it"):
        assert str(Specialty.SPINE_SURGEON.label) == "Chirurgo vertebrale"
        assert str(Specialty.RADIOLOGIST.label).startswith("Radiologo")


def test_a_name_that_is_data_has_its_italian_form():
    board = SimpleNamespace(name="Bone metastases / spine MDT",
                            name_it="Metastasi ossee / colonna")
    room = SimpleNamespace(name="CT room", name_it="")
    assert localized_name(board, "it") == "Metastasi ossee / colonna"
    assert localized_name(board, "en") == "Bone metastases / spine MDT"
    assert localized_name(room, "it") == "CT room"


def test_day_and_month_names_follow_italian_usage():
    with translation.override("it"):
        assert formats.date_format(date(2026, 12, 8), "l j F Y") == "martedì 8 dicembre 2026"
        assert formats.date_format(date(2026, 12, 6), "D") == "dom"


@pytest.mark.django_db
def test_a_notification_is_written_in_the_recipients_language(settings):
    from core.models import Notification
    from tests.factories.core import UserFactory

    settings.LANGUAGE_CODE = "it"
    user = UserFactory()
    assert recipient_language(user) == "it"
    notification_send(recipients=[user], kind=Notification.Kind.RULE_VIOLATION, subject=gettext_lazy("Page not found"),
                      body=lambda: str(gettext_lazy("Something went wrong")),
                      dedup_key="italian-notice")
    note = Notification.objects.get(recipient=user)
    assert note.subject == "Pagina non trovata"
    assert note.body == "Si è verificato un errore"
