"""Every CSV download defuses cells a spreadsheet would run as a formula (OWASP CSV injection):
the batch report over the sponsor API and in the portal, and the audit log."""

from __future__ import annotations

import csv
import io
import uuid

import pytest

from issuer.csv_export import defuse

from portal_support import Signed, make_tenant

HOSTILE = ["=HYPERLINK(\"https://evil.example\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)",
           "\t=1+1", "\r=1+1"]


@pytest.mark.parametrize("cell", HOSTILE)
def test_defuse_quotes_every_formula_start(cell):
    assert defuse(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["plain", "", "2025-06-30", "a=b", 42, None])
def test_defuse_leaves_other_cells_alone(cell):
    assert defuse(cell) == cell


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _assert_defused(text: str) -> None:
    cells = _cells(text)
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    for hostile in HOSTILE[:4]:      # (the file's cells are trimmed, leading tab or CR included)
        assert "'" + hostile in cells, hostile


def _hostile_batch(client, auth) -> str:
    lines = ["apprentice_id,program,achievement,completed_on"]
    lines += [f'"{h.replace(chr(34), chr(34) * 2)}",ny-csr,occupation,2025-06-30' for h in HOSTILE]
    response = client.post("/api/v1/batches", headers=auth, content_type="multipart/form-data",
                           data={"file": (io.BytesIO("\n".join(lines).encode()), f"{uuid.uuid4().hex}.csv")})
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_the_batch_report_is_defused_over_the_api_and_in_the_portal(app, services):
    tenant = make_tenant(services, ["ny-csr"])
    client = app.test_client()
    batch_id = _hostile_batch(client, tenant.api)
    report = client.get(f"/api/v1/batches/{batch_id}/report.csv", headers=tenant.api)
    assert report.status_code == 200 and report.mimetype == "text/csv"
    _assert_defused(report.get_data(as_text=True))
    admin = Signed(app, tenant.administrator)
    portal_report = admin.get(f"/portal/batches/{batch_id}/report.csv")
    assert portal_report.status_code == 200
    _assert_defused(portal_report.get_data(as_text=True))


def test_the_audit_export_is_defused(app, services):
    tenant = make_tenant(services, ["ny-csr"])
    client = app.test_client()
    for hostile in HOSTILE:   # the sponsor's own text lands in the audit log's details
        response = client.post("/api/v1/apprentices", headers=tenant.api, json={
            "external_id": f"X-{uuid.uuid4().hex[:6]}", "name": hostile, "email": "x@example.org",
            "program": "ny-csr", "start_date": "2024-01-02"})
        if any(ch in hostile for ch in "\r\n"):
            # A name with a line break never gets that far: the edge refuses it.
            assert response.status_code == 400 and response.get_json()["field"] == "name"
        else:
            assert response.status_code == 201, response.get_json()
    text = Signed(app, tenant.administrator).get("/portal/audit.csv").get_data(as_text=True)
    for row in csv.reader(io.StringIO(text)):
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row), row
