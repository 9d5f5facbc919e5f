"""``{% load scheduling_text %}``: ``{{ violation.message|rule_text }}`` renders a timing-rule
message or rationale in the active language (scheduling/labels.py)."""

from __future__ import annotations

from django import template

from scheduling.labels import rule_text as _rule_text

register = template.Library()


@register.filter
def rule_text(message: str) -> str:
    return _rule_text(str(message or ""))
