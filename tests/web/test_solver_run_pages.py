"""The coordinator's solver-run pages (issue 14): start a run from the plan (queued, nothing
solved in the request), follow it (the status fragment polls while it works), see the proposal
in the site's zone, book it, or be told why not when the inputs changed; audited; coordinators
only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from core.models import AuditEvent
from scheduling import services
from scheduling.models import Booking, Resource, ResourceException, SolverRun
from tests.factories.cases import CaseFactory
from tests.factories.scheduling import ResourceFactory, plan_with
from tests.support.scheduling import PREOP
from tests.support.web import login

pytestmark = pytest.mark.django_db


@pytest.fixture
def plan(coordinator):
    ResourceFactory(code="angio-1", name="Angio suite", kind="angio_suite")
    ResourceFactory(code="or-1", name="Theatre 1", kind="operating_room")
    plan, _ = plan_with(PREOP, "surgery", case=CaseFactory())
    return plan


def _start(client, plan):
    response = client.post(f"/plans/{plan.public_id}/solver-runs/")
    assert response.status_code == 302
    return SolverRun.objects.get(plan=plan), response["Location"]


def test_starting_a_run_queues_it_and_its_page_polls_until_it_is_done(coordinator, plan):
    client = login(coordinator)
    assert 'id="solver-runs"' in client.get(f"/plans/{plan.public_id}/board/").content.decode()
    run, location = _start(client, plan)
    assert location == f"/solver-runs/{run.public_id}/"
    assert run.status == "queued"
    page = client.get(location).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert "working in the background" in page

    services.solver_run_execute(run_id=run.pk)
    fragment = client.get(location, HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith("<section") or "<section" in fragment[:400]
    assert 'hx-trigger="every 1s"' not in fragment  # finished: the fragment stops polling
    assert 'id="run-proposal"' in fragment
    assert "Theatre 1" in fragment
    assert 'id="apply-run"' in fragment
    listed = client.get(f"/plans/{plan.public_id}/solver-runs/").content.decode()
    assert str(run.public_id) in listed


def _notice(page):
    return page.split('id="run-notice">', 1)[1].split("</dd>", 1)[0]


def test_the_run_page_says_the_notice_the_run_was_built_with(coordinator, plan):
    """The page shows the notice the worker built the run's problem with, not the site's
    current one (before, an old run showed today's notice), and the plan's own earliest
    start; while the run waits for a worker it says the notice is read then."""
    from cases.models import SiteParameter

    SiteParameter.objects.create(key="notice_urgent_hours", value=4, reason="Ward rounds.")
    client = login(coordinator)
    run, location = _start(client, plan)
    assert "read when a worker starts the run" in _notice(client.get(location).content.decode())
    services.solver_run_execute(run_id=run.pk)
    SiteParameter.objects.filter(key="notice_urgent_hours").update(value=8)
    SiteParameter.objects.create(key="notice_routine_hours", value=48, reason="Ward rounds.")
    notice = _notice(client.get(location).content.decode())
    assert notice.startswith("routine 24 h, urgent 4 h, emergency none")
    run.refresh_from_db()
    from zoneinfo import ZoneInfo

    from scheduling.selectors.board import site_zone

    zone = ZoneInfo(site_zone())
    not_before = datetime.fromisoformat(run.notice["not_before"]).astimezone(zone)
    assert f"this plan not before {not_before:%a %-d %b %Y, %H:%M}" in notice


def test_the_page_polling_a_working_run_reads_no_site_parameter(coordinator, plan):
    """The status fragment asks for itself every second while the run works: it reads the
    run's stored notice, not the site's parameters (before, one query a second)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = login(coordinator)
    run, location = _start(client, plan)
    SolverRun.objects.filter(pk=run.pk).update(status="running", started_at=timezone.now())
    with CaptureQueriesContext(connection) as queries:
        fragment = client.get(location, HTTP_HX_REQUEST="true")
    assert 'hx-trigger="every 1s"' in fragment.content.decode()
    assert not [q["sql"] for q in queries.captured_queries if "siteparameter" in q["sql"]]


def test_booking_the_proposal_books_every_procedure_as_proposed(coordinator, plan):
    client = login(coordinator)
    run, location = _start(client, plan)
    services.solver_run_execute(run_id=run.pk)
    response = client.post(f"{location}apply/")
    assert response.status_code == 302
    assert response["Location"] == f"/plans/{plan.public_id}/board/"
    assert set(Booking.objects.filter(plan=plan).values_list("status", flat=True)) == {"proposed"}
    assert Booking.objects.filter(plan=plan).count() == 2
    assert SolverRun.objects.get(pk=run.pk).status == "applied"


def test_a_run_whose_inputs_changed_is_refused_with_the_reason(coordinator, plan):
    client = login(coordinator)
    run, location = _start(client, plan)
    services.solver_run_execute(run_id=run.pk)
    # The theatre closes for the whole horizon meanwhile.
    ResourceException.objects.create(resource=Resource.objects.get(code="or-1"),
                                     start=timezone.now(),
                                     end=timezone.now() + timedelta(days=40),
                                     kind="closure", reason="Works")
    response = client.post(f"{location}apply/")
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="run-refusal"' in page
    assert "inputs changed" in page
    assert 'id="apply-run"' not in page
    assert Booking.objects.filter(plan=plan).count() == 0


def test_a_proposal_already_started_is_refused_on_the_page_with_the_time(coordinator, plan,
                                                                          no_notice):
    """The coordinator reads the proposal past the time its first booking starts: the page says
    it is out of date and offers no button; a booking request sent anyway (a page left open) is
    refused, says which booking has started and in which zone, and the run is discarded."""
    import time_machine

    from tests.factories.scheduling import at

    with time_machine.travel(at(0, 6, 30), tick=False):
        client = login(coordinator)
        run, location = _start(client, plan)
        services.solver_run_execute(run_id=run.pk)
    with time_machine.travel(at(0, 6, 50), tick=False):
        page = client.get(location).content.decode()
    assert 'id="apply-run"' in page
    assert 'id="run-passed"' not in page
    with time_machine.travel(at(0, 7, 5), tick=False):
        # Read past 07:00: said on the page, no button to press.
        page = client.get(location).content.decode()
        assert 'id="run-passed"' in page
        assert "Mon 7 Jan 2030, 07:00" in page
        assert 'id="apply-run"' not in page
        response = client.post(f"{location}apply/")
    assert response.status_code == 409
    page = response.content.decode()
    assert 'id="run-refusal"' in page
    assert "already started" in page
    assert "07:00 Europe/Rome" in page
    assert 'id="apply-run"' not in page
    assert Booking.objects.filter(plan=plan).count() == 0
    # Read again later, the discarded run still says why, in the reader's language (the stored
    # message is English, for the API).
    page = client.get(location).content.decode()
    reason = page.split('id="run-reason">', 1)[1].split("</p>", 1)[0]
    assert reason == ("This proposal is out of date: a booking it proposed for Mon 7 Jan 2030, "
                      "07:00 had already started when it was to be booked. Nothing was booked.")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "it"
    page = client.get(location).content.decode()
    reason = page.split('id="run-reason">', 1)[1].split("</p>", 1)[0]
    assert reason.startswith("Questa proposta non era più valida: una prenotazione proposta per ")
    assert "07:00" in reason
    assert "already started" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    # One click plans again from now: a new run for the same plan, whose first booking is
    # after the time the old one missed.
    assert 'id="rerun"' in page
    with time_machine.travel(at(0, 7, 5), tick=False):
        again = client.post(f"/plans/{plan.public_id}/solver-runs/")
        assert again.status_code == 302
        fresh = SolverRun.objects.exclude(pk=run.pk).get(plan=plan)
        assert (fresh.kind, fresh.status) == ("plan", "queued")
        services.solver_run_execute(run_id=fresh.pk)
        assert services.solver_run_first_start(SolverRun.objects.get(pk=fresh.pk)) >= at(0, 7, 5)
        page = client.get(again["Location"]).content.decode()
        assert 'id="apply-run"' in page
        assert 'id="rerun"' not in page


def test_a_waiting_list_run_discarded_for_changed_inputs_offers_to_plan_again(coordinator, plan):
    client = login(coordinator)
    response = client.post("/solver-runs/waiting-list/")
    run = SolverRun.objects.get(kind="waitlist")
    services.solver_run_execute(run_id=run.pk)
    page = client.get(response["Location"]).content.decode()
    assert 'id="rerun"' not in page  # a proposal that can be booked: no need
    ResourceException.objects.create(resource=Resource.objects.get(code="or-1"),
                                     start=timezone.now(), end=timezone.now() + timedelta(days=2),
                                     kind="closure")
    refused = client.post(f"{response['Location']}apply/")
    assert refused.status_code == 409
    page = refused.content.decode()
    assert 'id="rerun"' in page
    assert "its result was discarded and nothing was booked." in page.split(
        'id="run-reason">', 1)[1].split("</p>", 1)[0]
    assert 'action="/solver-runs/waiting-list/"' in page
    assert client.post("/solver-runs/waiting-list/").status_code == 302
    assert SolverRun.objects.filter(kind="waitlist", status="queued").count() == 1


def test_every_view_is_audited_and_for_coordinators_only(coordinator, plan, world):
    client = login(coordinator)
    _run, location = _start(client, plan)
    client.get(location)
    rows = AuditEvent.objects.filter(object_type="solver_run")
    assert {r.action for r in rows} == {"create", "read"}
    assert {r.patient_pseudonym for r in rows} == {str(plan.case.patient.public_id)}
    member = login(world.member_a)
    assert member.get(location).status_code == 403
    assert member.post(f"/plans/{plan.public_id}/solver-runs/").status_code == 403
    assert member.post(f"{location}apply/").status_code == 403


def test_a_repair_from_the_page_shows_each_move_and_moves_only_what_slipped(coordinator):
    import time_machine

    from tests.factories.scheduling import at

    angio = ResourceFactory(code="angio-1", name="Angio suite", kind="angio_suite")
    ResourceFactory(code="angio-2", name="Angio suite 2", kind="angio_suite")
    plan, (emb,) = plan_with(PREOP, case=CaseFactory())
    with time_machine.travel(datetime(2030, 1, 6, 12, tzinfo=UTC), tick=True):
        booking = services.booking_create(procedure=emb, resource=angio, start=at(1, 9),
                                          principal=None).booking
        ResourceException.objects.create(resource=angio, start=at(1, 0), end=at(2, 0),
                                         kind="closure", reason="Broken tube")
        client = login(coordinator)
        form = client.get(f"/plans/{plan.public_id}/solver-runs/").content.decode()
        assert f'name="replan" value="{booking.public_id}"' in form
        response = client.post(f"/plans/{plan.public_id}/solver-runs/",
                               {"replan": [str(booking.public_id)]})
        run = SolverRun.objects.get(plan=plan)
        assert run.kind == "repair"
        services.solver_run_execute(run_id=run.pk)
        page = client.get(response["Location"]).content.decode()
        assert "Was" in page
        assert "Angio suite, Tue 8 Jan 2030, 09:00" in page  # where it was, in Rome time
        assert 'id="apply-run"' in page
        assert "Move these bookings" in page
        # Had it been discarded, planning again would re-plan the same booking.
        SolverRun.objects.filter(pk=run.pk).update(status="discarded")
        discarded = client.get(response["Location"]).content.decode()
        assert 'id="rerun"' in discarded
        assert f'<input type="hidden" name="replan" value="{booking.public_id}">' in discarded
        SolverRun.objects.filter(pk=run.pk).update(status="finished")
        moved = client.post(f"{response['Location']}apply/")
        assert moved.status_code == 302
        booking.refresh_from_db()
        assert booking.version == 2
        assert not (booking.resource == angio and at(1, 0) <= booking.start < at(2, 0))
        assert Booking.objects.filter(plan=plan).count() == 1


def test_the_worklist_plans_the_whole_waiting_list_and_books_it(coordinator, plan):
    other, _ = plan_with(PREOP, "surgery", case=CaseFactory())
    client = login(coordinator)
    assert 'id="plan-waitlist"' in client.get("/worklist/").content.decode()
    response = client.post("/solver-runs/waiting-list/")
    assert response.status_code == 302
    run = SolverRun.objects.get(kind="waitlist")
    assert set(run.plans) == {str(plan.public_id), str(other.public_id)}
    services.solver_run_execute(run_id=run.pk)
    page = client.get(response["Location"]).content.decode()
    assert "the waiting list, 2 plans" in page
    assert str(plan.case.patient.public_id)[:8] in page
    assert str(other.case.patient.public_id)[:8] in page
    booked = client.post(f"{response['Location']}apply/")
    assert booked.status_code == 302
    assert booked["Location"] == "/worklist/"
    assert Booking.objects.filter(plan__in=[plan, other], status="proposed").count() == 4
    rows = AuditEvent.objects.filter(object_type="solver_run", action="update")
    assert {p for _run, p in rows.get().entities} == {
        str(plan.case.patient.public_id), str(other.case.patient.public_id)}


def test_the_run_page_names_the_people_the_run_planned(coordinator, plan):
    """Applying books the people the run planned (ProposedBooking.staff), so the page shows
    them before the coordinator books."""
    ResourceFactory(code="ir-ada", name="Dr Ada Lovelace (IR)",
                    kind="interventional_radiologist")
    client = login(coordinator)
    run, location = _start(client, plan)
    services.solver_run_execute(run_id=run.pk)
    fragment = client.get(location, HTTP_HX_REQUEST="true").content.decode()
    assert ">People<" in fragment
    assert "Dr Ada Lovelace (IR)" in fragment


def test_the_waiting_list_page_says_which_plans_it_left_out_and_why(coordinator, plan):
    """A plan nothing here can host (an MRI-guided procedure, no MRI scanner) is left to its
    own board: the page names the plan, links to its board and gives the reason (it used to
    give only a count and a guessed reason)."""
    left, _ = plan_with("mrgfus", case=CaseFactory())
    client = login(coordinator)
    response = client.post("/solver-runs/waiting-list/")
    run = SolverRun.objects.get(kind="waitlist")
    services.solver_run_execute(run_id=run.pk)
    page = client.get(response["Location"]).content.decode()
    left_out = page.split('id="run-skipped"', 1)[1].split("</div>", 1)[0]
    assert "1 plan was left out" in left_out
    assert f'href="/plans/{left.public_id}/board/"' in left_out
    assert "nothing can host mrgfus" in left_out
    assert str(plan.public_id) not in left_out


def test_the_run_form_takes_the_day_the_patient_can_come_from(coordinator, plan):
    """The plan's run form has "The patient can come from": the run keeps the start of that
    day in the site's zone, the run page says it, and "Plan again" keeps it; a date that is
    not one is refused with a message and starts nothing."""
    from zoneinfo import ZoneInfo

    from scheduling.selectors.board import site_zone

    client = login(coordinator)
    form = client.get(f"/plans/{plan.public_id}/solver-runs/").content.decode()
    assert 'name="not_before"' in form
    day = (timezone.now() + timedelta(days=3)).astimezone(ZoneInfo(site_zone())).date()
    response = client.post(f"/plans/{plan.public_id}/solver-runs/",
                           {"not_before": day.isoformat()})
    assert response.status_code == 302
    run = SolverRun.objects.get(plan=plan)
    local = run.not_before.astimezone(ZoneInfo(site_zone()))
    assert (local.date(), local.hour, local.minute) == (day, 0, 0)
    page = client.get(response["Location"]).content.decode()
    assert 'id="run-not-before"' in page
    services.solver_run_execute(run_id=run.pk)
    SolverRun.objects.filter(pk=run.pk).update(status="discarded", reason="inputs_changed")
    rerun = client.get(response["Location"]).content.decode()
    assert f'name="not_before" value="{run.not_before.isoformat()}"' in rerun

    for junk in ("31/02", "0001-01-01", "9999-12-31", "2030-01-10T00:00:00"):
        refused = client.post(f"/plans/{plan.public_id}/solver-runs/", {"not_before": junk},
                              follow=True)
        assert refused.status_code == 200, junk
        assert "not a valid date" in refused.content.decode(), junk
    replanned = client.post(f"/plans/{plan.public_id}/solver-runs/", {"replan": "junk"},
                            follow=True)
    assert "Not a booking id." in replanned.content.decode()  # before, a 500
    assert SolverRun.objects.filter(plan=plan).count() == 1
