"""What every step of the OpenID4VCI flow shares: the protocol's names and lifetimes, its error
response (OAuthError), and how single-use secrets are stored (their SHA-256)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone

from issuer.delivery import copies


PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP = "openid4vci-proof+jwt"
OFFER_SCHEME = "openid-credential-offer://"
CONFIG_LDP = "OpenBadgeCredential_ldp_vc"
CONFIG_JWT = "OpenBadgeCredential_jwt_vc_json"
# A stored credential is offered in these configurations...
CONFIGURATIONS = {CONFIG_LDP: copies.LDP_VC, CONFIG_JWT: copies.JWT_VC_JSON}
# ... and the apprenticeship record (CLR 2.0) in its own. As Data Integrity only: the record
# holds its credentials with their own Data Integrity proofs, and a verifier checks the record
# and each of them the same way (issuer.verify.clr); a VC-JWT around them would be a second
# envelope for a verifier to open, for no holder binding that the ldp_vc copy does not give.
CONFIG_RECORD = "ClrCredential_ldp_vc"
RECORD_CONFIGURATIONS = {CONFIG_RECORD: copies.LDP_VC}
PROOF_ALGORITHMS = ("EdDSA", "ES256", "ES384")
CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]

OFFER_TTL = timedelta(minutes=30)
TOKEN_TTL = timedelta(minutes=10)
NONCE_TTL = timedelta(minutes=5)
PROOF_MAX_AGE = timedelta(minutes=5)
TX_CODE_LENGTH = 6
MAX_TX_CODE_ATTEMPTS = 5
MAX_PROOF_BYTES = 16 * 1024


class OAuthError(Exception):
    """An error response: `error` code, an ASCII description, HTTP status and extra headers."""

    def __init__(self, error: str, description: str, status: int = 400, headers: dict | None = None):
        super().__init__(description)
        self.error, self.description, self.status, self.headers = error, description, status, headers or {}
        self.extra: dict = {}

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description, **self.extra}


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def ascii_description(exc: Exception) -> str:
    # error_description allows only %x20-21 / %x23-5B / %x5D-7E.
    return "".join(c for c in str(exc) if 0x20 <= ord(c) <= 0x7E and c not in '"\\')[:200]
