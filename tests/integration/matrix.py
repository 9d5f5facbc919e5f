"""Enumerate the HTTP API from the URL resolver, and the authorisation table it must match.

``api_operations()`` walks config.urls and returns every (route, method) served by a DRF view
under /api/v1/, /fhir/ and /ical/. The matrix test fails when one of them has no row in
``MATRIX`` (so a new endpoint cannot ship without deciding who may call it), and when a row
names an operation that no longer exists.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

PREFIXES = ("api/v1/", "fhir/", "ical/")
METHODS = ("get", "post", "put", "patch", "delete")

# Who is asking (G-ACCESS-1, docs/guarantees.md).
PRINCIPALS = (
    "anonymous", "coordinator", "member_a", "member_b", "chair_a", "administrator",
    "client_scoped", "client_unscoped",
)
PEOPLE = frozenset({"coordinator", "member_a", "member_b", "chair_a", "administrator"})
BOARD_PEOPLE = frozenset({"member_a", "member_b", "chair_a"})
STAFF = frozenset({"coordinator", "administrator"})
# Who manages board A's agendas and decisions: its chair, group coordinators, administrators.
MANAGERS_A = frozenset({"chair_a", "coordinator", "administrator"})
ADMIN = frozenset({"administrator"})


def _walk(patterns: list[Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route)
        elif isinstance(entry, URLPattern):
            yield route, entry.callback


def api_operations() -> set[tuple[str, str]]:
    """Every (route, METHOD) a DRF view serves under the API prefixes."""
    ops: set[tuple[str, str]] = set()
    for route, callback in _walk(get_resolver().url_patterns):
        view_class = getattr(callback, "cls", None)
        if view_class is None or not route.startswith(PREFIXES):
            continue
        for method in METHODS:
            if hasattr(view_class, method):
                ops.add((route, method.upper()))
    return ops


@dataclass(frozen=True)
class Row:
    """Who may call one operation, and the status that proves they got through.

    ``ok`` is what an allowed caller gets with the matrix's request (an empty body on writes, so
    an allowed write answers 400 naming the missing fields: authorisation passed, nothing
    written). ``scoped``: the object in the URL belongs to board A, so board B's member gets 404.
    ``scope``: the OAuth2 scope a client needs; None = people only; "" = any client.
    """

    people: frozenset[str]
    scope: str | None
    ok: int = 200
    scoped: bool = False
    client_ok: int | None = None
    body: dict[str, Any] = field(default_factory=dict)
    overrides: dict[str, int] = field(default_factory=dict)

    def expected(self, principal: str) -> int:
        if principal in self.overrides:
            return self.overrides[principal]
        if principal == "anonymous":
            return 401
        if principal.startswith("client"):
            if self.scope is None:
                return 403
            if principal == "client_unscoped" and self.scope:
                return 403
            return self.client_ok or self.ok
        if principal not in self.people:
            return 403
        if self.scoped and principal == "member_b":
            return 404
        return self.ok


EVERYONE_READ = Row(people=PEOPLE, scope="")
FHIR_READ = Row(people=PEOPLE, scope="fhir:read")

# (route as the resolver spells it, METHOD) → Row. Path parameters are filled from PARAMS.
MATRIX: dict[tuple[str, str], Row] = {
    # core
    ("api/v1/me/", "GET"): EVERYONE_READ,
    ("api/v1/notifications/", "GET"): Row(people=PEOPLE, scope=None),
    ("api/v1/notifications/<uuid:notification_id>/read/", "POST"):
        Row(people=PEOPLE, scope=None, ok=404),  # someone else's (or no) notification
    ("api/v1/feed-tokens/", "GET"): Row(people=PEOPLE, scope=None),
    ("api/v1/feed-tokens/<uuid:token_id>/revoke/", "POST"):
        # Another person's token: 404 to everyone but administrators, who may revoke any.
        Row(people=PEOPLE, scope=None, ok=404, overrides={"administrator": 204}),
    ("api/v1/audit-events/", "GET"): Row(people=ADMIN, scope="audit:read"),
    # cases
    ("api/v1/cases/", "GET"): Row(people=PEOPLE, scope="cases:read"),  # B's member: filtered
    ("api/v1/cases/", "POST"):  # empty body → 400 naming the fields; clients also need a key
        Row(people=STAFF, scope="cases:write", ok=400),
    ("api/v1/cases/<uuid:public_id>/", "GET"): Row(people=PEOPLE, scope="cases:read",
                                                   scoped=True),
    ("api/v1/cases/<uuid:public_id>/", "PATCH"): Row(people=STAFF, scope="cases:write",
                                                     ok=200),
    ("api/v1/cases/<uuid:public_id>/transition/", "POST"):
        Row(people=STAFF, scope="cases:write", ok=400),
    ("api/v1/cases/<uuid:public_id>/history/", "GET"): Row(people=PEOPLE, scope="cases:read",
                                                           scoped=True),
    ("api/v1/cases/<uuid:public_id>/imaging-studies/", "GET"):
        Row(people=PEOPLE, scope="cases:read", scoped=True),
    ("api/v1/cases/<uuid:public_id>/imaging-studies/", "POST"):
        Row(people=STAFF, scope="cases:write", ok=400),
    ("api/v1/cases/<uuid:public_id>/documents/", "GET"):
        Row(people=PEOPLE, scope="cases:read", scoped=True),
    ("api/v1/cases/<uuid:public_id>/documents/", "POST"):  # no file → 400 naming "file"
        Row(people=STAFF, scope="cases:write", ok=400),
    ("api/v1/case-documents/<uuid:document_id>/content", "GET"):  # no such document
        Row(people=PEOPLE, scope="cases:read", ok=404),
    ("api/v1/site-parameters/", "GET"): Row(people=ADMIN, scope=None),
    ("api/v1/site-parameters/<slug:key>/", "PUT"): Row(people=ADMIN, scope=None, ok=400),
    # boards, meetings, agendas, attendance, decisions (boardsvc.api): board B's member gets 404
    # on board A's objects; plain members get 403 on management operations.
    ("api/v1/boards/", "GET"): Row(people=PEOPLE, scope="agenda:read"),  # B's member: filtered
    ("api/v1/boards/<uuid:public_id>/", "GET"): Row(people=PEOPLE, scope="agenda:read",
                                                    scoped=True),
    # KPI dashboards (issue 13): the board's chair, coordinators and administrators; a plain
    # member is refused. The matrix sends no period, so an allowed caller gets 400.
    ("api/v1/boards/<uuid:public_id>/kpi/activity/", "GET"):
        Row(people=MANAGERS_A, scope="agenda:read", ok=400, scoped=True),
    ("api/v1/boards/<uuid:public_id>/kpi/waits/", "GET"):
        Row(people=MANAGERS_A, scope="agenda:read", ok=400, scoped=True),
    ("api/v1/boards/<uuid:public_id>/kpi/utilisation/", "GET"):
        Row(people=MANAGERS_A, scope="agenda:read", ok=400, scoped=True),
    ("api/v1/boards/<uuid:public_id>/kpi/attendance/", "GET"):
        Row(people=MANAGERS_A, scope="agenda:read", ok=400, scoped=True),
    ("api/v1/boards/<uuid:public_id>/kpi/violations/", "GET"):
        Row(people=MANAGERS_A, scope="agenda:read", ok=400, scoped=True),
    ("api/v1/meetings/", "GET"): Row(people=PEOPLE, scope="agenda:read"),
    ("api/v1/meetings/<uuid:public_id>/", "GET"): Row(people=PEOPLE, scope="agenda:read",
                                                      scoped=True),
    ("api/v1/meetings/<uuid:public_id>/agenda/", "GET"):
        Row(people=PEOPLE, scope="agenda:read", scoped=True),
    ("api/v1/meetings/<uuid:public_id>/agenda/reorder/", "POST"):
        Row(people=MANAGERS_A, scope="decisions:write", ok=400),
    ("api/v1/meetings/<uuid:public_id>/agenda/late-additions/", "POST"):
        Row(people=MANAGERS_A, scope="decisions:write", ok=400),
    ("api/v1/meetings/<uuid:public_id>/attendance/", "GET"):
        Row(people=PEOPLE, scope="agenda:read", scoped=True),
    ("api/v1/meetings/<uuid:public_id>/attendance/record/", "POST"):
        Row(people=PEOPLE, scope="decisions:write", ok=400, scoped=True),
    # The matrix meeting is in 2030: too early to start (409 start_margin, issue 11 item 9);
    # only a meeting in session can close (409). Either 409 means authorisation passed.
    # members' opinions on one item (issue 12): people only write; an empty body is 400
    ("api/v1/meetings/<uuid:public_id>/items/<uuid:item_id>/opinions/", "GET"):
        Row(people=PEOPLE, scope="agenda:read", scoped=True),
    ("api/v1/meetings/<uuid:public_id>/items/<uuid:item_id>/opinions/", "PUT"):
        Row(people=PEOPLE, scope=None, ok=400, scoped=True),
    # documents that leave the room (issue 12): the meeting's list is scoped to board A;
    # generating needs a manager (an empty body is 400 naming "kind"); the document routes
    # are called with an id that exists nowhere, so an allowed caller gets 404.
    ("api/v1/meetings/<uuid:public_id>/documents/", "GET"):
        Row(people=PEOPLE, scope="agenda:read", scoped=True),
    ("api/v1/meetings/<uuid:public_id>/documents/", "POST"):
        Row(people=MANAGERS_A, scope="decisions:write", ok=400),
    ("api/v1/documents/<uuid:public_id>/", "GET"):
        Row(people=PEOPLE, scope="agenda:read", ok=404),
    ("api/v1/documents/<uuid:public_id>/content", "GET"):
        Row(people=PEOPLE, scope="agenda:read", ok=404),
    ("api/v1/documents/<uuid:public_id>/deliveries/", "POST"):
        Row(people=MANAGERS_A, scope="decisions:write", ok=404),
    ("api/v1/meetings/<uuid:public_id>/start/", "POST"):
        Row(people=MANAGERS_A, scope="decisions:write", ok=409),
    ("api/v1/meetings/<uuid:public_id>/close/", "POST"):
        Row(people=MANAGERS_A, scope="decisions:write", ok=409),
    ("api/v1/agenda-items/<uuid:public_id>/defer/", "POST"):
        Row(people=MANAGERS_A, scope="decisions:write", ok=400),
    ("api/v1/agenda-items/<uuid:public_id>/standard-of-care/", "POST"):
        Row(people=MANAGERS_A, scope="decisions:write", ok=400),
    ("api/v1/agenda-items/<uuid:public_id>/decision/", "POST"):
        Row(people=MANAGERS_A, scope="decisions:write", ok=400),
    ("api/v1/agenda-items/<uuid:public_id>/ratify/", "POST"):  # not a ratification item
        Row(people=MANAGERS_A, scope="decisions:write", ok=409),
    ("api/v1/decisions/<uuid:public_id>/", "GET"): Row(people=PEOPLE, scope="agenda:read",
                                                       scoped=True),
    ("api/v1/decisions/<uuid:public_id>/amend/", "PATCH"):
        Row(people=MANAGERS_A, scope="decisions:write", ok=400),
    ("api/v1/cases/<uuid:public_id>/placement/", "GET"):
        Row(people=PEOPLE, scope="agenda:read", scoped=True),
    # scheduling (scheduling.api): resources are not patient data, so every person reads them;
    # bookings, plans and violations are scoped by case (board B's member gets 404).
    ("api/v1/resources/", "GET"): Row(people=PEOPLE, scope="bookings:read"),
    ("api/v1/resources/<uuid:public_id>/", "GET"): Row(people=PEOPLE, scope="bookings:read"),
    ("api/v1/resources/<uuid:public_id>/slots/", "GET"):  # no procedure_type/from/to
        Row(people=PEOPLE, scope="bookings:read", ok=400),
    # Closures and absences: read by everyone who reads bookings (the bookings listed are
    # filtered to the caller's boards), changed by coordinators. An empty body is a 400 naming
    # start and end; the matrix's closure id names none, so an allowed caller gets 404.
    ("api/v1/resources/<uuid:public_id>/closures/", "GET"):
        Row(people=PEOPLE, scope="bookings:read"),
    ("api/v1/resources/<uuid:public_id>/closures/", "POST"):
        Row(people=STAFF, scope="bookings:write", ok=400),
    ("api/v1/resources/<uuid:public_id>/closures/<uuid:closure_id>/", "GET"):
        Row(people=PEOPLE, scope="bookings:read", ok=404),
    ("api/v1/resources/<uuid:public_id>/closures/<uuid:closure_id>/", "DELETE"):
        Row(people=STAFF, scope="bookings:write", ok=404),
    ("api/v1/bookings/", "GET"): Row(people=PEOPLE, scope="bookings:read"),  # B's: filtered
    ("api/v1/bookings/", "POST"): Row(people=STAFF, scope="bookings:write", ok=400),
    ("api/v1/bookings/<uuid:public_id>/", "GET"): Row(people=PEOPLE, scope="bookings:read",
                                                      scoped=True),
    ("api/v1/bookings/<uuid:public_id>/history/", "GET"):
        Row(people=PEOPLE, scope="bookings:read", scoped=True),
    ("api/v1/bookings/<uuid:public_id>/move/", "POST"):  # no If-Match: 428, nothing moved
        Row(people=STAFF, scope="bookings:write", ok=428),
    ("api/v1/bookings/<uuid:public_id>/cancel/", "POST"):
        Row(people=STAFF, scope="bookings:write", ok=200),
    ("api/v1/bookings/<uuid:public_id>/done/", "POST"):  # booked for 2030: not done yet
        Row(people=STAFF, scope="bookings:write", ok=409),
    ("api/v1/plans/<uuid:public_id>/validation/", "GET"):
        Row(people=PEOPLE, scope="bookings:read", scoped=True),
    ("api/v1/plans/<uuid:public_id>/board/", "GET"):  # no procedure/day: the plan's first
        Row(people=PEOPLE, scope="bookings:read", scoped=True),
    ("api/v1/plans/<uuid:public_id>/proposals/", "POST"):  # horizon 0: 400 before the solver
        Row(people=STAFF, scope="bookings:write", ok=400, body={"horizon_days": 0}),
    # solver runs (issue 14): queued by staff for a plan in scope, read by everyone in scope;
    # the world's run finished without a schedule, so an allowed apply is refused (409).
    ("api/v1/plans/<uuid:public_id>/solver-runs/", "POST"):  # horizon 0: 400, nothing queued
        Row(people=STAFF, scope="bookings:write", ok=400, body={"horizon_days": 0}),
    ("api/v1/solver-runs/", "GET"): Row(people=PEOPLE, scope="bookings:read"),
    ("api/v1/solver-runs/", "POST"):  # the waiting list; max_plans 0: 400, nothing queued
        Row(people=STAFF, scope="bookings:write", ok=400, body={"max_plans": 0}),
    ("api/v1/solver-runs/<uuid:public_id>/", "GET"):
        Row(people=PEOPLE, scope="bookings:read", scoped=True),
    ("api/v1/solver-runs/<uuid:public_id>/apply/", "POST"):  # clients also need a key: 400
        Row(people=STAFF, scope="bookings:write", ok=409, client_ok=400),
    ("api/v1/violations/<uuid:public_id>/acknowledge/", "POST"):
        Row(people=STAFF, scope=None, ok=400),
    # pathway clocks (issue 13): a case's clocks are scoped by case; the list of what breaches
    # soon is the coordinators'; targets are read by all, edited by administrators (the
    # matrix's code is a timing rule's, so an allowed caller gets 404).
    ("api/v1/cases/<uuid:public_id>/clocks/", "GET"):
        Row(people=PEOPLE, scope="bookings:read", scoped=True),
    ("api/v1/clocks/", "GET"): Row(people=STAFF, scope="bookings:read"),
    ("api/v1/clock-targets/", "GET"): Row(people=PEOPLE, scope="bookings:read"),
    ("api/v1/clock-targets/<slug:code>/", "PATCH"): Row(people=ADMIN, scope=None, ok=404),
    ("api/v1/timing-rules/", "GET"): Row(people=PEOPLE, scope="bookings:read"),
    ("api/v1/timing-rules/<slug:code>/", "PATCH"): Row(people=ADMIN, scope=None, ok=400),
    ("api/v1/procedure-catalogue/", "GET"): Row(people=PEOPLE, scope="bookings:read"),
    ("api/v1/procedure-catalogue/<slug:procedure_type>/", "PATCH"):
        Row(people=ADMIN, scope=None, ok=200),  # If-Match W/"1", no change
    # FHIR R4 facade
    ("fhir/R4/Appointment", "GET"): FHIR_READ,
    ("fhir/R4/Appointment/<uuid:booking_id>", "GET"): Row(people=PEOPLE, scope="fhir:read",
                                                          scoped=True),
    ("fhir/R4/ServiceRequest", "GET"): FHIR_READ,
    ("fhir/R4/ServiceRequest/<uuid:case_id>", "GET"): Row(people=PEOPLE, scope="fhir:read",
                                                          scoped=True),
    ("fhir/R4/CarePlan", "GET"): FHIR_READ,
    ("fhir/R4/CarePlan/<uuid:plan_id>", "GET"): Row(people=PEOPLE, scope="fhir:read",
                                                    scoped=True),
    ("fhir/R4/DocumentReference", "GET"): FHIR_READ,
    ("fhir/R4/DocumentReference/<uuid:document_id>", "GET"):  # no such document
        Row(people=PEOPLE, scope="fhir:read", ok=404),
    ("fhir/R4/Schedule", "GET"): FHIR_READ,
    ("fhir/R4/Schedule/<uuid:resource_id>", "GET"): FHIR_READ,
    ("fhir/R4/Slot", "GET"): Row(people=PEOPLE, scope="fhir:read", ok=400),  # no schedule=
    # iCalendar token minting (the feeds themselves are secret-URL views, tested in test_ical)
    ("ical/boards/<uuid:board_id>/tokens/", "POST"):
        Row(people=PEOPLE, scope=None, ok=201, scoped=True),
    ("ical/members/tokens/", "POST"): Row(people=PEOPLE, scope=None, ok=201),
    ("ical/resources/<uuid:resource_id>/tokens/", "POST"): Row(people=STAFF, scope=None, ok=201),
}

def _first_timing_rule_code() -> str:
    from scheduling.models import TimingRule  # seeded by scheduling's migration 0003

    return TimingRule.objects.order_by("code").values_list("code", flat=True).first()


# ``<uuid:public_id>`` is named after the collection before it ("cases/<uuid:public_id>/").
COLLECTIONS: dict[str, Any] = {
    "cases": lambda w: w.case_a.public_id,
    "bookings": lambda w: w.booking_a.public_id,
    "resources": lambda w: w.resource.public_id,
    "boards": lambda w: w.board_a.public_id,
    "meetings": lambda w: w.extra["meeting_a"].public_id,
    "agenda-items": lambda w: w.extra["item_a"].public_id,
    "decisions": lambda w: w.extra["decision_a"].public_id,
    "plans": lambda w: w.booking_a.plan.public_id,
    "solver-runs": lambda w: w.extra["solver_run_a"].public_id,
    "violations": lambda w: w.extra["violation_a"].public_id,
    "documents": lambda w: "00000000-0000-4000-8000-00000000d0c5",
}

# The path parameter values, from the tests' world (board A's objects, so B's member gets 404).
PARAMS: dict[str, Any] = {
    "notification_id": lambda w: "00000000-0000-4000-8000-000000000001",
    "token_id": lambda w: w.extra["foreign_token"].public_id,
    "booking_id": lambda w: w.booking_a.public_id,
    "case_id": lambda w: w.case_a.public_id,
    "document_id": lambda w: "00000000-0000-4000-8000-00000000d0c5",
    "resource_id": lambda w: w.resource.public_id,
    "board_id": lambda w: w.board_a.public_id,
    "key": lambda w: "small_lesion_mm",
    "code": lambda w: _first_timing_rule_code(),
    "procedure_type": lambda w: "embolization",
    "item_id": lambda w: w.extra["item_a"].public_id,
    "plan_id": lambda w: w.booking_a.plan.public_id,
    "closure_id": lambda w: "00000000-0000-4000-8000-00000000c105",
}
