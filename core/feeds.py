"""Secret-URL tokens for iCalendar feeds (stored hashed, revocable).

The feed modules (boardsvc/ical.py, scheduling/ical.py) decide who may create a token for which
board or resource, and who may still read it (the ``entitled`` rule passed to
feed_token_resolve); this module only mints, resolves and revokes them.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from .access import Principal, principal_for_user
from .audit import audit_record
from .models import FeedToken

TOKEN_BYTES = 32


def _hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def feed_token_create(*, kind: str, target_id: object, owner: Any, label: str = "",
                      principal: Principal | None = None) -> tuple[FeedToken, str]:
    """Mint a token; returns the row and the raw secret, which is shown once and never stored.

    Raises ValueError for an unknown kind.
    """
    if kind not in FeedToken.Kind.values:
        raise ValueError(f"unknown feed kind {kind!r}")
    raw = secrets.token_urlsafe(TOKEN_BYTES)
    token = FeedToken.objects.create(
        kind=kind, target_id=str(target_id or ""), owner=owner, token_hash=_hash(raw),
        label=label[:100],
    )
    audit_record(principal=principal, action="create", object_type="feed_token",
                 object_id=token.public_id, detail={"kind": kind})
    return token, raw


def feed_token_resolve(*, raw: str, kind: str,
                       entitled: Callable[[FeedToken, Principal], bool] | None = None
                       ) -> FeedToken | None:
    """The live token of this kind for a raw secret, or None (unknown, revoked, other kind, or
    an owner no longer entitled to the feed).

    A feed acts for its owner, so it is judged by what the owner may do *now*, not when the
    token was minted (issue 10, item 8): ``entitled(token, owner_principal)`` is the feed
    module's rule (the coordinator role for a resource, membership for a board). A token whose
    owner is deactivated or has lost the role answers None, like an unknown token, and leaves a
    denied audit row (the token's id, never its secret). Unknown tokens leave none: anyone can
    send those, and the trail must not be floodable without credentials.

    Marks a token that is let through as used; the conditional UPDATE keeps the write cheap on
    busy calendar polling.
    """
    if not raw or len(raw) > 200:
        return None
    token = (
        FeedToken.objects.select_related("owner")
        .filter(token_hash=_hash(raw), kind=kind, revoked_at__isnull=True)
        .first()
    )
    if token is None:
        return None
    owner = principal_for_user(token.owner)
    if not token.owner.is_active or (entitled is not None and not entitled(token, owner)):
        audit_record(principal=owner, action="export", outcome="denied",
                     object_type=f"ical_{token.kind}", object_id=token.public_id,
                     detail={"owner": token.owner_id, "reason": "not_entitled"})
        return None
    now = timezone.now()
    FeedToken.objects.filter(pk=token.pk).update(last_used_at=now)
    token.last_used_at = now
    return token


@transaction.atomic
def feed_token_revoke(*, token: FeedToken, principal: Principal | None = None) -> FeedToken:
    """Revoke a token; revoking twice is a no-op (the first time is kept)."""
    FeedToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    audit_record(principal=principal, action="delete", object_type="feed_token",
                 object_id=token.public_id, detail={"kind": token.kind})
    return token
