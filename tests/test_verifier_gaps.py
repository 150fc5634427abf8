"""Issue 11 point 4: what credentials signed by other issuers need of the verifier. The legacy
suite name eddsa-2022 (a warning), a verification method embedded in assertionMethod, the OB
context version VCDM 2.0 requires, status judged offline from supplied lists, and a stored
credential named by its urn:uuid id."""

from __future__ import annotations

import copy
import json
import uuid
from pathlib import Path

import pytest

from issuer.proofs import data_integrity, ld, multibase
from issuer.proofs.did import Resolver, did_key_for, did_key_vm
from issuer.proofs.keyfamilies.ed25519 import Ed25519PrivateKey
from issuer.status import lists
from issuer.verify import verify_credential
from issuer.verify.resolution import VerifierResolver

from verify_support import issue_one

V2, EXAMPLES = "https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"


def _credential(issuer: str, **extra) -> dict:
    return {"@context": [V2, EXAMPLES], "id": f"urn:uuid:{uuid.uuid4()}", "type": ["VerifiableCredential"],
            "issuer": issuer, "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:holder", "skill": "Soldering"}, **extra}


def _sign_as(document: dict, key, vm: str, suite_name: str) -> dict:
    """A proof as another issuer's library makes it, under `suite_name` (the draft name included):
    the eddsa-rdfc-2022 algorithm over a proof configuration that carries that name."""
    proof = {"type": "DataIntegrityProof", "cryptosuite": suite_name, "created": "2023-06-18T21:19:10Z",
             "verificationMethod": vm, "proofPurpose": "assertionMethod"}
    data = data_integrity.hash_data("eddsa-rdfc-2022", document, {**proof, "@context": document["@context"]},
                                    ld.default_loader())
    return {**document, "proof": {**proof, "proofValue": multibase.encode_base58btc(key.sign(data))}}


def test_the_draft_suite_name_eddsa_2022_verifies_with_a_warning():
    key = Ed25519PrivateKey.generate()
    did = did_key_for(key.public())
    signed = _sign_as(_credential(did), key, did_key_vm(key.public()), "eddsa-2022")
    result = verify_credential(signed, resolver=VerifierResolver())
    assert result.verified, result.to_json()
    assert result.check("proof").outcome == "pass" and "eddsa-2022" in result.check("proof").message
    warning = result.check("cryptosuite")
    assert warning.outcome == "warning" and "draft name of eddsa-rdfc-2022" in warning.message
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["skill"] = "Welding"
    assert verify_credential(tampered, resolver=VerifierResolver()).check("proof").outcome == "fail"
    # An unknown name is still refused, and the final name gets no warning.
    assert not verify_credential(_sign_as(_credential(did), key, did_key_vm(key.public()), "eddsa-2021"),
                                 resolver=VerifierResolver()).verified
    final = verify_credential(_sign_as(_credential(did), key, did_key_vm(key.public()), "eddsa-rdfc-2022"),
                              resolver=VerifierResolver())
    assert final.verified and final.check("cryptosuite") is None


def _did_document(did: str, key, where: str) -> dict:
    method = {"id": f"{did}#key-1", "type": "Multikey", "controller": did,
              "publicKeyMultibase": did_key_for(key.public())[len("did:key:"):]}
    document = {"@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"], "id": did}
    if where == "listed":
        document.update(verificationMethod=[method], assertionMethod=["#key-1"])
    else:
        document[where] = [method]                      # embedded, as DID Core 5.3 allows
    return document


def test_a_verification_method_embedded_in_assertion_method_resolves():
    key = Ed25519PrivateKey.generate()
    did = "did:web:college.example"
    signed = data_integrity.sign(_credential(did), key, verification_method=f"{did}#key-1")
    for where, verified in (("listed", True), ("assertionMethod", True), ("authentication", False)):
        result = verify_credential(signed, resolver=Resolver({did: _did_document(did, key, where)}))
        assert result.verified is verified, (where, result.to_json())
    refused = verify_credential(signed, resolver=Resolver({did: _did_document(did, key, "authentication")}))
    assert "not authorised for assertionMethod" in refused.check("proof").message


def test_an_open_badge_on_vcdm_2_needs_the_3_0_3_context(services):
    checked = 0
    for older in ("https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
                  "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json"):
        credential = {"@context": [V2, older], "id": f"urn:uuid:{uuid.uuid4()}",
                      "type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": {"id": "did:example:x",
                                                                                          "type": ["Profile"]},
                      "validFrom": "2024-01-01T00:00:00Z", "credentialSubject": {"type": ["AchievementSubject"]}}
        if older not in services.loader.store:
            continue
        check = verify_credential(credential, resolver=VerifierResolver(), loader=services.loader).check("contexts")
        assert check.outcome == "fail" and "context-3.0.3.json" in check.message and "VCDM 1.1" in check.message
        checked += 1
    assert checked
    # The same badge on VCDM 1.1 with the 3.0.2 context is fine as far as contexts go.
    v1 = {**credential, "@context": ["https://www.w3.org/2018/credentials/v1", older]}
    assert verify_credential(v1, resolver=VerifierResolver(), loader=services.loader).check("contexts").outcome == "pass"


def _remote(status_bits: dict[int, int]):
    """Another issuer's credential and its signed revocation list, as files a verifier is handed."""
    key = Ed25519PrivateKey.generate()
    did = did_key_for(key.public())
    url = "https://status.college.example/lists/7"
    status_list = lists.list_credential("https://status.college.example", did, 7, "revocation",
                                        lists.encode(status_bits), "2024-01-01T00:00:00Z")
    status_list["id"] = url
    status_list = data_integrity.sign(status_list, key, verification_method=did_key_vm(key.public()))
    credential = _credential(did, credentialStatus={
        "id": f"{url}#5", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
        "statusListIndex": "5", "statusListCredential": url})
    return data_integrity.sign(credential, key, verification_method=did_key_vm(key.public())), status_list


def _files(tmp_path, **documents):
    paths = {}
    for name, document in documents.items():
        paths[name] = tmp_path / f"{name}.json"
        paths[name].write_text(json.dumps(document))
    return paths


def test_ler_verify_judges_status_offline_from_supplied_lists(cli, tmp_path):
    credential, valid_list = _remote({})
    _, revoked_list = _remote({5: 1})
    revoked_list["id"] = valid_list["id"]                       # (re-signed below: same URL, other key)
    paths = _files(tmp_path, credential=credential, valid=valid_list)

    unchecked = cli("verify", paths["credential"], "--json")
    assert unchecked.exit_code == 0 and json.loads(unchecked.output)["checks"]
    status = {c["name"]: c for c in json.loads(unchecked.output)["checks"]}["status"]
    assert status["outcome"] == "warning"
    required = cli("verify", paths["credential"], "--require-status", "--json")
    assert required.exit_code == 1
    assert "could not be" in {c["name"]: c for c in json.loads(required.output)["checks"]}["status"]["message"]

    supplied = cli("verify", paths["credential"], "--status-list", paths["valid"], "--require-status", "--json")
    assert supplied.exit_code == 0, supplied.output
    assert {c["name"]: c for c in json.loads(supplied.output)["checks"]}["status"]["outcome"] == "pass"

    # The same issuer's list with bit 5 set: revoked. A list by another key is not believed.
    key_list = copy.deepcopy(valid_list)
    key_list.pop("proof")
    key_list["credentialSubject"]["encodedList"] = lists.encode({5: 1})
    forged = _files(tmp_path, forged=data_integrity.sign(key_list, Ed25519PrivateKey.generate(),
                                                         verification_method=valid_list["proof"]["verificationMethod"]))
    result = cli("verify", paths["credential"], "--status-list", forged["forged"], "--json")
    assert result.exit_code == 1 and "STATUS_VERIFICATION_ERROR" in result.output
    other = _files(tmp_path, other=revoked_list)
    result = cli("verify", paths["credential"], "--status-list", other["other"], "--json")
    assert result.exit_code == 1

    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    refused = cli("verify", paths["credential"], "--status-list", bad)
    assert refused.exit_code == 2 and "status list credential" in refused.output
    assert cli("verify", paths["credential"], "--status-list", tmp_path / "missing.json").exit_code == 2


def test_ler_verify_reports_a_revocation_from_a_supplied_list(cli, tmp_path):
    key = Ed25519PrivateKey.generate()
    did = did_key_for(key.public())
    url = "https://status.college.example/lists/9"

    def signed_list(bits):
        document = lists.list_credential("https://status.college.example", did, 9, "revocation",
                                         lists.encode(bits), "2024-01-01T00:00:00Z")
        document["id"] = url
        return data_integrity.sign(document, key, verification_method=did_key_vm(key.public()))

    credential = data_integrity.sign(_credential(did, credentialStatus={
        "id": f"{url}#5", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
        "statusListIndex": "5", "statusListCredential": url}), key, verification_method=did_key_vm(key.public()))
    paths = _files(tmp_path, credential=credential, valid=signed_list({4: 1, 6: 1}), revoked=signed_list({5: 1}))
    assert cli("verify", paths["credential"], "--status-list", paths["valid"]).exit_code == 0
    only_revoked = cli("verify", paths["credential"], "--status-list", paths["revoked"])
    assert only_revoked.exit_code == 1 and "revoked" in only_revoked.output


def test_a_stored_credential_is_named_by_its_urn_uuid_everywhere(cli, client, services):
    issued = issue_one(client, services)
    urn = issued.document["id"]
    assert urn == f"urn:uuid:{issued.id}"
    for name in (urn, issued.id, urn.upper().replace("URN:UUID:", "urn:uuid:")):
        result = cli("verify", name)
        assert result.exit_code == 0 and "verified" in result.output, (name, result.output)
    assert cli("verify", "urn:uuid:00000000-0000-0000-0000-000000000000").exit_code == 2
    claimed = cli("claim", urn, "--json")
    assert claimed.exit_code == 0, claimed.output
    assert json.loads(claimed.output)["claim_url"]
    offered = client.post(f"/api/v1/credentials/{urn}/offer", json={}, headers=issued.auth)
    assert offered.status_code == 201, offered.get_json()
    assert client.post("/api/v1/credentials/urn:uuid:00000000-0000-0000-0000-000000000000/offer", json={},
                       headers=issued.auth).status_code == 404


SD_VECTORS = Path(__file__).parent / "data" / "third-party" / "w3c-ecdsa-sd-2023"


def _sd(name: str) -> dict:
    return json.loads((SD_VECTORS / name).read_text(encoding="utf-8"))


@pytest.mark.parametrize("name,kind", [("derivedRevealDocument.json", "derived"), ("addSignedSDBase.json", "base")])
def test_ecdsa_sd_2023_w3c_vectors_verify(name, kind):
    document = _sd(name)
    result = verify_credential(document, resolver=VerifierResolver())
    proof = result.check("proof")
    assert proof.outcome == "pass" and f"ecdsa-sd-2023 {kind} proof verified" in proof.message, result.to_json()
    # The vectors' issuer is a URL, not the did:key that signed them: the issuer check says so.
    assert result.check("issuer").outcome == "fail"


@pytest.mark.parametrize("name", ["derivedRevealDocument.json", "addSignedSDBase.json"])
@pytest.mark.parametrize("change", [
    lambda d: d["credentialSubject"].__setitem__("sailNumber", "Mars1"),                 # a mandatory statement
    lambda d: d["credentialSubject"]["sails"][0].__setitem__("year", 1999),              # a disclosed one
    lambda d: d["credentialSubject"]["sails"].pop(),                                     # one withheld after the fact
    lambda d: d["credentialSubject"].__setitem__("extra", "added"),                      # one never signed
    lambda d: d["proof"].__setitem__("created", "2024-01-01T00:00:00Z"),                 # the proof options
    lambda d: d["proof"].__setitem__("proofValue", d["proof"]["proofValue"][:-8]),       # a truncated proof
    lambda d: d["proof"].__setitem__("proofValue", "z" + d["proof"]["proofValue"][1:]),  # not base64url
])
def test_ecdsa_sd_2023_changes_are_caught(name, change):
    document = _sd(name)
    change(document)
    proof = verify_credential(document, resolver=VerifierResolver()).check("proof")
    assert proof.outcome == "fail", proof.message


def test_ecdsa_sd_2023_over_the_vc_api(client):
    response = client.post("/credentials/verify", json={"verifiableCredential": _sd("derivedRevealDocument.json")})
    checks = {c["name"]: c for c in response.get_json()["checks"]}
    assert checks["proof"]["outcome"] == "pass" and "derived" in checks["proof"]["message"]


DCC = Path(__file__).parent / "data" / "third-party" / "dcc-verifier-core"
DCC_LIST_URL = ("https://raw.githubusercontent.com/digitalcredentials/verifier-core/refs/heads/main/src/test-fixtures/"
                "status/e5WK8CbZ1GjycuPombrj")


def test_dcc_credentials_judged_with_their_published_status_list(cli):
    """DCC's own fixtures: an eddsa-rdfc-2022 badge (index 9, not revoked) and an
    Ed25519Signature2020 one (index 8, revoked), against the Ed25519Signature2020-signed list."""
    listed = f"{DCC_LIST_URL}={DCC / 'status-e5WK8CbZ1GjycuPombrj.json'}"
    valid = cli("verify", DCC / "v2EddsaWithValidStatus.json", "--status-list", listed, "--json")
    assert valid.exit_code == 0, valid.output
    # DCC's lists hold 100,000 entries, under the REC's minimum: read, with a warning that says so.
    status = {c["name"]: c for c in json.loads(valid.output)["checks"]}["status"]
    assert status["outcome"] == "warning" and "100000 entries" in status["message"] and "not set" in status["message"]
    revoked = cli("verify", DCC / "v2Revoked.json", "--status-list", listed, "--json")
    assert revoked.exit_code == 1
    assert {c["name"]: c for c in json.loads(revoked.output)["checks"]}["status"]["message"].startswith("revoked")
    # Named by its own id (not the URL the credentials use), the list answers for nothing here.
    by_id = cli("verify", DCC / "v2Revoked.json", "--status-list", DCC / "status-e5WK8CbZ1GjycuPombrj.json",
                "--require-status")
    assert by_id.exit_code == 1 and "could not be" in by_id.output


def test_dcc_did_web_credential_with_its_method_embedded_in_assertion_method():
    document = json.loads((Path(__file__).parent / "data" / "third-party" / "dcc-did-web" / "did.json").read_text())
    credential = json.loads((DCC / "v2didWebWithValidStatus.json").read_text())
    result = verify_credential(credential, resolver=VerifierResolver(registry={document["id"]: document}))
    assert result.check("proof").outcome == "pass", result.to_json()
    assert result.check("issuer").outcome == "pass", result.to_json()
    without = verify_credential(credential, resolver=VerifierResolver())
    assert without.check("proof").outcome == "fail"
