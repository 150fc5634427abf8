"""Shared by the status, VC-API and verifier tests: a sponsor, its credentials issued the real way
(the sponsor API and the rules), and a way to flip a credential's status."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from issuer.db import session_scope
from issuer.issuance import signing
from issuer.sponsors.services import create_sponsor

from delivery_support import Issued, issue_one  # noqa: F401  (re-exported: the work-process credential)


@dataclass
class SponsorKey:
    id: int
    slug: str
    did: str
    auth: dict


def new_sponsor(services, programs=("ny-csr",)) -> SponsorKey:
    with session_scope(services.sessions) as session:
        sponsor, key = create_sponsor(session, f"Status Test Sponsor {uuid.uuid4().hex[:8]}", list(programs),
                                      keys=services.keys)
        return SponsorKey(sponsor.id, sponsor.slug, services.identity.sponsor_did(sponsor.slug),
                          {"Authorization": f"Bearer {key}"})


def issue_level(client, services, sponsor: SponsorKey | None = None) -> Issued:
    """The 'Emerging' level credential of the CSR framework: every statement of that level signed off."""
    sponsor = sponsor or new_sponsor(services)
    response = client.post("/api/v1/apprentices", headers=sponsor.auth, json={
        "external_id": f"L-{uuid.uuid4().hex[:6]}", "name": "Bea Park", "email": "bea@example.org",
        "did": "did:example:bea", "program": "ny-csr", "start_date": "2024-01-02"})
    assert response.status_code == 201, response.get_json()
    apprentice = response.get_json()["id"]
    issued = []
    for n in range(1, 11):
        response = client.post(f"/api/v1/apprentices/{apprentice}/entries", headers=sponsor.auth, json={
            "entry_type": "statement", "item": f"emerging-{n:02d}", "value": "attained", "date": f"2024-02-{n:02d}",
            "signed_off_by": "J. Rivera"})
        assert response.status_code == 201, response.get_json()
        issued += response.get_json()["issued"]
    [credential] = [c for c in issued if c["achievement_key"].startswith("level:")]
    return Issued(credential["id"], credential["credential"], sponsor.auth, apprentice, "Bea Park")



def sign(services, document: dict, **options) -> dict:
    """Sign as the document's issuer, with that issuer's own key (a sponsor's, from the database)."""
    with session_scope(services.sessions) as session:
        return signing.with_proof(session, services.keys, document, **options)


def sign_jwt(services, document: dict) -> str:
    with session_scope(services.sessions) as session:
        return signing.as_vc_jwt(session, services.keys, document)


def make_legacy(services, issued: Issued) -> Issued:
    """`issued` as it was before revision 0011: its list keeps the two-bit `message` view and the
    credential carries the single `message` entry, re-signed by its issuer's key."""
    from issuer.issuance.models import IssuedCredential
    from issuer.status import lists
    from issuer.status.models import StatusList
    with session_scope(services.sessions) as session:
        row = session.get(IssuedCredential, issued.id)
        session.get(StatusList, row.status_list_id).legacy_message = True
        unsigned = {k: v for k, v in row.document.items() if k != "proof"}
        unsigned["credentialStatus"] = lists.status_entry(services.config.base_url, row.status_list_id,
                                                          row.status_index, lists.MESSAGE)
        row.document = signing.with_proof(session, services.keys, unsigned, loader=services.loader)
        return Issued(issued.id, row.document, issued.auth, issued.apprentice_id, issued.name)
