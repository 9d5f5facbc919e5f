"""The caller's network address, right behind a reverse proxy too (issue 10, item 11).

``X-Forwarded-For`` is written by whoever sends the request, so only the hops added by proxies
we run can be believed. With ``BOARDSVC_TRUSTED_PROXIES`` set, and the request coming from one
of them, the client is the right-most hop that is not a trusted proxy; a forged left-most value
changes nothing. Without it, the address is ``REMOTE_ADDR`` and the header is ignored.
Used by the lockouts (web sign-in and token endpoint, through django-axes) and the audit trail.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any

from django.conf import settings

_Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(configured: tuple[str, ...]) -> tuple[_Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in configured)


def _is_trusted(address: str, networks: tuple[_Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip(request: Any) -> str:
    remote = str(request.META.get("REMOTE_ADDR", "") or "")
    networks = _networks(tuple(getattr(settings, "BOARDSVC_TRUSTED_PROXIES", ()) or ()))
    if not networks or not _is_trusted(remote, networks):
        return remote
    hops = [h.strip() for h in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    for hop in reversed([h for h in hops if h]):
        try:
            ipaddress.ip_address(hop)
        except ValueError:
            return remote  # a garbled chain: believe only the proxy itself
        if not _is_trusted(hop, networks):
            return hop
    return remote
