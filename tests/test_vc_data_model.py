"""Issue 11 point 3: VC data model behaviour the W3C and CCG suites test. relatedResource as one
object or a list; a digest of a resource we hold (our contexts) that does not match is an error
at issue and at verify; a verifiableCredential that is not a JSON object is a 400 parsing error."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from pathlib import Path

import base58
import pytest

from verify_support import new_sponsor, sign

V2, EXAMPLES = "https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"
# The bytes published at the VC 2.0 context URL, as the repository ships them.
V2_BYTES = (Path(__file__).resolve().parents[1] / "contexts" / "credentials-v2.jsonld").read_bytes()


def _sri(algorithm: str, data: bytes) -> str:
    return f"{algorithm}-" + base64.b64encode(hashlib.new(algorithm, data).digest()).decode()


def _multihash_b58(data: bytes) -> str:
    return "z" + base58.b58encode(bytes([0x12, 0x20]) + hashlib.sha256(data).digest()).decode()


def _multihash_b64(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(bytes([0x20, 0x30]) + hashlib.sha384(data).digest()).decode().rstrip("=")


@pytest.fixture
def sponsor(services):
    return new_sponsor(services)


def _credential(issuer: str, related) -> dict:
    return {"@context": [V2, EXAMPLES], "id": f"urn:uuid:{uuid.uuid4()}", "type": ["VerifiableCredential"],
            "issuer": issuer, "credentialSubject": {"id": "did:example:abc"}, "relatedResource": related}


def _issue(client, sponsor, credential):
    return client.post("/credentials/issue", json={"credential": credential, "options": {}}, headers=sponsor.auth)


@pytest.mark.parametrize("digest", [
    {"digestSRI": _sri("sha384", V2_BYTES)},
    {"digestSRI": f"sha256-AAAA {_sri('sha512', V2_BYTES)}"},        # one of several matching is enough
    {"digestMultibase": _multihash_b58(V2_BYTES)},
    {"digestMultibase": _multihash_b64(V2_BYTES)},
])
@pytest.mark.parametrize("shape", ["object", "list"])
def test_related_resource_one_object_or_a_list_with_a_matching_digest(client, sponsor, digest, shape):
    resource = {"id": V2, **digest}
    credential = _credential(sponsor.did, resource if shape == "object" else [resource])
    response = _issue(client, sponsor, credential)
    assert response.status_code == 201, response.get_json()
    vc = response.get_json()["verifiableCredential"]
    assert vc["relatedResource"] == credential["relatedResource"]
    verified = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert verified.status_code == 200, verified.get_json()


def test_a_resource_we_do_not_hold_is_not_fetched_or_judged(client, sponsor):
    credential = _credential(sponsor.did, {"id": "https://example.org/logo.png", "digestSRI": _sri("sha384", b"x")})
    assert _issue(client, sponsor, credential).status_code == 201


@pytest.mark.parametrize("digest", [
    {"digestSRI": _sri("sha384", V2_BYTES + b" ")},
    {"digestSRI": "sha384-not base64!"},
    {"digestMultibase": _multihash_b58(b"another document")},
    {"digestMultibase": "zzzz"},
    {"digestSRI": _sri("sha384", V2_BYTES), "digestMultibase": _multihash_b58(b"another document")},
])
def test_a_digest_that_does_not_match_a_resource_we_hold_is_an_error_at_issue(client, sponsor, digest):
    response = _issue(client, sponsor, _credential(sponsor.did, [{"id": V2, **digest}]))
    assert response.status_code == 400
    assert "does not match the resource" in response.get_json()["detail"] and V2 in response.get_json()["detail"]


def test_a_digest_that_does_not_match_is_an_error_at_verify(client, services, sponsor):
    # Signed by someone else's tooling (straight through the signer): the verifier must catch it.
    credential = _credential(sponsor.did, {"id": V2, "digestSRI": _sri("sha384", b"tampered context")})
    vc = sign(services, credential, loader=services.loader)
    response = client.post("/credentials/verify", json={"verifiableCredential": vc})
    assert response.status_code == 400
    structure = next(c for c in response.get_json()["checks"] if c["name"] == "structure")
    assert structure["outcome"] == "fail" and "digestSRI" in structure["message"]


@pytest.mark.parametrize("value", ["{}", json.dumps({"@context": [V2], "type": ["VerifiableCredential"]}),
                                   "eyJhbGciOiJFZERTQSJ9.e30.sig", 4, None, True, [{}]])
def test_a_verifiable_credential_that_is_not_an_object_is_a_parsing_error(client, value):
    response = client.post("/credentials/verify", json={"verifiableCredential": value})
    assert response.status_code == 400 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["field"] == "verifiableCredential" and "must be a JSON object" in body["detail"]
    assert "checks" not in body                                  # refused before anything is verified
