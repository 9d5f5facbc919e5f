"""The notification inbox's links: the page a notification opens, never another site.

The inbox's reads are in core.selectors and marking read in core.notifications.
"""

from __future__ import annotations


def page_link(link: str) -> str:
    """The page a notification's link should open, or "" when it has none we may show: only a
    site-relative page path (never an API resource, ``javascript:`` or another host)."""
    link = (link or "").strip()
    if not link.startswith("/") or link.startswith("//") or link.startswith("/api/"):
        return ""
    return link
