"""Storing signed credentials exactly once: savepoint inserts against the unique key.

The key (apprentice, program version, achievement) refuses a second credential whatever
happens between two issuers (a retry, a re-import, a concurrent worker, a batch runner beside
the rules). The loser of a race rolls back only its savepoint and keeps the winner's
credential; its status slot stays unused, which a status list allows (indexes are never reused).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer.issuance.models import IssuedCredential
from issuer.issuance.plan import Plan


def store(session: Session, plan: Plan, slot: tuple[int, int], document: dict) -> IssuedCredential | None:
    """The stored credential, or None when one is held for the plan's key already."""
    list_id, index = slot
    row = IssuedCredential(id=plan.credential_id, sponsor_id=plan.sponsor_id, apprentice_id=plan.apprentice_id,
                           program_version_id=plan.program_version_id, achievement_key=plan.achievement.key,
                           document=document, status_list_id=list_id, status_index=index, origin=plan.origin)
    return row if add_once(session, row) else None


def add_once(session: Session, row) -> bool:
    """`row` inserted in a savepoint of its own: False, and nothing of it kept, when a unique key
    refuses it (a concurrent writer stored its twin first; the caller's transaction goes on)."""
    savepoint = session.begin_nested()
    try:
        session.add(row)
        session.flush()
    except IntegrityError:
        savepoint.rollback()
        return False
    except BaseException:
        savepoint.rollback()
        raise
    savepoint.commit()
    return True


@dataclass(frozen=True)
class Stored:
    """What became of one row of `store_all`: `new` when it was stored now; else `id` is the
    credential already held for its key (None: neither, which should not happen)."""
    id: str | None
    new: bool


def store_all(session: Session, values: list[dict]) -> list[Stored]:
    """Credential rows (the columns of `credentials`) inserted in one statement; when the unique
    key refuses one (someone issued it since the caller looked), row by row, keeping theirs."""
    try:
        with session.begin_nested():
            if values:
                session.execute(insert(IssuedCredential), values)
        return [Stored(v["id"], True) for v in values]
    except IntegrityError:
        return [_store_one(session, value) for value in values]


def _store_one(session: Session, value: dict) -> Stored:
    try:
        with session.begin_nested():
            session.execute(insert(IssuedCredential), [value])
        return Stored(value["id"], True)
    except IntegrityError:
        return Stored(session.scalar(select(IssuedCredential.id).where(
            IssuedCredential.apprentice_id == value["apprentice_id"],
            IssuedCredential.program_version_id == value["program_version_id"],
            IssuedCredential.achievement_key == value["achievement_key"])), False)
