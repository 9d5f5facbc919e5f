"""Template helpers shared by every app's pages: ``{% load ui %}``.

- ``{% field_widget field %}`` renders a form field's widget with ``aria-invalid`` when it is in
  error and ``aria-describedby`` naming exactly the elements core/_field.html renders: the error
  list (``<id>-errors``) and the help text (``<id>_helptext``), so no reference dangles;
- ``{{ board|localized_name }}`` is a board's or a room's name in the active language (their
  ``name_it`` in Italian when it is set, else ``name``).
"""

from __future__ import annotations

from typing import Any

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

from core.web.localized import localized_name as _localized_name

register = template.Library()


def described_by(field: BoundField) -> str:
    """The ids core/_field.html renders for ``field``: errors first, then the help text."""
    ids = []
    if field.errors:
        ids.append(f"{field.auto_id}-errors")
    if field.help_text:
        ids.append(f"{field.auto_id}_helptext")
    return " ".join(ids)


@register.simple_tag
def field_widget(field: BoundField) -> SafeString:
    attrs: dict[str, Any] = {}
    described = described_by(field)
    if described:
        attrs["aria-describedby"] = described
    if field.errors:
        attrs["aria-invalid"] = "true"
    widget_attrs = field.field.widget.attrs
    saved = widget_attrs.pop("aria-describedby", None)
    try:
        return field.as_widget(attrs=attrs)
    finally:
        if saved is not None:
            widget_attrs["aria-describedby"] = saved


@register.filter
def localized_name(obj: Any) -> str:
    return _localized_name(obj)
