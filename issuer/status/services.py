"""Revoke, suspend, reinstate; and build, sign and keep the published status lists.

A change and the re-signing of every list it affects happen in one transaction, with the list's
row locked (SELECT ... FOR UPDATE), so two concurrent changes to one list cannot publish a
document that misses either of them, and a reader never sees a change without its list.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from issuer.errors import LerError
from issuer import audit
from issuer.proofs.data_integrity import now_xsd
from issuer.sponsors.keys import SponsorKeys
from issuer.status import allocation, lists
from issuer.status.lists import MESSAGE, REVOCATION, SUSPENSION
from issuer.status.models import StatusChange, StatusEntry, StatusList, StatusListDocument

ACTIONS = {"revoke": REVOCATION, "suspend": SUSPENSION, "reinstate": SUSPENSION}
MAX_REASON = 2000


class StatusError(LerError):
    """A status change that cannot be made; `status` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 409):
        super().__init__(message)
        self.message, self.status = message, status


@dataclass(frozen=True)
class Slot:
    list_id: int
    index: int
    sponsor_id: int
    credential_id: str | None
    # The purposes the credential's own entries name: a suspension its verifiers cannot see is
    # not offered (Open Badges carry one revocation entry).
    purposes: frozenset = frozenset({REVOCATION})

    @property
    def suspendable(self) -> bool:
        return lists.can_suspend(self.purposes)


NOT_SUSPENDABLE = ("this credential can be revoked but not suspended: it carries a single revocation status "
                   "entry (an Open Badges 3.0 credential has room for one), so no verifier would see a suspension")


@dataclass
class ChangeOutcome:
    credential_id: str | None
    action: str
    revoked: bool
    suspended: bool
    changed_at: str

    def to_json(self) -> dict:
        return {"credential": self.credential_id, "action": self.action, "revoked": self.revoked,
                "suspended": self.suspended, "changedAt": self.changed_at}


def _lock_list(session: Session, list_id: int) -> None:
    session.scalars(select(StatusList).where(StatusList.id == list_id).with_for_update()).one()


def _entry_for(session: Session, slot: Slot) -> StatusEntry:
    entry = session.get(StatusEntry, (slot.list_id, slot.index))
    if entry is None:
        entry = StatusEntry(status_list_id=slot.list_id, status_index=slot.index, sponsor_id=slot.sponsor_id,
                            credential_id=slot.credential_id, revoked=False, suspended=False)
        session.add(entry)
    return entry


def change(session: Session, ctx, slots: list[Slot], action: str, reason: str, actor: str,
           *, idempotent: bool = False) -> ChangeOutcome:
    """Apply `action` (revoke / suspend / reinstate) to the credential's slots and re-sign.

    `ctx` needs `identity`, `base_url`, `with_proof` (the IssuanceContext: a list's
    credential is signed by issuance, as every credential is) and `revoked` (issuance re-issues
    the apprenticeship records that held a revoked credential). Revocation is permanent (BSL:
    "not reversible"); a revoked credential is neither suspended nor reinstated. With
    `idempotent`, asking for the state a credential already has is a no-op (the VC-API's
    update semantics) instead of a conflict (the sponsor's explicit actions).
    """
    if action not in ACTIONS:
        raise StatusError(f"unknown action {action!r}; use revoke, suspend or reinstate", 400)
    reason = (reason or "").strip()
    if not reason:
        raise StatusError("a reason is required: it is kept in the audit trail", 422)
    if len(reason) > MAX_REASON:
        raise StatusError(f"the reason is longer than {MAX_REASON} characters", 422)
    if not slots:
        raise StatusError("no such credential", 404)
    if not any(slot.purposes for slot in slots):
        raise StatusError("the credential was issued without a status entry: no verifier could see a change")
    if action == "suspend" and not any(slot.suspendable for slot in slots):
        raise StatusError(NOT_SUSPENDABLE)
    now = datetime.now(timezone.utc)
    entries = []
    for slot in sorted(slots, key=lambda s: (s.list_id, s.index)):
        _lock_list(session, slot.list_id)
        entries.append((slot, _entry_for(session, slot)))
    for slot, entry in entries:
        if action == "suspend" and not slot.suspendable:
            continue
        if entry.revoked:
            if action == "revoke" and idempotent:
                continue
            raise StatusError("the credential is revoked; revocation is permanent" if action != "revoke"
                              else "the credential is already revoked")
        if action == "suspend" and entry.suspended and not idempotent:
            raise StatusError("the credential is already suspended")
        if action == "reinstate" and not entry.suspended and not idempotent:
            raise StatusError("the credential is not suspended")
        before = (entry.revoked, entry.suspended)
        if action == "revoke":
            entry.revoked = True
        else:
            entry.suspended = action == "suspend"
        if (entry.revoked, entry.suspended) == before:
            continue
        entry.updated_at = now
        session.add(StatusChange(status_list_id=slot.list_id, status_index=slot.index, sponsor_id=slot.sponsor_id,
                                 credential_id=slot.credential_id, purpose=ACTIONS[action], action=action,
                                 reason=reason, actor=actor[:200], created_at=now))
        audit.record(session, slot.sponsor_id, f"credential.{action}", f"credential:{slot.credential_id}",
                     reason=reason, status_list=slot.list_id, index=slot.index)
    session.flush()
    for list_id in sorted({slot.list_id for slot, _ in entries}):
        publish(session, ctx, list_id, purposes_of_list(session, list_id, (ACTIONS[action], MESSAGE)))
    if action == "revoke":
        ctx.revoked(session, [slot.credential_id for slot, _ in entries if slot.credential_id])
    last = entries[-1][1]
    return ChangeOutcome(slots[0].credential_id, action, last.revoked, last.suspended,
                         now.replace(microsecond=0).isoformat().replace("+00:00", "Z"))


def history(session: Session, slots: list[Slot]) -> list[dict]:
    if not slots:
        return []
    condition = or_(*[(StatusChange.status_list_id == s.list_id) & (StatusChange.status_index == s.index)
                      for s in slots])
    rows = session.scalars(select(StatusChange).where(condition).order_by(StatusChange.id))
    return [{"action": r.action, "purpose": r.purpose, "reason": r.reason, "actor": r.actor,
             "at": r.created_at.replace(microsecond=0).isoformat()} for r in rows]


def current(session: Session, slot: Slot) -> tuple[bool, bool]:
    entry = session.get(StatusEntry, (slot.list_id, slot.index))
    return (entry.revoked, entry.suspended) if entry else (False, False)


def _etag(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, separators=(",", ":")).encode("utf-8")).hexdigest()


def _build(session: Session, ctx, list_id: int, purpose: str) -> dict:
    rows = session.execute(select(StatusEntry.status_index, StatusEntry.revoked, StatusEntry.suspended).where(
        StatusEntry.status_list_id == list_id, or_(StatusEntry.revoked.is_(True), StatusEntry.suspended.is_(True))))
    values = {index: lists.slot_value(purpose, revoked, suspended) for index, revoked, suspended in rows}
    status_list = session.get(StatusList, list_id)
    encoded = lists.encode({i: v for i, v in values.items() if v}, lists.status_size(purpose), status_list.size)
    # Signed as the issuer of its credentials; the platform's own did:web signs the lists made
    # before lists had owners.
    issuer = status_list.issuer or ctx.identity.did
    unsigned = lists.list_credential(ctx.base_url, issuer, list_id, purpose, encoded, now_xsd())
    # Signed where every credential is (issuer.issuance.signing), through the context handed in.
    return ctx.with_proof(session, unsigned, retired_did_key=True)


# Bumped whenever this process re-signs a list, so that a verifier in the same process never
# reuses what it read before the change (see issuer.verify.service).
generation = 0


def purposes_of_list(session: Session, list_id: int, wanted=lists.PURPOSES) -> tuple[str, ...]:
    """Of `wanted`, the views `list_id` publishes: `message` only on the lists made before 0011."""
    status_list = session.get(StatusList, list_id)
    legacy = status_list is not None and status_list.legacy_message
    return tuple(p for p in wanted if p != MESSAGE or legacy)


def publish(session: Session, ctx, list_id: int, purposes=lists.PURPOSES) -> None:
    """Re-sign the lists of `list_id` for `purposes` from the current rows (caller holds the lock)."""
    global generation
    generation += 1
    for purpose in purposes:
        document = _build(session, ctx, list_id, purpose)
        row = session.get(StatusListDocument, (list_id, purpose))
        if row is None:
            session.add(StatusListDocument(status_list_id=list_id, purpose=purpose, document=document,
                                           etag=_etag(document)))
        else:
            row.document, row.etag, row.updated_at = document, _etag(document), datetime.now(timezone.utc)
    session.flush()


_key_ids: dict[str, tuple[int, frozenset]] = {}


def _held_key_ids(identity) -> frozenset:
    """Ids of every key in the store (active and retired), re-read only when the folder changes."""
    directory = str(identity.keystore.directory)
    try:
        stamp = os.stat(directory).st_mtime_ns
    except OSError:
        stamp = -1
    cached = _key_ids.get(directory)
    if cached is None or cached[0] != stamp:
        cached = (stamp, frozenset(r.key_id for r in identity.keystore.records()))
        _key_ids[directory] = cached
    return cached[1]


def signed_with_held_key(document: dict, identity, session: Session | None = None) -> bool:
    """Whether the list names as its signer one of our keys under the list's own issuer (our
    did:web, a sponsor's, or a key's did:key, whose fragment is the key id too)."""
    proof = document.get("proof") if isinstance(document.get("proof"), dict) else {}
    vm = proof.get("verificationMethod")
    if not isinstance(vm, str) or "#" not in vm:
        return False
    did, key_id = vm.split("#", 1)
    if did != document.get("issuer"):
        return False
    held = _held_key_ids(identity)
    if did == identity.did or (did == f"did:key:{key_id}" and key_id in held):     # the platform's
        return key_id in held
    # A sponsor's key, from the database: through the caller's transaction when there is one (on
    # SQLite a second transaction would wait for this one's write lock), else the identity's source.
    published = SponsorKeys(identity).document(session, did) if session is not None else identity.did_document(did)
    return published is not None and vm in published.get("assertionMethod", [])


def list_document(session: Session, ctx, list_id: int, purpose: str) -> StatusListDocument | None:
    """The signed list, built on first request (lists start empty, so nothing is lost by waiting),
    and re-signed if the key that signed it is no longer in the key store (keys replaced rather
    than rotated): the database says what the statuses are, and a list must verify with a key
    our DID document publishes. A changed document signed by a key we hold is left alone, so
    tampering still shows as a signature that does not verify."""
    if purpose not in purposes_of_list(session, list_id):
        return None
    row = session.get(StatusListDocument, (list_id, purpose))
    if row is not None and signed_with_held_key(row.document, ctx.identity, session):
        return row
    if session.get(StatusList, list_id) is None:
        return None
    savepoint = session.begin_nested()
    try:
        _lock_list(session, list_id)
        current = session.get(StatusListDocument, (list_id, purpose))
        if current is None or not signed_with_held_key(current.document, ctx.identity, session):
            publish(session, ctx, list_id, (purpose,))
        savepoint.commit()
    except IntegrityError:
        # Another request published it first: theirs is as good as ours.
        savepoint.rollback()
    return session.get(StatusListDocument, (list_id, purpose))


def issue_slot(session: Session, sponsor_id: int, credential_id: str | None,
               issuer: str) -> tuple[int, int, StatusEntry]:
    """A fresh slot in `issuer`'s lists for a credential issued through the VC-API, recorded so
    it can be updated."""
    list_id, index = allocation.allocate(session, issuer)
    entry = StatusEntry(status_list_id=list_id, status_index=index, sponsor_id=sponsor_id,
                        credential_id=credential_id, revoked=False, suspended=False)
    session.add(entry)
    session.flush()
    return list_id, index, entry
