"""The W3C VC-API endpoints as the conformance suites drive them: issue (201 / 400 with a problem),
verify credentials and presentations (200 / 400 with the result), and status updates."""

from __future__ import annotations

import copy
import json
import uuid

import pytest

from issuer.proofs import data_integrity
from issuer.proofs.did import did_key_for, did_key_vm
from issuer.proofs.keyfamilies.ed25519 import Ed25519PrivateKey
from issuer.status import lists

from verify_support import issue_one, new_sponsor

V2, EXAMPLES = "https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"
BASE = "https://issuer.example"


def unsigned(issuer, **extra) -> dict:
    return {"@context": [V2, EXAMPLES], "id": f"urn:uuid:{uuid.uuid4()}",
            "type": ["VerifiableCredential", "ExampleAlumniCredential"], "issuer": issuer,
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"}, **extra}


@pytest.fixture
def sponsor(services):
    return new_sponsor(services)


STATUS = {"type": "BitstringStatusListEntry"}


def issue(client, sponsor, credential, **options):
    return client.post("/credentials/issue", json={"credential": credential, "options": options}, headers=sponsor.auth)


def _did_key(client, sponsor) -> str:
    """The sponsor's own did:key, as the sponsor API lists it."""
    identifiers = client.get("/api/v1/sponsor", headers=sponsor.auth).get_json()["identifiers"]
    return next(i for i in identifiers if i.startswith("did:key:"))


def _sponsor_row(session, sponsor):
    from issuer.sponsors.models import Sponsor
    return session.get(Sponsor, sponsor.id)


@pytest.mark.parametrize("as_", ["sponsor", "did:key"])
def test_issue_signs_with_status_entries_and_keeps_the_input(client, services, sponsor, as_):
    issuer = sponsor.did if as_ == "sponsor" else _did_key(client, sponsor)
    credential = unsigned(issuer)
    response = issue(client, sponsor, credential, type="Ed25519Signature2020", challenge="ignored",
                     credentialStatus=STATUS)
    assert response.status_code == 201, response.get_json()
    vc = response.get_json()["verifiableCredential"]
    assert {k: vc[k] for k in credential} == credential                      # nothing rewritten, order kept
    assert vc["@context"] == credential["@context"]
    proof = vc["proof"]
    assert proof["type"] == "DataIntegrityProof" and proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod" and proof["proofValue"].startswith("z")
    assert proof["verificationMethod"].startswith(issuer + "#") and data_integrity.is_xsd_datetime(proof["created"])
    purposes = [e["statusPurpose"] for e in vc["credentialStatus"]]
    assert purposes == ["revocation", "suspension"]
    for entry in vc["credentialStatus"]:
        assert entry["type"] == "BitstringStatusListEntry" and entry["statusListIndex"].isdigit()
        document = client.get(entry["statusListCredential"][len(BASE):]).get_json()
        assert document["credentialSubject"]["statusPurpose"] == entry["statusPurpose"]
    verified = client.post("/credentials/verify", json={"verifiableCredential": vc, "options": {"checks": ["proof"]}})
    assert verified.status_code == 200, verified.get_json()
    assert verified.get_json()["verified"] is True and verified.get_json()["errors"] == []


@pytest.mark.parametrize("asked,signed_with", [("eddsa-jcs-2022", "eddsa-jcs-2022"), ("eddsa-rdfc-2022", "eddsa-rdfc-2022"),
                                               ("ecdsa-rdfc-2019", "eddsa-rdfc-2022"), ({"odd": 1}, "eddsa-rdfc-2022")])
def test_issue_honours_a_cryptosuite_we_sign_with(client, sponsor, asked, signed_with):
    response = issue(client, sponsor, unsigned(sponsor.did), type="DataIntegrityProof", cryptosuite=asked)
    assert response.status_code == 201, response.get_json()
    vc = response.get_json()["verifiableCredential"]
    assert vc["proof"]["cryptosuite"] == signed_with
    assert _verify(client, vc).status_code == 200


@pytest.mark.parametrize("family", ["P-256", "P-384"])
def test_with_an_ecdsa_key_the_service_issues_ecdsa_when_asked(client, services, sponsor, family):
    from issuer.proofs.did import did_key_for
    assert issue(client, sponsor, unsigned(sponsor.did), cryptosuite="ecdsa-rdfc-2019").get_json()[
        "verifiableCredential"]["proof"]["cryptosuite"] == "eddsa-rdfc-2022"     # no EC key yet: ignored
    from issuer.db import session_scope
    with session_scope(services.sessions) as session:
        record, _ = services.keys.rotate(session, _sponsor_row(session, sponsor), family)
    document = client.get(f"/sponsors/{sponsor.did.rsplit(':', 1)[1]}/did.json").get_json()
    method = next(m for m in document["verificationMethod"] if m["id"].endswith(record.id))
    assert method["type"] == "Multikey" and method["publicKeyMultibase"] == record.public_key_multibase
    ec_did = f"did:key:{record.public_key_multibase}"
    assert ec_did in client.get("/api/v1/sponsor", headers=sponsor.auth).get_json()["identifiers"]
    for issuer, asked in ((sponsor.did, "ecdsa-rdfc-2019"), (sponsor.did, "ecdsa-jcs-2019"), (ec_did, None),
                          (ec_did, "eddsa-rdfc-2022")):
        response = issue(client, sponsor, unsigned(issuer), **({"cryptosuite": asked} if asked else {}))
        assert response.status_code == 201, response.get_json()
        vc = response.get_json()["verifiableCredential"]
        assert vc["proof"]["cryptosuite"] == (asked if asked and asked.startswith("ecdsa") else "ecdsa-rdfc-2019")
        assert vc["proof"]["verificationMethod"].startswith(issuer + "#")
        result = _verify(client, vc)
        assert result.status_code == 200, result.get_json()
    # The did:key issuer's status list is signed by that key as well.
    vc = issue(client, sponsor, unsigned(ec_did), credentialStatus=STATUS).get_json()["verifiableCredential"]
    status_list = client.get(vc["credentialStatus"][0]["statusListCredential"][len(BASE):]).get_json()
    assert status_list["issuer"] == ec_did and status_list["proof"]["cryptosuite"] == "ecdsa-rdfc-2019"


def test_issue_needs_the_sponsors_key_and_its_own_issuer(client, services, sponsor):
    assert client.post("/credentials/issue", json={"credential": unsigned(sponsor.did)}).status_code == 401
    other = new_sponsor(services)
    for issuer in (other.did, services.identity.did, "did:example:someone"):
        response = issue(client, sponsor, unsigned(issuer))
        assert response.status_code == 400 and "cannot issue as" in response.get_json()["detail"]


def test_vcdm_1_1_input_is_signed_with_the_contexts_it_needs(client, sponsor):
    credential = {"@context": ["https://www.w3.org/2018/credentials/v1",
                               "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json"],
                  "id": f"urn:uuid:{uuid.uuid4()}", "type": ["VerifiableCredential", "OpenBadgeCredential"],
                  "issuer": {"id": sponsor.did, "type": "Profile", "name": "Acme"},
                  "issuanceDate": "2024-01-01T00:00:00Z", "expirationDate": "2099-01-01T00:00:00Z",
                  "credentialSubject": {"id": "did:example:abc", "type": "AchievementSubject", "achievement": {
                      "id": "https://example.org/a/1", "type": "Achievement", "name": "Old badge",
                      "description": "Issued the VCDM 1.1 way", "criteria": {"narrative": "Done."}}}}
    response = issue(client, sponsor, credential)
    assert response.status_code == 201, response.get_json()
    vc = response.get_json()["verifiableCredential"]
    assert vc["@context"] == credential["@context"] + ["https://w3id.org/security/data-integrity/v2"]
    assert client.post("/credentials/verify", json={"verifiableCredential": vc}).status_code == 200
    with_status = issue(client, sponsor, credential, credentialStatus=STATUS).get_json()["verifiableCredential"]
    assert "https://www.w3.org/ns/credentials/status/v1" in with_status["@context"]
    assert client.post("/credentials/verify", json={"verifiableCredential": with_status}).status_code == 200


def test_a_vcdm_1_1_credential_issued_without_options_needs_only_the_1_1_and_data_integrity_contexts(
        client, services, sponsor):
    from issuer.proofs import ld
    from issuer.verify.verifier import verify_credential
    credential = {"@context": ["https://www.w3.org/2018/credentials/v1"], "id": f"urn:uuid:{uuid.uuid4()}",
                  "type": ["VerifiableCredential"], "issuer": sponsor.did, "issuanceDate": "2024-01-01T00:00:00Z",
                  "credentialSubject": {"id": "did:example:abc"}}
    vc = issue(client, sponsor, credential).get_json()["verifiableCredential"]
    assert set(vc) == set(credential) | {"proof"} and "credentialStatus" not in vc
    store = services.loader.store
    only = ld.ContextStore.__new__(ld.ContextStore)
    only.directory, only.hashes, only.raw = store.directory, {}, {}
    only.documents = {url: store.documents[url] for url in (ld.VC_V1, ld.DATA_INTEGRITY_V2)}
    result = verify_credential(vc, resolver=services.identity.resolver(), loader=ld.StaticDocumentLoader(only))
    assert result.verified, result.to_json()


def test_status_entries_only_when_asked_or_turned_on_by_the_sponsor(client, cli, services, sponsor):
    plain = issue(client, sponsor, unsigned(sponsor.did)).get_json()["verifiableCredential"]
    assert "credentialStatus" not in plain and plain["@context"] == [V2, EXAMPLES]
    update = {"credentialId": plain["id"], "credentialStatus": {**STATUS, "statusPurpose": "revocation"}}
    refused = client.post("/credentials/status", json=update, headers=sponsor.auth)
    assert refused.status_code == 409 and "without a status entry" in refused.get_json()["detail"]
    for bad in ({"type": "StatusList2021Entry"}, {**STATUS, "statusPurpose": "message"}, "yes"):
        response = issue(client, sponsor, unsigned(sponsor.did), credentialStatus=bad)
        assert response.status_code == 400 and "options.credentialStatus" in response.get_json()["detail"]
    only_revocation = issue(client, sponsor, unsigned(sponsor.did), credentialStatus={**STATUS, "statusPurpose": "revocation"})
    assert [e["statusPurpose"] for e in only_revocation.get_json()["verifiableCredential"]["credentialStatus"]] == [
        "revocation"]
    assert cli("sponsors", "vcapi-status", sponsor.slug, "on").exit_code == 0
    on = issue(client, sponsor, unsigned(sponsor.did)).get_json()["verifiableCredential"]
    assert [e["statusPurpose"] for e in on["credentialStatus"]] == ["revocation", "suspension"]
    assert cli("sponsors", "vcapi-status", sponsor.slug, "off").exit_code == 0
    assert "credentialStatus" not in issue(client, sponsor, unsigned(sponsor.did)).get_json()["verifiableCredential"]
    assert cli("sponsors", "vcapi-status", "no-such-sponsor", "on").exit_code == 1


def _mutations():
    def drop(key):
        return lambda c: c.pop(key)

    def put(key, value):
        return lambda c: c.__setitem__(key, value)

    yield "no @context", drop("@context")
    for bad in (4, "https://www.w3.org/ns/credentials/v2", {}, [], [4], [None], [[]], [EXAMPLES, V2],
                [V2, "https://127.0.0.1/private-context.jsonld"]):
        yield f"@context {bad!r}", put("@context", bad)
    yield "no type", drop("type")
    for bad in (4, "VerifiableCredential", [2, None], [], ["ExampleAlumniCredential"], [{}]):
        yield f"type {bad!r}", put("type", bad)
    yield "no issuer", drop("issuer")
    for bad in (None, True, 4, [], "not a url", {"name": "no id"}, {"id": "no url"}):
        yield f"issuer {bad!r}", put("issuer", bad)
    yield "no credentialSubject", drop("credentialSubject")
    for bad in (None, True, 4, [], "did:example:1234", [None, True], {}):
        yield f"credentialSubject {bad!r}", put("credentialSubject", bad)
    yield "id not a URL", put("id", "not a url")
    yield "two ids", put("id", ["urn:uuid:1", "urn:uuid:2"])
    yield "undefined term", lambda c: c.__setitem__("@context", [V2]) or c["credentialSubject"].__setitem__("x", 1)
    yield "undefined type", lambda c: c.__setitem__("@context", [V2]) or c.__setitem__("type", ["VerifiableCredential", "Nope"])
    yield "validFrom", put("validFrom", "yesterday")
    yield "validUntil without zone", put("validUntil", "2030-01-01T00:00:00")
    yield "credentialSchema without type", put("credentialSchema", {"id": "https://example.org/schema.json"})
    yield "credentialSchema without id", put("credentialSchema", {"type": "JsonSchema"})
    yield "evidence without type", put("evidence", [{"id": "https://example.org/e/1"}])
    yield "termsOfUse without type", put("termsOfUse", {"id": "https://example.org/t"})
    yield "refreshService without type", put("refreshService", {"id": "https://example.org/r"})
    yield "relatedResource not an object", put("relatedResource", "https://example.org/r")
    yield "relatedResource an empty list", put("relatedResource", [])
    yield "relatedResource without digest", put("relatedResource", [{"id": "https://example.org/r"}])
    yield "relatedResource duplicate", put("relatedResource", [{"id": "https://a.example", "digestSRI": "sha384-x"}] * 2)
    yield "status index not base 10", put("credentialStatus", {
        "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": 94567,
        "statusListCredential": "https://example.org/status/3"})
    yield "status index true (BSL suite)", put("statusEntry", {
        "type": "BitstringStatusListEntry", "statusListIndex": True, "statusListCredential": "https://example.com"})
    yield "status entry nested in the subject", lambda c: c["credentialSubject"].__setitem__("status", {
        "type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "01",
        "statusListCredential": "https://example.org/status/3"})
    yield "protected term redefined", put("@context", [V2, {"issuer": "https://example.org/my-issuer"}])
    yield "already signed", put("proof", {"type": "DataIntegrityProof"})


@pytest.mark.parametrize("label,mutate", list(_mutations()), ids=[m[0] for m in _mutations()])
def test_malformed_credentials_are_refused_with_a_problem(client, sponsor, label, mutate):
    credential = unsigned(sponsor.did)
    mutate(credential)
    response = issue(client, sponsor, credential)
    assert response.status_code in (400, 422), (label, response.get_json())
    assert response.mimetype == "application/problem+json" and response.get_json()["detail"]


@pytest.mark.parametrize("body", [{}, {"verifiableCredential": {"credential": {}}}, {"credential": "x"},
                                  {"credential": {}, "options": []}])
def test_malformed_issue_requests(client, sponsor, body):
    response = client.post("/credentials/issue", json=body, headers=sponsor.auth)
    assert response.status_code == 400 and response.mimetype == "application/problem+json"


@pytest.fixture
def issued_vc(client, sponsor):
    return issue(client, sponsor, unsigned(sponsor.did)).get_json()["verifiableCredential"]


def _verify(client, vc):
    return client.post("/credentials/verify", json={"verifiableCredential": vc, "options": {"checks": ["proof"]}})


@pytest.mark.parametrize("label,mutate", [
    ("no proof", lambda c: c.pop("proof")),
    ("proof not an object", lambda c: c.__setitem__("proof", "z123")),
    ("proof an empty list", lambda c: c.__setitem__("proof", [])),
    ("no proof type", lambda c: c["proof"].pop("type")),
    ("no verificationMethod", lambda c: c["proof"].pop("verificationMethod")),
    ("no proofPurpose", lambda c: c["proof"].pop("proofPurpose")),
    ("no proofValue", lambda c: c["proof"].pop("proofValue")),
    ("other proof type", lambda c: c["proof"].__setitem__("type", "Ed25519Signature2018")),
    ("unknown cryptosuite", lambda c: c["proof"].__setitem__("cryptosuite", "eddsa-2099")),
    ("proofValue not base58btc", lambda c: c["proof"].__setitem__("proofValue", "u" + c["proof"]["proofValue"][1:])),
    ("proofPurpose authentication", lambda c: c["proof"].__setitem__("proofPurpose", "authentication")),
    ("changed subject", lambda c: c["credentialSubject"].__setitem__("alumniOf", "Another School")),
    ("previousProof missing", lambda c: c["proof"].__setitem__("previousProof", "urn:uuid:nope")),
    ("relative id", lambda c: c["credentialSubject"].__setitem__("id", "abcdefgh")),
    ("no @context", lambda c: c.pop("@context")),
    ("no type", lambda c: c.pop("type")),
    ("no issuer", lambda c: c.pop("issuer")),
    ("no credentialSubject", lambda c: c.pop("credentialSubject")),
    ("issuer a number", lambda c: c.__setitem__("issuer", 10)),
])
def test_verify_refuses_with_the_result(client, issued_vc, label, mutate):
    vc = copy.deepcopy(issued_vc)
    mutate(vc)
    response = _verify(client, vc)
    assert response.status_code == 400, (label, response.get_json())
    body = response.get_json()
    assert body["verified"] is False and body["errors"] and body["problemDetails"]


def test_verify_request_shape(client):
    assert client.post("/credentials/verify", json={"options": {}}).status_code == 400
    assert client.post("/credentials/verify", json={"verifiableCredential": {}, "options": 4}).status_code == 400


def _vp(holder_key, credentials, *, challenge=None, domain=None, holder=True, sign=True):
    presentation = {"@context": [V2], "type": ["VerifiablePresentation"], "verifiableCredential": credentials}
    if holder:
        presentation["holder"] = did_key_for(holder_key.public())
    if not sign:
        return presentation
    return data_integrity.sign(presentation, holder_key, verification_method=did_key_vm(holder_key.public()),
                               proof_purpose="authentication", challenge=challenge, domain=domain)


def test_presentations_signed_and_unsigned(client, issued_vc):
    key = Ed25519PrivateKey.generate()
    vp = _vp(key, [issued_vc], challenge="c-123", domain="employer.example")
    response = client.post("/presentations/verify", json={"verifiablePresentation": vp,
                                                          "options": {"challenge": "c-123", "domain": "employer.example"}})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["verified"] and body["credentialResults"][0]["verified"]
    wrong = client.post("/presentations/verify", json={"verifiablePresentation": vp, "options": {"challenge": "other"}})
    assert wrong.status_code == 400 and "challenge" in json.dumps(wrong.get_json())
    wrong = client.post("/presentations/verify", json={"verifiablePresentation": vp, "options": {"domain": "evil.example"}})
    assert wrong.status_code == 400
    unsigned_vp = _vp(key, [issued_vc], sign=False)
    assert client.post("/presentations/verify", json={"verifiablePresentation": unsigned_vp}).status_code == 200
    assert client.post("/presentations/verify", json={"verifiablePresentation": unsigned_vp,
                                                      "options": {"challenge": "c"}}).status_code == 400
    assertion = data_integrity.sign({k: v for k, v in vp.items() if k != "proof"}, key,
                                    verification_method=did_key_vm(key.public()), challenge="c-123")
    wrong = client.post("/presentations/verify", json={"verifiablePresentation": assertion})
    assert wrong.status_code == 400 and "authentication" in json.dumps(wrong.get_json())
    stranger = Ed25519PrivateKey.generate()
    impostor = _vp(stranger, [issued_vc], challenge="c")
    impostor = data_integrity.sign({**{k: v for k, v in impostor.items() if k != "proof"},
                                    "holder": did_key_for(key.public())}, stranger,
                                   verification_method=did_key_vm(stranger.public()), proof_purpose="authentication")
    wrong = client.post("/presentations/verify", json={"verifiablePresentation": impostor})
    assert wrong.status_code == 400 and "holder" in json.dumps(wrong.get_json())


@pytest.mark.parametrize("label,mutate", [
    ("no @context", lambda p: p.pop("@context")),
    ("misordered @context", lambda p: p.__setitem__("@context", [EXAMPLES, V2])),
    ("no type", lambda p: p.pop("type")),
    ("holder not a URL", lambda p: p.__setitem__("holder", "not a url")),
    ("credential lacking VerifiableCredential", lambda p: p["verifiableCredential"][0].__setitem__("type", ["X"])),
    ("tampered credential", lambda p: p["verifiableCredential"][0]["credentialSubject"].__setitem__("alumniOf", "X")),
])
def test_bad_presentations(client, issued_vc, label, mutate):
    vp = _vp(Ed25519PrivateKey.generate(), [copy.deepcopy(issued_vc)], sign=False)
    mutate(vp)
    response = client.post("/presentations/verify", json={"verifiablePresentation": vp})
    assert response.status_code == 400, (label, response.get_json())
    assert response.get_json()["verified"] is False


def test_status_update_as_the_bsl_suite_does(client, sponsor):
    vc = issue(client, sponsor, unsigned(sponsor.did), credentialStatus=STATUS).get_json()["verifiableCredential"]
    revocation = vc["credentialStatus"][0]
    body = {"credentialId": vc["id"], "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "suspension"}}
    response = client.post("/credentials/status", json=body, headers=sponsor.auth)
    assert response.status_code == 200 and response.get_json()["suspended"] is True
    assert client.post(vc["credentialStatus"][1]["statusListCredential"][len(BASE):] + "/publish", json={}).status_code == 204
    assert _verify(client, vc).status_code == 400
    body["status"] = False
    assert client.post("/credentials/status", json=body, headers=sponsor.auth).get_json()["suspended"] is False
    assert _verify(client, vc).status_code == 200
    revoke = {"credentialId": vc["id"], "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"},
              "status": True}
    assert client.post("/credentials/status", json=revoke, headers=sponsor.auth).status_code == 200
    assert client.post("/credentials/status", json=revoke, headers=sponsor.auth).status_code == 200    # idempotent
    document = client.get(revocation["statusListCredential"][len(BASE):]).get_json()
    bits = lists.decode(document["credentialSubject"]["encodedList"])
    assert lists.read_value(bits, int(revocation["statusListIndex"])) == 1
    result = _verify(client, vc)
    assert result.status_code == 400 and "revoked" in json.dumps(result.get_json())
    assert client.post("/credentials/status", json={**revoke, "status": False}, headers=sponsor.auth).status_code == 409


def test_a_did_key_issuers_list_is_its_own_and_outlives_rotation(client, services, sponsor):
    issuer = _did_key(client, sponsor)
    vc = issue(client, sponsor, unsigned(issuer), credentialStatus=STATUS).get_json()["verifiableCredential"]
    sponsors = issue(client, sponsor, unsigned(sponsor.did), credentialStatus=STATUS).get_json()["verifiableCredential"]
    entry = vc["credentialStatus"][0]
    assert entry["statusListCredential"] != sponsors["credentialStatus"][0]["statusListCredential"]
    document = client.get(entry["statusListCredential"][len(BASE):]).get_json()
    assert document["issuer"] == issuer and document["proof"]["verificationMethod"].startswith(issuer + "#")
    from issuer.db import session_scope
    with session_scope(services.sessions) as session:
        services.keys.rotate(session, _sponsor_row(session, sponsor))
    # A revocation after rotation re-signs the list with the key that the did:key names.
    revoke = {"credentialId": vc["id"], "status": True,
              "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}}
    assert client.post("/credentials/status", json=revoke, headers=sponsor.auth).status_code == 200
    document = client.get(entry["statusListCredential"][len(BASE):]).get_json()
    assert document["issuer"] == issuer
    assert lists.read_value(lists.decode(document["credentialSubject"]["encodedList"]), int(entry["statusListIndex"])) == 1
    result = _verify(client, vc)
    status = next(c for c in result.get_json()["checks"] if c["name"] == "status")
    assert result.status_code == 400 and status["message"].startswith("revoked"), status


def test_status_update_refusals(client, services, sponsor):
    vc = issue(client, sponsor, unsigned(sponsor.did), credentialStatus=STATUS).get_json()["verifiableCredential"]
    good = {"credentialId": vc["id"], "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation"}}
    assert client.post("/credentials/status", json=good).status_code == 401
    assert client.post("/credentials/status", json=good, headers=new_sponsor(services).auth).status_code == 404
    for bad in ({**good, "credentialStatus": {"type": "Nope", "statusPurpose": "revocation"}},
                {**good, "credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "refresh"}},
                {**good, "status": "yes"}, {"credentialId": vc["id"]}):
        assert client.post("/credentials/status", json=bad, headers=sponsor.auth).status_code == 400
    by_slot = {"credentialStatus": {**{k: vc["credentialStatus"][1][k] for k in ("statusListCredential", "statusListIndex")},
                                    "type": "BitstringStatusListEntry", "statusPurpose": "suspension"}}
    assert client.post("/credentials/status", json=by_slot, headers=sponsor.auth).get_json()["suspended"] is True


def test_status_update_of_an_open_badge_by_its_urn(client, services):
    issued = issue_one(client, services)
    body = {"credentialId": issued.document["id"],
            "credentialStatus": [{"type": "BitstringStatusListEntry", "statusPurpose": "suspension", "status": True}]}
    refused = client.post("/credentials/status", json=body, headers=issued.auth)
    assert refused.status_code == 409 and "revoked but not suspended" in refused.get_json()["detail"]
    body["credentialStatus"][0]["statusPurpose"] = "revocation"
    assert client.post("/credentials/status", json=body, headers=issued.auth).status_code == 200
    result = _verify(client, issued.document)
    status = next(c for c in result.get_json()["checks"] if c["name"] == "status")
    assert result.status_code == 400 and status["message"].startswith("revoked")


def test_an_open_badge_issued_here_gets_the_single_schema_valid_entry(client, sponsor):
    from issuer.credentials.schema import schema_errors
    from factories import open_badge
    credential = open_badge(sponsor.did)
    assert "credentialStatus" not in issue(client, sponsor, credential).get_json()["verifiableCredential"]
    suspension = issue(client, sponsor, credential, credentialStatus={**STATUS, "statusPurpose": "suspension"})
    assert suspension.status_code == 400 and "only a revocation entry" in suspension.get_json()["detail"]
    response = issue(client, sponsor, credential, credentialStatus=STATUS)
    assert response.status_code == 201, response.get_json()
    vc = response.get_json()["verifiableCredential"]
    assert isinstance(vc["credentialStatus"], dict) and vc["credentialStatus"]["statusPurpose"] == "revocation"
    assert schema_errors(vc) == []
    verified = _verify(client, vc)
    assert verified.status_code == 200, verified.get_json()
    own = {"type": "BitstringStatusListEntry", "statusPurpose": "revocation", "statusListIndex": "7",
           "statusListCredential": "https://example.org/status/1"}
    refused = issue(client, sponsor, {**credential, "credentialStatus": own}, credentialStatus=STATUS)
    assert refused.status_code == 400 and "one credentialStatus" in refused.get_json()["detail"]


def test_openapi_document(client):
    document = client.get("/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    for path in ("/credentials/issue", "/credentials/verify", "/presentations/verify", "/credentials/status",
                 "/status/{listId}/{purpose}", "/verify"):
        assert path in document["paths"]


def test_get_credential_by_id_for_its_sponsor_only(client, services, sponsor):
    credential = unsigned(sponsor.did)
    vc = issue(client, sponsor, credential).get_json()["verifiableCredential"]
    short_id = credential["id"][len("urn:uuid:"):]
    json_accept = {"Accept": "application/json"}
    assert client.get(f"/credentials/{short_id}", headers=json_accept).status_code == 404
    bad_key = {**json_accept, "Authorization": "Bearer ler_wrong"}
    assert client.get(f"/credentials/{short_id}", headers=bad_key).status_code == 401
    other = new_sponsor(services)
    assert client.get(f"/credentials/{short_id}", headers={**json_accept, **other.auth}).status_code == 404
    response = client.get(f"/credentials/{short_id}", headers={**json_accept, **sponsor.auth})
    assert response.status_code == 200 and response.get_json() == vc
