"""The board's rule errors (pure Python): what a board rule or service raises when it refuses.

Both are ``core.errors`` rule errors, so the API (``core.api.exceptions``, problem+json) and the
pages (``core.web.errors``) map them without a try/except in any view (docs/architecture.md).
"""

from __future__ import annotations

from typing import Any

from core.errors import RuleError, StaleVersion


class BoardRuleError(RuleError):
    """A request breaks a board rule. ``status`` is 400 (bad input) or 409 (wrong state);
    ``field`` and ``rule`` name what refused it, ``extra`` adds members to the problem body."""

    def __init__(self, message: str, *, field: str | None = None, rule: str = "invalid",
                 status: int = 400, extra: dict[str, Any] | None = None) -> None:
        super().__init__(message, field=field, rule=rule, status=status, extra=extra)


class StaleDecision(StaleVersion):
    """The caller's If-Match version is not the decision's current one (→ 412); ``current``
    is the version to re-read."""

    def __init__(self, current: int) -> None:
        super().__init__(current, noun="decision")
