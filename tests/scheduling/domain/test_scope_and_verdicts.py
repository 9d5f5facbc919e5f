"""Issue 11, items 2, 3 and 11, without a database: the purpose and the ``prepares`` link decide
which pair a rule binds; a missing target lesion widens a rule to the patient with a visible
note; every rule gets a stated verdict; same session means one room, back to back."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from scheduling.domain import engine
from scheduling.domain.admission import admit
from scheduling.domain.catalogue import DEFAULT_RULES
from scheduling.domain.errors import HardRuleViolation, SameSessionRequired
from scheduling.domain.plan_solver import (
    PlanProblem,
    ProcedureToPlace,
    ResourceFreeTime,
    propose_plan,
)
from scheduling.domain.rules import PlacementRequest, allowed_windows, evaluate
from scheduling.domain.scope import LINKED, PATIENT_FALLBACK, SAME_LESION, pair_scope
from scheduling.domain.sessions import same_session_problems
from scheduling.domain.slots import free_periods
from scheduling.domain.types import BookingView, Interval, WeeklyHours
from scheduling.domain.verdicts import PlannedView, VerdictStatus, assess

T0 = datetime(2030, 1, 7, 8, 0, tzinfo=UTC)  # a Monday
H = timedelta(hours=1)
D = timedelta(days=1)
RULES = {r.code: r for r in DEFAULT_RULES}
R1_SOFT, R2, R3 = RULES["R1-window-soft"], RULES["R2-order"], RULES["R3-ablation-after-embolization"]


def bk(pid: str, ptype: str, start: datetime, length: timedelta = 2 * H, *,
       lesion: str | None = "L1", purpose: str = "", prepares: str | None = None,
       session: str | None = None, room: str = "R", patient: str = "P") -> BookingView:
    return BookingView(
        booking_id=f"b-{pid}", procedure_id=pid, procedure_type=ptype, resource_id=room,
        start=start, end=start + length, patient_id=patient, lesion_id=lesion, plan_id="plan",
        purpose=purpose, prepares_id=prepares, same_session_with=session,
    )


def planned(view: BookingView) -> PlannedView:
    return PlannedView(view.procedure_id, view.procedure_type, view.patient_id, view.lesion_id,
                       view.plan_id, view.purpose, view.prepares_id, view.same_session_with)


def codes(bookings) -> list[str]:
    return sorted(v.rule_code for v in evaluate(bookings=bookings, rules=DEFAULT_RULES))


# --- item 2: the link binds the pair the embolization prepares ------------------------------------

# Surgery five days after a pre-operative embolization (R1 soft 48 h and hard 72 h broken).
LATE = T0 + 2 * H + 5 * D


@pytest.mark.parametrize(
    ("emb_lesion", "surgery_lesion", "prepares", "expected"),
    [
        # Linked: R1 binds the pair whatever the lesions.
        ("L1", "L1", "surg", ["R1-window-hard", "R1-window-soft"]),
        ("L1", "L2", "surg", ["R1-window-hard", "R1-window-soft"]),
        (None, None, "surg", ["R1-window-hard", "R1-window-soft"]),
        # Not linked: same lesion as before, different lesions not.
        ("L1", "L1", None, ["R1-window-hard", "R1-window-soft"]),
        ("L1", "L2", None, []),
        # Linked to another surgery: this one is not its surgery.
        ("L1", "L1", "other-surgery", []),
    ],
)
def test_r1_binds_the_surgery_the_embolization_prepares(emb_lesion, surgery_lesion, prepares,
                                                        expected):
    emb = bk("emb", "embolization", T0, lesion=emb_lesion, purpose="pre_operative",
             prepares=prepares)
    surgery = bk("surg", "surgery", LATE, lesion=surgery_lesion)
    assert codes([emb, surgery]) == expected


@pytest.mark.parametrize(
    ("purpose", "expected"),
    [
        ("pre_operative", ["R1-window-hard", "R1-window-soft"]),
        ("palliative", []),  # not a preparation for surgery: R1/R2 do not bind it (stated below)
        ("pre_ablation", []),
        ("", []),
    ],
)
def test_r1_r2_follow_the_purpose(purpose, expected):
    emb = bk("emb", "embolization", T0, purpose=purpose)
    assert codes([emb, bk("surg", "surgery", LATE)]) == expected


@pytest.mark.parametrize(
    ("emb_lesion", "ablation_lesion", "prepares", "broken"),
    [
        ("L1", "L1", None, True),
        ("L1", "L2", "abl", True),  # linked across lesions
        ("L1", "L2", None, False),
        (None, "L2", None, True),  # patient scope (note)
    ],
)
def test_r3_binds_a_pre_ablation_embolization_to_its_ablation(emb_lesion, ablation_lesion,
                                                              prepares, broken):
    emb = bk("emb", "embolization", T0, lesion=emb_lesion, purpose="pre_ablation",
             prepares=prepares)
    ablation = bk("abl", "rfa", T0 + 2 * H + 3 * D, lesion=ablation_lesion)
    assert ("R3-ablation-after-embolization" in codes([emb, ablation])) is broken


# --- item 3: a missing target widens the rule to the patient, with a visible note ------------------

@pytest.mark.parametrize(
    ("emb_lesion", "surgery_lesion", "prepares", "basis", "note"),
    [
        ("L1", "L1", None, SAME_LESION, ""),
        ("L1", "L1", "surg", LINKED, ""),
        (None, "L1", "surg", LINKED, ""),  # the link makes the target moot
        ("L1", None, None, PATIENT_FALLBACK,
         "applied at patient scope: the surgery has no target lesion"),
        (None, "L1", None, PATIENT_FALLBACK,
         "applied at patient scope: the embolization has no target lesion"),
        (None, None, None, PATIENT_FALLBACK, "applied at patient scope: neither the "
         "embolization nor the surgery has a target lesion"),
    ],
)
def test_scope_of_a_pair(emb_lesion, surgery_lesion, prepares, basis, note):
    emb = bk("emb", "embolization", T0, lesion=emb_lesion, purpose="pre_operative",
             prepares=prepares)
    surgery = bk("surg", "surgery", LATE, lesion=surgery_lesion)
    scope = pair_scope(R1_SOFT, emb, surgery)
    assert (scope.applies, scope.basis, scope.note) == (True, basis, note)


def test_the_issue_case_a_surgery_without_target_then_its_embolization_the_day_after():
    """Issue item 3: surgery booked with no target lesion, then its pre-operative embolization
    the day after, was accepted with no warning. Now R2 (hard) refuses it, saying why."""
    surgery = bk("surg", "surgery", T0, 3 * H, lesion=None)
    emb = bk("emb", "embolization", T0 + D, lesion="L1", purpose="pre_operative")
    with pytest.raises(HardRuleViolation) as caught:
        admit(before=[surgery], after=[surgery, emb], rules=DEFAULT_RULES, tz="Europe/Rome")
    [violation] = caught.value.violations
    assert violation.rule_id == "R2"
    assert violation.scope_note == "applied at patient scope: the surgery has no target lesion"
    assert "Applied at patient scope: the surgery has no target lesion." in violation.message


def test_allowed_windows_use_the_same_scoping():
    emb = bk("emb", "embolization", T0, lesion="L1", purpose="pre_operative", prepares="new")
    horizon = (T0 - 30 * D, T0 + 60 * D)
    linked = PlacementRequest(procedure_id="new", procedure_type="surgery", duration=3 * H,
                              patient_id="P", lesion_id="L2")
    w = allowed_windows(request=linked, bookings=[emb], rules=DEFAULT_RULES, horizon=horizon)
    assert w.hard[0].latest == emb.end + 72 * H  # R1 hard, although the lesions differ
    unlinked = PlacementRequest(procedure_id="other", procedure_type="surgery", duration=3 * H,
                                patient_id="P", lesion_id="L1")
    w = allowed_windows(request=unlinked, bookings=[emb], rules=DEFAULT_RULES, horizon=horizon)
    assert w.reasons == ()  # the embolization prepares another surgery
    no_target = PlacementRequest(procedure_id="x", procedure_type="surgery", duration=3 * H,
                                 patient_id="P", lesion_id=None)
    plain = bk("emb2", "embolization", T0, lesion="L1", purpose="pre_operative")
    w = allowed_windows(request=no_target, bookings=[plain], rules=DEFAULT_RULES,
                        horizon=horizon)
    assert "R2-order" in w.reasons  # patient scope, as evaluate()


# --- item 3: a verdict for every rule ---------------------------------------------------------------

def _verdicts(bookings, plan=()):
    views = list(bookings)
    result = assess(bookings=views, rules=DEFAULT_RULES,
                    planned=[*(planned(v) for v in views), *plan],
                    violations=engine.evaluate(bookings=views, rules=DEFAULT_RULES))
    return {(v.rule_code, v.procedure_ids): v for v in result.verdicts}


def test_a_palliative_embolization_with_surgery_says_r1_does_not_apply_and_why():
    emb = bk("emb", "embolization", T0, purpose="palliative")
    surgery = bk("surg", "surgery", LATE)
    verdicts = _verdicts([emb, surgery])
    r1 = verdicts[("R1-window-soft", ("emb", "surg"))]
    assert r1.status == VerdictStatus.NOT_APPLICABLE
    assert r1.reason == "R1 binds a pre-operative embolization; this one is palliative"


@pytest.mark.parametrize(
    ("surgery_start", "status"),
    [(T0 + 2 * H + 20 * H, VerdictStatus.SATISFIED), (LATE, VerdictStatus.VIOLATED)],
)
def test_linked_pair_verdicts(surgery_start, status):
    emb = bk("emb", "embolization", T0, lesion="L1", purpose="pre_operative", prepares="surg")
    surgery = bk("surg", "surgery", surgery_start, lesion="L2")
    verdict = _verdicts([emb, surgery])[("R1-window-soft", ("emb", "surg"))]
    assert (verdict.status, verdict.basis) == (status, LINKED)


def test_a_procedure_not_yet_booked_makes_the_verdict_pending():
    emb = bk("emb", "embolization", T0, purpose="pre_operative", prepares="surg")
    surgery = PlannedView("surg", "surgery", "P", "L1", "plan")
    verdict = _verdicts([emb], plan=[surgery])[("R2-order", ("emb", "surg"))]
    assert verdict.status == VerdictStatus.PENDING
    assert verdict.reason == "waiting for the surgery to be booked"


def test_the_patient_scope_note_is_on_the_verdict_too():
    emb = bk("emb", "embolization", T0, purpose="pre_operative")
    surgery = bk("surg", "surgery", T0 + 5 * H, lesion=None)
    verdict = _verdicts([emb, surgery])[("R2-order", ("emb", "surg"))]
    assert verdict.status == VerdictStatus.SATISFIED
    assert verdict.scope_note == "applied at patient scope: the surgery has no target lesion"


@pytest.mark.parametrize(
    ("bookings", "code", "ids", "reason"),
    [
        ([bk("emb", "embolization", T0, lesion="L1"), bk("abl", "rfa", T0 + 3 * H, lesion="L2")],
         "R3-ablation-after-embolization", ("emb", "abl"),
         "the procedures target different lesions"),
        ([bk("emb", "embolization", T0, purpose="pre_operative", prepares="s1"),
          bk("s1", "surgery", T0 + 4 * H), bk("s2", "surgery", T0 + D)],
         "R2-order", ("emb", "s2"),
         "the embolization prepares another surgery of the plan; the rule binds that pair"),
        ([bk("surg", "surgery", T0)], "R3-ablation-after-embolization", (),
         "no embolization with a cryoablation, mwa or rfa in this plan"),
        ([bk("surg", "surgery", T0)], "R17-fractionation", (), "no radiotherapy in this plan"),
    ],
)
def test_not_applicable_is_a_stated_verdict(bookings, code, ids, reason):
    verdict = _verdicts(bookings)[(code, ids)]
    assert verdict.status == VerdictStatus.NOT_APPLICABLE
    assert verdict.reason == reason


def test_every_active_rule_gets_at_least_one_verdict():
    views = [bk("surg", "surgery", T0)]
    result = assess(bookings=views, rules=DEFAULT_RULES,
                    violations=engine.evaluate(bookings=views, rules=DEFAULT_RULES))
    assert {v.rule_code for v in result.verdicts} == {r.code for r in DEFAULT_RULES if r.active}


# --- item 11: same session means same session -------------------------------------------------------

ABL = bk("abl", "rfa", T0, 90 * timedelta(minutes=1), room="CT1", session="vp")


@pytest.mark.parametrize(
    ("vp", "problem"),
    [
        (bk("vp", "vertebroplasty", ABL.end, H, room="CT1"), False),  # back to back
        (bk("vp", "vertebroplasty", T0 - H, H, room="CT1"), False),  # just before
        (bk("vp", "vertebroplasty", ABL.end, H, room="CT2"), True),  # another room
        (bk("vp", "vertebroplasty", ABL.end + 15 * timedelta(minutes=1), H, room="CT1"), True),
        (bk("vp", "vertebroplasty", T0 + D, H, room="CT1"), True),  # next day
    ],
)
def test_same_session_pairs_share_a_room_back_to_back(vp, problem):
    assert bool(same_session_problems([ABL, vp])) is problem


def test_admission_refuses_a_booking_that_splits_a_session():
    vp = bk("vp", "vertebroplasty", T0 + D, H, room="CT1")
    with pytest.raises(SameSessionRequired) as caught:
        admit(before=[ABL], after=[ABL, vp], rules=DEFAULT_RULES, tz="Europe/Rome")
    assert caught.value.rule == "same_session"
    assert "same session" in caught.value.message


def test_same_session_verdicts():
    vp_ok = bk("vp", "vertebroplasty", ABL.end, H, room="CT1")
    assert _verdicts([ABL, vp_ok])[("same-session", ("abl", "vp"))].status == "satisfied"
    vp_bad = bk("vp", "vertebroplasty", ABL.end, H, room="CT2")
    assert _verdicts([ABL, vp_bad])[("same-session", ("abl", "vp"))].status == "violated"
    pending = _verdicts([ABL], plan=[PlannedView("vp", "vertebroplasty", "P", "L1", "plan")])
    assert pending[("same-session", ("abl", "vp"))].status == "pending"


NOW = datetime(2030, 1, 7, 6, 0, tzinfo=UTC)  # Monday 07:00 in Rome
HOURS = [WeeklyHours(d, time(8), time(18)) for d in range(5)]


def _free(resource_id: str, busy=()):
    window = Interval(NOW, NOW + timedelta(days=14))
    return ResourceFreeTime(resource_id, tuple(free_periods(
        hours=HOURS, busy=busy, tz="Europe/Rome", window=window)))


def test_the_solver_places_a_same_session_pair_together():
    # The CT room is free first thing; the hybrid room only later. Alone, each would take the
    # earliest room; together they share the one room that hosts both, back to back.
    emb = ProcedureToPlace("emb", "embolization", timedelta(minutes=150), ("angio", "hybrid"),
                           patient_id="P", lesion_id="L", purpose="pre_ablation",
                           prepares_id="abl", same_session_with="abl")
    abl = ProcedureToPlace("abl", "rfa", timedelta(minutes=90), ("ct", "hybrid"),
                           patient_id="P", lesion_id="L", purpose="curative")
    busy = [Interval(NOW, NOW + timedelta(hours=6))]
    problem = PlanProblem(now=NOW, horizon_end=NOW + timedelta(days=14), procedures=(emb, abl),
                          resources=(_free("angio"), _free("ct"), _free("hybrid", busy)),
                          rules=DEFAULT_RULES)
    proposal = propose_plan(problem)
    assert proposal.status in {"optimal", "feasible"}
    by = {b.procedure_id: b for b in proposal.bookings}
    assert by["emb"].resource_id == by["abl"].resource_id == "hybrid"
    assert by["abl"].start == by["emb"].end  # embolization first (R3), ablation right after
    assert proposal.violations == ()


def test_the_solver_reports_a_pair_no_room_can_host():
    emb = ProcedureToPlace("emb", "embolization", timedelta(minutes=150), ("angio",),
                           patient_id="P", same_session_with="abl")
    abl = ProcedureToPlace("abl", "rfa", timedelta(minutes=90), ("ct",), patient_id="P")
    problem = PlanProblem(now=NOW, horizon_end=NOW + timedelta(days=14), procedures=(emb, abl),
                          resources=(_free("angio"), _free("ct")), rules=DEFAULT_RULES)
    proposal = propose_plan(problem)
    assert proposal.status == "infeasible"
    assert "no room can host both" in proposal.message


def test_the_solver_puts_a_procedure_next_to_its_booked_partner():
    booked = BookingView("b-abl", "abl", "rfa", "ct", NOW + timedelta(hours=3),
                         NOW + timedelta(hours=4, minutes=30), patient_id="P", lesion_id="L",
                         same_session_with="vp")
    vp = ProcedureToPlace("vp", "vertebroplasty", timedelta(hours=1), ("ct", "ct2"),
                          patient_id="P", lesion_id="L")
    problem = PlanProblem(now=NOW, horizon_end=NOW + timedelta(days=14), procedures=(vp,),
                          resources=(_free("ct", [Interval(booked.start, booked.end)]),
                                     _free("ct2")),
                          rules=DEFAULT_RULES, fixed=(booked,))
    [proposed] = propose_plan(problem).bookings
    assert proposed.resource_id == "ct"
    assert proposed.start == booked.end  # ablation first, then cement (R5)
