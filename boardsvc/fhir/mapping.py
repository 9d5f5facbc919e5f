"""OutcomeDocument → FHIR R4 DocumentReference, validated with fhir.resources (R4B, as
scheduling/fhir/mapping.py). Only pseudonymous ids leave: the subject is Patient/<public_id>;
the content is a link to the API's PDF (which checks access and audits), never inline data."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B.documentreference import DocumentReference

from scheduling.fhir.mapping import BOARDSVC_CODES, _validated

DOCUMENT_KIND_SYSTEM = f"{BOARDSVC_CODES}/document-kind"
LOINC = "http://loinc.org"
# LOINC document types where one fits (an MDT note; a letter); the site's own code always.
KIND_LOINC = {
    "minutes": ("81217-2", "Multidisciplinary care team Note"),
    "outcome_record": ("81217-2", "Multidisciplinary care team Note"),
    "letter_gp": ("34140-4", "Transfer of care referral note"),
    "letter_referrer": ("34140-4", "Transfer of care referral note"),
}


def document_reference(document: Any, *, base: str = "") -> dict[str, Any]:
    """A stored document as a current DocumentReference (``type`` = its kind)."""
    coding = [{"system": DOCUMENT_KIND_SYSTEM, "code": document.kind,
               "display": str(document.get_kind_display())}]
    if document.kind in KIND_LOINC:
        code, display = KIND_LOINC[document.kind]
        coding.append({"system": LOINC, "code": code, "display": display})
    data: dict[str, Any] = {
        "resourceType": "DocumentReference",
        "id": str(document.public_id),
        "meta": {"versionId": str(document.version),
                 "lastUpdated": document.created_at.isoformat()},
        "status": "current",
        "docStatus": "final",
        "type": {"coding": coding, "text": str(document.get_kind_display())},
        "category": [{"coding": [{"system": DOCUMENT_KIND_SYSTEM, "code": "mdt"}],
                      "text": "Multidisciplinary team meeting"}],
        "date": document.created_at.isoformat(),
        "description": document.title[:200],
        "securityLabel": [{"coding": [{
            "system": "http://terminology.hl7.org/CodeSystem/v3-Confidentiality",
            "code": "R", "display": "restricted"}]}],
        "content": [{"attachment": {
            "contentType": document.content_type, "language": document.language,
            "url": f"{base}/api/v1/documents/{document.public_id}/content",
            "size": document.size, "title": document.title[:200],
            "creation": document.created_at.isoformat()}}],
    }
    if document.case_id is not None:
        data["subject"] = {"reference": f"Patient/{document.case.patient.public_id}"}
        data["context"] = {"related": [{"reference": f"ServiceRequest/{document.case.public_id}"}]}
    return _validated(DocumentReference, data)
