"""Members' pre-meeting opinions (boardsvc/services/opinions.py)."""

from __future__ import annotations

import pytest

from boardsvc.models import AgendaItem, Meeting, Opinion
from boardsvc.services import BoardRuleError, opinion_save
from core.models import AuditEvent
from tests.factories.core import UserFactory

pytestmark = pytest.mark.django_db


def test_a_member_gives_an_opinion_with_their_specialty(session, team):
    item, chair = session
    opinion, created = opinion_save(item=item, author=team["rt"], text="SBRT 24 Gy / 2 fx.",
                                    principal=chair)
    assert created is True
    assert (opinion.specialty, opinion.kind, opinion.text) == (
        "radiation_oncologist", "opinion", "SBRT 24 Gy / 2 fx.")


def test_saving_again_replaces_the_members_opinion(session, team):
    item, chair = session
    opinion_save(item=item, author=team["rt"], text="first", principal=chair)
    _opinion, created = opinion_save(item=item, author=team["rt"], text="second",
                                     kind="comment", principal=chair)
    assert created is False
    assert list(Opinion.objects.values_list("text", "kind")) == [("second", "comment")]


def test_an_opinion_is_audited_with_the_patients_pseudonym(session, team):
    item, chair = session
    opinion, _ = opinion_save(item=item, author=team["rt"], text="ok", principal=chair)
    event = AuditEvent.objects.get(object_type="opinion", object_id=str(opinion.public_id))
    assert event.patient_pseudonym == str(item.case.patient.public_id)


def test_an_empty_opinion_is_refused(session, team):
    item, chair = session
    with pytest.raises(BoardRuleError) as excinfo:
        opinion_save(item=item, author=team["rt"], text="   ", principal=chair)
    assert (excinfo.value.field, excinfo.value.rule) == ("text", "required")


def test_an_overlong_opinion_is_refused(session, team):
    item, chair = session
    with pytest.raises(BoardRuleError) as excinfo:
        opinion_save(item=item, author=team["rt"], text="x" * 4001, principal=chair)
    assert excinfo.value.rule == "max_length"


def test_an_unknown_kind_is_refused(session, team):
    item, chair = session
    with pytest.raises(BoardRuleError) as excinfo:
        opinion_save(item=item, author=team["rt"], text="ok", kind="vote", principal=chair)
    assert excinfo.value.field == "kind"


def test_someone_outside_the_board_cannot_give_an_opinion(session):
    item, chair = session
    with pytest.raises(BoardRuleError) as excinfo:
        opinion_save(item=item, author=UserFactory(username="outsider2"), text="ok",
                     principal=chair)
    assert (excinfo.value.field, excinfo.value.rule) == ("author", "not_member")


def test_opinions_cannot_change_after_the_meeting_is_closed(session, team):
    item, chair = session
    Meeting.objects.filter(pk=item.meeting_id).update(status=Meeting.Status.CLOSED)
    with pytest.raises(BoardRuleError) as excinfo:
        opinion_save(item=item, author=team["rt"], text="late", principal=chair)
    assert excinfo.value.status == 409


def test_a_deferred_case_takes_no_more_opinions(session, team):
    item, chair = session
    AgendaItem.objects.filter(pk=item.pk).update(outcome=AgendaItem.Outcome.DEFERRED)
    with pytest.raises(BoardRuleError) as excinfo:
        opinion_save(item=item, author=team["rt"], text="late", principal=chair)
    assert (excinfo.value.field, excinfo.value.status) == ("item", 409)
