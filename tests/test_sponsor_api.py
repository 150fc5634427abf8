"""The sponsor API: isolation between sponsors, entry validation, issuance when a threshold
is met (and not before), corrections, and the same credential as VC-JWT."""

from __future__ import annotations

import uuid
from urllib.parse import urlsplit

import jwt
import pytest

from issuer.db import session_scope
from issuer.sponsors.services import create_sponsor
from issuer.verify import verify_credential


@pytest.fixture
def make_sponsor(services):
    def make(programs=None):
        with session_scope(services.sessions) as session:
            _, key = create_sponsor(session, f"Sponsor {uuid.uuid4().hex[:8]}", programs)
        return {"Authorization": f"Bearer {key}"}
    return make


def enroll(client, auth, program="ny-csr", **extra):
    body = {"external_id": f"E-{uuid.uuid4().hex[:6]}", "name": "Ana Lopez", "email": "ana@example.org",
            "program": program, "start_date": "2024-01-02", **extra}
    response = client.post("/api/v1/apprentices", json=body, headers=auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def entry(client, auth, apprentice, **fields):
    body = {"entry_type": "ojl_hours", "item": "wp-a", "value": "8", "date": "2024-02-01",
            "signed_off_by": "J. Rivera", **fields}
    return client.post(f"/api/v1/apprentices/{apprentice}/entries", json=body, headers=auth)


def test_requests_without_a_valid_key_are_refused(client):
    assert client.get("/api/v1/programs").status_code == 401
    response = client.get("/api/v1/programs", headers={"Authorization": "Bearer ler_not-a-key"})
    assert response.status_code == 401 and response.mimetype == "application/problem+json"


def test_sponsors_see_only_their_own(client, make_sponsor):
    a, b = make_sponsor(), make_sponsor(["ny-csr"])
    apprentice = enroll(client, a)
    assert client.get(f"/api/v1/apprentices/{apprentice}", headers=a).status_code == 200
    assert client.get(f"/api/v1/apprentices/{apprentice}", headers=b).status_code == 404
    assert entry(client, b, apprentice).status_code == 404
    assert client.get(f"/api/v1/apprentices/{apprentice}/progress", headers=b).status_code == 404
    assert [p["id"] for p in client.get("/api/v1/programs", headers=b).get_json()] == ["ny-csr"]
    response = client.post("/api/v1/apprentices", json={"name": "X", "email": "x@example.org",
                                                        "program": "dol-csr-3001cb"}, headers=b)
    assert response.status_code == 422 and "unknown program" in response.get_json()["detail"]


@pytest.mark.parametrize("fields,field,fragment", [
    ({"item": "wp-z"}, "item", "wp-z"),
    ({"value": "-3"}, "value", ""),
    ({"value": "25"}, "value", "24"),
    ({"value": "lots"}, "value", ""),
    ({"date": "2999-01-01"}, "date", "future"),
    ({"date": "01/02/2024"}, "date", ""),
    ({"entry_type": "vacation"}, "entry_type", ""),
    ({"entry_type": "competency", "item": "c-01", "value": "proficient"}, "entry_type", ""),
])
def test_bad_entries_get_a_field_error(client, make_sponsor, fields, field, fragment):
    auth = make_sponsor()
    apprentice = enroll(client, auth)
    response = entry(client, auth, apprentice, **fields)
    assert response.status_code == 422, response.get_json()
    body = response.get_json()
    assert body["field"] in (field, "item") and fragment in body["detail"]


def test_threshold_issues_exactly_once_and_progress_names_what_is_missing(client, make_sponsor, services):
    auth = make_sponsor()
    apprentice = enroll(client, auth)
    for day in range(1, 13):
        assert entry(client, auth, apprentice, date=f"2024-03-{day:02d}").status_code == 201
    response = entry(client, auth, apprentice, value="3", date="2024-03-13")  # 99 of 100 hours
    assert response.status_code == 201 and response.get_json()["issued"] == []
    progress = client.get(f"/api/v1/apprentices/{apprentice}/progress", headers=auth).get_json()
    wp_a = next(a for a in progress["programs"][0]["achievements"] if a["key"] == "work-process:wp-a")
    assert not wp_a["earned"] and any("wp-a" in m and "99" in m for m in wp_a["missing"])

    response = entry(client, auth, apprentice, value="1", date="2024-03-14")
    issued = response.get_json()["issued"]
    assert [c["achievement_key"] for c in issued] == ["work-process:wp-a"]
    # The same entry again is a duplicate, and issues nothing.
    assert entry(client, auth, apprentice, value="1", date="2024-03-14").status_code == 409
    credentials = client.get(f"/api/v1/credentials?apprentice={apprentice}", headers=auth).get_json()
    assert len(credentials) == 1
    document = credentials[0]["credential"]
    assert document["credentialSubject"]["achievement"]["achievementType"] == "ext:WorkProcess"
    assert verify_credential(document, resolver=services.identity.resolver()).verified

    token = client.get(f"/api/v1/credentials/{issued[0]['id']}?format=jwt", headers=auth)
    assert token.status_code == 200 and token.mimetype == "application/vc+jwt"
    claims = jwt.decode(token.get_data(as_text=True), options={"verify_signature": False})
    assert claims["jti"] == document["id"] and claims["iss"] == document["issuer"]["id"]
    assert verify_credential(token.get_data(as_text=True), resolver=services.identity.resolver()).verified


def test_a_correction_that_takes_an_achievement_away_flags_the_credential(client, make_sponsor):
    auth = make_sponsor()
    apprentice = enroll(client, auth)
    ids = [entry(client, auth, apprentice, value="20", date=f"2024-04-{d:02d}").get_json()["entry_id"]
           for d in range(1, 6)]
    credentials = client.get(f"/api/v1/credentials?apprentice={apprentice}", headers=auth).get_json()
    assert len(credentials) == 1 and not credentials[0]["flagged_for_revocation"]
    no_reason = entry(client, auth, apprentice, action="reverse", corrects=ids[0], date="2024-04-02")
    assert no_reason.status_code == 422 and no_reason.get_json()["field"] == "reason"
    response = entry(client, auth, apprentice, action="reverse", corrects=ids[0], date="2024-04-02",
                     reason="hours were logged against the wrong apprentice")
    assert response.status_code == 201 and response.get_json()["flagged"] == [credentials[0]["id"]]
    after = client.get(f"/api/v1/credentials?apprentice={apprentice}", headers=auth).get_json()
    assert len(after) == 1 and after[0]["flagged_for_revocation"]
    assert "wp-a" in after[0]["flag_reason"]
    amend_a_reversal = entry(client, auth, apprentice, action="amend", corrects=response.get_json()["entry_id"],
                             value="4", date="2024-04-03", reason="typo")
    assert amend_a_reversal.status_code == 422


def test_more_than_24_hours_in_a_day_is_refused_however_split(client, make_sponsor):
    auth = make_sponsor()
    apprentice = enroll(client, auth)
    assert entry(client, auth, apprentice, value="16", date="2024-05-01").status_code == 201
    response = entry(client, auth, apprentice, item="wp-b", value="9", date="2024-05-01")
    assert response.status_code == 422 and "24" in response.get_json()["detail"]


def test_the_apprentices_record_through_the_api_follows_what_is_held(client, make_sponsor, services):
    """Nothing held: no record. A work process earned: version 1 holding it, verified through
    the service's verifier, its page and PDF public by its random id. Asked again: the same
    version. Another sponsor: 404."""
    from issuer.verify.service import Verifier
    auth = make_sponsor()
    apprentice = enroll(client, auth)
    empty = client.get(f"/api/v1/apprentices/{apprentice}/records", headers=auth)
    assert empty.status_code == 200 and empty.get_json()["records"] == [{"program": "ny-csr", "record": None}]
    for day in range(1, 14):
        assert entry(client, auth, apprentice, value="8" if day < 13 else "4", date=f"2024-03-{day:02d}").status_code == 201
    [held] = client.get(f"/api/v1/credentials?apprentice={apprentice}", headers=auth).get_json()
    [record] = [r["record"] for r in client.get(f"/api/v1/apprentices/{apprentice}/records",
                                                headers=auth).get_json()["records"]]
    assert record["version"] == 1 and record["credentials"] == 1
    assert [c["id"] for c in record["credential"]["credentialSubject"]["verifiableCredential"]] == \
        [held["credential"]["id"]]
    assert Verifier.for_services(services).credential(record["credential"]).verified
    assert client.get(urlsplit(record["page"]).path).status_code == 200
    assert client.get(urlsplit(record["pdf"]).path).data.startswith(b"%PDF")
    again = client.get(f"/api/v1/apprentices/{apprentice}/records", headers=auth).get_json()["records"][0]["record"]
    assert again["id"] == record["id"]
    assert client.get(f"/api/v1/apprentices/{apprentice}/records", headers=make_sponsor()).status_code == 404
