"""The booking board's "Propose a plan" (issue 13): a coordinator asks the solver for the plan's
unbooked procedures, sees the whole proposal (each procedure with its room, day and time, and the
proposed starts highlighted on the grid), and accepts it in one action through
plan_proposal_apply: all or nothing, every booking check run again at accept time. The proposal
travels between the two requests signed (django.core.signing); a tampered one is refused."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from html import unescape

import pytest
from django.core import signing
from django.utils import timezone

from scheduling import services
from scheduling.models import Booking, ResourceException
from scheduling.web.views.board import PROPOSAL_SALT
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import ResourceFactory, plan_with
from tests.support.scheduling import PREOP
from tests.support.web import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan_and_rooms(coordinator):
    plan, (surgery, emb) = plan_with("surgery", PREOP, case=CaseFactory())
    emb.prepares = surgery
    emb.save(update_fields=["prepares"])
    angio = ResourceFactory(code="angio-1", name="Angio suite", kind="angio_suite")
    theatre = ResourceFactory(code="or-1", name="Theatre 1", kind="operating_room")
    return plan, emb, surgery, angio, theatre


def _propose(client, plan):
    return client.post(f"/plans/{plan.public_id}/board/propose/")


def _token(body):
    match = re.search(r'name="proposal" value="([^"]+)"', body)
    assert match is not None, "the accept form carries the signed proposal"
    return match.group(1)


def test_the_proposal_shows_every_procedure_and_highlights_its_starts(coordinator,
                                                                     plan_and_rooms):
    plan, emb, surgery, _angio, _theatre = plan_and_rooms
    response = _propose(login(coordinator), plan)
    assert response.status_code == 200
    body = unescape(response.content.decode())
    assert 'id="proposal"' in body
    proposed = re.findall(r'data-proposed="([0-9a-f-]+)"', body)
    assert sorted(proposed) == sorted([str(emb.public_id), str(surgery.public_id)])
    items = body.split('id="proposal-items"', 1)[1].split("</ol>", 1)[0]
    assert "Angio suite" in items
    assert "Theatre 1" in items
    # The embolization's proposed start is highlighted on the grid (the board opens on it, in
    # the week of the first proposed start) with a text label and a legend entry.
    assert re.search(r'<div class="board-proposed [^"]*" data-proposed-slot="angio-1\|'
                     r'\d{4}-\d\d-\d\d \d\d:\d\d">Proposed: ', body)
    legend = body.split('id="board-legend"', 1)[1].split("</ul>", 1)[0]
    assert "proposed" in legend
    assert "board-proposed" in legend
    assert "Accept the whole plan" in body
    assert 'id="discard-proposal"' in body
    assert "style=" not in body.split("<main", 1)[1]
    assert not Booking.objects.filter(plan=plan).exists()  # proposing writes nothing


def test_accepting_books_the_whole_plan(coordinator, plan_and_rooms):
    plan, emb, surgery, _angio, _theatre = plan_and_rooms
    client = login(coordinator)
    token = _token(_propose(client, plan).content.decode())
    response = client.post(f"/plans/{plan.public_id}/board/accept/", {"proposal": token})
    assert response.status_code == 302
    assert response["Location"] == f"/plans/{plan.public_id}/board/"
    booked = {b.procedure_id: b for b in Booking.objects.filter(plan=plan)}
    assert set(booked) == {emb.pk, surgery.pk}
    assert {b.status for b in booked.values()} == {"proposed"}
    assert booked[emb.pk].end <= booked[surgery.pk].start
    assert "The whole plan is booked" in client.get(response["Location"]).content.decode()


def test_a_proposal_invalid_by_accept_time_books_nothing_and_names_the_refusal(
        coordinator, plan_and_rooms):
    plan, _emb, surgery, _angio, theatre = plan_and_rooms
    client = login(coordinator)
    token = _token(_propose(client, plan).content.decode())
    data = signing.loads(token, salt=PROPOSAL_SALT)
    [(_p, _r, start, end, _f)] = [b for b in data["bookings"] if b[0] == str(surgery.public_id)]
    # Meanwhile another patient's surgery takes the proposed theatre slot.
    _other, (other_surgery,) = plan_with("surgery", case=CaseFactory())

    services.booking_create(procedure=other_surgery, resource=theatre,
                            start=datetime.fromisoformat(start),
                            end=datetime.fromisoformat(end), principal=None)
    response = client.post(f"/plans/{plan.public_id}/board/accept/", {"proposal": token})
    assert response.status_code == 409
    assert not Booking.objects.filter(plan=plan).exists()  # the embolization was undone too
    body = unescape(response.content.decode())
    refusal = body.split('id="proposal-refusal"', 1)[1].split("</div>", 1)[0]
    assert "Nothing was booked." in refusal
    assert "Surgery was refused" in refusal
    assert "slot_taken" in refusal


def test_a_tampered_proposal_is_refused(coordinator, plan_and_rooms):
    plan, _emb, _surgery, _angio, _theatre = plan_and_rooms
    client = login(coordinator)
    token = _token(_propose(client, plan).content.decode())
    forged = signing.loads(token, salt=PROPOSAL_SALT)
    forged["bookings"] = forged["bookings"][:1]
    tampered = signing.dumps(forged, salt="another-salt")
    for bad in (tampered, token[:-2] + "xx", ""):
        response = client.post(f"/plans/{plan.public_id}/board/accept/", {"proposal": bad})
        assert response.status_code == 400
        assert "proposal" in response.content.decode()
    # A token for another plan is refused too.
    other, _ = plan_with("embolization", case=CaseFactory())
    response = client.post(f"/plans/{other.public_id}/board/accept/", {"proposal": token})
    assert response.status_code in (400, 404)
    assert not Booking.objects.exists()


def test_only_coordinators_propose_or_accept(coordinator, plan_and_rooms, world):
    plan = plan_and_rooms[0]
    token = _token(_propose(login(coordinator), plan).content.decode())
    member = login(world.member_b)
    assert _propose(member, plan).status_code == 403
    assert member.post(f"/plans/{plan.public_id}/board/accept/",
                       {"proposal": token}).status_code == 403
    assert not Booking.objects.filter(plan=plan).exists()
    # GET is not an action.
    assert login(coordinator).get(f"/plans/{plan.public_id}/board/propose/").status_code == 405


def test_the_proposal_opens_the_week_on_the_page_of_rooms_it_proposes(coordinator,
                                                                      plan_and_rooms):
    """Ten angio suites, eight a page: the first page's rooms are closed for the solver's whole
    horizon, so the embolization is proposed in angio-8 or angio-9 (the second page). The
    proposal opens the board on that page, with the proposed start drawn there, and still lists
    every procedure; accepting it books the whole plan."""
    plan, emb, surgery, angio, _theatre = plan_and_rooms
    rooms = sorted([angio] + [ResourceFactory(code=f"angio-{k}", name=f"Angio {k}",
                                              kind="angio_suite") for k in range(2, 11)],
                   key=lambda r: r.code)
    now = timezone.now()
    for room in rooms[:8]:
        ResourceException.objects.create(resource=room, kind="closure",
                                         start=now - timedelta(days=1),
                                         end=now + timedelta(days=40), reason="Works")
    client = login(coordinator)
    response = _propose(client, plan)
    assert response.status_code == 200
    body = unescape(response.content.decode())
    proposed = re.findall(r'data-proposed="([0-9a-f-]+)"', body)
    assert sorted(proposed) == sorted([str(emb.public_id), str(surgery.public_id)])
    nav = body.split('id="board-rooms"', 1)[1].split("</nav>", 1)[0]
    assert "Rooms 9–10 of 10" in nav
    assert 'aria-current="page">angio-8–angio-9<' in nav
    assert re.search(r'data-proposed-slot="angio-[89]\|\d{4}-\d\d-\d\d \d\d:\d\d"', body)
    lanes = set(re.findall(r'data-lane="([^"|]+)\|', body))
    assert lanes == {"angio-8", "angio-9"}
    response = client.post(f"/plans/{plan.public_id}/board/accept/", {"proposal": _token(body)})
    assert response.status_code == 302
    assert {b.resource.code for b in Booking.objects.filter(plan=plan)} >= {"or-1"}


def test_the_proposal_names_the_people_it_books_and_accepting_books_them(coordinator,
                                                                         plan_and_rooms):
    """The solver plans the people with the rooms; the list shows who (Dr B: Dr A is away
    that week), and accepting books exactly them."""
    from scheduling.models import BookingStaff

    plan, emb, _surgery, _angio, _theatre = plan_and_rooms
    ResourceFactory(code="ir-a", name="Dr A (IR)", kind="interventional_radiologist",
                    hours=False)
    ResourceFactory(code="ir-b", name="Dr B (IR)", kind="interventional_radiologist")
    client = login(coordinator)
    body = unescape(_propose(client, plan).content.decode())
    items = body.split('id="proposal-items"', 1)[1].split("</ol>", 1)[0]
    emb_item = next(li for li in items.split("<li") if str(emb.public_id) in li)
    assert "with Dr B (IR)" in emb_item
    assert "Dr A" not in items
    response = client.post(f"/plans/{plan.public_id}/board/accept/", {"proposal": _token(body)})
    assert response.status_code == 302
    booked = Booking.objects.get(procedure=emb)
    assert [s.resource.code for s in BookingStaff.objects.filter(booking=booked)] == ["ir-b"]
