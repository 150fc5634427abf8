"""Who may work on a batch: one runner at a time holds its lease, renewed with every chunk.

A runner that dies (kill -9, a lost machine) stops renewing; its lease is taken over when it
expires, or at once when the owner was a process on this machine that no longer exists, so a
restarted worker resumes without waiting.
"""

from __future__ import annotations

import os
import socket
import time
import uuid

from sqlalchemy import update

from issuer.batch.models import Batch

LEASE_SECONDS = 30.0


def new_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_alive(owner: str) -> bool:
    host, _, rest = owner.partition(":")
    pid = rest.partition(":")[0]
    if host != socket.gethostname() or not pid.isdigit():
        return True  # another machine's process: only the lease's expiry can tell
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lease_alive(owner: str | None, expires: float | None, now: float | None = None) -> bool:
    if not owner or expires is None:
        return False
    return expires > (now if now is not None else time.time()) and owner_alive(owner)


class LeaseLost(Exception):
    """Another runner took the batch over (ours was presumed dead): stop without committing."""


def renew(session, batch_id: str, owner: str, **counters) -> None:
    """Renew the lease, and add to the batch's counters, in the caller's transaction. Called
    first in a transaction, it also keeps the batch row locked (PostgreSQL) against a takeover
    until the commit."""
    values = {"lease_expires": time.time() + LEASE_SECONDS}
    for name, amount in counters.items():
        values[name] = getattr(Batch, name) + amount
    result = session.execute(update(Batch).where(Batch.id == batch_id, Batch.lease_owner == owner).values(**values))
    if result.rowcount != 1:
        raise LeaseLost(batch_id)
