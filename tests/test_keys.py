"""Keys: generated on first start, encrypted at rest, rotated without breaking old credentials."""

from __future__ import annotations

import json

import pytest

from issuer.composition import build_services
from issuer.config import Config
from issuer.errors import KeyError_
from issuer.proofs.keys import KeyStore
from issuer.verify import verify_credential

from conftest import PASSPHRASE
from factories import open_badge


def test_generate_list_rotate(cli, env, tmp_path):
    result = cli("keys", "generate")
    assert result.exit_code == 0 and "generated Ed25519 key" in result.output
    again = cli("keys", "generate")
    assert again.exit_code == 1 and "rotate" in again.output
    assert cli("keys", "generate", "--family", "RSA").exit_code == 0
    listed = json.loads(cli("keys", "list", "--json").output)
    assert sorted(k["family"] for k in listed) == ["Ed25519", "RSA"]
    assert all(k["status"] == "active" and k["verificationMethod"].startswith("did:web:issuer.example#")
               for k in listed)
    rotated = cli("keys", "rotate")
    assert rotated.exit_code == 0 and "retired" in rotated.output
    statuses = sorted((k["family"], k["status"]) for k in json.loads(cli("keys", "list", "--json").output))
    assert statuses == [("Ed25519", "active"), ("Ed25519", "retired"), ("RSA", "active")]
    assert "privateKeyPem" not in cli("keys", "list", "--json").output


def test_an_ecdsa_key_is_generated_encrypted_and_published_as_multikey(cli, env, tmp_path, client):
    assert cli("keys", "generate", "--family", "P-256").exit_code == 0
    [listed] = [k for k in json.loads(cli("keys", "list", "--json").output) if k["family"] == "P-256"]
    assert listed["publicKeyMultibase"].startswith("zDn") and listed["publicKeyJwk"]["crv"] == "P-256"
    store = KeyStore(env["LER_KEYS_DIR"], PASSPHRASE.encode())
    record = store.active("P-256")
    assert "BEGIN ENCRYPTED PRIVATE KEY" in record.path.read_text()
    signature = store.private_key(record).sign(b"data")
    assert len(signature) == 64 and record.public.verify(signature, b"data")
    document = client.get("/.well-known/did.json").get_json()
    assert {"id": f"did:web:issuer.example#{record.key_id}", "type": "Multikey", "controller": "did:web:issuer.example",
            "publicKeyMultibase": listed["publicKeyMultibase"]} in document["verificationMethod"]


def test_private_keys_are_encrypted_at_rest(env, tmp_path):
    store = KeyStore(tmp_path / "k", PASSPHRASE.encode())
    record = store.generate()
    text = record.path.read_text()
    assert "BEGIN ENCRYPTED PRIVATE KEY" in text
    assert oct(record.path.stat().st_mode & 0o777) == "0o600"
    secret = store.private_key(record).secret_key_multibase()
    assert secret not in text
    with pytest.raises(KeyError_, match="wrong passphrase"):
        KeyStore(tmp_path / "k", b"wrong").private_key(record)
    with pytest.raises(KeyError_, match="passphrase"):
        KeyStore(tmp_path / "k2", None).generate()


def test_rotation_keeps_old_credentials_verifying(env, client, services):
    old_credential = services.identity.sign(open_badge(services.identity.did))
    services.identity.keystore.rotate()
    new_credential = services.identity.sign(open_badge(services.identity.did))
    assert old_credential["proof"]["verificationMethod"] != new_credential["proof"]["verificationMethod"]
    document = client.get("/.well-known/did.json").get_json()
    assert document["id"] == "did:web:issuer.example"
    methods = {m["id"]: m for m in document["verificationMethod"]}
    for credential in (old_credential, new_credential):
        vm = credential["proof"]["verificationMethod"]
        assert methods[vm]["type"] == "Multikey" and methods[vm]["controller"] == document["id"]
        assert vm in document["assertionMethod"]
        # Verify against the published document alone, as an independent verifier would.
        from issuer.proofs.did import Resolver
        result = verify_credential(credential, resolver=Resolver({document["id"]: document}))
        assert result.verified, result.to_json()
    assert new_credential["proof"]["verificationMethod"] in document["authentication"]
    assert old_credential["proof"]["verificationMethod"] not in document["authentication"]


def test_first_start_generates_a_key(env, tmp_path):
    services = build_services(Config.from_env())
    try:
        records = services.identity.keystore.records()
        assert [(r.family, r.status) for r in records] == [("Ed25519", "active")]
    finally:
        services.engine.dispose()


def test_embedded_default_passphrase_lives_outside_keys(env, monkeypatch, tmp_path):
    monkeypatch.delenv("LER_KEY_PASSPHRASE")
    config = Config.from_env()
    passphrase_file = config.instance_dir / "key-passphrase"
    assert passphrase_file.exists() and oct(passphrase_file.stat().st_mode & 0o777) == "0o600"
    assert config.keys_dir not in passphrase_file.parents
    assert Config.from_env().key_passphrase == config.key_passphrase
