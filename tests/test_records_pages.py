"""The apprenticeship record's pages (/records/<id>: HTML, .json, .pdf, /current), the
apprentice's page that offers it, and `ler records`."""

from __future__ import annotations

import html as html_module
import json
import re
import subprocess
from datetime import timedelta

import pytest

from issuer.db import session_scope
from issuer.issuance import records
from issuer.issuance.models import RecordVersion
from issuer.portal import security
from issuer.progress.models import Enrollment
from issuer.sponsors.models import Sponsor
from issuer.verify.service import Verifier

from conftest import require_tools
from portal_support import csrf_of
from records_support import almost, completed, current  # noqa: F401 (almost: a fixture)


@pytest.fixture
def ny(cli, services, tmp_path):
    """The New York program's completed apprentice: (program, enrolment id, its current record)."""
    _, program, enrollment_id = completed(cli, services, tmp_path, "ny-csr")
    return program, enrollment_id, current(services, enrollment_id)


def text_of(html: str) -> str:
    return html_module.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def test_the_transcript_page_shows_the_whole_apprenticeship(ny, client):
    program, _, record = ny
    response = client.get(f"/records/{record.id}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "default-src 'none'" in response.headers["Content-Security-Policy"]
    text = text_of(response.get_data(as_text=True))
    assert "Ana Lopez" in text and program["title"] in text
    assert f"O*NET-SOC code {program['onet_soc']}" in text
    if program["rapids_code"]:
        assert f"RAPIDS code {program['rapids_code']}" in text
    assert "This is the current version of the record: version 1" in text
    held = record.document["credentialSubject"]["verifiableCredential"]
    for credential in held:
        assert credential["credentialSubject"]["achievement"]["name"] in text
        assert f'/credentials/{credential["id"].removeprefix("urn:uuid:")}' in response.get_data(as_text=True)
    # Dates and hours where the credentials say so (their evidence).
    assert "Work process" in text and re.search(r"Hours \d+", text)
    assert re.search(r"\d+ hours, 2021-\d\d-\d\d to 2021-\d\d-\d\d", text)
    assert f"Credentials held {len(held)}" in text


def test_the_json_download_is_the_signed_record(ny, client, services):
    _, _, record = ny
    response = client.get(f"/records/{record.id}.json")
    assert response.status_code == 200 and response.mimetype == "application/ld+json"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    assert response.get_json(force=True) == record.document
    assert Verifier.for_services(services).credential(response.get_json(force=True)).verified


def test_the_pdf_transcript_says_what_the_page_says(ny, client):
    require_tools("pdftotext")
    program, _, record = ny
    response = client.get(f"/records/{record.id}.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF")
    printed = subprocess.run(["pdftotext", "-layout", "-", "-"], input=response.data, capture_output=True,
                             check=True).stdout.decode()
    flat = re.sub(r"\s+", " ", printed)
    assert "Ana Lopez" in flat and program["title"] in flat
    assert f"O*NET-SOC code: {program['onet_soc']}" in flat and "Version 1, issued" in flat
    for credential in record.document["credentialSubject"]["verifiableCredential"]:
        assert credential["id"] in flat.replace(" ", "") or credential["id"] in flat
    assert re.search(r"Hours: \d+", flat)


def test_the_costly_public_reads_count_against_the_public_limit(ny, client, monkeypatch):
    """The transcript PDF is laid out and the current version may be signed on a GET anyone
    holding the link can make: each counts as a public verification does (LER_VERIFY_RATE)."""
    from issuer.api.throttle import Throttle
    _, _, record = ny
    held = record.document["credentialSubject"]["verifiableCredential"][0]["id"].removeprefix("urn:uuid:")
    for path in (f"/records/{record.id}.pdf", f"/records/{record.id}/current", f"/credentials/{held}/certificate.pdf"):
        monkeypatch.setitem(client.application.extensions, "ler_throttle", Throttle("2/minute", 2, "memory://"))
        statuses = [client.get(path).status_code for _ in range(3)]
        assert statuses[:2] != [429, 429] and statuses[2] == 429, (path, statuses)
    # The page itself and the JSON download are cheap reads, not counted.
    assert [client.get(f"/records/{record.id}").status_code for _ in range(3)] == [200] * 3


def test_unknown_and_hostile_ids_are_not_found(ny, client):
    _, enrollment_id, record = ny
    hostile = ["nope", "x" * 5000, str(enrollment_id), "1", "' OR 1=1 --", "%00", "urn:uuid:" + "0" * 36, "é" * 40,
               record.id.upper() + "0"]
    for name in hostile:
        for suffix in ("", ".json", ".pdf", "/current"):
            response = client.get(f"/records/{name}{suffix}", headers={"Accept": "application/json"})
            assert response.status_code == 404, (name, suffix)
            assert response.mimetype == "application/problem+json"
            detail = response.get_json()["detail"]
            # The edge refuses overlong path values before any read (naming the parameter).
            assert "no apprenticeship record" in detail or detail.startswith("record_id: no such id"), detail
    page = client.get("/records/nope", headers={"Accept": "text/html"})
    assert page.status_code == 404 and page.mimetype == "text/html"
    assert "There is no apprenticeship record nope here." in page.get_data(as_text=True)
    # Its urn:uuid name is the same record.
    assert client.get(f"/records/urn:uuid:{record.id}").status_code == 200


def test_an_import_leaves_the_record_to_be_caught_up_when_read(almost, cli, client, services):
    """An import signs no record; the newest version's page says the credentials changed since,
    and /current makes the new version (a write in a GET, which on SQLite begins no transaction)
    and sends there."""
    _, enrollment_id, _, last = almost
    with session_scope(services.sessions) as session:
        sponsor = session.get(Sponsor, records.newest(session, enrollment_id).sponsor_id).name
        [first] = records.versions(session, enrollment_id)
        first_id = first.id
    imported = cli("import", last, "--sponsor", sponsor)
    assert imported.exit_code == 0 and "1 recorded, 2 credentials issued" in imported.output, imported.output
    with session_scope(services.sessions) as session:
        assert [v.id for v in records.versions(session, enrollment_id)] == [first_id]
    html = client.get(f"/records/{first_id}").get_data(as_text=True)
    assert 'data-state="due"' in html and f'href="/records/{first_id}/current" id="newer-link"' in html
    response = client.get(f"/records/{first_id}/current")
    assert response.status_code == 303
    with session_scope(services.sessions) as session:
        versions = records.versions(session, enrollment_id)
        assert [v.version for v in versions] == [1, 2]
        assert response.headers["Location"].endswith(f"/records/{versions[1].id}")
    # Caught up: asked again, the same; and version 1 now points to version 2.
    assert client.get(f"/records/{first_id}/current").headers["Location"] == response.headers["Location"]
    assert 'data-state="superseded"' in client.get(f"/records/{first_id}").get_data(as_text=True)


def signed_in_apprentice(app, services, enrollment_id: int):
    with session_scope(services.sessions) as session:
        apprentice_id = session.get(Enrollment, enrollment_id).apprentice_id
        token = security.issue_link_token(session, "apprentice", timedelta(minutes=5), apprentice_id=apprentice_id)
    client = app.test_client()
    path = f"/me/login/{token}"
    assert client.post(path, data={"csrf_token": csrf_of(client.get(path))}).status_code == 303
    return client


def test_the_apprentices_page_offers_the_record(ny, app, services):
    _, enrollment_id, _ = ny
    # An enrolment from before records: the page makes its first version.
    with session_scope(services.sessions) as session:
        session.execute(RecordVersion.__table__.delete().where(RecordVersion.enrollment_id == enrollment_id))
    client = signed_in_apprentice(app, services, enrollment_id)
    html = client.get("/me/").get_data(as_text=True)
    with session_scope(services.sessions) as session:
        [record] = records.versions(session, enrollment_id)
        record_id, count = record.id, len(record.credential_ids)
    text = text_of(html)
    assert "Your apprenticeship record" in text
    assert f"Version 1, issued" in text and f"{count} credentials" in text
    for link in (f"/records/{record_id}", f"/records/{record_id}.json", f"/records/{record_id}.pdf"):
        assert f'href="{link}"' in html
    assert client.get(f"/records/{record_id}").status_code == 200


def test_ler_records_show_and_refresh(ny, cli, services):
    _, enrollment_id, record = ny
    shown = cli("records", "show", enrollment_id)
    assert shown.exit_code == 0, shown.output
    assert f"enrolment {enrollment_id} (ny-csr): version 1" in shown.output
    assert f"https://issuer.example/records/{record.id}" in shown.output
    as_json = cli("records", "show", enrollment_id, "--json")
    assert json.loads(as_json.output) == record.document
    with session_scope(services.sessions) as session:
        sponsor_id = session.get(RecordVersion, record.id).sponsor_id
        slug = session.get(Sponsor, sponsor_id).slug
    by_apprentice = cli("records", "show", "--apprentice", "A-100", "--sponsor", slug)
    assert by_apprentice.exit_code == 0 and record.id in by_apprentice.output
    assert cli("records", "show").exit_code != 0
    assert "no enrolment 999999" in cli("records", "show", 999999).output

    # A backfill: enrolments without a version get one, printed; a second run finds nothing to do.
    with session_scope(services.sessions) as session:
        session.execute(RecordVersion.__table__.delete().where(RecordVersion.enrollment_id == enrollment_id))
    refreshed = cli("records", "refresh", "--sponsor", slug)
    assert refreshed.exit_code == 0, refreshed.output
    assert f"issued enrolment {enrollment_id} (ny-csr): version 1" in refreshed.output
    assert refreshed.output.splitlines()[-1] == "1 record version(s) issued; 1 enrolment(s) checked"
    again = cli("records", "refresh", "--sponsor", slug)
    assert again.output.splitlines()[-1] == "0 record version(s) issued; 1 enrolment(s) checked"
    assert "no sponsor 'nobody'" in cli("records", "refresh", "--sponsor", "nobody").output


def test_staff_see_the_record_beside_the_apprentices_progress(ny, app, services):
    from portal_support import Signed, make_staff
    _, enrollment_id, record = ny
    with session_scope(services.sessions) as session:
        sponsor_name = session.get(Sponsor, record.sponsor_id).name
        apprentice_id = record.apprentice_id
    staff = Signed(app, make_staff(services, sponsor_name, "viewer"))
    html = staff.get(f"/portal/apprentices/{apprentice_id}").get_data(as_text=True)
    assert "Apprenticeship record: version 1" in text_of(html)
    for link in (f"/records/{record.id}", f"/records/{record.id}.json", f"/records/{record.id}.pdf"):
        assert f'href="{link}"' in html
