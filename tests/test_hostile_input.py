"""Hostile input gets a 4xx and a clear problem (or a verification result naming the refusal),
never a 500: oversized bodies, deeply nested JSON, a context URL at a private address, a did:web
at 127.0.0.1, a JWT with alg none, a PNG with a broken chunk, garbage of every kind."""

from __future__ import annotations

import base64
import io
import json
import uuid

import pytest

from issuer.app import create_app
from issuer.composition import build_services
from issuer.config import Config
from issuer.delivery.baking import bake_png
from issuer.proofs import data_integrity
from issuer.proofs.keyfamilies.ed25519 import Ed25519PrivateKey
from issuer.verify import verify_credential
from issuer.verify.resolution import VerifierResolver

from test_verifier_formats import _png
from verify_support import issue_one, new_sponsor

V2 = "https://www.w3.org/ns/credentials/v2"
ENDPOINTS = ("/credentials/verify", "/presentations/verify", "/credentials/issue", "/credentials/status")


@pytest.fixture
def auth(services):
    return new_sponsor(services).auth


def _nested(depth: int):
    value = {"leaf": 1}
    for _ in range(depth):
        value = {"a": value}
    return value


@pytest.mark.parametrize("path", ENDPOINTS)
def test_oversized_bodies_are_413(client, config, auth, path):
    body = b'{"verifiableCredential": "' + b"x" * (config.max_body_bytes + 10) + b'"}'
    response = client.post(path, data=body, content_type="application/json", headers=auth)
    assert response.status_code == 413 and response.mimetype == "application/problem+json"


def test_oversized_upload_on_the_page(client, config):
    response = client.post("/verify", data={"file": (io.BytesIO(b"x" * (config.max_body_bytes + 10)), "big.json")},
                           content_type="multipart/form-data")
    assert response.status_code == 413 and "too large" in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ENDPOINTS)
@pytest.mark.parametrize("body", [
    b"[" * 100_000 + b"]" * 100_000,                                    # past the parser's recursion limit
    json.dumps({"verifiableCredential": _nested(500), "credential": _nested(500)}).encode(),
    b"{not json", b"\xff\xfe\x00garbage", b"", b"null", b"[1, 2]", b'"a string"',
])
def test_malformed_or_deep_json_is_400(client, auth, path, body):
    response = client.post(path, data=body, content_type="application/json", headers=auth)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert response.mimetype == "application/problem+json" and response.get_json()["detail"]


def test_deep_json_inside_a_credential_is_refused_by_the_function():
    result = verify_credential({"@context": [V2], "credentialSubject": _nested(200)}, resolver=VerifierResolver())
    assert not result.readable and "nested" in result.check("parse").message
    result = verify_credential('{"a":' * 5000 + "1" + "}" * 5000, resolver=VerifierResolver())
    assert not result.readable


def test_context_at_a_private_address(client, auth, services):
    sponsor_did = new_sponsor(services)
    credential = {"@context": [V2, "https://10.0.0.1/context.jsonld"], "type": ["VerifiableCredential"],
                  "issuer": sponsor_did.did, "credentialSubject": {"id": "did:example:x"}}
    issued = client.post("/credentials/issue", json={"credential": credential}, headers=sponsor_did.auth)
    assert issued.status_code == 400 and "unknown context" in issued.get_json()["detail"]
    verified = client.post("/credentials/verify", json={"verifiableCredential": {**credential, "proof": {}}})
    assert verified.status_code == 400
    contexts = next(c for c in verified.get_json()["checks"] if c["name"] == "contexts")
    assert contexts["outcome"] == "fail" and "no context is ever fetched" in contexts["message"]


def test_did_web_pointing_at_loopback(tmp_path, env):
    config = Config.from_env(testing=True, fetch_allowlist=("127.0.0.1", "localhost"))
    services = build_services(config)
    client = create_app(config, services).test_client()
    key = Ed25519PrivateKey.generate()
    for did in ("did:web:127.0.0.1", "did:web:localhost%3A8000"):
        credential = data_integrity.sign({"@context": [V2], "type": ["VerifiableCredential"], "issuer": did,
                                          "credentialSubject": {"id": "did:example:x"}}, key,
                                         verification_method=f"{did}#key-1")
        response = client.post("/credentials/verify", json={"verifiableCredential": credential})
        assert response.status_code == 400
        proof = next(c for c in response.get_json()["checks"] if c["name"] == "proof")
        assert proof["outcome"] == "fail" and "private or local address" in proof["message"], proof
    services.engine.dispose()


def _b64(obj) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def test_jwt_alg_none(client, services):
    issued = issue_one(client, services)
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64({k: v for k, v in issued.document.items() if k != 'proof'})}."
    enveloped = {"@context": [V2], "type": "EnvelopedVerifiableCredential", "id": f"data:application/vc+jwt,{token}"}
    response = client.post("/credentials/verify", json={"verifiableCredential": enveloped})
    assert response.status_code == 400 and "'none' is not accepted" in json.dumps(response.get_json())
    page = client.post("/verify", data={"credential": token}, content_type="multipart/form-data")
    assert page.status_code == 422 and "none" in page.get_data(as_text=True)


def test_png_with_a_broken_chunk(client, services):
    issued = issue_one(client, services)
    baked = bytearray(bake_png(_png(), issued.document))
    baked[len(baked) // 2] ^= 0x55
    response = client.post("/verify", data={"file": (io.BytesIO(bytes(baked)), "badge.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422 and "CRC" in response.get_data(as_text=True)
    truncated = bytes(baked[: len(baked) // 3])
    response = client.post("/verify", data={"file": (io.BytesIO(truncated), "badge.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422


@pytest.mark.parametrize("value", ["", "x" * 5000, "a.b.c", "e30.e30.", "{}", "[]", "🙂", "<svg", "<svg><x>",
                                   "\x89PNG\r\n\x1a\n", {"@context": "x"}, {"@context": [V2, None]},
                                   {"@context": [V2], "type": [None], "issuer": {"id": []}, "credentialSubject": "x",
                                    "proof": [1, {"type": 4}]},
                                   {"@context": [V2], "credentialStatus": [{"type": "BitstringStatusListEntry",
                                                                            "statusListIndex": "-1"}]}])
def test_garbage_never_breaks_the_verifier(client, value):
    response = client.post("/credentials/verify", json={"verifiableCredential": value})
    # Not an object: a parsing error (problem+json), never verified; an object: a failed result.
    assert response.status_code == 400 and response.get_json().get("verified") is False or not isinstance(value, dict)
    page = client.post("/verify", data={"credential": value if isinstance(value, str) else json.dumps(value)},
                       content_type="multipart/form-data")
    assert page.status_code in (200, 400, 422)


def test_status_entry_pointing_at_our_own_unknown_list(client, services):
    sponsor = new_sponsor(services)
    vc = client.post("/credentials/issue", headers=sponsor.auth, json={"credential": {
        "@context": [V2], "id": f"urn:uuid:{uuid.uuid4()}", "type": ["VerifiableCredential"], "issuer": sponsor.did,
        "credentialSubject": {"id": "did:example:x"}}, "options": {"credentialStatus": {
            "type": "BitstringStatusListEntry"}}}).get_json()["verifiableCredential"]
    forged = json.loads(json.dumps(vc).replace("/status/", "/status/99999"))
    response = client.post("/credentials/verify", json={"verifiableCredential": forged})
    assert response.status_code == 400


def test_numbers_too_large_for_our_columns(client, services):
    sponsor = new_sponsor(services)
    assert client.get("/status/99999999999999999999999/revocation").status_code == 404
    assert client.post("/status/99999999999999999999999/revocation/publish", json={}).status_code == 404
    vc = client.post("/credentials/issue", headers=sponsor.auth, json={"credential": {
        "@context": [V2], "id": f"urn:uuid:{uuid.uuid4()}", "type": ["VerifiableCredential"], "issuer": sponsor.did,
        "credentialSubject": {"id": "did:example:x"}}, "options": {"credentialStatus": {
            "type": "BitstringStatusListEntry"}}}).get_json()["verifiableCredential"]
    huge = json.loads(json.dumps(vc).replace("/status/", "/status/99999999999999999999"))
    assert client.post("/credentials/verify", json={"verifiableCredential": huge}).status_code == 400
    body = {"credentialStatus": {"type": "BitstringStatusListEntry", "statusPurpose": "revocation",
                                 "statusListCredential": "https://issuer.example/status/99999999999999999999/revocation",
                                 "statusListIndex": "99999999999999999999999"}}
    assert client.post("/credentials/status", json=body, headers=sponsor.auth).status_code == 404
    long_id = {"@context": [V2], "id": "urn:x:" + "a" * 600, "type": ["VerifiableCredential"], "issuer": sponsor.did,
               "credentialSubject": {"id": "did:example:x"}}
    assert client.post("/credentials/issue", headers=sponsor.auth, json={"credential": long_id}).status_code == 400


def test_a_poison_graph_is_refused_quickly(client):
    """Many blank nodes told apart only by their neighbours: RDFC-1.0's factorial case."""
    import time
    ring = [{"@id": f"_:b{i}", "https://example.org/next": {"@id": f"_:b{(i + 1) % 40}"}} for i in range(40)]
    ring += [{"@id": f"_:c{i}", "https://example.org/next": {"@id": f"_:c{(i + 1) % 40}"}} for i in range(40)]
    credential = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
                  "issuer": "did:example:x", "credentialSubject": {"id": "did:example:y"}, "@graph": ring}
    started = time.monotonic()
    from issuer.errors import JsonLdError
    from issuer.proofs import ld
    with pytest.raises(JsonLdError):
        ld.canonize({"@context": {"@vocab": "https://example.org/"}, "@graph": ring}, ld.default_loader(), safe=False)
    assert time.monotonic() - started < 20
    response = client.post("/credentials/verify", json={"verifiableCredential": {**credential, "proof": {
        "type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "proofPurpose": "assertionMethod",
        "verificationMethod": "did:key:z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2#z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
        "proofValue": "z" + "1" * 86}}})
    assert 400 <= response.status_code < 500


def _ob(subject: dict, contexts=None) -> dict:
    return {"@context": contexts or [V2, "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
            "type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": "did:example:x",
            "validFrom": "2024-01-01T00:00:00Z", "credentialSubject": subject}


@pytest.mark.parametrize("document,why", [
    (_ob({"id": "did:example:y"}, [V2, {"@vocab": "https://example.org/", "x": "https://example.org/x"}]),
     "@context objects are not accepted"),
    (_ob({"id": "did:example:y"}, [V2, {"@vocab": "javascript:alert(1)"}]), "@context objects are not accepted"),
    (_ob({"id": "did:example:y", "knows": {"@context": {"x": "https://example.org/x"}, "x": 1}}),
     "@context objects are not accepted"),
    (_ob({"id": "_:b0"}), "blank node identifiers"),
    (_ob({"id": "did:example:y", "alignment": [{"targetName": str(i)} for i in range(101)]}), "at most 100"),
    (_ob([{"name": f"S{i}", "achievement": {"name": f"A{i}", "alignment": [{"targetName": f"{i}-{j}"}
                                                                          for j in range(90)]}} for i in range(10)]),
     "more than 800 JSON objects"),
    (_ob({"id": "did:example:y", "alignment": [{"targetName": "same", "x": {"n": i}} for i in range(5)]}),
     "more than 4 'alignment' objects are alike"),
])
def test_what_no_credential_needs_is_refused_before_processing(client, document, why):
    """(A top-level `{"@vocab": IRI}` alone is accepted: tests/test_verifier_gaps.py verifies the
    W3C ecdsa-sd-2023 vectors, which carry one; the budgets bound what it lets through.)"""
    response = client.post("/credentials/verify", json={"verifiableCredential": document})
    assert response.status_code == 400
    parse = next(c for c in response.get_json()["checks"] if c["name"] == "parse")
    assert parse["outcome"] == "fail" and why in parse["message"], parse


def test_a_presentation_holds_at_most_twenty_credentials(client, services):
    issued = issue_one(client, services)
    presentation = {"@context": [V2], "type": ["VerifiablePresentation"]}
    many = client.post("/presentations/verify", json={"verifiablePresentation": {
        **presentation, "verifiableCredential": [issued.document] * 21}})
    assert many.status_code == 400 and "at most 20" in json.dumps(many.get_json())
    # Twenty copies alike in every blank node would be a poison graph for a presentation's proof.
    assert "are alike" in json.dumps(client.post("/presentations/verify", json={"verifiablePresentation": {
        **presentation, "verifiableCredential": [issued.document] * 20}}).get_json())
    distinct = [{**issued.document, "id": f"urn:uuid:{uuid.uuid4()}"} for _ in range(20)]
    twenty = client.post("/presentations/verify", json={"verifiablePresentation": {
        **presentation, "verifiableCredential": distinct}})
    assert len(twenty.get_json()["credentialResults"]) == 20


def test_public_verification_is_rate_limited_per_client(env, monkeypatch):
    monkeypatch.setenv("LER_VERIFY_RATE", "3/minute")
    config = Config.from_env(testing=True)
    services = build_services(config)
    client = create_app(config, services).test_client()
    body = {"verifiableCredential": {"@context": [V2]}}
    assert [client.post("/credentials/verify", json=body).status_code for _ in range(3)] == [400] * 3
    refused = client.post("/presentations/verify", json={"verifiablePresentation": {"@context": [V2]}})
    assert refused.status_code == 429 and refused.headers["Retry-After"] == "60"
    assert refused.mimetype == "application/problem+json" and "3 per 1 minute" in refused.get_json()["detail"]
    other = client.post("/credentials/verify", json=body, environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 400
    services.engine.dispose()


def test_public_verifications_at_once_are_limited_per_client(app, monkeypatch):
    """One verification held open (its verifier blocks): the client's next one is refused at
    once with LER_VERIFY_CONCURRENCY=1, another client's is served, and after it ends the first
    client is served again."""
    import threading
    from issuer.verify.service import Verifier
    app.extensions["ler_throttle"].concurrency = 1
    entered, release = threading.Event(), threading.Event()
    real = Verifier.credential

    def held(self, data, **kwargs):
        if data == {"id": "hold"}:
            entered.set()
            release.wait(10)
        return real(self, data, **kwargs)

    monkeypatch.setattr(Verifier, "credential", held)
    first = threading.Thread(target=lambda: app.test_client().post(
        "/credentials/verify", json={"verifiableCredential": {"id": "hold"}}))
    first.start()
    assert entered.wait(10)
    body = {"verifiableCredential": {"id": "x"}}
    refused = app.test_client().post("/credentials/verify", json=body)
    assert refused.status_code == 429 and "at once" in refused.get_json()["detail"]
    assert app.test_client().post("/credentials/verify", json=body,
                                  environ_base={"REMOTE_ADDR": "192.0.2.8"}).status_code == 400
    release.set()
    first.join(10)
    assert app.test_client().post("/credentials/verify", json=body).status_code == 400


def test_issuing_keeps_the_verifiers_budget(client, services):
    """Signing canonicalizes as verifying does: a poison graph is refused before it, for sponsors too."""
    sponsor = new_sponsor(services)
    clique = [{"id": f"_:b{i}", "name": [f"_:b{j}" for j in range(30)]} for i in range(30)]
    for credential in ({"@context": [V2, {"x": {"@id": "https://example.org/x", "@context": {"@vocab": "https://example.org/"}}}], "type": ["VerifiableCredential"],
                        "issuer": sponsor.did, "credentialSubject": {"id": "did:example:y"}},
                       {"@context": [V2], "type": ["VerifiableCredential"], "issuer": sponsor.did,
                        "credentialSubject": clique}):
        response = client.post("/credentials/issue", headers=sponsor.auth, json={"credential": credential})
        assert response.status_code == 400
        assert "not accepted" in response.get_json()["detail"], response.get_json()


def test_an_alignment_naming_its_framework_with_an_object_is_a_warning(client, services):
    issued = issue_one(client, services)
    document = json.loads(json.dumps(issued.document))
    document["credentialSubject"]["achievement"]["alignment"] = [
        {"type": ["Alignment"], "targetName": "x", "targetUrl": "https://example.org/t", "targetFramework": {"n": 1}}]
    response = client.post("/credentials/verify", json={"verifiableCredential": document})
    assert response.status_code == 400 and response.get_json()["verified"] is False
