"""Wallet bodies: OpenID4VCI's token form, credential and notification requests, and VC-API
exchange steps. A refusal here answers in OpenID4VCI's own error format (issuer.api.edge)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from issuer.api.models.fields import Body, Form, Route, line, text

MAX_JWT = 64 * 1024


class TokenForm(Form):
    grant_type: line(200) | None = None
    pre_authorized_code: line(512) | None = Field(None, alias="pre-authorized_code")
    tx_code: line(100) | None = None


class KeyProof(Body):
    proof_type: line(50) | None = None
    jwt: line(MAX_JWT) | None = None


class KeyProofs(Body):
    jwt: list[line(MAX_JWT)] | None = None


class CredentialRequest(Body):
    credential_configuration_id: line(200) | None = None
    credential_identifier: line(200) | None = None
    format: line(100) | None = None
    credential_definition: dict[str, Any] | None = None
    proof: KeyProof | None = None
    proofs: KeyProofs | None = None


class NotificationRequest(Body):
    notification_id: line(200) | None = None
    event: line(100) | None = None
    event_description: text(2000) | None = None


class ExchangeStep(Body):
    verifiablePresentation: dict[str, Any] | None = None


ROUTES = {
    "wallet.token": Route(form=TokenForm),
    "wallet.credential": Route(body=CredentialRequest),
    "wallet.notification": Route(body=NotificationRequest),
    "wallet.exchange": Route(body=ExchangeStep),
}
