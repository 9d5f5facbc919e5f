"""What boardsvc tells scheduling about MDT decisions (a port: scheduling never imports boardsvc).

``settings.BOARDSVC_DECISION_CLOCK`` names ``decision_times``; scheduling.selectors calls it to
learn when the decision to treat behind a plan was recorded, which starts R10's clock
(clinical-rules.md R10: radiotherapy within 24 h of the decision to treat, MSCC not for surgery).
``settings.BOARDSVC_CASE_TIMEZONE_SUBQUERY`` names ``case_board_timezone_subquery``: the zone of
a case's board, in which scheduling shows the worklist's due times and the pathway clock alerts.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from uuid import UUID

from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Coalesce

from boardsvc.models import AgendaItem, Board, Decision
from cases.models import Case


def decision_times(*, decision_public_ids: Iterable[UUID | str]) -> dict[str, datetime]:
    """``recorded_at`` of each decision, by public id (str); unknown ids are left out. An
    amendment keeps the original time: the decision to treat was taken when it was recorded."""
    ids = {str(value) for value in decision_public_ids}
    if not ids:
        return {}
    rows = Decision.objects.filter(public_id__in=ids).values_list("public_id", "recorded_at")
    return {str(public_id): recorded_at for public_id, recorded_at in rows}


def decision_recorded_at_subquery(decision_ref: str) -> Subquery:
    """The same fact as one SQL expression, for annotating many plans at once (scheduling's
    pathway clocks sort and filter by it in the database): ``recorded_at`` of the decision whose
    public id is ``OuterRef(decision_ref)`` (NULL when there is none).
    ``settings.BOARDSVC_DECISION_CLOCK_SUBQUERY`` names this function."""
    return Subquery(Decision.objects.filter(public_id=OuterRef(decision_ref))
                    .values("recorded_at")[:1])


def case_board_timezone_subquery(case_ref: str) -> Coalesce:
    """The IANA zone of the case's board as one SQL expression (``Board.timezone``): the board
    of its latest MDT decision, else of its latest agenda item, else the board it was referred
    to (``Case.requested_board``); NULL when none is known. ``case_ref`` names the outer row's
    case id. ``settings.BOARDSVC_CASE_TIMEZONE_SUBQUERY`` names this function: scheduling shows
    the worklist's due times and the pathway clock alerts in this zone."""
    decided = (Decision.objects.filter(case_id=OuterRef(case_ref))
               .order_by("-recorded_at", "-pk").values("meeting__board__timezone")[:1])
    listed = (AgendaItem.objects.filter(case_id=OuterRef(case_ref))
              .order_by("-meeting__starts_at", "-pk").values("meeting__board__timezone")[:1])
    referred = Board.objects.filter(
        slug=Subquery(Case.objects.filter(pk=OuterRef(OuterRef(case_ref)))
                      .values("requested_board")[:1])).values("timezone")[:1]
    return Coalesce(Subquery(decided, output_field=CharField()),
                    Subquery(listed, output_field=CharField()),
                    Subquery(referred, output_field=CharField()),
                    output_field=CharField())
