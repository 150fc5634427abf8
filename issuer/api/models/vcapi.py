"""VC-API bodies: the envelope only. The credential or presentation inside is JSON-LD whose
shape the verifier and the issuer judge (issuer.verify); here its kind (object or JWT text) and
the options' types are checked."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from issuer.api.models.fields import Body, Route, line, loose, text

MAX_ID = 500          # status_entries.credential_id
MAX_JWT = 1024 * 1024  # the body limit: a JWT cannot be larger anyway


class IssueOptions(Body):
    credentialId: line(MAX_ID) | None = None
    # Anything but a suite we sign with is ignored (issuer.proofs.identity): only bounded here.
    cryptosuite: loose(100) = None


class IssueRequest(Body):
    credential: dict[str, Any]
    options: IssueOptions | None = None


class VerifyOptions(Body):
    challenge: text(1000) | None = None
    domain: text(1000) | None = None
    recipient: line(500) | None = None
    checks: list[line(100)] | None = None


def _json_object(value):
    # VC-API: a credential is a JSON object; a VC-JWT travels as an EnvelopedVerifiableCredential.
    # A string is never parsed, not even one holding JSON: it is not the credential the caller sent.
    if not isinstance(value, dict):
        raise ValueError("must be a JSON object (a VC-JWT goes in an EnvelopedVerifiableCredential), "
                         f"not {type(value).__name__}")
    return value


class VerifyCredentialRequest(Body):
    verifiableCredential: Annotated[dict[str, Any], BeforeValidator(_json_object)]
    options: VerifyOptions | None = None


class VerifyPresentationRequest(Body):
    verifiablePresentation: dict[str, Any] | text(MAX_JWT) | None = None
    presentation: dict[str, Any] | text(MAX_JWT) | None = None
    options: VerifyOptions | None = None


class StatusItem(Body):
    type: line(100) | None = None
    statusPurpose: line(100) | None = None
    statusListCredential: line(MAX_ID) | None = None
    statusListIndex: line(40) | None = None
    status: bool | None = None


class StatusRequest(Body):
    credentialId: line(MAX_ID) | None = None
    credentialStatus: StatusItem | list[StatusItem] | None = None
    status: bool | None = None
    reason: text(2000) | None = None


ROUTES = {
    "vcapi.issue": Route(body=IssueRequest),
    "vcapi.verify_credential_view": Route(body=VerifyCredentialRequest),
    "vcapi.verify_presentation_view": Route(body=VerifyPresentationRequest),
    "vcapi.update_status": Route(body=StatusRequest),
}
