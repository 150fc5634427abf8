"""The append-only audit log: every change (ledger entry, sign-off, issuance, revocation, key or
staff change) is written with who, when, what and from where.

`record` adds the row to the caller's session, so it commits or rolls back with the change it
describes: there is never a change without its audit row, nor an audit row for a change that
did not happen. Who acted is a context variable the edges set: the HTTP layer for each request
(an anonymous caller, then an API key's sponsor, a signed-in staff member or an apprentice once
known), the CLI for each command (`acting_as`); otherwise "system". So the domains that record
know nothing of Flask or click.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy.orm import Session

from issuer import csv_export
from issuer.audit.models import AuditEvent
from issuer.db import insert_rows

MAX_DETAIL_TEXT = 500


@dataclass(frozen=True)
class Actor:
    label: str
    ip: str | None = None


SYSTEM = Actor("system")
_actor: ContextVar[Actor | None] = ContextVar("ler_audit_actor", default=None)


def set_actor(actor: Actor | None):
    """Name who acts from now on in this context (a request, a command); returns the token
    `reset_actor` takes to put back what was before."""
    return _actor.set(actor)


def reset_actor(token) -> None:
    _actor.reset(token)


@contextmanager
def acting_as(actor: Actor):
    """Name who acts for the duration of a block (a CLI command, a batch run)."""
    token = set_actor(actor)
    try:
        yield actor
    finally:
        reset_actor(token)


def current_actor() -> Actor:
    return _actor.get() or SYSTEM


def _plain(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value[:MAX_DETAIL_TEXT] if isinstance(value, str) else value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)[:MAX_DETAIL_TEXT]


def record(session: Session, sponsor_id: int, action: str, subject: str, *, by: Actor | None = None,
           **detail) -> None:
    """Append one event to `session` (the same transaction as the change it describes); `by`
    names the actor when the context's own is not known yet (signing in)."""
    actor = by or current_actor()
    session.add(AuditEvent(sponsor_id=sponsor_id, actor=actor.label[:400], action=action[:60],
                           subject=subject[:200], detail=_plain(detail), ip=actor.ip))


def record_many(session: Session, events: list[tuple[int, str, str, dict]], *, by: Actor | None = None) -> None:
    """(sponsor id, action, subject, detail) events in one INSERT, for bulk work (batches)."""
    if events:
        actor = by or current_actor()
        insert_rows(session, AuditEvent.__table__, [
            {"sponsor_id": sponsor_id, "actor": actor.label[:400], "action": action[:60], "subject": subject[:200],
             "detail": _plain(detail), "ip": actor.ip, "created_at": datetime.now(timezone.utc)}
            for sponsor_id, action, subject, detail in events])


CSV_COLUMNS = ("id", "time", "actor", "action", "subject", "detail", "ip")


def csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    """The events as CSV text, one line at a time (for a streamed download), defused."""
    rows = ([e.id, e.created_at.isoformat(), e.actor, e.action, e.subject,
             json.dumps(e.detail, sort_keys=True, ensure_ascii=False), e.ip or ""] for e in events)
    return csv_export.lines(itertools.chain([CSV_COLUMNS], rows))
