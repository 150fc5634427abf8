"""Status list index allocation: every credential gets a slot that is never reused.

The current list's row is locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite serializes
writers) while its counter moves, so concurrent issuers never get the same slot; a unique
constraint on (list, index) backs that up. When a list fills, a new one starts.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.issuance.models import StatusList
# The entries (what a credential says about its slot) are the status domain's.
from issuer.status.lists import LIST_SIZE, status_entry  # noqa: F401


def allocate(session: Session) -> tuple[int, int]:
    return allocate_range(session, 1)[0]


def allocate_range(session: Session, count: int) -> list[tuple[int, int]]:
    """`count` slots under one lock of the current list (a batch takes hundreds at once), in
    order, continuing in a new list when this one fills."""
    slots: list[tuple[int, int]] = []
    current = session.scalars(select(StatusList).order_by(StatusList.id.desc()).limit(1).with_for_update()).first()
    while len(slots) < count:
        if current is None or current.next_index >= current.size:
            current = StatusList(size=LIST_SIZE, next_index=0)
            session.add(current)
            session.flush()
        take = min(count - len(slots), current.size - current.next_index)
        slots.extend((current.id, index) for index in range(current.next_index, current.next_index + take))
        current.next_index += take
        session.flush()
    return slots
