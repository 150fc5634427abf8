"""A VC-API exchange for verifiers, as the Learner Credential Wallet (LCW) runs it.

The wallet opens `https://lcw.app/request?request=<JSON>` (credentialRequestOrigin and
protocols.vcapi = our exchange URL), POSTs `{}` there and gets a VerifiablePresentationRequest:
a QueryByExample (the credential asked for, with the reason the holder reads) and a
DIDAuthentication query, the request's `challenge` (its nonce) and `domain` (our origin), and the
interact service to answer at. It POSTs back `{"verifiablePresentation": ...}` signed by the
holder's DID with proofPurpose `authentication`; the answer is verified and its report stored
once (issuer.presentation.answers), and the exchange is complete (`{}`).
"""

from __future__ import annotations

from datetime import datetime

from issuer import lcw
from issuer.presentation import answers
from issuer.presentation.store import OCCUPATION, Ask
from issuer.proofs import data_integrity
from issuer.verify.frameworks import COMPLETION
from issuer.vocab import OB_V3, VC_V2

WORKFLOW = "verify"
PRESENTATION = "verifiablePresentation"


def exchange_url(base_url: str, token: str) -> str:
    return f"{base_url}/workflows/{WORKFLOW}/exchanges/{token}"


def lcw_deep_link(base_url: str, token: str) -> str:
    return lcw.deep_link(base_url, exchange_url(base_url, token))


def example(ask: Ask) -> dict:
    """What QueryByExample shows the wallet: an Open Badges 3.0 credential and, for an occupation,
    a completion achievement. The Learner Credential Wallet matches an example member by member:
    a literal must be equal, an array's items must all be in the credential's array, compared as
    JavaScript's `includes` does, so only literals can be matched in an array (an alignment object
    never would). The O*NET-SOC code and the program's URL are checked on receipt (`asked`)."""
    found = {"@context": [VC_V2, OB_V3], "type": ["VerifiableCredential", "OpenBadgeCredential"]}
    if ask.kind == OCCUPATION:
        found["credentialSubject"] = {"achievement": {"achievementType": COMPLETION}}
    return found


def presentation_request(base_url: str, token: str, request: answers.Pending) -> dict:
    expected = request.expected
    return {"verifiablePresentationRequest": {
        "query": [
            {"type": "QueryByExample",
             # An object: the Learner Credential Wallet reads `credentialQuery.example`.
             "credentialQuery": {"reason": f"{lcw.origin(base_url)} asks for {expected.ask.label}",
                                 "example": example(expected.ask)}},
            {"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}],
             "acceptedCryptosuites": [{"cryptosuite": suite} for suite in data_integrity.SUITES]},
        ],
        "challenge": expected.nonce,
        "domain": expected.domain,
        "interact": {"service": [{"type": "UnmediatedPresentationService2021",
                                  "serviceEndpoint": exchange_url(base_url, token)}]},
    }}


def participate(sessions, verifier, base_url: str, token: str, body: dict, now: datetime) -> dict:
    """One step: `{}` gets the presentation request; a presentation is verified and the exchange
    completes (`{}`); its report is the employer's to read. Refusals are answers.AnswerError."""
    request = answers.pending(sessions, token, base_url, protocol_domain="domain", now=now)
    if PRESENTATION not in body:
        return presentation_request(base_url, token, answers.still_open(request, now))
    answers.answer(sessions, verifier, request, answers.admissible(body[PRESENTATION], PRESENTATION), "vcapi", now)
    return {}
