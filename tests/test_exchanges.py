"""VC-API exchange with DIDAuth, played as the Learner Credential Wallet plays it: follow the deep
link on the claim page, POST {} for the presentation request, answer with a presentation signed
by the holder's did:key (proofPurpose authentication, the request's challenge and domain), and
receive the credential bound to that DID."""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest

from issuer.proofs import data_integrity, ld, multibase
from issuer.proofs.did import did_key_for, did_key_vm
from issuer.proofs.keyfamilies.ed25519 import Ed25519PrivateKey
from issuer.proofs.ld import VC_V2
from issuer.verify import verify_credential


BASE = "https://issuer.example"


def _claim_page(client, issued) -> str:
    made = client.post(f"/api/v1/credentials/{issued.id}/offer", json={}, headers=issued.auth).get_json()
    page = client.post(made["claim_url"][len(BASE):])   # the page's "Show wallet codes" button
    assert page.status_code == 200
    return page.get_data(as_text=True)


def _exchange_url(html: str) -> str:
    link = unescape(re.search(r'href="([^"]+)" id="lcw-link"', html).group(1))
    parts = urlsplit(link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://lcw.app/request"
    request = json.loads(parse_qs(parts.query)["request"][0])
    assert request["credentialRequestOrigin"] == BASE
    return request["protocols"]["vcapi"]


def _presentation(key, holder: str, *, challenge: str, domain: str) -> dict:
    unsigned = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": holder}
    return data_integrity.sign(unsigned, key, verification_method=did_key_vm(key.public()),
                               proof_purpose="authentication", challenge=challenge, domain=domain)


def _lcw_presentation(key, holder: str, *, challenge: str, domain: str) -> dict:
    """As the Learner Credential Wallet signs DIDAuth: VCDM 1.1 and Ed25519Signature2020."""
    unsigned = {"@context": ["https://www.w3.org/2018/credentials/v1",
                             "https://w3id.org/security/suites/ed25519-2020/v1"],
                "type": ["VerifiablePresentation"], "holder": holder}
    proof = {"type": "Ed25519Signature2020", "created": "2026-11-22T12:00:00Z",
             "verificationMethod": did_key_vm(key.public()), "proofPurpose": "authentication",
             "challenge": challenge, "domain": domain}
    data = data_integrity.hash_data("eddsa-rdfc-2022", unsigned, {**proof, "@context": unsigned["@context"]},
                                    ld.default_loader())
    return {**unsigned, "proof": {**proof, "proofValue": multibase.encode_base58btc(key.sign(data))}}


def test_learner_credential_wallet_ed25519signature2020_didauth(client, issued, holder):
    key, did = holder
    url = _exchange_url(_claim_page(client, issued))
    vpr = client.post(url[len(BASE):], json={}).get_json()["verifiablePresentationRequest"]
    endpoint = vpr["interact"]["service"][0]["serviceEndpoint"][len(BASE):]
    wrong = _lcw_presentation(key, did, challenge="not-the-challenge", domain=vpr["domain"])
    assert client.post(endpoint, json={"verifiablePresentation": wrong}).status_code == 400
    presentation = _lcw_presentation(key, did, challenge=vpr["challenge"], domain=vpr["domain"])
    response = client.post(endpoint, json={"verifiablePresentation": presentation})
    assert response.status_code == 200, response.get_json()
    [credential] = response.get_json()["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == did


@pytest.fixture
def holder():
    key = Ed25519PrivateKey.generate()
    return key, did_key_for(key.public())


def test_full_exchange_binds_the_credential_to_the_holder(client, services, issued, holder):
    key, did = holder
    url = _exchange_url(_claim_page(client, issued))
    request = client.post(url[len(BASE):], json={})
    assert request.status_code == 200, request.get_json()
    vpr = request.get_json()["verifiablePresentationRequest"]
    assert vpr["query"][0]["type"] == "DIDAuthentication"
    assert vpr["domain"] == BASE and vpr["challenge"]
    endpoint = vpr["interact"]["service"][0]["serviceEndpoint"]

    presentation = _presentation(key, did, challenge=vpr["challenge"], domain=vpr["domain"])
    response = client.post(endpoint[len(BASE):], json={"verifiablePresentation": presentation})
    assert response.status_code == 200, response.get_json()
    [credential] = response.get_json()["verifiablePresentation"]["verifiableCredential"]
    assert credential["credentialSubject"]["id"] == did
    assert credential["id"] == issued.document["id"]
    result = verify_credential(credential, resolver=services.identity.resolver(), recipient=did)
    assert result.verified, result.to_json()

    # Single use: the same presentation again is refused.
    again = client.post(endpoint[len(BASE):], json={"verifiablePresentation": presentation})
    assert again.status_code == 409


def test_wrong_challenge_domain_or_holder_is_refused(client, issued, holder):
    key, did = holder
    url = _exchange_url(_claim_page(client, issued))[len(BASE):]
    vpr = client.post(url, json={}).get_json()["verifiablePresentationRequest"]

    wrong_challenge = _presentation(key, did, challenge="not-the-challenge", domain=vpr["domain"])
    response = client.post(url, json={"verifiablePresentation": wrong_challenge})
    assert response.status_code == 400 and "challenge" in response.get_json()["detail"]

    wrong_domain = _presentation(key, did, challenge=vpr["challenge"], domain="https://elsewhere.example")
    response = client.post(url, json={"verifiablePresentation": wrong_domain})
    assert response.status_code == 400 and "domain" in response.get_json()["detail"]

    other = Ed25519PrivateKey.generate()
    claims_someone_else = _presentation(key, did_key_for(other.public()), challenge=vpr["challenge"],
                                        domain=vpr["domain"])
    response = client.post(url, json={"verifiablePresentation": claims_someone_else})
    assert response.status_code == 400 and "holder" in response.get_json()["detail"]

    tampered = _presentation(key, did, challenge=vpr["challenge"], domain=vpr["domain"])
    tampered["holder"] = did_key_for(other.public())
    assert client.post(url, json={"verifiablePresentation": tampered}).status_code == 400

    assertion = data_integrity.sign({"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": did}, key,
                                    verification_method=did_key_vm(key.public()), challenge=vpr["challenge"],
                                    domain=vpr["domain"])  # proofPurpose assertionMethod, not authentication
    assert client.post(url, json={"verifiablePresentation": assertion}).status_code == 400

    # After all those refusals the exchange is still open for the real holder.
    good = _presentation(key, did, challenge=vpr["challenge"], domain=vpr["domain"])
    assert client.post(url, json={"verifiablePresentation": good}).status_code == 200


def test_unknown_exchange_and_bad_bodies(client, issued):
    assert client.post("/workflows/claim/exchanges/nope", json={}).status_code == 404
    url = _exchange_url(_claim_page(client, issued))[len(BASE):]
    assert client.post(url, data="[1]", content_type="application/json").status_code == 400
    deep = "[" * 50_000 + "]" * 50_000
    assert client.post(url, data=deep, content_type="application/json").status_code == 400
    response = client.post(url, json={"verifiablePresentation": "a string"})
    assert response.status_code == 400
    assert client.post(url).status_code == 200  # an empty POST starts the exchange, as LCW sends it


def test_an_over_budget_presentation_is_refused_before_its_proof_is_checked(client, issued, holder):
    """The public verifier's budget (issuer.verify.budget) holds at the exchange too: what it refuses
    is a 400 problem naming verifiablePresentation, answered without canonicalizing anything."""
    key, did = holder
    url = _exchange_url(_claim_page(client, issued))[len(BASE):]
    vpr = client.post(url, json={}).get_json()["verifiablePresentationRequest"]
    good = _presentation(key, did, challenge=vpr["challenge"], domain=vpr["domain"])

    too_many = {**good, "verifiableCredential": [issued.document] * 21}
    inline_context = {**good, "@context": [VC_V2, {"ex": "https://example.org/#", "@protected": True}]}
    blank_nodes = {**good, "holder": {"id": did, "knows": [{"@id": "_:b0"}, {"@id": "_:b1"}]}}
    long_array = {**good, "type": ["VerifiablePresentation"] * 101}
    deep = {**good}
    node = deep
    for _ in range(64):  # 65 levels: past the verifier's 64, within the edge's limit for a whole body
        node["nested"] = {}
        node = node["nested"]
    for presentation, reason in ((too_many, "at most 20"), (inline_context, "@context objects"),
                                 (blank_nodes, "blank node identifiers"), (long_array, "at most 100"),
                                 (deep, "nested more than")):
        response = client.post(url, json={"verifiablePresentation": presentation})
        assert response.status_code == 400, response.get_json()
        assert response.mimetype == "application/problem+json"
        body = response.get_json()
        assert body["field"] == "verifiablePresentation" and reason in body["detail"], body

    # Refusals spend nothing: the holder's own presentation is still taken.
    assert client.post(url, json={"verifiablePresentation": good}).status_code == 200
