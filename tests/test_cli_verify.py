"""`ler verify`: a report of every check, exit 0 / 1 / 2, and a clear message for every bad input."""

from __future__ import annotations

import json

import pytest

from issuer.composition import build_services
from issuer.config import Config

from conftest import VECTORS
from factories import open_badge


@pytest.fixture
def signed_file(tmp_path, env):
    services = build_services(Config.from_env())
    credential = services.identity.sign(open_badge(services.identity.did))
    services.engine.dispose()
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(credential))
    return path, credential, services


def _report(result):
    return {c["name"]: c for c in json.loads(result.output)["checks"]}


def test_verified_credential_exits_0_with_every_check(cli, signed_file):
    path, _, _ = signed_file
    result = cli("verify", path, "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["verified"] is True
    assert all({"name", "passed", "message"} <= set(c) for c in body["checks"])
    text = cli("verify", path)
    assert text.exit_code == 0 and "PASS  proof" in text.output and text.output.strip().endswith("verified")


def test_standard_input_is_accepted(cli, signed_file):
    path, _, _ = signed_file
    assert cli("verify", "-", input=path.read_text()).exit_code == 0


def _write(tmp_path, document, name="bad.json"):
    path = tmp_path / name
    path.write_text(document if isinstance(document, str) else json.dumps(document))
    return path


def test_invalid_json_is_unreadable_exit_2(cli, tmp_path):
    result = cli("verify", _write(tmp_path, "{not json"), "--json")
    assert result.exit_code == 2
    parse = _report(result)["parse"]
    assert parse["passed"] is False and "not valid JSON" in parse["message"]


def test_missing_file_exit_2_without_traceback(cli, tmp_path):
    result = cli("verify", tmp_path / "nope.json")
    assert result.exit_code == 2
    assert "cannot read" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("mutation,check,fragment", [
    (lambda c: c.pop("@context"), "contexts", "no @context"),
    (lambda c: c["@context"].__setitem__(1, "https://evil.example/context.json"), "contexts", "unknown context"),
    (lambda c: c["credentialSubject"].__setitem__("favouriteColour", "blue"), "jsonld", "undefined term"),
    (lambda c: c.__setitem__("type", ["VerifiableCredential", "OpenBadgeCredential", "NoSuchType"]), "jsonld",
     "undefined type"),
    (lambda c: c.__setitem__("validFrom", "2999-01-01T00:00:00Z"), "dates", "not yet valid"),
    (lambda c: c.__setitem__("validUntil", "2020-01-01T00:00:00Z"), "dates", "expired"),
    (lambda c: c["credentialSubject"]["achievement"].__setitem__("name", "Forged"), "proof", "does not match"),
])
def test_each_bad_input_fails_a_named_check(cli, tmp_path, signed_file, mutation, check, fragment):
    _, credential, _ = signed_file
    credential = json.loads(json.dumps(credential))
    mutation(credential)
    result = cli("verify", _write(tmp_path, credential), "--json")
    assert result.exit_code == 1, result.output
    report = _report(result)
    assert report[check]["passed"] is False
    assert fragment in report[check]["message"]


def test_signed_with_a_wrong_key(cli, tmp_path, signed_file):
    _, credential, services = signed_file
    # Same credential, signed by a did:key that is not the issuer.
    keypair = VECTORS / "eddsa-rdfc-2022/input/keyPair.json"
    unsigned = {k: v for k, v in credential.items() if k != "proof"}
    signed = cli("sign", _write(tmp_path, unsigned, "u.json"), "--key", keypair)
    assert signed.exit_code == 0
    result = cli("verify", _write(tmp_path, signed.output, "s.json"), "--json")
    assert result.exit_code == 1
    report = _report(result)
    assert report["proof"]["passed"] is True
    assert report["issuer"]["passed"] is False and "names" in report["issuer"]["message"]
    # And a proof that names our key but was made by another one fails the signature.
    forged = json.loads(signed.output)
    forged["proof"]["verificationMethod"] = credential["proof"]["verificationMethod"]
    result = cli("verify", _write(tmp_path, forged, "f.json"), "--json")
    assert _report(result)["proof"]["passed"] is False


def test_w3c_vector_proof_verifies_but_its_issuer_is_not_the_signer(cli):
    # digitalbazaar/vc refuses this too: the issuer must control the verification method.
    result = cli("verify", VECTORS / "eddsa-rdfc-2022/signedDataInt.json", "--json")
    report = _report(result)
    assert report["proof"]["passed"] is True
    assert report["issuer"]["passed"] is False
    assert result.exit_code == 1


def test_sign_refuses_bad_input_with_a_message(cli, tmp_path):
    result = cli("sign", _write(tmp_path, "[1, 2]"))
    assert result.exit_code == 1 and "JSON object" in result.output
    undefined = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"],
                 "issuer": "did:example:x", "credentialSubject": {"nickname": "x"}}
    keypair = VECTORS / "eddsa-rdfc-2022/input/keyPair.json"
    result = cli("sign", _write(tmp_path, undefined), "--key", keypair)
    assert result.exit_code == 1 and "undefined term" in result.output
    result = cli("sign", _write(tmp_path, {**undefined, "credentialSubject": {"id": "did:example:y"}}), "--key",
                 keypair, "--created", "last tuesday")
    assert result.exit_code == 1 and "--created" in result.output
