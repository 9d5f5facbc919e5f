"""System clients (hospital systems on OAuth2 client credentials): created, changed and disabled
by administrators only, each change audited (issue 10, item 1).

There are no self-service pages: people cannot register applications. An administrator uses the
admin ("System clients") or ``manage.py system_client``; both call these services.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import AccessToken, Application, RefreshToken

from .access import Principal, case_access_policy
from .audit import audit_record
from .models import SystemClient


def known_scopes() -> dict[str, str]:
    return dict(settings.OAUTH2_PROVIDER["SCOPES"])


def clean_scopes(scopes: Iterable[str] | str) -> str:
    """The allow-list as stored: known scopes only, sorted, space-separated.

    Raises ValidationError naming the field and the unknown scopes.
    """
    items = scopes.split() if isinstance(scopes, str) else [str(s) for s in scopes]
    unknown = sorted(set(items) - set(known_scopes()))
    if unknown:
        raise ValidationError(
            {"allowed_scopes": f"Unknown scope(s): {', '.join(unknown)}. "
                               f"Known: {', '.join(sorted(known_scopes()))}."},
            code="unknown_scope",
        )
    return " ".join(sorted(set(items)))


def clean_boards(boards: Iterable[str]) -> list[str]:
    slugs = sorted({str(b).strip() for b in boards if str(b).strip()})
    policy = case_access_policy()
    missing = [s for s in slugs if not policy.board_exists(s)]
    if missing:
        raise ValidationError({"allowed_boards": f"No such board: {', '.join(missing)}."},
                              code="unknown_board")
    return slugs


def system_client_snapshot(client: SystemClient) -> dict[str, Any]:
    return {"scopes": sorted(client.scope_set), "all_boards": client.all_boards,
            "boards": sorted(client.allowed_boards), "enabled": client.enabled,
            "name": client.application.name}


def _narrow_tokens(client: SystemClient) -> None:
    """Tokens already issued lose what the client no longer has; a disabled client's die."""
    tokens = AccessToken.objects.filter(application=client.application)
    if not client.enabled:
        RefreshToken.objects.filter(application=client.application).delete()
        tokens.delete()
        return
    allowed = client.scope_set
    for token in tokens.only("pk", "scope"):
        kept = " ".join(s for s in token.scope.split() if s in allowed)
        if kept != token.scope:
            AccessToken.objects.filter(pk=token.pk).update(scope=kept)


@transaction.atomic
def system_client_create(*, name: str, scopes: Iterable[str] | str,
                         boards: Iterable[str] | None = None,
                         principal: Principal | None) -> tuple[SystemClient, str]:
    """Create a confidential client-credentials client with its allow-list.

    Returns the client and its secret, which is shown once: only a hash is stored.
    """
    if not name.strip():
        raise ValidationError({"name": "A system client needs a name."}, code="required")
    allowed = clean_scopes(scopes)
    board_list = clean_boards(boards) if boards is not None else []
    secret = generate_client_secret()
    application = Application.objects.create(
        name=name.strip()[:255], user=None,
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_CLIENT_CREDENTIALS,
        client_secret=secret, hash_client_secret=True,
    )
    client = SystemClient.objects.create(
        application=application, allowed_scopes=allowed,
        all_boards=boards is None, allowed_boards=board_list,
    )
    audit_record(principal=principal, action="create", object_type="system_client",
                 object_id=application.client_id, detail=system_client_snapshot(client))
    return client, secret


@transaction.atomic
def system_client_update(*, client: SystemClient, principal: Principal | None,
                         scopes: Iterable[str] | str | None = None,
                         boards: Iterable[str] | None = None, all_boards: bool | None = None,
                         enabled: bool | None = None) -> SystemClient:
    """Change a client's allow-list, boards or state; tokens already issued follow at once."""
    client = SystemClient.objects.select_for_update(of=("self",)).select_related("application").get(
        pk=client.pk)
    before = system_client_snapshot(client)
    if scopes is not None:
        client.allowed_scopes = clean_scopes(scopes)
    if boards is not None:
        client.allowed_boards = clean_boards(boards)
        client.all_boards = False if all_boards is None else all_boards
    elif all_boards is not None:
        client.all_boards = all_boards
    if enabled is not None:
        client.enabled = enabled
    client.save()
    _narrow_tokens(client)
    after = system_client_snapshot(client)
    audit_record(principal=principal, action="update", object_type="system_client",
                 object_id=client.application.client_id,
                 detail={"before": before, "after": after})
    return client


def system_client_audit_admin_change(*, client: SystemClient, before: dict[str, Any] | None,
                                     principal: Principal | None) -> None:
    """The admin saved a client through its form (already validated): audit, narrow tokens."""
    _narrow_tokens(client)
    after = system_client_snapshot(client)
    if before is None:
        audit_record(principal=principal, action="create", object_type="system_client",
                     object_id=client.application.client_id, detail=after)
    else:
        audit_record(principal=principal, action="update", object_type="system_client",
                     object_id=client.application.client_id,
                     detail={"before": before, "after": after})


@transaction.atomic
def system_client_rotate_secret(*, client: SystemClient,
                                principal: Principal | None) -> str:
    """A new secret (shown once); tokens issued with the old one are revoked."""
    secret = generate_client_secret()
    application = client.application
    application.client_secret = secret
    application.hash_client_secret = True
    application.save()
    RefreshToken.objects.filter(application=application).delete()
    AccessToken.objects.filter(application=application).delete()
    audit_record(principal=principal, action="update", object_type="system_client",
                 object_id=application.client_id, detail={"secret": "rotated"})
    return secret
