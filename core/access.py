"""Who is asking: one central authoriser for people and hospital systems (care's pattern).

Roles (deny by default):
- administrator: Django superuser or member of the "administrator" group;
- coordinator: member of the "coordinator" group; sees every case, books procedures;
- MDT member / board chair: a board membership (boardsvc.BoardMember); sees only their boards;
- system client: an OAuth2 client-credentials token; what it may do is its scopes.

Which cases a board member may see is decided by boardsvc, which owns memberships. cases must
not import boardsvc, so the policy is named in settings and loaded here (dependency inversion).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from typing import Any, Protocol

from django.conf import settings
from django.db.models import Q
from django.utils.module_loading import import_string


class Role(StrEnum):
    """Every role a person can hold. Site-wide roles come from groups (administrator,
    coordinator); board roles from a board membership (member, chair, board_coordinator)."""

    ADMIN = "administrator"
    COORDINATOR = "coordinator"
    MEMBER = "member"
    CHAIR = "chair"
    BOARD_COORDINATOR = "board_coordinator"


# The site-wide roles are Django groups of the same name.
GROUP_COORDINATOR: str = Role.COORDINATOR.value
GROUP_ADMINISTRATOR: str = Role.ADMIN.value

ROLE_ADMIN = Role.ADMIN
ROLE_COORDINATOR = Role.COORDINATOR
ROLE_MEMBER = Role.MEMBER
ROLE_CHAIR = Role.CHAIR
ROLE_BOARD_COORDINATOR = Role.BOARD_COORDINATOR

# OAuth2 scopes the code checks by name (their descriptions: OAUTH2_PROVIDER["SCOPES"]).
# A system client sees who the patient is (hospital number, name, date of birth) only with
# this scope; without it, case bodies carry the pseudonym alone.
SCOPE_PATIENT_IDENTIFY = "patient:identify"


@dataclass(frozen=True)
class Principal:
    kind: str  # "user" | "client" | "anonymous"
    user: Any = None
    client_id: str = ""
    scopes: frozenset[str] = field(default_factory=frozenset)
    groups: frozenset[str] = field(default_factory=frozenset)
    # Board roles (Role.MEMBER, CHAIR, BOARD_COORDINATOR values) from the access policy.
    board_roles: frozenset[str] = field(default_factory=frozenset)
    # A system client's board allow-list (slugs); None means every board.
    client_boards: frozenset[str] | None = None

    @property
    def is_authenticated(self) -> bool:
        return self.kind != "anonymous"

    @property
    def is_client(self) -> bool:
        return self.kind == "client"

    @property
    def is_user(self) -> bool:
        return self.kind == "user"

    @property
    def is_admin(self) -> bool:
        return self.is_user and (self.user.is_superuser or GROUP_ADMINISTRATOR in self.groups)

    @property
    def is_coordinator(self) -> bool:
        return self.is_user and (GROUP_COORDINATOR in self.groups or self.is_admin)

    @property
    def audit_actor(self) -> tuple[str, str]:
        if self.is_client:
            return "client", self.client_id
        if self.is_user:
            return "user", str(self.user.pk)
        return "anonymous", ""

    @property
    def idempotency_scope(self) -> str:
        kind, ident = self.audit_actor
        return f"{kind}:{ident}"

    def has_scope(self, scope: str) -> bool:
        return self.is_client and scope in self.scopes

    @property
    def roles(self) -> frozenset[str]:
        """Every role this person holds: administrator, coordinator, member, chair."""
        if not self.is_user:
            return frozenset()
        roles = set(self.board_roles)
        if self.is_admin:
            roles.add(ROLE_ADMIN)
        if self.is_coordinator:
            roles.add(ROLE_COORDINATOR)
        return frozenset(roles)


ANONYMOUS = Principal(kind="anonymous")


def principal_for_user(user: Any) -> Principal:
    if user is None or not getattr(user, "is_authenticated", False):
        return ANONYMOUS
    cached = getattr(user, "_boardsvc_groups", None)
    if cached is None:
        cached = frozenset(user.groups.values_list("name", flat=True))
        user._boardsvc_groups = cached
    board_roles = getattr(user, "_boardsvc_board_roles", None)
    if board_roles is None:
        board_roles = frozenset(case_access_policy().board_roles(user))
        user._boardsvc_board_roles = board_roles
    return Principal(kind="user", user=user, groups=cached, board_roles=board_roles)


def principal_from_request(request: Any) -> Principal:
    """Build the principal once per request; DRF and plain Django requests both work."""
    cached = getattr(request, "_boardsvc_principal", None)
    if cached is not None:
        return cached
    auth = getattr(request, "auth", None)
    principal: Principal
    if auth is not None and hasattr(auth, "application") and hasattr(auth, "scope"):
        # Client-credentials tokens carry no user (django-oauth-toolkit #470). What the token
        # may do is judged against the administrator's allow-list as it is now.
        from core.oauth import client_policy, effective_scopes

        policy = client_policy(auth.application)
        principal = Principal(
            kind="client",
            client_id=str(auth.application.client_id),
            scopes=effective_scopes(auth),
            client_boards=policy.board_set if policy is not None else frozenset(),
        )
    else:
        principal = principal_for_user(getattr(request, "user", None))
    try:
        request._boardsvc_principal = principal
    except AttributeError:  # pragma: no cover - immutable request objects
        pass
    return principal


class CaseAccessPolicy(Protocol):
    def case_filter(self, principal: Principal) -> Q | None:
        """A filter on cases.Case the principal may see; None means every case."""

    def board_exists(self, key: str) -> bool:
        """Whether a board with this slug exists (to validate a referral's board)."""

    def board_roles(self, user: Any) -> set[str]:
        """The board roles a user holds on any board ("member", "chair")."""


@cache
def case_access_policy() -> CaseAccessPolicy:
    policy_cls = import_string(settings.BOARDSVC_CASE_ACCESS_POLICY)
    return policy_cls()


def actor_fields(principal: Principal | None, *, user: str = "by_user",
                 client: str = "by_client") -> dict[str, Any]:
    """Who did it, as a model's actor columns: the user for a person, the client id for a
    hospital system, neither for the service itself (``principal`` None). ``user`` and
    ``client`` name the model's two fields."""
    if principal is None:
        return {user: None, client: ""}
    if principal.is_client:
        return {user: None, client: principal.client_id[:100]}
    return {user: principal.user if principal.is_user else None, client: ""}

