"""What the employer's pages call: make a request (`create`) and read where it stands (`view`).

    created = create(session, base_url, Ask("occupation", "43-4051.00",
                                            "a completed apprenticeship in O*NET-SOC 43-4051.00"))
    created.oid4vp_uri   # openid4vp://?client_id=...&request_uri=...  (QR code for OpenID wallets)
    created.lcw_uri      # https://lcw.app/request?request=...          (Learner Credential Wallet)
    view(session, created.handle).state   # "waiting", then "answered" (with .report) or "expired"

The handle is the employer's secret: keep it in the page's URL only; the wallet links carry a
token derived from it that cannot read the report (issuer.presentation.store).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from issuer import lcw
from issuer.dates import aware
from issuer.presentation import openid4vp, store, vcapi
from issuer.presentation.report import CredentialReport, PresentationReport, ReportCheck
from issuer.presentation.store import RETENTION, TTL, Ask, AskError

__all__ = ["Ask", "AskError", "Created", "RequestView", "PresentationReport", "CredentialReport", "ReportCheck",
           "create", "view", "wallet_links", "TTL", "RETENTION", "WAITING", "ANSWERED", "EXPIRED"]

WAITING, ANSWERED, EXPIRED = "waiting", "answered", "expired"


@dataclass(frozen=True)
class Created:
    handle: str
    oid4vp_uri: str
    lcw_uri: str
    expires_at: datetime


@dataclass(frozen=True)
class RequestView:
    state: str                      # waiting | answered | expired
    ask: Ask
    expires_at: datetime
    verifier: str                   # who asks: the service's own did:web (not a sponsor's)
    report: PresentationReport | None
    created_at: datetime | None = None


def create(session, base_url: str, ask: Ask, now: datetime | None = None) -> Created:
    """A new request for `ask`, answerable for TTL and kept (with its report) for RETENTION."""
    now = now or store.now_utc()
    handle, row = store.add(session, ask, openid4vp.client_id(base_url), lcw.origin(base_url), now)
    return Created(handle, *wallet_links(base_url, handle), aware(row.expires_at))


def wallet_links(base_url: str, handle: str) -> tuple[str, str]:
    """(the OpenID4VP link, the Learner Credential Wallet link) of the request `handle` names, the
    same `create` gave: the employer's page can show its QR codes again from the handle alone."""
    token = store.wallet_token(handle)
    return openid4vp.authorization_uri(base_url, token), vcapi.lcw_deep_link(base_url, token)


def view(session, handle: str, now: datetime | None = None) -> RequestView | None:
    """Where the request stands, or None when there is no such request (or it is past RETENTION)."""
    now = now or store.now_utc()
    row = store.for_employer(session, handle, now)
    if row is None:
        return None
    report = PresentationReport.from_json(row.report) if row.report is not None else None
    state = ANSWERED if report is not None else EXPIRED if store.expired(row, now) else WAITING
    return RequestView(state, store.ask_of(row), aware(row.expires_at),
                       row.client_id.removeprefix(openid4vp.CLIENT_ID_PREFIX), report, aware(row.created_at))
