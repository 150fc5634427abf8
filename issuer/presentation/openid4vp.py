"""OpenID for Verifiable Presentations 1.0 (final): the verifier's side, cross-device.

The QR code holds the Authorization Request by reference (section 5.7):
`openid4vp://?client_id=<client_id>&request_uri=<request_uri>`. The wallet GETs the Request
Object at request_uri: a JWT (`typ: oauth-authz-req+jwt`, RFC 9101) signed with the service's
key, asking with a DCQL query (section 6) for one `ldp_vc` credential (Appendix B.1), the answer
to come by `direct_post` (section 8.2) to response_uri with the request's `state`. The wallet
POSTs `vp_token` (a JSON object keyed by the DCQL credential query id, each an array of
presentations; here one ldp_vp) and `state`, form-encoded; for an ldp_vp the proof's `challenge`
is the request's nonce and its `domain` the client_id (Appendix B.1.3.2, "Presentation").

Errors the wallet gets are OAuth error responses (`invalid_request` and a description naming
the parameter), never a 500.
"""

from __future__ import annotations

import json
from datetime import datetime
from urllib.parse import urlencode

import jwt as pyjwt

from issuer.presentation import answers
from issuer.presentation.report import PresentationReport
from issuer.presentation.store import OCCUPATION, Ask
from issuer.proofs import data_integrity
from issuer.proofs.did import did_web_from_url
from issuer.verify.frameworks import COMPLETION

# Client Identifier Prefix (section 5.9.3). `decentralized_identifier:` fits a web verifier with
# no X.509 chain: the client_id is our did:web, and the spec requires the Request Object to be
# signed with a key of that DID's document, the JWS `kid` a DID URL naming it, so a wallet can
# check who asks by resolving https://<host>/.well-known/did.json. The other prefix open to us,
# `redirect_uri:`, requires the request NOT to be signed: the wallet could then tell nothing
# about the verifier beyond the response URI's host, and a Request Object passed by reference
# would be an unsigned (`alg: none`) JWT, which many wallets refuse. The verifier's metadata goes
# in `client_metadata` under both prefixes. The key is the service's own (the identity of the
# verify page), never a sponsor's: the employer asks, not any sponsor.
CLIENT_ID_PREFIX = "decentralized_identifier:"
SCHEME = "openid4vp://"
REQUEST_PATH = "/openid4vp/requests/"
RESPONSE_PATH = "/openid4vp/response"
REQUEST_TYP = "oauth-authz-req+jwt"
# Section 5.8: the `aud` of a Request Object sent to a wallet whose metadata the verifier did
# not discover (static discovery).
STATIC_AUDIENCE = "https://self-issued.me/v2"
QUERY_ID = "apprenticeship"
SIGNING_FAMILIES = ("Ed25519", "P-256", "P-384")
VP_TOKEN, STATE, ERROR = "vp_token", "state", "error"
# Appendix B.1.1: `type_values` are the fully expanded type IRIs (after applying @context).
VC_TYPE = "https://www.w3.org/2018/credentials#VerifiableCredential"
OB_TYPE = "https://purl.imsglobal.org/spec/vc/ob/vocab.html#OpenBadgeCredential"   # also AchievementCredential
CLR_TYPE = "https://purl.imsglobal.org/spec/vc/clr/vocab.html#ClrCredential"
_INNER = ["credentialSubject", "verifiableCredential", None]


class OAuthError(Exception):
    def __init__(self, description: str, field: str | None = None, error: str = "invalid_request", status: int = 400):
        super().__init__(description)
        self.error, self.description, self.field, self.status = error, description, field, status

    def body(self) -> dict:
        return {"error": self.error, "error_description": self.description, **({"field": self.field} if self.field
                                                                                else {})}


def client_id(base_url: str) -> str:
    return CLIENT_ID_PREFIX + did_web_from_url(base_url)


def request_uri(base_url: str, token: str) -> str:
    return f"{base_url}{REQUEST_PATH}{token}"


def response_uri(base_url: str) -> str:
    return f"{base_url}{RESPONSE_PATH}"


def authorization_uri(base_url: str, token: str) -> str:
    """The Authorization Request by reference (section 5.7): only client_id and request_uri."""
    return SCHEME + "?" + urlencode({"client_id": client_id(base_url), "request_uri": request_uri(base_url, token)})


def dcql_query(ask: Ask) -> dict:
    """One ldp_vc: an Open Badges 3.0 credential, or a CLR 2.0 record holding one, narrowed to the
    ask by claims. A completed apprenticeship: its achievement type and O*NET-SOC code. A program:
    its achievement's id, which lies under the program's URL; DCQL matches values exactly, so
    "under this URL" is checked on receipt (the `asked` check), as the code is too."""
    if ask.kind == OCCUPATION:
        kind = ["credentialSubject", "achievement", "achievementType"]
        alignment = ["credentialSubject", "achievement", "alignment", None, "targetCode"]
        claims = [{"id": "completion", "path": kind, "values": [COMPLETION]},
                  {"id": "onet_soc", "path": alignment, "values": [ask.code]},
                  # A record answers when it holds the completion credential (a partial record's
                  # parts align to the code too; the `asked` check tells them apart on receipt).
                  {"id": "record_completion", "path": _INNER + kind, "values": [COMPLETION]},
                  {"id": "record_onet_soc", "path": _INNER + alignment, "values": [ask.code]}]
        sets = [["completion", "onet_soc"], ["record_completion", "record_onet_soc"]]
    else:
        achievement = ["credentialSubject", "achievement", "id"]
        claims = [{"id": "achievement", "path": achievement},
                  {"id": "record_achievement", "path": _INNER + achievement}]
        sets = [["achievement"], ["record_achievement"]]
    return {"credentials": [{"id": QUERY_ID, "format": "ldp_vc",
                             "meta": {"type_values": [[VC_TYPE, OB_TYPE], [VC_TYPE, CLR_TYPE]]},
                             "claims": claims, "claim_sets": sets}]}


def client_metadata(service_name: str) -> dict:
    formats = {"proof_type_values": ["DataIntegrityProof", "Ed25519Signature2020"],
               "cryptosuite_values": list(data_integrity.SUITES)}
    # `ldp_vc` is 1.0's identifier for the credential and its presentation; `ldp_vp` is the
    # drafts' name for the presentation, which wallets built to them look for.
    return {"client_name": service_name, "vp_formats_supported": {"ldp_vc": formats, "ldp_vp": formats}}


def request_object(identity, base_url: str, token: str, request: answers.Pending, service_name: str,
                   now: datetime) -> str:
    """The signed Request Object served at request_uri."""
    # As the service's did:web, so the kid is a DID URL of its document: EdDSA, or ES256/ES384 where
    # the operator keeps only an EC key.
    family = next((f for f in SIGNING_FAMILIES if identity.keystore.active(f) is not None), SIGNING_FAMILIES[0])
    key = identity.signing_key(family)
    expected = request.expected
    # No `iss`: RFC 9101 only recommends it, and OpenID4VP 1.0 names the verifier by client_id.
    # With a client identifier prefix, `iss` = client_id would be "decentralized_identifier:did:web:..",
    # which is no DID: the OpenWallet Foundation's @openid4vc/openid4vp (Credo-based wallets) then
    # refuses the request, its kid's DID not being the `iss` (tests/test_presentation_interop.py).
    claims = {
        "aud": STATIC_AUDIENCE, "iat": int(now.timestamp()),
        "exp": int(expected.expires_at.timestamp()),
        "client_id": client_id(base_url), "response_type": "vp_token", "response_mode": "direct_post",
        "response_uri": response_uri(base_url), "nonce": expected.nonce, "state": token,
        "dcql_query": dcql_query(expected.ask), "client_metadata": client_metadata(service_name),
    }
    return pyjwt.encode(claims, key.private.cryptography_key(), algorithm=key.private.jwt_algorithm,
                        headers={"typ": REQUEST_TYP, "kid": key.verification_method})


def _text(form: dict, name: str, required: bool = True) -> str | None:
    value = form.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, str) or not value:
        raise OAuthError(f"{name} is required", name)
    return value


def _presentation(vp_token: str) -> dict:
    """The one ldp_vp of a 1.0 vp_token: {"apprenticeship": [presentation]}."""
    try:
        token = json.loads(vp_token)
    except (ValueError, RecursionError):
        raise OAuthError("vp_token must be a JSON object keyed by the DCQL credential query id", VP_TOKEN) from None
    if not isinstance(token, dict) or QUERY_ID not in token:
        raise OAuthError(f"vp_token must be a JSON object with the member {QUERY_ID!r} (the DCQL credential query id)",
                         VP_TOKEN)
    presented = token[QUERY_ID]
    if not isinstance(presented, list) or len(presented) != 1:
        raise OAuthError(f"vp_token.{QUERY_ID} must be an array of exactly one presentation", f"{VP_TOKEN}.{QUERY_ID}")
    field = f"{VP_TOKEN}.{QUERY_ID}[0]"
    try:
        return answers.admissible(presented[0], field)
    except answers.AnswerError as exc:
        raise OAuthError(exc.detail, field) from None


def _pending(sessions, base_url: str, state: str, now: datetime) -> answers.Pending:
    try:
        return answers.pending(sessions, state, base_url, protocol_domain="client_id", now=now)
    except answers.AnswerError:
        raise OAuthError("state names no presentation request of this verifier", STATE) from None


def receive(sessions, verifier, base_url: str, form: dict, now: datetime) -> PresentationReport:
    """The direct_post Authorization Response (or Authorization Error Response)."""
    # Lengths and NUL characters were refused at the edge (issuer.api.models.presentation).
    request = _pending(sessions, base_url, _text(form, STATE), now)
    error = _text(form, ERROR, required=False)
    presentation = None if error is not None else _presentation(_text(form, VP_TOKEN))
    try:
        if error is not None:
            return answers.declined(sessions, request, "openid4vp", error, now)
        return answers.answer(sessions, verifier, request, presentation, "openid4vp", now)
    except answers.AnswerError as exc:
        raise OAuthError(f"{exc.kind}: {exc.detail}", STATE if exc.kind == "replay" else exc.field) from None
