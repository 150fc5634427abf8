"""The sponsor API's bodies (/api/v1): lengths are the ledger's columns (issuer.progress.models)."""

from __future__ import annotations

from issuer.api.models.fields import Body, DbId, Form, Route, line, text


class ApprenticeIn(Body):
    external_id: line(100) | None = None
    name: line(200) | None = None
    email: line(320) | None = None
    did: line(500) | None = None
    program: line(100) | None = None
    start_date: line(40) | None = None
    cohort: line(100) | None = None


class EntryIn(Body):
    entry_type: line(20) | None = None
    item: line(100) | None = None
    # Hours may be sent as a JSON number; the ledger keeps their text (40 characters).
    value: line(40) | int | float | None = None
    date: line(40) | None = None
    signed_off_by: line(200) | None = None
    program: line(100) | None = None
    corrects: DbId | None = None
    action: line(10) | None = None
    reason: text(2000) | None = None
    # The sponsor's own reference for the entry (issue 10): its meaning is the ledger's.
    entry_ref: line(200) | None = None


class CredentialsQuery(Form):
    apprentice: line(100) | None = None
    format: line(10) | None = None


class OfferIn(Body):
    tx_code: bool | None = None
    send_email: bool | None = None



ROUTES = {
    "sponsor.create_apprentice": Route(body=ApprenticeIn),
    "sponsor.add_entry": Route(body=EntryIn),
    "sponsor.list_credentials": Route(query=CredentialsQuery),
    "sponsor.get_credential": Route(query=CredentialsQuery),
    "claims.offer": Route(body=OfferIn),
}
