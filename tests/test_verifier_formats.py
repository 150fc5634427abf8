"""Every form a credential reaches an employer in: legacy Ed25519Signature2020 (VCDM 1.1 era),
VC-JWT with ES256, Open Badges baked PNG and SVG; other issuers' did:web from the trust registry;
other issuers' status lists fetched only under the operator's allow-list rules."""

from __future__ import annotations

import base64
import copy
import io
import json
import socket
import uuid

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from PIL import Image

from issuer.config import Config
from issuer.delivery.baking import bake_png, bake_svg
from issuer.proofs import data_integrity, multibase
from issuer.proofs.did import did_key_for, did_key_vm
from issuer.proofs.keyfamilies.ed25519 import Ed25519PrivateKey
from issuer.status import lists
from issuer.verify import verify_credential
from issuer.verify.fetch import MAX_FETCHES_PER_VERIFICATION, Fetcher, FetchError, NotAllowed
from issuer.verify.resolution import VerifierResolver
from issuer.verify.service import Verifier
from issuer.verify.status import StatusChecker

from conftest import VECTORS, load_json
from verify_support import issue_one, sign_jwt

V2, EXAMPLES = "https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_legacy_ed25519signature2020_vector():
    signed = load_json(VECTORS / "ed25519signature2020-legacy/signedEdSig.json")
    result = verify_credential(signed, resolver=VerifierResolver())
    assert result.check("proof").outcome == "pass", result.to_json()
    assert "Ed25519Signature2020" in result.check("proof").message
    # The vector's issuer is not the did:key that signed it, which the issuer check catches.
    assert result.check("issuer").outcome == "fail"
    forged = copy.deepcopy(signed)
    forged["credentialSubject"]["alumniOf"] = "Another School"
    assert verify_credential(forged, resolver=VerifierResolver()).check("proof").outcome == "fail"


def test_legacy_vcdm_1_1_ed25519signature2020_issued_by_its_signer():
    key = Ed25519PrivateKey.generate()
    issuer = did_key_for(key.public())
    credential = {"@context": ["https://www.w3.org/2018/credentials/v1",
                               "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
                               "https://w3id.org/security/suites/ed25519-2020/v1"],
                  "id": f"urn:uuid:{uuid.uuid4()}", "type": ["VerifiableCredential", "OpenBadgeCredential"],
                  "issuer": {"id": issuer, "type": "Profile", "name": "Old Issuer"},
                  "issuanceDate": "2022-01-01T00:00:00Z",
                  "credentialSubject": {"id": "did:example:abc", "type": "AchievementSubject", "achievement": {
                      "id": "https://example.org/a/1", "type": "Achievement", "name": "Old badge",
                      "description": "Signed the 2020 way", "criteria": {"narrative": "Done."}}}}
    proof = {"type": "Ed25519Signature2020", "created": "2022-01-01T00:00:00Z",
             "verificationMethod": did_key_vm(key.public()), "proofPurpose": "assertionMethod"}
    data = data_integrity.hash_data("eddsa-rdfc-2022", credential, {**proof, "@context": credential["@context"]},
                                    data_integrity.ld.default_loader())
    signed = {**credential, "proof": {**proof, "proofValue": multibase.encode_base58btc(key.sign(data))}}
    result = verify_credential(signed, resolver=VerifierResolver())
    assert result.verified, result.to_json()
    expired = copy.deepcopy(signed)
    expired["expirationDate"] = "2023-01-01T00:00:00Z"
    assert verify_credential(expired, resolver=VerifierResolver()).check("proof").outcome == "fail"


def _p256_did_key(public_key) -> str:
    point = public_key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    return "did:key:" + multibase.encode_base58btc(multibase.P256_PUB + point)


def _es256_credential(issuer):
    return {"@context": [V2, EXAMPLES], "id": f"urn:uuid:{uuid.uuid4()}", "type": ["VerifiableCredential"],
            "issuer": issuer, "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:holder", "skill": "Soldering"}}


def _es256(private, credential, kid):
    from issuer.proofs import jwt as vcjwt
    payload = {**credential, **vcjwt.registered_claims(credential)}
    return jwt.encode(payload, private, algorithm="ES256", headers={"kid": kid, "typ": "JWT"})


def test_es256_vc_jwt_with_a_p256_did_key():
    private = ec.generate_private_key(ec.SECP256R1())
    did = _p256_did_key(private.public_key())
    assert did.startswith("did:key:zDn")
    credential = _es256_credential(did)
    token = _es256(private, credential, f"{did}#{did[len('did:key:'):]}")
    result = verify_credential(token, resolver=VerifierResolver())
    assert result.verified, result.to_json()
    assert "ES256" in result.check("proof").message
    other = ec.generate_private_key(ec.SECP256R1())
    forged = _es256(other, credential, f"{did}#{did[len('did:key:'):]}")
    assert verify_credential(forged, resolver=VerifierResolver()).check("proof").outcome == "fail"


def _registry_file(tmp_path, document) -> str:
    path = tmp_path / "trusted.json"
    path.write_text(json.dumps([document]))
    return str(path)


def test_es256_vc_jwt_from_a_did_web_in_the_trust_registry(tmp_path, env):
    private = ec.generate_private_key(ec.SECP256R1())
    numbers = private.public_key().public_numbers()
    did = "did:web:college.example"
    jwk = {"kty": "EC", "crv": "P-256", "x": _b64u(numbers.x.to_bytes(32, "big")), "y": _b64u(numbers.y.to_bytes(32, "big"))}
    document = {"@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/jwk/v1"], "id": did,
                "verificationMethod": [{"id": f"{did}#key-1", "type": "JsonWebKey", "controller": did,
                                        "publicKeyJwk": jwk}], "assertionMethod": [f"{did}#key-1"]}
    config = Config.from_env(trust_registry=_registry_file(tmp_path, document))
    verifier = Verifier(config=config)
    token = _es256(private, _es256_credential(did), f"{did}#key-1")
    assert verifier.credential(token).verified, verifier.credential(token).to_json()
    stranger = Verifier(config=Config.from_env())
    proof = stranger.credential(token).check("proof")
    assert proof.outcome == "fail" and "trust registry" in proof.message


def test_did_web_of_another_issuer_from_the_trust_registry(tmp_path, env):
    key = Ed25519PrivateKey.generate()
    did = "did:web:training.example"
    document = {"@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"], "id": did,
                "verificationMethod": [{"id": f"{did}#k1", "type": "Multikey", "controller": did,
                                        "publicKeyMultibase": key.public().public_key_multibase()}],
                "assertionMethod": [f"{did}#k1"]}
    credential = data_integrity.sign(_es256_credential(did), key, verification_method=f"{did}#k1")
    trusted = Verifier(config=Config.from_env(trust_registry=_registry_file(tmp_path, document)))
    assert trusted.credential(credential).verified
    assert not Verifier(config=Config.from_env()).credential(credential).verified


@pytest.fixture
def issued(client, services):
    return issue_one(client, services)


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), (18, 53, 91)).save(out, "PNG")
    return out.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8"/></svg>'


def test_baked_png_and_svg_through_the_function_and_the_cli(issued, services, cli, tmp_path):
    verifier = Verifier.for_services(services)
    for name, baked in (("badge.png", bake_png(_png(), issued.document)), ("badge.svg", bake_svg(SVG, issued.document)),
                        ("jwt.png", bake_png(_png(), sign_jwt(services,
                            {k: v for k, v in issued.document.items() if k != "proof"})))):
        result = verifier.credential(baked)
        assert result.verified, (name, result.to_json())
        assert "baked" in result.check("parse").message
        path = tmp_path / name
        path.write_bytes(baked)
        assert cli("verify", path).exit_code == 0, name


def test_a_png_with_a_broken_chunk_is_unreadable(issued, services, cli, tmp_path):
    baked = bytearray(bake_png(_png(), issued.document))
    baked[40] ^= 0xFF
    result = Verifier.for_services(services).credential(bytes(baked))
    assert not result.readable and "CRC" in result.check("parse").message
    path = tmp_path / "broken.png"
    path.write_bytes(bytes(baked))
    outcome = cli("verify", path)
    assert outcome.exit_code == 2 and "CRC" in outcome.output


# -- remote status lists -----------------------------------------------------------------------

class FakeNet:
    """DNS and https for tests: host -> address, URL path -> JSON body."""

    def __init__(self, addresses: dict[str, str], bodies: dict[str, dict]):
        self.addresses, self.bodies, self.requests = addresses, bodies, []

    def resolve(self, host, port, type=None):
        if host not in self.addresses:
            raise socket.gaierror("unknown host")
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (self.addresses[host], port))]

    def transport(self, host, address, port, path, timeout, max_bytes):
        self.requests.append((host, address, path))
        body = json.dumps(self.bodies[f"https://{host}{path}"]).encode()
        if len(body) > max_bytes:
            raise FetchError("too large")
        return body


def _remote_issuer(status_bits: dict[int, int], list_number: int = 7):
    key = Ed25519PrivateKey.generate()
    did = did_key_for(key.public())
    list_url = f"https://status.college.example/lists/{list_number}"
    status_list = lists.list_credential("https://status.college.example", did, list_number, "revocation",
                                        lists.encode(status_bits), "2024-01-01T00:00:00Z")
    status_list["id"] = list_url
    status_list = data_integrity.sign(status_list, key, verification_method=did_key_vm(key.public()))
    credential = {**_es256_credential(did), "credentialStatus": {
        "id": f"{list_url}#5", "type": "BitstringStatusListEntry", "statusPurpose": "revocation",
        "statusListIndex": "5", "statusListCredential": list_url}}
    return data_integrity.sign(credential, key, verification_method=did_key_vm(key.public())), status_list, list_url


def _checker(net, allowlist):
    fetcher = Fetcher(allowlist, resolve=net.resolve, transport=net.transport)
    return StatusChecker(resolver=VerifierResolver(fetcher=fetcher), fetcher=fetcher, base_url="https://issuer.example")


def test_remote_status_list_fetched_from_an_allow_listed_host():
    credential, status_list, url = _remote_issuer({})
    net = FakeNet({"status.college.example": "93.184.215.14"}, {url: status_list})
    result = verify_credential(credential, resolver=VerifierResolver(), status_checker=_checker(net, ["status.college.example"]))
    assert result.verified and result.check("status").outcome == "pass", result.to_json()
    assert net.requests == [("status.college.example", "93.184.215.14", "/lists/7")]
    revoked, revoked_list, _ = _remote_issuer({5: 1})
    net = FakeNet({"status.college.example": "93.184.215.14"}, {url: revoked_list})
    result = verify_credential(revoked, resolver=VerifierResolver(), status_checker=_checker(net, ["*.college.example"]))
    assert result.check("status").outcome == "fail" and "revoked" in result.check("status").message


def test_one_verification_fetches_a_bounded_number_of_remote_lists():
    """A presentation naming ten remote lists costs at most eight fetches; the credentials whose
    lists were not fetched fail their status check (a revoked one hidden behind the others is not
    reported valid), and the next verification has its own budget."""
    issued = [_remote_issuer({5: 1} if n == 10 else {}, list_number=n) for n in range(1, 11)]
    net = FakeNet({"status.college.example": "93.184.215.14"}, {url: status_list for _, status_list, url in issued})
    verifier = Verifier(config=Config.from_env(fetch_allowlist=("status.college.example",)),
                        fetcher=Fetcher(["status.college.example"], resolve=net.resolve, transport=net.transport))
    presentation = {"@context": [V2], "type": ["VerifiablePresentation"],
                    "verifiableCredential": [credential for credential, _, _ in issued]}
    result = verifier.presentation(presentation)
    assert len(net.requests) == MAX_FETCHES_PER_VERIFICATION and not result.verified
    statuses = [inner.check("status") for inner in result.credentials]
    assert [s.outcome for s in statuses] == ["pass"] * 8 + ["fail"] * 2, [s.message for s in statuses]
    assert "already made its remote fetches" in statuses[-1].message
    alone = verifier.credential(issued[-1][0]).check("status")
    assert alone.outcome == "fail" and "revoked" in alone.message and len(net.requests) == 9


def test_remote_status_list_with_a_broken_signature_fails():
    credential, status_list, url = _remote_issuer({})
    status_list["credentialSubject"]["encodedList"] = lists.encode({5: 1})
    net = FakeNet({"status.college.example": "93.184.215.14"}, {url: status_list})
    status = verify_credential(credential, resolver=VerifierResolver(),
                               status_checker=_checker(net, ["status.college.example"])).check("status")
    assert status.outcome == "fail" and "STATUS_VERIFICATION_ERROR" in status.message


def test_fetch_policy():
    net = FakeNet({"status.college.example": "10.0.0.5", "public.example": "93.184.215.15"}, {})
    fetcher = Fetcher(["status.college.example", "127.0.0.1", "public.example"], resolve=net.resolve,
                      transport=net.transport)
    with pytest.raises(NotAllowed):
        fetcher.get_json("https://elsewhere.example/list")
    for url, fragment in (("https://status.college.example/l", "private"), ("https://127.0.0.1/l", "private"),
                          ("http://public.example/l", "https"), ("https://[::1]/l", "private"),
                          ("https://user:pw@public.example/l", "credentials")):
        with pytest.raises(FetchError, match=fragment):
            fetcher.get_json(url)
    assert net.requests == []


def test_status_list_of_a_host_not_allowed_is_a_warning_not_a_fetch():
    credential, _, _ = _remote_issuer({})
    net = FakeNet({}, {})
    status = verify_credential(credential, resolver=VerifierResolver(), status_checker=_checker(net, [])).check("status")
    assert status.outcome == "warning" and "allow-list" in status.message and net.requests == []


def test_asking_for_the_status_makes_an_unchecked_status_fail(client):
    """Over the VC-API, `options.checks` naming the status turns "could not check" into a failure."""
    credential, _, _ = _remote_issuer({})
    plain = client.post("/credentials/verify", json={"verifiableCredential": credential})
    status = next(c for c in plain.get_json()["checks"] if c["name"] == "status")
    assert plain.status_code == 200 and status["outcome"] == "warning", plain.get_json()
    for checks in (["proof", "credentialStatus"], ["status"]):
        asked = client.post("/credentials/verify", json={"verifiableCredential": credential,
                                                         "options": {"checks": checks}})
        status = next(c for c in asked.get_json()["checks"] if c["name"] == "status")
        assert asked.status_code == 400 and asked.get_json()["verified"] is False
        assert status["outcome"] == "fail" and "could not be" in status["message"]
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                    "verifiableCredential": [credential]}
    asked = client.post("/presentations/verify", json={"verifiablePresentation": presentation,
                                                       "options": {"checks": ["credentialStatus"]}})
    assert asked.status_code == 400, asked.get_json()
    assert client.post("/presentations/verify", json={"verifiablePresentation": presentation}).status_code == 200


def _ecdsa_signed(credential, private, cryptosuite):
    """What another issuer's VC-DI-ECDSA implementation produces: written here from the spec."""
    import hashlib

    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    from issuer.proofs import ld
    p384 = isinstance(private.curve, ec.SECP384R1)
    did = _p256_did_key(private.public_key()) if not p384 else "did:key:" + multibase.encode_base58btc(
        multibase.P384_PUB + private.public_key().public_bytes(serialization.Encoding.X962,
                                                               serialization.PublicFormat.CompressedPoint))
    credential = {**credential, "issuer": did}
    proof = {"type": "DataIntegrityProof", "cryptosuite": cryptosuite, "created": "2024-01-02T00:00:00Z",
             "verificationMethod": f"{did}#{did[len('did:key:'):]}", "proofPurpose": "assertionMethod"}
    if cryptosuite == "ecdsa-jcs-2019":
        proof["@context"] = credential["@context"]
    hashed = data_integrity.hash_data(cryptosuite, credential, {**proof, "@context": credential["@context"]},
                                      ld.default_loader(), hashlib.sha384 if p384 else hashlib.sha256)
    r, s = decode_dss_signature(private.sign(hashed, ec.ECDSA(hashes.SHA384() if p384 else hashes.SHA256())))
    size = 48 if p384 else 32
    proof["proofValue"] = multibase.encode_base58btc(r.to_bytes(size, "big") + s.to_bytes(size, "big"))
    return {**credential, "proof": proof}


@pytest.mark.parametrize("cryptosuite", ["ecdsa-rdfc-2019", "ecdsa-jcs-2019"])
@pytest.mark.parametrize("curve", [ec.SECP256R1, ec.SECP384R1])
def test_another_issuers_ecdsa_credential_verifies_over_the_vc_api(client, cryptosuite, curve):
    signed = _ecdsa_signed(_es256_credential("placeholder"), ec.generate_private_key(curve()), cryptosuite)
    response = client.post("/credentials/verify", json={"verifiableCredential": signed})
    assert response.status_code == 200, response.get_json()
    proof = next(c for c in response.get_json()["checks"] if c["name"] == "proof")
    assert cryptosuite in proof["message"]
    tampered = {**signed, "credentialSubject": {**signed["credentialSubject"], "skill": "Welding"}}
    response = client.post("/credentials/verify", json={"verifiableCredential": tampered})
    assert response.status_code == 400 and response.get_json()["verified"] is False
