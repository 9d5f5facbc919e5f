"""Is a case complete enough for MDT discussion?

``case_readiness`` returns the unresolved requirements, each with a stable code, a plain-English
message and the message's parameters (``Requirement.params``: the pages and notices word it in
the reader's language from the code and these, cases/labels.requirement_text); an empty list
means ready. boardsvc uses it to refuse agenda placement and to tell the
coordinator why (the MDT standards ask for all imaging to be available at the meeting, R13 and
clinical-rules.md §3). cases.services.case_transition refuses "ready for MDT" while any is open
(issue 11, item 10: ready means ready), and ``next_step`` tells the coordinator what to do next.
"""

from __future__ import annotations

from dataclasses import dataclass

from .codes import CaseStatus, Urgency, Vascularity, VascularityMethod
from .facts import CaseFacts, LesionFacts, Requirement, RequirementParams
from .scores import mirels_missing_components, sins_missing_components

IMAGING_NOT_AVAILABLE = "imaging_not_available"
NO_LESIONS = "no_lesions"
SINS_INCOMPLETE = "sins_incomplete"
MIRELS_INCOMPLETE = "mirels_incomplete"
BILSKY_MISSING = "bilsky_missing"
URGENCY_REASON_MISSING = "urgency_reason_missing"
VASCULARITY_METHOD_MISSING = "vascularity_method_missing"

# Every code, in the order case_readiness may report them.
REQUIREMENT_CODES = (
    IMAGING_NOT_AVAILABLE, URGENCY_REASON_MISSING, NO_LESIONS, SINS_INCOMPLETE,
    MIRELS_INCOMPLETE, BILSKY_MISSING, VASCULARITY_METHOD_MISSING,
)


def _lesion_params(index: int, lesion: LesionFacts) -> RequirementParams:
    """The lesion's number (1-based) and the fields its label is made of (LesionFacts.label),
    so that the label can be given again in another language."""
    return {
        "lesion_number": str(index + 1),
        "lesion_site": str(lesion.site),
        "lesion_level": lesion.vertebral_level,
        "lesion_detail": lesion.site_detail,
        "lesion_size_mm": str(lesion.max_diameter_mm),
    }


def case_readiness(case: CaseFacts) -> list[Requirement]:
    """The requirements still open before the case can be discussed (empty when ready).

    Pure and deterministic; the order is stable (case-level first, then lesions in order).
    """
    out: list[Requirement] = []
    if not case.imaging_available:
        out.append(Requirement(
            IMAGING_NOT_AVAILABLE,
            "Relevant imaging is not available for review at the meeting.",
        ))
    if case.urgency != Urgency.ROUTINE and not case.urgency_reason.strip():
        out.append(Requirement(
            URGENCY_REASON_MISSING,
            f"The case is marked {case.urgency}; give the clinical reason for the urgency.",
            params={"urgency": f"{case.urgency}"},
        ))
    if not case.lesions:
        out.append(Requirement(NO_LESIONS, "The case has no lesions described."))
    for index, lesion in enumerate(case.lesions):
        name = f"Lesion {index + 1} ({lesion.label})"
        where = _lesion_params(index, lesion)
        if lesion.is_spine:
            missing = sins_missing_components(lesion)
            if missing:
                out.append(Requirement(
                    SINS_INCOMPLETE,
                    f"{name}: spine lesion without the SINS components "
                    f"({', '.join(missing)}).",
                    lesion.public_id,
                    {**where, "missing": list(missing)},
                ))
        if lesion.is_long_bone:
            missing = mirels_missing_components(lesion)
            if missing:
                out.append(Requirement(
                    MIRELS_INCOMPLETE,
                    f"{name}: long-bone lesion without the Mirels components "
                    f"({', '.join(missing)}).",
                    lesion.public_id,
                    {**where, "missing": list(missing)},
                ))
        if lesion.epidural_extension and not lesion.bilsky_grade:
            out.append(Requirement(
                BILSKY_MISSING,
                f"{name}: epidural extension without a Bilsky grade.",
                lesion.public_id,
                dict(where),
            ))
        if (lesion.vascularity != Vascularity.NOT_ASSESSED
                and lesion.vascularity_method == VascularityMethod.NONE):
            out.append(Requirement(
                VASCULARITY_METHOD_MISSING,
                f"{name}: vascularity is given without the imaging method (DCE-MRI or "
                "angiography).",
                lesion.public_id,
                dict(where),
            ))
    return out


@dataclass(frozen=True)
class NextStep:
    """What the coordinator does next with a case: a stable code and a plain-English message."""

    code: str
    message: str


def next_step(*, status: str, unresolved: int, has_active_plan: bool) -> NextStep:
    """The coordinator's next step for a case in ``status`` with ``unresolved`` readiness
    requirements open. Pure; the case page renders it (translated by its code)."""
    s = CaseStatus(status)
    if s == CaseStatus.SUBMITTED:
        if unresolved:
            return NextStep("complete_referral",
                            f"Complete the referral ({unresolved} item(s) listed under "
                            "readiness), then mark it ready for MDT.")
        return NextStep("mark_ready", "The referral is complete: mark it ready for MDT; it is "
                        "then placed on the next meeting with room.")
    if s == CaseStatus.READY_FOR_MDT:
        return NextStep("await_placement", "Ready for MDT: it goes on the next meeting with "
                        "room. Nothing to do unless placement reports a problem.")
    if s == CaseStatus.LISTED:
        return NextStep("await_meeting", "Listed for discussion: nothing to do before the "
                        "meeting.")
    if s == CaseStatus.DISCUSSED:
        if has_active_plan:
            return NextStep("book_plan", "Discussed: book the plan's procedures.")
        return NextStep("no_plan", "Discussed without a treatment plan: move it to follow-up, "
                        "or close it.")
    if s == CaseStatus.PLAN_SCHEDULED:
        return NextStep("start_treatment", "Procedures booked: move it to in treatment when "
                        "the first one starts.")
    if s == CaseStatus.IN_TREATMENT:
        return NextStep("to_follow_up", "In treatment: move it to follow-up when the treatment "
                        "is complete.")
    if s == CaseStatus.FOLLOW_UP:
        return NextStep("follow_up", "In follow-up: refer it to the MDT again (ready for MDT) "
                        "if needed, or close it.")
    return NextStep("closed", "Closed. Refer it again (ready for MDT) if the patient needs the "
                    "board.")
