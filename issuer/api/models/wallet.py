"""Wallet bodies: OpenID4VCI's token form, credential and notification requests, and VC-API
exchange steps. A refusal here answers in OpenID4VCI's own error format (issuer.api.edge)."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from issuer.api.models.fields import Body, Form, Route, line, loose, text

MAX_JWT = 64 * 1024


class TokenForm(Form):
    grant_type: line(200) | None = None
    pre_authorized_code: line(512) | None = Field(None, alias="pre-authorized_code")
    tx_code: line(100) | None = None


class CredentialRequest(Body):
    """Only bounded here: issuer.delivery.oid4vci judges the types, with the spec's error codes
    (unsupported_credential_format, invalid_proof...)."""
    credential_configuration_id: loose(200) = None
    credential_identifier: loose(200) = None
    format: loose(100) = None
    credential_definition: loose(200) = None
    proof: loose(MAX_JWT) = None
    proofs: loose(MAX_JWT) = None


class NotificationRequest(Body):
    notification_id: loose(200) = None
    event: loose(100) = None
    event_description: text(2000) | None = None


class ExchangeStep(Body):
    verifiablePresentation: dict[str, Any] | None = None


ROUTES = {
    "wallet.token": Route(form=TokenForm),
    "wallet.credential": Route(body=CredentialRequest),
    "wallet.notification": Route(body=NotificationRequest),
    "wallet.exchange": Route(body=ExchangeStep),
}
