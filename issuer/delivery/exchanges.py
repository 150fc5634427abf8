"""VC-API exchanges with DIDAuth, as the Learner Credential Wallet (LCW) runs them.

The wallet opens a deep link `https://lcw.app/request?request=<JSON>` whose `protocols.vcapi`
names our exchange URL, POSTs `{}` there and gets a VerifiablePresentationRequest asking for
DIDAuthentication (a `challenge` and a `domain`). It POSTs back `{"verifiablePresentation": ...}`
signed by the holder's did:key with proofPurpose `authentication`; we verify that proof (challenge,
domain, signature) and answer with a presentation holding the credential re-issued to that DID.
An exchange is single use and expires.

An exchange is for one stored credential (from its claim page) or for an apprentice's record
(from the apprentice's own page): the record answered is the holder-bound copy of
issuer.delivery.record_copies, signed after the exchange is marked complete (so a replay costs
no second signing), outside any write transaction.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update

from issuer import lcw
from issuer.db import session_scope
from issuer.delivery import copies, record_copies
from issuer.delivery.models import Exchange
from issuer.delivery.oid4vci import digest, now_utc
from issuer.issuance.models import IssuedCredential
from issuer.proofs import data_integrity
from issuer.proofs.did import Resolver
from issuer.verify import budget
from issuer.verify.verifier import verify_one_proof
from issuer.vocab import VC_V2

EXCHANGE_TTL = timedelta(minutes=15)
WORKFLOW = "claim"
PRESENTATION = "verifiablePresentation"


class ExchangeError(Exception):
    def __init__(self, status: int, title: str, detail: str, field: str | None = None):
        super().__init__(detail)
        self.status, self.title, self.detail, self.field = status, title, detail, field


def _bad_presentation(detail: str) -> ExchangeError:
    return ExchangeError(400, "Bad Request", detail, field=PRESENTATION)


def exchange_url(base_url: str, handle: str) -> str:
    return f"{base_url}/workflows/{WORKFLOW}/exchanges/{handle}"


def lcw_deep_link(base_url: str, handle: str) -> str:
    """The Learner Credential Wallet's request link for this exchange (issuer.lcw)."""
    return lcw.deep_link(base_url, exchange_url(base_url, handle))


def create_exchange(session, credential_id: str | None = None, now: datetime | None = None, *,
                    record_version_id: str | None = None) -> str:
    """A new exchange for the stored credential, or for a version of an apprentice's record;
    returns its handle (the secret in its URL)."""
    now = now or now_utc()
    handle = secrets.token_urlsafe(32)
    session.add(Exchange(handle_hash=digest(handle), credential_id=credential_id, record_version_id=record_version_id,
                         challenge=secrets.token_urlsafe(24), created_at=now, expires_at=now + EXCHANGE_TTL))
    session.flush()
    return handle


def _open_exchange(session, handle: str, now: datetime) -> Exchange:
    row = session.scalars(select(Exchange).where(Exchange.handle_hash == digest(handle))).first()
    if row is None or session.scalar(select(Exchange.id).where(Exchange.id == row.id, Exchange.expires_at > now)) \
            is None:
        raise ExchangeError(404, "Not Found", "no such exchange, or it has expired")
    if row.completed_at is not None:
        raise ExchangeError(409, "Conflict", "this exchange is complete; open the page again for a new one")
    return row


def presentation_request(base_url: str, handle: str, challenge: str) -> dict:
    return {"verifiablePresentationRequest": {
        "query": [{"type": "DIDAuthentication", "acceptedMethods": [{"method": "key"}],
                   "acceptedCryptosuites": [{"cryptosuite": suite} for suite in data_integrity.SUITES]}],
        "challenge": challenge,
        "domain": lcw.origin(base_url),
        "interact": {"service": [{"type": "UnmediatedPresentationService2021",
                                  "serviceEndpoint": exchange_url(base_url, handle)}]},
    }}


def _holder(presentation, challenge: str, domain: str, loader) -> str:
    if not isinstance(presentation, dict):
        raise _bad_presentation(f"{PRESENTATION} must be a JSON object")
    # Checking the proof canonicalizes the presentation: the public verifier's budget holds here
    # too, before that work (this door needs no login either).
    over_budget = budget.check(presentation, presentation=True)
    if over_budget:
        raise _bad_presentation(over_budget)
    types = presentation.get("type")
    if "VerifiablePresentation" not in (types if isinstance(types, list) else [types]):
        raise _bad_presentation("the presentation's type must include VerifiablePresentation")
    proof = presentation.get("proof")
    if isinstance(proof, list):
        proof = proof[0] if len(proof) == 1 else None
    if proof is None:
        raise _bad_presentation("DIDAuth needs a presentation with exactly one proof")
    outcome = verify_one_proof(presentation, proof, resolver=Resolver(), loader=loader, purpose="authentication",
                               challenge=challenge, domain=domain)
    if not outcome.verified:
        raise _bad_presentation(f"DIDAuth failed: {outcome.message}")
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    if holder is not None and holder != outcome.controller:
        raise _bad_presentation(f"the presentation names holder {holder} but was signed by {outcome.controller}")
    return outcome.controller


def participate(sessions, services, handle: str, body, now: datetime | None = None) -> dict:
    """One step of the exchange: `{}` gets the DIDAuth request; a signed presentation gets the credential."""
    now = now or now_utc()
    base_url = services.config.base_url
    if body is not None and not isinstance(body, dict):
        raise ExchangeError(400, "Bad Request", "the body must be a JSON object")
    with session_scope(sessions) as session:
        row = _open_exchange(session, handle, now)
        exchange_id, challenge, record_version_id = row.id, row.challenge, row.record_version_id
        if record_version_id is None:
            reason = copies.withheld(session, session.get(IssuedCredential, row.credential_id))
        else:   # as the record stands (the one answered is checked again when it is signed)
            newest = record_copies.newest_version(session, record_version_id)
            reason = record_copies.withheld(session, newest) if newest else "the record holds no credential now"
        if reason:
            raise ExchangeError(403, "Forbidden", reason)
    if not body or PRESENTATION not in body:
        return presentation_request(base_url, handle, challenge)
    holder = _holder(body[PRESENTATION], challenge, lcw.origin(base_url), services.loader)
    with session_scope(sessions) as session:
        done = session.execute(update(Exchange).where(Exchange.id == exchange_id, Exchange.completed_at.is_(None),
                                                      Exchange.expires_at > now)
                               .values(completed_at=now, holder=holder)).rowcount
        if not done:
            raise ExchangeError(409, "Conflict", "this exchange is complete; open the page again for a new one")
        if record_version_id is None:
            row = session.get(IssuedCredential, session.get(Exchange, exchange_id).credential_id)
            credential = copies.issue_copy(session, services, row, holder, copies.LDP_VC, "vcapi")
    if record_version_id is not None:
        # Completed first, signed after: a replayed presentation costs no second signing.
        try:
            record = record_copies.sign_record_copy(sessions, services, record_version_id, holder)
        except record_copies.RecordWithheld as exc:
            raise ExchangeError(403, "Forbidden", str(exc)) from None
        with session_scope(sessions) as session:
            record_copies.record_deliveries(session, record, "vcapi")
        credential = record.document
    return {"verifiablePresentation": {"@context": [VC_V2], "type": ["VerifiablePresentation"],
                                       "verifiableCredential": [credential]}}
