"""The rule errors of the cases app (core.errors): what a case service refuses, and why.

Pure Python, so the messages and error lists are built once, where the refusal is decided, and
both the API (problem+json) and the pages show the same thing. ``IllegalTransition`` lives with
the lifecycle it enforces (cases/domain/lifecycle.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from core.errors import Conflict, RuleError


class CaseDataError(RuleError):
    """The submitted data breaks a rule (400); ``errors`` is [{field, rule, message}] with
    fields named like the request (``lesions[1].max_diameter_mm``). Nothing has been stored."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        message = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        super().__init__(message or "Invalid case data.", errors=errors)


class CaseNotReady(Conflict):
    """The case cannot become ready for MDT (409, ``not_ready``).

    ``missing`` lists the open readiness requirements ({"code", "message", "params"} and the
    lesion's public id when one lesion is concerned); ``extra`` carries them with the case's
    current status. There is one error per requirement, on the lesion it concerns
    (``lesions[1]``, by the lesions' order in ``lesions``: their public ids) or else on the
    field ``to``.
    """

    rule = "not_ready"
    code = "not_ready"

    def __init__(self, missing: list[dict[str, Any]], *, current: str,
                 lesions: Sequence[str] = ()) -> None:
        self.missing = missing
        index = {str(public_id): i for i, public_id in enumerate(lesions)}
        errors = [{"field": f"lesions[{index[m['lesion']]}]" if m.get("lesion") in index
                   else "to", "rule": m["code"], "message": m["message"]} for m in missing]
        super().__init__(
            "The case is not ready for MDT: " + "; ".join(item["message"] for item in missing),
            errors=errors, extra={"current": current, "missing": missing},
        )
