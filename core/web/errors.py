"""Rule errors on the server-rendered pages: the web's one mapping of ``core.errors``.

Two shapes cover every page:

- a form page calls the service inside ``with rule_errors(form) as outcome:``; a refusal is put
  on the form field it names (or at the top of the form), and ``outcome.status`` is the status
  to render with (400, 409 or 412), None when the service accepted;
- an action without a form (a button that posts) is decorated with ``@rule_errors_as_message``:
  a refusal becomes an error message and the user is sent back to the page they came from.

Views catch a rule error themselves only to do something else than show it (for example
re-render with the current version after ``StaleVersion``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import wraps
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from core.errors import RuleError


@dataclass
class RuleOutcome:
    """What ``rule_errors`` saw: ``error`` is the refusal (None when accepted) and ``status``
    the HTTP status to render the page with."""

    error: RuleError | None = None

    @property
    def status(self) -> int | None:
        return None if self.error is None else self.error.status

    @property
    def refused(self) -> bool:
        return self.error is not None


def form_field_for(form: forms.BaseForm, field: str | None,
                   aliases: Mapping[str, str] | None = None) -> str | None:
    """The form field an error's field path lands on: an alias (``procedures[0]`` →
    ``procedure`` by the path's head), the field itself, else None (the form's top)."""
    if not field:
        return None
    head = field.split("[", 1)[0].split(".", 1)[0]
    for candidate in (field, head):
        if aliases and candidate in aliases:
            return aliases[candidate]
        if candidate in form.fields:
            return candidate
    return None


def add_rule_error(form: forms.BaseForm, exc: RuleError,
                   aliases: Mapping[str, str] | None = None) -> None:
    """Put every error of ``exc`` on the field it names (or the form's top)."""
    for error in exc.errors:
        form.add_error(form_field_for(form, error.get("field"), aliases),
                       str(error.get("message") or exc.message))


@contextmanager
def rule_errors(form: forms.BaseForm,
                aliases: Mapping[str, str] | None = None) -> Iterator[RuleOutcome]:
    """Run a service call; a rule error lands on the form instead of propagating."""
    outcome = RuleOutcome()
    try:
        yield outcome
    except RuleError as exc:
        add_rule_error(form, exc, aliases)
        outcome.error = exc


def back_url(request: HttpRequest, fallback: str = "/") -> str:
    """Where the user came from, if it is this site; else ``fallback``."""
    referer = request.META.get("HTTP_REFERER", "")
    if referer and url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()},
                                                   require_https=request.is_secure()):
        return referer
    return fallback


def rule_errors_as_message(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Decorate an action view: a rule error becomes an error message and a redirect back."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except RuleError as exc:
            messages.error(request, exc.message)
            return redirect(back_url(request, request.path))

    return wrapper
