"""Status list index allocation: every credential gets a slot that is never reused.

Each issuer has its own lists (the list is signed by the credential's issuer). The issuer's
current list row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite serializes writers)
while its counter moves, so concurrent issuers never get the same slot; a unique constraint on
(list, index) backs that up. The counter's n-th value is shuffled into the index by a keyed
permutation (issuer.status.permutation). When a list fills, a new one starts.
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.status.lists import LIST_SIZE, status_entry
from issuer.status.models import StatusList

# What issuance needs of the status domain: a slot, and the entry its credential carries for it.
__all__ = ["allocate", "allocate_range", "status_entry"]
from issuer.status.permutation import permute


def allocate(session: Session, issuer: str) -> tuple[int, int]:
    return allocate_range(session, 1, issuer)[0]


def allocate_range(session: Session, count: int, issuer: str) -> list[tuple[int, int]]:
    """`count` slots of `issuer`'s lists under one lock of its current list (a batch takes
    hundreds at once), continuing in a new list when this one fills."""
    slots: list[tuple[int, int]] = []
    current = session.scalars(select(StatusList).where(StatusList.issuer == issuer)
                              .order_by(StatusList.id.desc()).limit(1).with_for_update()).first()
    while len(slots) < count:
        if current is None or current.next_index >= current.size:
            current = StatusList(size=LIST_SIZE, next_index=0, issuer=issuer, shuffle_key=secrets.token_hex(32))
            session.add(current)
            session.flush()
        take = min(count - len(slots), current.size - current.next_index)
        key = bytes.fromhex(current.shuffle_key)
        slots.extend((current.id, permute(key, n, current.size))
                     for n in range(current.next_index, current.next_index + take))
        current.next_index += take
        session.flush()
    return slots
