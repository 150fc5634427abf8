"""The effective ledger: every correction applied, the standing records left (pure)."""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable

from issuer.rules.model import AMEND, ENTRY_TYPES, RECORD, REVERSE, EffectiveEntry, LedgerEntry, LedgerError


def effective_ledger(entries: Iterable[LedgerEntry]) -> tuple[EffectiveEntry, ...]:
    """Apply every correction and return the standing records, in id order.

    - a "reverse" entry cancels the entry it names; reversing a reversal brings its target
      back, and reversing an amendment restores the value it had replaced;
    - an "amend" entry replaces the named entry's value and date (and its signed_off_by when
      the amendment names one); the latest standing amendment wins; amending an amendment
      amends what that amendment says;
    - a correction must name an earlier entry, keep the target's entry_type, and keep its item
      (or leave item empty); an amendment cannot target a reversal (nothing to amend).

    Raises LedgerError for a ledger that breaks these rules.
    """
    ordered = sorted(entries, key=lambda e: e.id)
    by_id: dict[int, LedgerEntry] = {}
    root_of: dict[int, int] = {}  # entry id -> id of the record it ultimately corrects
    reversals: dict[int, list[int]] = defaultdict(list)
    amendments: dict[int, list[int]] = defaultdict(list)

    for entry in ordered:
        if entry.id in by_id:
            raise LedgerError(f"entry id {entry.id} appears twice")
        if entry.action not in (RECORD, REVERSE, AMEND):
            raise LedgerError(f"entry {entry.id}: unknown action {entry.action!r}")
        if entry.action == RECORD:
            if entry.corrects is not None:
                raise LedgerError(f"entry {entry.id}: a record cannot correct another entry")
            if entry.entry_type not in ENTRY_TYPES:
                raise LedgerError(f"entry {entry.id}: unknown entry type {entry.entry_type!r}")
            root_of[entry.id] = entry.id
        else:
            if entry.corrects is None:
                raise LedgerError(f"entry {entry.id}: a {entry.action} must name the entry it corrects")
            target = by_id.get(entry.corrects)
            if target is None:
                # Sorted by id, so an absent target is either missing or not earlier.
                raise LedgerError(f"entry {entry.id} corrects entry {entry.corrects}, which is not an earlier entry")
            if entry.action == AMEND and target.action == REVERSE:
                raise LedgerError(f"entry {entry.id} amends entry {target.id}, a reversal; reverse it instead")
            root = by_id[root_of[target.id]]
            if entry.entry_type != root.entry_type or (entry.item and entry.item != root.item):
                # Moving hours to another item is a reversal plus a new record, not an edit.
                raise LedgerError(
                    f"entry {entry.id} corrects entry {root.id} ({root.entry_type} {root.item}) "
                    f"but says {entry.entry_type} {entry.item}"
                )
            root_of[entry.id] = root.id
            (reversals if entry.action == REVERSE else amendments)[target.id].append(entry.id)
        by_id[entry.id] = entry

    # Corrections always have higher ids than their targets, so walking ids downwards
    # settles every correction before the entry it corrects.
    standing: dict[int, bool] = {}
    resolved: dict[int, tuple[str, datetime.date, str | None, tuple[int, ...]]] = {}
    for entry in reversed(ordered):
        standing[entry.id] = not any(standing[r] for r in reversals[entry.id])
        if entry.action == REVERSE:
            continue
        latest = next((a for a in reversed(amendments[entry.id]) if standing[a]), None)
        if latest is None:
            resolved[entry.id] = (entry.value, entry.date, entry.signed_off_by, (entry.id,))
        else:
            value, date, signed_off_by, ids = resolved[latest]
            resolved[entry.id] = (value, date, signed_off_by or entry.signed_off_by, (entry.id,) + ids)

    result = []
    for entry in ordered:
        if entry.action != RECORD or not standing[entry.id]:
            continue
        value, date, signed_off_by, ids = resolved[entry.id]
        result.append(
            EffectiveEntry(
                id=entry.id,
                entry_type=entry.entry_type,
                item=entry.item,
                value=value,
                date=date,
                signed_off_by=signed_off_by,
                entry_ids=tuple(sorted(ids)),
            )
        )
    return tuple(result)
