"""The hospital's time zone, from one setting (``BOARDSVC_SITE_TIMEZONE``, default Europe/Rome).

Instants are stored in UTC. A board and a room carry their own zone as data; this is the zone
for new ones and for showing times where no board or room names one.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.conf import settings


def site_timezone() -> str:
    """The site's IANA zone name (also the model default for new boards and rooms)."""
    return str(settings.BOARDSVC_SITE_TIMEZONE)


def zone_name(name: str | None) -> str:
    """``name`` when set, else the site's zone."""
    return name or site_timezone()


def zone_info(name: str | None = None) -> ZoneInfo:
    """The ZoneInfo for ``name``, or for the site when ``name`` is empty."""
    return ZoneInfo(zone_name(name))
