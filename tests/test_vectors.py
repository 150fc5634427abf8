"""The W3C test vectors as unit tests: `ler sign` reproduces them, and they verify."""

from __future__ import annotations

import copy
import json

import base58
import pytest
from cryptography.hazmat.primitives.asymmetric import ed25519

from issuer.proofs import data_integrity, ld
from issuer.proofs.did import Resolver, resolve_did_key
from issuer.proofs.keyfamilies.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from conftest import VECTORS, load_json

CASES = {
    "eddsa-rdfc-2022": (VECTORS / "eddsa-rdfc-2022", "input/unsigned.json", "proofConfigDataInt.json", "signedDataInt.json"),
    "eddsa-rdfc-2022-employ": (VECTORS / "eddsa-rdfc-2022", "input/employmentAuth.json", "employ/proofConfigDataInt.json",
                               "employ/signedDataInt.json"),
    "eddsa-jcs-2022": (VECTORS / "eddsa-jcs-2022", "input/unsigned.json", "proofConfigJCS.json", "signedJCS.json"),
}


# The VC-DI-ECDSA vectors: other issuers sign with these suites; `ler sign` reproduces them.
# name -> (folder, unsigned input, proof configuration, signed document, combined hash)
ECDSA_CASES = {
    f"{suite}-{curve}{variant}": (
        VECTORS / f"{suite}-{curve}", f"input/{'employmentAuth' if variant else 'unsigned'}.json",
        f"{variant[1:]}{'/' if variant else ''}proofConfig{tag}{curve.upper()}.json",
        f"{variant[1:]}{'/' if variant else ''}signed{tag}{curve.upper()}.json",
        f"{variant[1:]}{'/' if variant else ''}combinedHash{tag}{curve.upper()}.txt")
    for suite, tag in (("ecdsa-rdfc-2019", "ECDSA"), ("ecdsa-jcs-2019", "JCSECDSA"))
    for curve in ("p256", "p384")
    for variant in (("", "-employ") if suite == "ecdsa-rdfc-2019" and curve == "p256" else ("",))
}
SIGNED = {**{case: folder / signed for case, (folder, _, _, signed) in CASES.items()},
          **{case: folder / signed for case, (folder, _, _, signed, _) in ECDSA_CASES.items()}}
SIGNING_CASES = {**CASES, **{case: fields[:4] for case, fields in ECDSA_CASES.items()}}


def _key_pair(folder):
    [path] = (folder / "input").glob("*eyPair.json")    # keyPair.json, p256KeyPair.json, p384KeyPair.json
    return path


@pytest.mark.parametrize("case", SIGNING_CASES)
def test_ler_sign_reproduces_vector(case, cli):
    """ECDSA too: RFC 6979 deterministic signatures, as the W3C vectors were made."""
    folder, unsigned, config_file, signed_file = SIGNING_CASES[case]
    config = load_json(folder / config_file)
    result = cli("sign", folder / unsigned, "--key", _key_pair(folder),
                 "--cryptosuite", config["cryptosuite"], "--created", config["created"],
                 "--verification-method", config["verificationMethod"])
    assert result.exit_code == 0, result.output
    signed = json.loads(result.output)
    expected = load_json(folder / signed_file)
    assert signed["proof"]["proofValue"] == expected["proof"]["proofValue"]
    assert signed == expected


@pytest.mark.parametrize("case", SIGNING_CASES)
def test_ler_sign_with_secret_key_multibase_from_stdin(case, cli):
    folder, unsigned, config_file, signed_file = SIGNING_CASES[case]
    config = load_json(folder / config_file)
    pair = load_json(_key_pair(folder))
    secret = pair.get("privateKeyMultibase") or pair["secretKeyMultibase"]
    result = cli("sign", "-", "--secret-key-multibase", secret, "--cryptosuite", config["cryptosuite"],
                 "--created", config["created"], input=(folder / unsigned).read_text())
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["proof"]["proofValue"] == load_json(folder / signed_file)["proof"]["proofValue"]


def test_canonical_forms_match_vector_intermediates():
    folder = VECTORS / "eddsa-rdfc-2022"
    unsigned = load_json(folder / "input/unsigned.json")
    assert ld.canonize(unsigned, ld.default_loader()) == (folder / "canonDocDataInt.txt").read_text()
    proof_config = load_json(folder / "proofConfigDataInt.json")
    assert ld.canonize(proof_config, ld.default_loader()) == (folder / "proofCanonDataInt.txt").read_text()


@pytest.mark.parametrize("case", SIGNED)
def test_vector_signed_document_verifies(case):
    signed = load_json(SIGNED[case])
    outcome = data_integrity.verify_proof(signed, signed["proof"], resolver=Resolver())
    assert outcome.verified, outcome.message


@pytest.mark.parametrize("case", ECDSA_CASES)
def test_ecdsa_hash_data_matches_the_vectors(case):
    """VC-DI-ECDSA: hash(proof config) || hash(document), SHA-256 for P-256 and SHA-384 for P-384."""
    import hashlib
    folder, unsigned, config_file, _, combined = ECDSA_CASES[case]
    config = load_json(folder / config_file)
    document = load_json(folder / unsigned)
    hash_function = hashlib.sha384 if "p384" in case else hashlib.sha256
    data = data_integrity.hash_data(config["cryptosuite"], document, config, ld.default_loader(), hash_function)
    assert data.hex() == (folder / combined).read_text().strip()


def _leaf_paths(value, path=()):
    if isinstance(value, dict):
        for key, item in value.items():
            if key != "@context":
                yield from _leaf_paths(item, path + (key,))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _leaf_paths(item, path + (index,))
    else:
        yield path


def _altered(value):
    if isinstance(value, str):
        # Keep the shape of IRIs and dates so the change is a change of content, not of syntax.
        if value.endswith("Z") and "T" in value:
            return value.replace("2", "1", 1) if "2" in value else value[:-1] + "+01:00"
        return value[:-1] + ("x" if value[-1] != "x" else "y")
    return not value if isinstance(value, bool) else value + 1


@pytest.mark.parametrize("case", SIGNED)
def test_changing_any_single_value_breaks_verification(case):
    signed = load_json(SIGNED[case])
    paths = list(_leaf_paths(signed))
    assert len(paths) >= 10
    for path in paths:
        tampered = copy.deepcopy(signed)
        node = tampered
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = _altered(node[path[-1]])
        outcome = data_integrity.verify_proof(tampered, tampered["proof"], resolver=Resolver())
        assert not outcome.verified, f"changing {'/'.join(map(str, path))} still verified"


def test_did_key_vectors_resolve_offline():
    vectors = load_json(VECTORS / "did-key/ed25519-x25519.json")
    for did, vector in vectors.items():
        document = resolve_did_key(did)
        method = document["verificationMethod"][0]
        assert method["type"] == "Multikey"
        assert method["id"] == vector["didDocument"]["verificationMethod"][0]["id"]
        pair = vector["verificationKeyPair"]
        expected = (Ed25519PublicKey.from_raw(base58.b58decode(pair["publicKeyBase58"])) if "publicKeyBase58" in pair
                    else Ed25519PublicKey.from_jwk(pair["publicKeyJwk"]))
        assert Ed25519PublicKey.from_multibase(did[len("did:key:"):]).raw == expected.raw
        if "seed" in vector:
            derived = Ed25519PrivateKey(ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(vector["seed"])))
            assert f"did:key:{derived.public_key_multibase()}" == did


def test_nist_curve_did_keys_resolve_offline():
    from issuer.proofs.did import ResolutionError
    from issuer.proofs.keyfamilies.ecdsa import ECPublicKey
    vectors = load_json(VECTORS / "did-key/nist-curves.json")
    resolved = 0
    for did, vector in vectors.items():
        expected = vector["verificationMethod"].get("publicKeyJwk")
        if expected is None or expected["crv"] not in ("P-256", "P-384"):
            if expected is not None:                          # P-521: named clearly as unsupported
                with pytest.raises(ResolutionError):
                    Resolver().resolve(f"{did}#{did[len('did:key:'):]}")
            continue
        method = Resolver().resolve(f"{did}#{did[len('did:key:'):]}")
        assert method.controller == did and "assertionMethod" in method.purposes
        assert method.public_key.family == expected["crv"]
        assert method.public_key.jwk() == {k: expected[k] for k in ("kty", "crv", "x", "y")}
        assert ECPublicKey.from_jwk(expected).public_key_multibase() == did[len("did:key:"):]
        resolved += 1
    assert resolved == 4


def test_an_eddsa_suite_refuses_an_ecdsa_key_and_back():
    signed = load_json(SIGNED["ecdsa-rdfc-2019-p256"])
    swapped = {**signed, "proof": {**signed["proof"], "cryptosuite": "eddsa-rdfc-2022"}}
    outcome = data_integrity.verify_proof(swapped, swapped["proof"], resolver=Resolver())
    assert not outcome.verified and "Ed25519" in outcome.message
    ed = load_json(SIGNED["eddsa-rdfc-2022"])
    swapped = {**ed, "proof": {**ed["proof"], "cryptosuite": "ecdsa-rdfc-2019"}}
    outcome = data_integrity.verify_proof(swapped, swapped["proof"], resolver=Resolver())
    assert not outcome.verified and "P-256" in outcome.message
