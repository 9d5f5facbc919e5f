"""The base API view of the cases app: role/scope checks, 405 before 403, denied-access audit.

DRF checks permissions before it looks for a handler, so with deny-by-default a wrong method
would answer 403. Clients deserve 405 with an Allow header, so a missing handler is reported
first (after authentication, so anonymous callers still get 401).
"""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.request import Request

from cases.models import Case
from cases.selectors import case_get_visible, case_pseudonym_for
from core.access import principal_from_request
from core.api.base import ProjectApiView, method_router, validated
from core.audit import audit_record
from core.models import AuditEvent


class CaseAccessDenied(exceptions.APIException):
    """403 on one case, already audited with its pseudonym by CasesApiView."""

    status_code = 403
    default_detail = exceptions.PermissionDenied.default_detail
    default_code = "permission_denied"


class CasesApiView(ProjectApiView):
    audit_action: str = AuditEvent.Action.READ

    def permission_denied(self, request: Request, message: str | None = None,
                          code: str | None = None) -> None:
        if request.authenticators and not request.successful_authenticator:
            raise exceptions.NotAuthenticated()  # 401s are not audited (no actor; flooding)
        public_id = self.kwargs.get("public_id")
        if public_id is None:
            super().permission_denied(request, message=message, code=code)
        # A refused access to one case: audit it here, with the patient pseudonym, and raise
        # a 403 that core's handler does not audit a second time (without the pseudonym).
        self.audit_denied(public_id)
        raise CaseAccessDenied(detail=message)

    def get_case(self, public_id: object) -> Case:
        """The case in the URL if the caller may see it, else 404 (audited as denied, with the
        pseudonym)."""
        return self.visible_or_404(
            case_get_visible, str(public_id), object_type="case", label="case",
            action=self.audit_action,
            pseudonym=lambda value: case_pseudonym_for(public_id=value))

    def audit_denied(self, public_id: object) -> None:
        """One audit row per refused access to a case (403/404), with the pseudonym if any."""
        audit_record(
            principal=principal_from_request(self.request), action=self.audit_action,
            outcome=AuditEvent.Outcome.DENIED, object_type="case", object_id=public_id,
            patient_pseudonym=case_pseudonym_for(public_id=str(public_id)),
            path=self.request.path,
        )


__all__ = ["CaseAccessDenied", "CasesApiView", "method_router", "validated"]
