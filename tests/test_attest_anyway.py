"""Cohort attestations the ledger contradicts (issue 10, point 6): flagged at validation, approved
only with an explicit "attest anyway" for the batch (API flag, CLI flag, console checkbox), which
the audit log records."""

from __future__ import annotations

import io
import json
import time
import uuid

from sqlalchemy import select

from issuer.db import session_scope
from issuer.audit.models import AuditEvent
from issuer.sponsors.services import create_sponsor

from batch_support import cohort_csv, make_cohort
from portal_support import Signed, make_staff

PROGRAM = "ny-csr"


def _sponsor(services):
    with session_scope(services.sessions) as session:
        row, key = create_sponsor(session, f"Attest Sponsor {uuid.uuid4().hex[:8]}", [PROGRAM])
        return row.id, row.name, {"Authorization": f"Bearer {key}"}


def _cohort(client, services, monkeypatch):
    """Two enrolled apprentices: the first with 104 of 2,000 hours recorded, the second with an
    empty ledger (its records are kept elsewhere); a file attesting both completed."""
    monkeypatch.delenv("LER_REDIS_URL", raising=False)
    sponsor_id, name, auth = _sponsor(services)
    ids = make_cohort(services.sessions, sponsor_id, PROGRAM, 2, prefix=f"C{uuid.uuid4().hex[:4]}")
    for day in range(1, 14):
        assert client.post(f"/api/v1/apprentices/{ids[0]}/entries", headers=auth, json={
            "entry_type": "ojl_hours", "item": "wp-a", "value": "8", "date": f"2024-03-{day:02}",
            "signed_off_by": "J"}).status_code == 201
    uploaded = client.post("/api/v1/batches", headers=auth, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(cohort_csv(ids, PROGRAM).encode()), "cohort.csv")})
    return sponsor_id, name, auth, uploaded.get_json()


def _wait(client, auth, batch_id):
    for _ in range(600):
        view = client.get(f"/api/v1/batches/{batch_id}", headers=auth).get_json()
        if view["state"] in ("done", "failed"):
            return view
        time.sleep(0.2)
    raise AssertionError(view)


def _attest_events(services, batch_id):
    with session_scope(services.sessions) as session:
        return [e.detail for e in session.scalars(select(AuditEvent).where(
            AuditEvent.action == "batch.attest_anyway", AuditEvent.subject == f"batch:{batch_id}"))]


def test_api_approval_needs_attest_anyway_and_the_audit_log_says_so(client, services, monkeypatch):
    _, _, auth, batch = _cohort(client, services, monkeypatch)
    assert batch["rows"]["valid"] == 2 and batch["rows"]["invalid"] == 0
    refused = client.post(f"/api/v1/batches/{batch['id']}/approve", headers=auth)
    assert refused.status_code == 409 and refused.mimetype == "application/problem+json"
    detail = refused.get_json()["detail"]
    assert "1 row(s) attest an award the ledger contradicts (line(s) 2;" in detail
    assert "wp-b: 0 of 200 OJL hours" in detail and "attest anyway" in detail
    assert _attest_events(services, batch["id"]) == []
    approved = client.post(f"/api/v1/batches/{batch['id']}/approve", headers=auth, json={"attest_anyway": True})
    assert approved.status_code == 202
    assert _wait(client, auth, batch["id"])["credentials_issued"] == 2
    (event,) = _attest_events(services, batch["id"])
    assert event["rows"] == 1 and event["lines"] == [2] and "wp-b: 0 of 200" in event["first_reason"]


def test_cli_approval_needs_attest_anyway(client, services, monkeypatch, cli):
    _, _, auth, batch = _cohort(client, services, monkeypatch)
    refused = cli("batch", "approve", batch["id"])
    assert refused.exit_code == 1 and "ledger contradicts" in refused.output
    ran = cli("batch", "approve", batch["id"], "--attest-anyway", "--wait", "--json")
    assert ran.exit_code == 0, ran.output
    assert json.loads(ran.stdout)["credentials_issued"] == 2
    assert len(_attest_events(services, batch["id"])) == 1


def test_console_approval_has_the_checkbox(app, client, services, monkeypatch):
    _, name, _, batch = _cohort(client, services, monkeypatch)
    console = Signed(app, make_staff(services, name, "administrator"))
    page = console.get(f"/portal/batches/{batch['id']}").get_data(as_text=True)
    assert 'name="attest_anyway"' in page and "1 row attests an award" in page
    refused = console.post(f"/portal/batches/{batch['id']}/approve")
    assert refused.status_code == 409
    assert console.post(f"/portal/batches/{batch['id']}/approve", {"attest_anyway": "yes"}).status_code == 303
    assert len(_attest_events(services, batch["id"])) == 1
