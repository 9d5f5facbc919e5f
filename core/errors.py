"""The project's one way to fail: a rule error, in pure Python.

A service (or a pure domain function) that refuses a request raises a :class:`RuleError`
subclass. It carries everything a caller needs to answer the person who asked:

- ``message``: one sentence a user can act on;
- ``field``: the field path as the request named it (``lesions[1].max_diameter_mm``), or None
  for the request as a whole;
- ``rule``: the stable id of the rule that refused it (``slot_taken``, ``R1``, ``date_window``);
- ``status``: the HTTP status a web caller gets — 400 bad input, 409 wrong state, 412 a stale
  ``If-Match`` version;
- ``extra``: structured members for the problem body (``{"current": ..., "allowed": [...]}``).

Nothing is stored when one is raised (services raise before writing, or inside a transaction).

The mapping to HTTP is written exactly twice: ``core.api.exceptions.problem_exception_handler``
for the API (problem+json) and ``core.web.errors`` for the server-rendered pages. Views do not
catch these errors to translate them; they catch one only to do something different (for
example re-render a page with the current version after :class:`StaleVersion`).

This module imports nothing from Django, so ``domain/`` packages may subclass it.
"""

from __future__ import annotations

from typing import Any

BAD_REQUEST = 400
CONFLICT = 409
PRECONDITION_FAILED = 412


class RuleError(Exception):
    """A request breaks a rule. Subclasses set class defaults; instances may override them."""

    status: int = BAD_REQUEST
    rule: str = "invalid"
    field: str | None = None
    #: the problem type slug (``/problems/<code>``); defaults to the rule for conflicts.
    code: str = ""

    def __init__(self, message: str, *, field: str | None = None, rule: str | None = None,
                 status: int | None = None, extra: dict[str, Any] | None = None,
                 errors: list[dict[str, Any]] | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if field is not None:
            self.field = field
        if rule is not None:
            self.rule = rule
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.extra: dict[str, Any] = dict(extra or {})
        self._errors = errors

    @property
    def errors(self) -> list[dict[str, Any]]:
        """The problem body's ``errors``: [{field, rule, message}], one per broken rule."""
        if self._errors is not None:
            return self._errors
        return [{"field": self.field, "rule": self.rule, "message": self.message}]

    @property
    def problem_code(self) -> str:
        """The slug of the problem type: explicit ``code``, else by status."""
        if self.code:
            return self.code
        if self.status == CONFLICT:
            return self.rule
        if self.status == PRECONDITION_FAILED:
            return "precondition_failed"
        return "rule"


class Conflict(RuleError):
    """The request is valid but the current state refuses it (→ 409)."""

    status = CONFLICT
    rule = "conflict"


class StaleVersion(RuleError):
    """The caller's ``If-Match`` version is not the current one (→ 412).

    ``current`` is the version the caller should re-read; ``noun`` names the resource in the
    message ("The booking has changed since you read it ...").
    """

    status = PRECONDITION_FAILED
    rule = "stale_version"
    field = "If-Match"

    def __init__(self, current: int, *, noun: str = "resource") -> None:
        self.current = current
        self.noun = noun
        super().__init__(f"The {noun} has changed since you read it; its current ETag is "
                         f"W/\"{current}\".")


class NotFound(RuleError):
    """A named object does not exist or is outside the caller's scope (→ 404)."""

    status = 404
    rule = "not_found"
