"""Which status slots a credential holds: a stored credential's own (its row), and the entries
the status domain keeps (a VC-API credential's, or a stored one's after its first change).

Here rather than in `issuer.status`, which knows lists and slots but not stored credentials.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.issuance.lookup import stored_credential
from issuer.issuance.models import IssuedCredential
from issuer.status import lists
from issuer.status.lists import REVOCATION
from issuer.status.models import StatusEntry
from issuer.status.services import Slot


def find_slots(session: Session, sponsor_id: int | None, credential_id: str) -> list[Slot]:
    """Every slot of `credential_id` (our row id, its urn:uuid, or a VC-API credential's id).

    `sponsor_id` None means any sponsor (the operator's CLI); otherwise another sponsor's
    credentials are not found, exactly like credentials that do not exist.
    """
    slots: dict[tuple[int, int], Slot] = {}
    row = stored_credential(session, credential_id)
    if row is not None and sponsor_id in (None, row.sponsor_id):
        slots[(row.status_list_id, row.status_index)] = Slot(row.status_list_id, row.status_index, row.sponsor_id,
                                                             row.document.get("id"), lists.purposes_of(row.document))
    query = select(StatusEntry).where(StatusEntry.credential_id == credential_id)
    if sponsor_id is not None:
        query = query.where(StatusEntry.sponsor_id == sponsor_id)
    for entry in session.scalars(query):
        key = (entry.status_list_id, entry.status_index)
        # A rules credential's entry (made on its first change) keeps no document: its row says.
        purposes = lists.purposes_of(entry.document) if entry.document else (
            slots[key].purposes if key in slots else frozenset({REVOCATION}))
        slots[key] = Slot(entry.status_list_id, entry.status_index, entry.sponsor_id, entry.credential_id, purposes)
    return list(slots.values())


def slot_at(session: Session, sponsor_id: int, list_url: str, index: int, base_url: str) -> Slot | None:
    """The slot a VC-API status update names by its list URL and index (credentials without an id)."""
    for purpose in lists.PURPOSES:
        prefix, suffix = f"{base_url}/status/", f"/{purpose}"
        middle = list_url[len(prefix):-len(suffix)]
        if list_url.startswith(prefix) and list_url.endswith(suffix) and middle.isdigit() and \
                int(middle) <= lists.MAX_ID and index <= lists.MAX_ID:
            list_id = int(middle)
            entry = session.get(StatusEntry, (list_id, index))
            row = session.scalars(select(IssuedCredential).where(
                IssuedCredential.status_list_id == list_id, IssuedCredential.status_index == index)).first()
            if entry is not None and entry.sponsor_id == sponsor_id:
                document = entry.document or (row.document if row is not None else {})
                return Slot(list_id, index, entry.sponsor_id, entry.credential_id, lists.purposes_of(document))
            if row is not None and row.sponsor_id == sponsor_id:
                return Slot(list_id, index, row.sponsor_id, row.document.get("id"), lists.purposes_of(row.document))
    return None

