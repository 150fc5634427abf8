"""Presentation requests in the database: their secrets, their clock, and the answer stored once.

Two secrets per request: the employer's `handle` (its page reads the report with it) and the
wallet's token, derived from the handle by a one-way hash, which travels in the QR code and the
links; holding the wallet's token answers the request but never reads the report. Both are
stored only as their SHA-256.

Lifetimes: a request can be answered for TTL; it and its report are deleted RETENTION after
creation, swept lazily whenever a request is created (no scheduler needed), and never shown
after that even if the sweep has not yet run.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update

from issuer.dates import aware
from issuer.presentation.models import PresentationRequest
from issuer.programs.models import utcnow

TTL = timedelta(minutes=10)
# Long enough for the employer to read and download the report the same day; short enough that
# the service is no archive of who showed what to whom.
RETENTION = timedelta(hours=24)
OCCUPATION, PROGRAM = "occupation", "program"
KINDS = (OCCUPATION, PROGRAM)
_ONET_SOC = re.compile(r"\d{2}-\d{4}\.\d{2}")
_PROGRAM_ID = re.compile(r"[a-z0-9][a-z0-9._-]{0,99}")
MAX_LABEL = 300


class AskError(ValueError):
    """An ask that cannot be made; `field` names the member at fault."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Ask:
    """What the verifier asks the wallet for: a completed apprenticeship in an occupation (`code`
    an O*NET-SOC code) or any credential of a program (`code` the program's id), with `label` the
    words the employer and the holder read."""
    kind: str
    code: str
    label: str

    def __post_init__(self):
        if self.kind not in KINDS:
            raise AskError("kind", f"kind must be one of {', '.join(KINDS)}")
        pattern = _ONET_SOC if self.kind == OCCUPATION else _PROGRAM_ID
        if not isinstance(self.code, str) or not pattern.fullmatch(self.code):
            raise AskError("code", "code must be an O*NET-SOC code such as 43-4051.00" if self.kind == OCCUPATION
                           else "code must be a program id such as ny-csr")
        if not isinstance(self.label, str) or not self.label.strip() or len(self.label) > MAX_LABEL:
            raise AskError("label", f"label must be 1 to {MAX_LABEL} characters of text")


# The clock every door of this package reads (a test moves it forward here).
now_utc = utcnow


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def wallet_token(handle: str) -> str:
    """The wallet's token for the request `handle` names: one-way, so it never reveals the handle."""
    raw = hashlib.sha256(b"ler-presentation-wallet:" + handle.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def ask_of(row: PresentationRequest) -> Ask:
    return Ask(row.kind, row.code, row.label)


def sweep(session, now: datetime) -> int:
    """Delete every request (and so its report) created more than RETENTION ago."""
    return session.execute(delete(PresentationRequest).where(PresentationRequest.created_at < now - RETENTION)
                           ).rowcount


def add(session, ask: Ask, client_id: str, domain: str, now: datetime) -> tuple[str, PresentationRequest]:
    """A new request; returns (the employer's handle, the row)."""
    sweep(session, now)
    handle = secrets.token_urlsafe(32)
    row = PresentationRequest(handle_hash=digest(handle), wallet_hash=digest(wallet_token(handle)), kind=ask.kind,
                              code=ask.code, label=ask.label, nonce=secrets.token_urlsafe(24), client_id=client_id,
                              domain=domain, created_at=now, expires_at=now + TTL)
    session.add(row)
    session.flush()
    return handle, row


def _kept(session, column, secret: str, now: datetime) -> PresentationRequest | None:
    if not isinstance(secret, str) or not secret or len(secret) > 200:
        return None
    return session.scalars(select(PresentationRequest).where(
        column == digest(secret), PresentationRequest.created_at >= now - RETENTION)).first()


def for_employer(session, handle: str, now: datetime) -> PresentationRequest | None:
    return _kept(session, PresentationRequest.handle_hash, handle, now)


def for_wallet(session, token: str, now: datetime) -> PresentationRequest | None:
    return _kept(session, PresentationRequest.wallet_hash, token, now)


def expired(row: PresentationRequest, now: datetime) -> bool:
    return now >= aware(row.expires_at)


def record_answer(session, request_id: int, protocol: str, report: dict, now: datetime) -> bool:
    """Store the answer's report unless the request was answered already: one conditional UPDATE,
    atomic on SQLite and PostgreSQL alike, so of two answers racing exactly one is kept."""
    return bool(session.execute(update(PresentationRequest).where(
        PresentationRequest.id == request_id, PresentationRequest.answered_at.is_(None))
        .values(answered_at=now, protocol=protocol, report=report)).rowcount)
