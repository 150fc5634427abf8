"""Sponsor batches on the thread path (no Redis): validation before anything is issued, approval,
background issuance, reports, re-submission, progress files, scoping, and e-mail notices through
a real local SMTP server."""

from __future__ import annotations

import csv
import email
import io
import json
import time
import uuid
import zipfile

import pytest
from sqlalchemy import func, select

from issuer.credentials.schema import schema_errors
from issuer.db import session_scope
from issuer.delivery.claims import claimed_credential_id
from issuer.issuance.models import IssuedCredential
from issuer.sponsors.services import create_sponsor
from issuer.verify import verify_credential

from batch_support import cohort_csv, make_cohort

PROGRAM = "ny-csr"


@pytest.fixture
def thread_path(env, monkeypatch):
    monkeypatch.delenv("LER_REDIS_URL", raising=False)


@pytest.fixture
def sponsor(thread_path, services):
    with session_scope(services.sessions) as session:
        row, key = create_sponsor(session, f"Batch Sponsor {uuid.uuid4().hex[:8]}", [PROGRAM])
        return row.id, row.name, {"Authorization": f"Bearer {key}"}


def _upload(client, auth, text: str, name="cohort.csv", **form):
    return client.post("/api/v1/batches", headers=auth, content_type="multipart/form-data",
                       data={"file": (io.BytesIO(text.encode()), name), **form})


def _wait(client, auth, batch_id, timeout=240) -> dict:
    deadline = time.time() + timeout
    while time.time() < deadline:
        body = client.get(f"/api/v1/batches/{batch_id}", headers=auth).get_json()
        if body["state"] in ("done", "failed"):
            return body
        time.sleep(0.2)
    raise AssertionError(f"batch {batch_id} still {body['state']} after {timeout} s: {body}")


def _issued(services, sponsor_id) -> int:
    with session_scope(services.sessions) as session:
        return session.scalar(select(func.count()).select_from(IssuedCredential)
                              .where(IssuedCredential.sponsor_id == sponsor_id))


def test_5000_rows_with_50_bad_ones(client, services, sponsor):
    sponsor_id, _, auth = sponsor
    ids = make_cohort(services.sessions, sponsor_id, PROGRAM, 4950)
    good = cohort_csv(ids, PROGRAM).splitlines()
    bad_kinds = [
        ("apprentice_id", lambda n: f"NOBODY-{n},{PROGRAM},occupation,2025-06-30"),
        ("program", lambda n: f"{ids[n]},no-such-program,occupation,2025-06-30"),
        ("achievement", lambda n: f"{ids[n]},{PROGRAM},occupaton,2025-06-30"),
        ("completed_on", lambda n: f"{ids[n]},{PROGRAM},occupation,2099-01-01"),
        ("apprentice_id", lambda n: f",{PROGRAM},occupation,"),
    ]
    lines, expected = [good[0]], {}
    bad_at = set(range(40, 5000, 100))           # 50 positions among the 5,000 data rows
    rows = iter(good[1:])
    for position in range(5000):
        if position in bad_at:
            column, make = bad_kinds[len(expected) % len(bad_kinds)]
            lines.append(make(len(expected)))
            expected[position + 2] = column      # line 1 is the header
        else:
            lines.append(next(rows))
    text = "\n".join(lines) + "\n"

    response = _upload(client, auth, text)
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["state"] == "validated" and body["rows"]["total"] == 5000 and body["rows"]["invalid"] == 50
    assert _issued(services, sponsor_id) == 0          # nothing issued before approval

    report = client.get(f"/api/v1/batches/{body['id']}/report.json", headers=auth).get_json()
    refused = {r["line"]: r for r in report["rows"] if r["outcome"] == "invalid"}
    assert {line: r["column"] for line, r in refused.items()} == expected
    assert all(r["message"] for r in refused.values())
    assert "did you mean occupation" in refused[min(k for k, c in expected.items() if c == "achievement")]["message"]

    approved = client.post(f"/api/v1/batches/{body['id']}/approve", headers=auth)
    assert approved.status_code == 202
    done = _wait(client, auth, body["id"])
    assert done["state"] == "done", done
    assert done["credentials_issued"] == 4950 and done["rows"]["done"] == 4950 and done["errors"] == 50
    assert done["rate_rows_per_second"] > 0 and done["eta_seconds"] is None
    assert _issued(services, sponsor_id) == 4950

    report = list(csv.DictReader(io.StringIO(
        client.get(f"/api/v1/batches/{body['id']}/report.csv", headers=auth).get_data(as_text=True))))
    assert len(report) == 5000
    issued = [r for r in report if r["outcome"] == "issued"]
    assert len(issued) == 4950 and len({r["credentials"] for r in issued}) == 4950
    archive = zipfile.ZipFile(io.BytesIO(client.get(f"/api/v1/batches/{body['id']}/credentials.zip",
                                                    headers=auth).get_data()))
    names = archive.namelist()
    assert len(names) == 4950 and {n[:-5] for n in names} == {r["credentials"] for r in issued}
    resolver = services.identity.resolver()
    for name in names[:: len(names) // 25]:
        credential = json.loads(archive.read(name))
        assert schema_errors(credential) == []
        assert verify_credential(credential, resolver=resolver, loader=services.loader).verified
        assert credential["credentialSubject"]["achievement"]["achievementType"] == "ApprenticeshipCertificate"
        assert "attests that" in credential["evidence"][0]["narrative"]

    # The same file again is the same batch: nothing new.
    again = _upload(client, auth, text)
    assert again.status_code == 200 and again.get_json()["resubmitted"] is True
    assert again.get_json()["id"] == body["id"]
    assert _issued(services, sponsor_id) == 4950


def test_a_new_file_naming_held_awards_issues_nothing_new(client, services, sponsor):
    sponsor_id, _, auth = sponsor
    ids = make_cohort(services.sessions, sponsor_id, PROGRAM, 30)
    first = _upload(client, auth, cohort_csv(ids[:20], PROGRAM)).get_json()
    client.post(f"/api/v1/batches/{first['id']}/approve", headers=auth)
    assert _wait(client, auth, first["id"])["credentials_issued"] == 20
    # Overlapping file, different bytes: the 20 are already held, only the 10 new ones issue.
    second = _upload(client, auth, cohort_csv(reversed(ids), PROGRAM)).get_json()
    assert second["rows"]["invalid"] == 0
    client.post(f"/api/v1/batches/{second['id']}/approve", headers=auth)
    done = _wait(client, auth, second["id"])
    assert done["credentials_issued"] == 10 and done["rows"]["done"] == 30
    assert _issued(services, sponsor_id) == 30
    rows = client.get(f"/api/v1/batches/{second['id']}/report.json", headers=auth).get_json()["rows"]
    assert sorted(r["outcome"] for r in rows).count("already_issued") == 20


def test_json_cohort_and_header_errors(client, services, sponsor):
    sponsor_id, _, auth = sponsor
    ids = make_cohort(services.sessions, sponsor_id, PROGRAM, 3)
    rows = [{"apprentice_id": i, "program": PROGRAM, "achievement": "occupation"} for i in ids]
    rows.append({"apprentice_id": ids[0], "program": PROGRAM, "achievement": "occupation"})
    rows.append("not an object")
    response = client.post("/api/v1/batches", headers=auth, json={"rows": rows})
    assert response.status_code == 201
    body = response.get_json()
    assert body["kind"] == "cohort" and body["rows"]["invalid"] == 2
    assert {(e["line"], e.get("column")) for e in body["error_rows"]} == {(4, "apprentice_id"), (5, None)}

    bad = _upload(client, auth, "who,what\nx,y\n", name="x.csv")
    assert bad.status_code == 422 and "cannot tell the kind" in bad.get_json()["detail"]
    bad = _upload(client, auth, "apprentice_id,achievement\nx,y\n", name="x.csv")
    assert bad.status_code == 422 and "lacks column(s) program" in bad.get_json()["detail"]
    assert client.post("/api/v1/batches", headers=auth, data=b"").status_code == 422


def test_progress_file_through_the_cli(cli, services, sponsor, tmp_path):
    _, name, _ = sponsor
    header = ("apprentice_id,apprentice_name,apprentice_email,apprentice_did,program,entry_type,item,value,date,"
              "signed_off_by\n")
    rows = "".join(f"P1,Ana Lopez,ana@example.org,,{PROGRAM},ojl_hours,wp-a,8,2024-03-{d:02d},J. Rivera\n"
                   for d in range(1, 14))                                       # 104 hours: wp-a needs 100
    rows += f"P1,Ana Lopez,ana@example.org,,{PROGRAM},ojl_hours,wp-zz,8,2024-03-20,J. Rivera\n"   # line 15
    rows += f"P1,Ana Lopez,ana@example.org,,{PROGRAM},ojl_hours,wp-a,30,2024-03-21,J. Rivera\n"   # line 16
    path = tmp_path / "progress.csv"
    path.write_text(header + rows)

    checked = cli("batch", "submit", path, "--sponsor", name, "--json")
    assert checked.exit_code == 1
    view = json.loads(checked.stdout)
    assert view["state"] == "validated" and view["kind"] == "progress"
    assert {(e["line"], e["column"]) for e in view["error_rows"]} == {(15, "item"), (16, "value")}

    ran = cli("batch", "approve", view["id"], "--wait", "--json")
    assert ran.exit_code == 1, ran.output                       # two rows refused
    view = json.loads(ran.stdout)
    assert view["state"] == "done" and view["rows"]["done"] == 13 and view["credentials_issued"] == 1
    report = cli("batch", "report", view["id"], "--format", "json")
    rows_out = json.loads(report.stdout)["rows"]
    assert [r["outcome"] for r in rows_out].count("recorded") == 13
    assert [r for r in rows_out if r.get("credentials")][0]["line"] == 14      # the 100th hour
    progress = json.loads(cli("progress", "P1", "--sponsor", name, "--json").stdout)
    assert progress["programs"][0]["totals"]["ojl_hours"] == "104"

    # Its JSON equivalent: another file, the same rows and verdicts; every good row is a duplicate now.
    as_json = tmp_path / "progress.json"
    as_json.write_text(json.dumps([dict(r) for r in csv.DictReader(io.StringIO(header + rows))]))
    again = json.loads(cli("batch", "submit", as_json, "--sponsor", name, "--approve", "--wait", "--json").stdout)
    assert again["rows"]["invalid"] == 2 and again["credentials_issued"] == 0
    listing = cli("batch", "list", "--sponsor", name).stdout
    assert view["id"] in listing and again["id"] in listing
    status = cli("batch", "status", view["id"])
    assert "line 15, column item" in status.output and "done" in status.stdout


def test_scoping_auth_and_page(client, app, services, sponsor):
    sponsor_id, _, auth = sponsor
    ids = make_cohort(services.sessions, sponsor_id, PROGRAM, 2)
    body = _upload(client, auth, cohort_csv(ids, PROGRAM)).get_json()
    with session_scope(services.sessions) as session:
        _, other_key = create_sponsor(session, f"Other {uuid.uuid4().hex[:8]}", [PROGRAM])
    other = {"Authorization": f"Bearer {other_key}"}
    for path in ("", "/report.csv", "/report.json", "/credentials.zip"):
        assert client.get(f"/api/v1/batches/{body['id']}{path}", headers=other).status_code == 404
    assert client.post(f"/api/v1/batches/{body['id']}/approve", headers=other).status_code == 404
    assert client.get(f"/api/v1/batches/{body['id']}").status_code == 401
    assert body["id"] not in json.dumps(client.get("/api/v1/batches", headers=other).get_json())
    assert body["id"] in json.dumps(client.get("/api/v1/batches", headers=auth).get_json())

    page = client.get(f"/batches/{body['id']}")
    assert page.status_code == 200 and "script-src 'self'" in page.headers["Content-Security-Policy"]
    html = page.get_data(as_text=True)
    assert body["id"] in html and "API key" in html and ids[0] not in html
    script = client.get("/batches/batch.js")
    assert script.status_code == 200 and "/api/v1/batches/" in script.get_data(as_text=True)


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.content))
        return "250 OK"


@pytest.fixture
def smtp(env, monkeypatch):
    from aiosmtpd.controller import Controller
    import socket
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = _Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    monkeypatch.setenv("LER_SMTP_URL", f"smtp://127.0.0.1:{port}")
    monkeypatch.setenv("LER_MAIL_FROM", "issuer@issuer.example")
    yield inbox
    controller.stop()


def test_apprentices_are_emailed_a_claim_link(smtp, client, services, sponsor):
    sponsor_id, sponsor_name, auth = sponsor
    ids = make_cohort(services.sessions, sponsor_id, PROGRAM, 3)
    body = _upload(client, auth, cohort_csv(ids, PROGRAM)).get_json()
    client.post(f"/api/v1/batches/{body['id']}/approve", headers=auth)
    done = _wait(client, auth, body["id"])
    assert done["state"] == "done" and done["notified"] == 3 and done["notify_errors"] == 0
    assert sorted(m["To"] for m in smtp.messages) == sorted(f"{i.lower()}@example.org" for i in ids)
    text = smtp.messages[0].get_payload(decode=True).decode()
    assert sponsor_name in smtp.messages[0]["Subject"]
    link = next(word for word in text.split() if word.startswith("https://issuer.example/claim/"))
    # The link leads to one of the credentials the batch issued. (Not opened here: the claim
    # page verifies the credential, which publishes its status list signed with this test's
    # key, and the database outlives the test's keys.)
    with session_scope(services.sessions) as session:
        claimed = claimed_credential_id(session, link.rsplit("/", 1)[1])
    report = client.get(f"/api/v1/batches/{body['id']}/report.json", headers=auth).get_json()
    assert claimed in {c for r in report["rows"] for c in r.get("credentials", ())}
    # Done is done: approving again sends nothing more.
    client.post(f"/api/v1/batches/{body['id']}/approve", headers=auth)
    assert len(smtp.messages) == 3


def test_an_attested_certificate_is_not_flagged_by_later_ledger_entries(client, services, sponsor):
    sponsor_id, _, auth = sponsor
    ids = make_cohort(services.sessions, sponsor_id, PROGRAM, 1)
    body = _upload(client, auth, cohort_csv(ids, PROGRAM)).get_json()
    client.post(f"/api/v1/batches/{body['id']}/approve", headers=auth)
    assert _wait(client, auth, body["id"])["credentials_issued"] == 1
    # The ledger alone does not earn the occupation, yet the sponsor's attestation stands.
    entry = client.post(f"/api/v1/apprentices/{ids[0]}/entries", headers=auth, json={
        "entry_type": "ojl_hours", "item": "wp-a", "value": "8", "date": "2024-02-01", "signed_off_by": "J"})
    assert entry.status_code == 201 and entry.get_json()["flagged"] == []
    with session_scope(services.sessions) as session:
        row = session.scalars(select(IssuedCredential).where(IssuedCredential.sponsor_id == sponsor_id)).one()
        assert row.origin == "attestation" and not row.flagged_for_revocation
