"""Status lists: allocation, the published BitstringStatusListCredential, revocation and
suspension through the sponsor API and the CLI, with the audit trail and immediate re-signing."""

from __future__ import annotations

import base64
import gzip
import json
import threading
import time

import pytest
from sqlalchemy import select

from issuer.credentials.schema import schema_errors
from issuer.db import session_scope
from issuer.status import allocation
from issuer.status.models import StatusList
from issuer.proofs import data_integrity
from issuer.status import lists, services as status_services
from issuer.status.models import StatusChange
from issuer.verify.service import FRESH_SECONDS

from verify_support import issue_one, make_legacy, new_sponsor

BASE = "https://issuer.example"


def _bits(encoded: str) -> bytes:
    assert encoded.startswith("u")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def _list(client, url: str):
    response = client.get(url[len(BASE):])
    assert response.status_code == 200, response.get_data(as_text=True)
    return response


def test_codec_round_trip_and_bit_order():
    encoded = lists.encode({0: 1, 9: 1, 131_071: 1})
    bits = _bits(encoded)
    assert len(bits) * 8 == 131_072 and "=" not in encoded
    assert bits[0] == 0x80 and bits[1] == 0x40 and bits[-1] == 0x01     # index 0 is the left-most bit
    assert [lists.read_value(bits, i) for i in (0, 1, 9, 131_071)] == [1, 0, 1, 1]
    two = lists.decode(lists.encode({3: 2, 4: 3}, size=2))
    assert len(two) * 8 // 2 == 131_072
    assert [lists.read_value(two, i, 2) for i in (2, 3, 4)] == [0, 2, 3]
    with pytest.raises(lists.StatusListError) as exc:
        lists.read_value(bits, 131_072)
    assert exc.value.code == "RANGE_ERROR"
    bomb = "u" + base64.urlsafe_b64encode(gzip.compress(b"\0" * (lists.MAX_BITSTRING_BYTES + 10))).decode()
    with pytest.raises(lists.StatusListError, match="inflates"):
        lists.decode(bomb)


def test_open_badge_carries_one_schema_valid_revocation_entry(client, services):
    issued = issue_one(client, services)
    entry = issued.document["credentialStatus"]
    assert isinstance(entry, dict), "the OB 3.0 schema allows a single credentialStatus object"
    assert schema_errors(issued.document) == []
    # One bit at statusListIndex, the purpose every BSL verifier reads (issue 11).
    assert entry["type"] == "BitstringStatusListEntry" and entry["statusPurpose"] == "revocation"
    assert "statusSize" not in entry and "statusMessage" not in entry
    assert entry["statusListIndex"].isdigit()
    assert entry["statusListCredential"].startswith(f"{BASE}/status/") and entry["statusListCredential"].endswith(
        "/revocation")
    assert entry["id"] != entry["statusListCredential"]


def test_published_list_is_a_signed_cacheable_bitstring_status_list(client, services):
    issued = issue_one(client, services)
    url = issued.document["credentialStatus"]["statusListCredential"]
    response = _list(client, url)
    assert "json" in response.mimetype
    assert "max-age" in response.headers["Cache-Control"] and response.headers["ETag"]
    document = response.get_json()
    assert document["id"] == url and "BitstringStatusListCredential" in document["type"]
    issuer = issued.document["issuer"]["id"]
    assert document["issuer"] == issuer                                # a plain string: the credential's issuer
    subject = document["credentialSubject"]
    assert subject["type"] == "BitstringStatusList" and subject["statusPurpose"] == "revocation"
    assert len(_bits(subject["encodedList"])) * 8 == 131_072
    proof = document["proof"]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022" and proof["verificationMethod"].startswith(issuer + "#")
    outcome = data_integrity.verify_proof(document, proof, resolver=services.identity.resolver(), loader=services.loader)
    assert outcome.verified, outcome.message
    again = client.get(url[len(BASE):], headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    other = _list(client, url.rsplit("/", 1)[0] + "/suspension").get_json()
    assert other["credentialSubject"]["statusPurpose"] == "suspension"
    # The two-bit message view is published only by lists made before revision 0011.
    assert client.get(url[len(BASE):].rsplit("/", 1)[0] + "/message").status_code == 404
    assert client.post(url[len(BASE):] + "/publish", json={}).status_code == 204
    assert client.get("/status/999999/revocation").status_code == 404
    assert client.get(url[len(BASE):].rsplit("/", 1)[0] + "/nonsense").status_code == 404


def _slot(document):
    entry = document["credentialStatus"]
    return entry["statusListCredential"], int(entry["statusListIndex"])


def _value(client, url: str, index: int) -> int:
    subject = _list(client, url).get_json()["credentialSubject"]
    return lists.read_value(_bits(subject["encodedList"]), index, 2 if subject["statusPurpose"] == "message" else 1)


def test_open_badge_is_revoked_not_suspended_through_the_sponsor_api(client, services):
    issued = issue_one(client, services)
    url, index = _slot(issued.document)
    base = f"/api/v1/credentials/{issued.id}"
    etag = _list(client, url).headers["ETag"]

    refused = client.post(f"{base}/suspend", json={"reason": "under investigation"}, headers=issued.auth)
    assert refused.status_code == 409 and "revoked but not suspended" in refused.get_json()["detail"]
    state = client.get(f"{base}/status", headers=issued.auth).get_json()
    assert state["suspendable"] is False and "one" in state["notSuspendableBecause"]
    assert client.post(f"{base}/reinstate", json={"reason": "x"}, headers=issued.auth).status_code == 409

    assert client.post(f"{base}/revoke", json={"reason": "issued in error"}, headers=issued.auth).status_code == 200
    assert _list(client, url).headers["ETag"] != etag                         # re-signed at once
    assert _value(client, url, index) == 1
    assert lists.decode(_list(client, url).get_json()["credentialSubject"]["encodedList"]).count(0) == 131_072 // 8 - 1
    for action in ("revoke", "reinstate"):
        refused = client.post(f"{base}/{action}", json={"reason": "x"}, headers=issued.auth)
        assert refused.status_code == 409 and "revoked" in refused.get_json()["detail"]

    history = client.get(f"{base}/status", headers=issued.auth).get_json()
    assert history["revoked"] is True
    assert [(h["action"], h["reason"]) for h in history["history"]] == [("revoke", "issued in error")]
    assert all(h["actor"].startswith("api:Acme") and h["at"] for h in history["history"])


def test_a_credential_issued_with_a_message_entry_stays_suspendable_and_verifiable(client, services):
    """Open Badges issued before revision 0011 carry the two-bit message entry: their list keeps
    publishing that view, and suspension, which that entry can show, stays offered."""
    from issuer.verify.service import Verifier
    issued = make_legacy(services, issue_one(client, services))
    url, index = _slot(issued.document)
    assert url.endswith("/message") and issued.document["credentialStatus"]["statusSize"] == 2
    verifier = Verifier.for_services(services)
    assert verifier.credential(issued.document).verified
    base = f"/api/v1/credentials/{issued.id}"
    response = client.post(f"{base}/suspend", json={"reason": "under investigation"}, headers=issued.auth)
    assert response.status_code == 200, response.get_json()
    assert _value(client, url, index) == 1
    assert _value(client, url.replace("/message", "/suspension"), index) == 1
    status = verifier.credential(issued.document).check("status")
    assert status.outcome == "fail" and status.message.startswith("suspended")
    assert client.post(f"{base}/reinstate", json={"reason": "cleared"}, headers=issued.auth).status_code == 200
    assert _value(client, url, index) == 0 and verifier.credential(issued.document).verified
    assert client.post(f"{base}/revoke", json={"reason": "fraud"}, headers=issued.auth).status_code == 200
    assert _value(client, url, index) == 2
    assert _value(client, url.replace("/message", "/revocation"), index) == 1
    result = verifier.credential(issued.document)
    assert not result.verified and result.check("status").message.startswith("revoked")


def test_sponsor_api_needs_a_reason_and_the_right_sponsor(client, services):
    issued = issue_one(client, services)
    base = f"/api/v1/credentials/{issued.id}"
    assert client.post(f"{base}/revoke", json={"reason": "x"}).status_code == 401
    assert client.post(f"{base}/revoke", json={}, headers=issued.auth).status_code == 422
    assert client.post(f"{base}/revoke", json={"reason": "   "}, headers=issued.auth).status_code == 422
    assert client.post(f"{base}/revoke", json={"reason": "x" * 2001}, headers=issued.auth).status_code == 422
    other = new_sponsor(services)
    response = client.post(f"{base}/revoke", json={"reason": "not mine"}, headers=other.auth)
    assert response.status_code == 404 and response.mimetype == "application/problem+json"
    assert client.get(f"{base}/status", headers=other.auth).status_code == 404
    assert client.post("/api/v1/credentials/no-such-id/revoke", json={"reason": "x"},
                       headers=issued.auth).status_code == 404


def test_cli_revoke_suspend_reinstate_with_audit(cli, client, services):
    issued = issue_one(client, services)
    urn = issued.document["id"]
    assert cli("credentials", "revoke", issued.id).exit_code == 2                       # --reason is required
    refused = cli("credentials", "suspend", urn, "--reason", "paperwork missing")
    assert refused.exit_code == 1 and "revoked but not suspended" in refused.output
    assert "revoked but not suspended" in cli("credentials", "status", issued.id).output
    legacy = make_legacy(services, issue_one(client, services, name="Cy Dunn", email="cy@example.org"))
    result = cli("credentials", "suspend", legacy.document["id"], "--reason", "paperwork missing", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["suspended"] is True
    assert "suspended" in cli("credentials", "status", legacy.id).output
    result = cli("credentials", "reinstate", legacy.id, "--reason", "paperwork found")
    assert result.exit_code == 0 and "now valid" in result.output
    result = cli("credentials", "revoke", urn, "--reason", "fraud")
    assert result.exit_code == 0 and "now revoked" in result.output
    refused = cli("credentials", "reinstate", issued.id, "--reason", "oops")
    assert refused.exit_code == 1 and "permanent" in refused.output
    assert cli("credentials", "revoke", "urn:uuid:00000000-0000-0000-0000-000000000000", "--reason", "x").exit_code == 1
    history = json.loads(cli("credentials", "status", issued.id, "--json").output)["history"]
    assert [h["action"] for h in history] == ["revoke"]
    assert all(h["actor"].startswith("cli:") for h in history)
    with session_scope(services.sessions) as session:
        rows = session.scalars(select(StatusChange).where(StatusChange.credential_id == legacy.document["id"])).all()
        assert [r.reason for r in rows] == ["paperwork missing", "paperwork found"]


def test_status_outcomes_through_the_verifier(client, services):
    from issuer.verify.service import Verifier
    issued = issue_one(client, services)
    verifier = Verifier.for_services(services)
    assert verifier.credential(issued.document).check("status").outcome == "pass"
    client.post(f"/api/v1/credentials/{issued.id}/revoke", json={"reason": "gone"}, headers=issued.auth)
    result = verifier.credential(issued.document)
    assert not result.verified and result.check("status").message.startswith("revoked")


def test_a_status_list_with_a_broken_signature_fails_the_status_check(client, services):
    from issuer.status.models import StatusListDocument
    from issuer.verify.service import Verifier
    issued = issue_one(client, services)
    url, index = _slot(issued.document)
    list_id = int(url.rsplit("/", 2)[1])
    verifier = Verifier.for_services(services)
    assert verifier.credential(issued.document).verified
    with session_scope(services.sessions) as session:
        row = session.get(StatusListDocument, (list_id, "revocation"))
        forged = json.loads(json.dumps(row.document))
        forged["credentialSubject"]["encodedList"] = lists.encode({index: 1})    # "revoked", unsigned
        row.document, row.etag = forged, "0" * 64                                 # the row rewritten whole
    time.sleep(FRESH_SECONDS + 0.05)          # another process's write: seen within FRESH_SECONDS
    try:
        status = verifier.credential(issued.document).check("status")
        assert status.outcome == "fail" and "STATUS_VERIFICATION_ERROR" in status.message
        assert "signature" in status.message
        page = client.get(f"/credentials/{issued.id}")
        assert page.status_code == 200 and "STATUS_VERIFICATION_ERROR" in page.get_data(as_text=True)
    finally:
        with session_scope(services.sessions) as session:
            status_services.publish(session, services.issuance, list_id)           # repaired: re-signed
    assert verifier.credential(issued.document).verified


def test_a_full_list_starts_a_new_one(services):
    with session_scope(services.sessions) as session:
        full = StatusList(size=1, next_index=1, issuer="did:example:full", shuffle_key="00" * 32)
        session.add(full)
        session.flush()
        list_id, index = allocation.allocate(session, "did:example:full")
        assert list_id > full.id and 0 <= index < lists.LIST_SIZE
        assert session.get(StatusList, list_id).size == lists.LIST_SIZE
        assert session.get(StatusList, list_id).issuer == "did:example:full"


def test_each_issuer_has_its_own_lists_with_shuffled_indexes(services):
    with session_scope(services.sessions) as session:
        first = allocation.allocate_range(session, 300, "did:example:first")
        second = allocation.allocate_range(session, 300, "did:example:second")
    assert len({list_id for list_id, _ in first}) == 1 and len({list_id for list_id, _ in second}) == 1
    assert first[0][0] != second[0][0]
    for slots in (first, second):
        indexes = [index for _, index in slots]
        assert len(set(indexes)) == 300 and all(0 <= i < lists.LIST_SIZE for i in indexes)
        # Issue order does not show: neither the first indexes nor ascending ones.
        assert sorted(indexes) != list(range(300)) and indexes != sorted(indexes)
    assert [i for _, i in first] != [i for _, i in second]          # each list has its own key


@pytest.mark.parametrize("size", [1, 2, 3, 5, 64, 1000, 4097])
def test_the_shuffle_is_a_permutation(size):
    from issuer.status.permutation import permute
    for key in (b"\0" * 32, b"another list's key"):
        assert sorted(permute(key, n, size) for n in range(size)) == list(range(size))
    with pytest.raises(ValueError):
        permute(b"k", size, size)


def test_concurrent_allocation_never_hands_out_a_slot_twice(services):
    slots, errors = [], []

    def worker():
        try:
            for _ in range(15):
                with session_scope(services.sessions) as session:
                    slots.append(allocation.allocate(session, "did:example:concurrent"))
        except Exception as exc:  # noqa: BLE001 (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors                  # SQLite serializes the writers; PostgreSQL locks the list row
    assert len(slots) == 90 and len(set(slots)) == 90


def test_a_verifier_a_little_behind_the_issuers_clock_still_accepts(client, services):
    """The list is re-signed (validFrom = that second) inside the very verification that reads
    it, and other verifiers' clocks differ from ours: a minute's skew is tolerated, no more."""
    from datetime import datetime, timedelta, timezone

    from issuer.verify import verify_credential
    from issuer.verify.service import Verifier
    issued = issue_one(client, services)
    verifier = Verifier.for_services(services)
    with session_scope(services.sessions) as session:       # re-sign now: validFrom is this second
        status_services.publish(session, services.issuance, int(_slot(issued.document)[0].rsplit("/", 2)[1]))

    def verify(behind):
        return verify_credential(issued.document, resolver=verifier.resolver, loader=services.loader,
                                 status_checker=verifier.status_checker,
                                 now=datetime.now(timezone.utc) - behind)
    result = verify(timedelta(seconds=30))
    assert result.verified, result.to_json()
    late = verify(timedelta(hours=1))
    assert late.check("dates").outcome == "fail" and "not yet valid" in late.check("dates").message
    assert late.check("status").outcome == "fail" and "not yet valid" in late.check("status").message


def test_a_message_credential_is_reissued_with_a_revocation_entry_for_its_slot(cli, client, services):
    from issuer.verify.service import Verifier
    from issuer.issuance.models import IssuedCredential
    from issuer.sponsors.models import Sponsor
    issued = make_legacy(services, issue_one(client, services))
    _, index = _slot(issued.document)
    with session_scope(services.sessions) as session:
        slug = session.get(Sponsor, session.get(IssuedCredential, issued.id).sponsor_id).slug
    assert "1 credential(s) re-issued" in cli("credentials", "reissue-status", "--sponsor", slug).output
    again = cli("credentials", "reissue-status", issued.id)
    assert again.exit_code == 1 and "already carries a revocation entry" in again.output
    assert "0 credential(s)" in cli("credentials", "reissue-status", "--sponsor", slug).output
    with session_scope(services.sessions) as session:
        document = session.get(IssuedCredential, issued.id).document
    assert document["id"] == issued.document["id"] and schema_errors(document) == []
    url, same = _slot(document)
    assert same == index and url.endswith("/revocation")
    verifier = Verifier.for_services(services)
    assert verifier.credential(document).verified
    cli("credentials", "revoke", issued.id, "--reason", "withdrawn")
    assert not verifier.credential(document).verified and not verifier.credential(issued.document).verified
    assert cli("credentials", "reissue-status").exit_code == 1
