"""Shared by the delivery tests: a sponsor with one issued credential, made through the sponsor
API exactly as a sponsor would (enroll, record hours until a work process is complete)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from issuer.db import session_scope
from issuer.sponsors.services import create_sponsor


@dataclass
class Issued:
    id: str
    document: dict
    auth: dict
    apprentice_id: str
    name: str


def issue_one(client, services, *, name="Ana Lopez", email="ana.lopez@example.org") -> Issued:
    with session_scope(services.sessions) as session:
        _, key = create_sponsor(session, f"Acme Contact Centers {uuid.uuid4().hex[:8]}", ["ny-csr"])
    auth = {"Authorization": f"Bearer {key}"}
    body = {"external_id": f"E-{uuid.uuid4().hex[:6]}", "name": name, "email": email, "program": "ny-csr",
            "start_date": "2024-01-02"}
    response = client.post("/api/v1/apprentices", json=body, headers=auth)
    assert response.status_code == 201, response.get_json()
    apprentice = response.get_json()["id"]
    issued = []
    for day in range(1, 6):
        response = client.post(f"/api/v1/apprentices/{apprentice}/entries", headers=auth, json={
            "entry_type": "ojl_hours", "item": "wp-a", "value": "20", "date": f"2024-03-{day:02d}",
            "signed_off_by": "J. Rivera"})
        assert response.status_code == 201, response.get_json()
        issued += response.get_json()["issued"]
    [credential] = issued
    return Issued(credential["id"], credential["credential"], auth, apprentice, name)


def republish_status_lists(services, credential_id: str) -> None:
    """Re-sign the credential's status lists with this test's key. The database (and so the lists)
    is shared by the whole session while every test has fresh keys, so a list signed in an earlier
    test would name a key our DID document no longer lists."""
    from issuer.issuance.models import IssuedCredential
    from issuer.status import services as status_services
    with session_scope(services.sessions) as session:
        row = session.get(IssuedCredential, credential_id)
        status_services.publish(session, services.issuance, row.status_list_id)
