"""The hospital's time zone, from one setting (``BOARDSVC_SITE_TIMEZONE``, default Europe/Rome).

Instants are stored in UTC. A board and a room carry their own zone as data; this is the zone
for new ones and for showing times where no board or room names one.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import formats
from django.utils.translation import pgettext


def site_timezone() -> str:
    """The site's IANA zone name (also the model default for new boards and rooms)."""
    return str(settings.BOARDSVC_SITE_TIMEZONE)


def zone_name(name: str | None) -> str:
    """``name`` when set, else the site's zone."""
    return name or site_timezone()


def zone_info(name: str | None = None) -> ZoneInfo:
    """The ZoneInfo for ``name``, or for the site when ``name`` is empty."""
    return ZoneInfo(zone_name(name))


def local_time(moment: datetime, zone: str | None = None, *, year: bool = True) -> str:
    """``moment`` in ``zone`` (the site's when empty), day, date and time in the active
    language, without the zone: "Tue 24 Nov 2026 14:00" (``year``) or "Tue 24 Nov 14:00".

    Call it where the text is rendered (inside a notification's callable, under the
    recipient's language), not when a notice is put together."""
    local = moment.astimezone(zone_info(zone))
    if year:
        # Translators: a Django date format (the "date" template filter's letters) for a date and
        # time in notifications: "D d M Y H:i" writes "Tue 24 Nov 2026 14:00". Give your
        # language's usual order and case, e.g. Italian "D d b Y H:i" writes
        # "mar 24 nov 2026 14:00".
        return formats.date_format(local, pgettext("date format", "D d M Y H:i"))
    # Translators: a Django date format (the "date" template filter's letters) for a date and
    # time within the coming days, without the year: "D d M H:i" writes "Tue 24 Nov 14:00".
    # Italian "D d b H:i" writes "mar 24 nov 14:00".
    return formats.date_format(local, pgettext("date format", "D d M H:i"))


def local_label(moment: datetime, zone: str | None = None) -> str:
    """``moment`` as people in ``zone`` read it, with the zone's name so that it is never
    ambiguous: "Tue 24 Nov 2026 14:00 Europe/Rome" ("mar 24 nov 2026 14:00 Europe/Rome")."""
    return f"{local_time(moment, zone)} {zone_name(zone)}"
