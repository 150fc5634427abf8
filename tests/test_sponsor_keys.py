"""Each sponsor signs only as itself: keys of its own in its own did:web document, identifiers
listed by the API and the CLI, the platform's identity never offered, rotation and withdrawal
per sponsor, and credentials signed the old way (platform key under a sponsor's did:web) still
verifying for sponsors that existed then."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime, timezone

from issuer.db import session_scope
from issuer.proofs.did import did_key_for
from issuer.sponsors.models import Sponsor, SponsorKey

from verify_support import issue_level, new_sponsor

BASE = "https://issuer.example"
V2, EXAMPLES = "https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"


def _unsigned(issuer) -> dict:
    return {"@context": [V2, EXAMPLES], "id": f"urn:uuid:{uuid.uuid4()}",
            "type": ["VerifiableCredential", "ExampleAlumniCredential"], "issuer": issuer,
            "validFrom": "2024-01-01T00:00:00Z",
            "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"}}


def _document(client, sponsor) -> dict:
    response = client.get(f"/sponsors/{sponsor.slug}/did.json")
    assert response.status_code == 200
    return response.get_json()


def _verify(client, vc):
    return client.post("/credentials/verify", json={"verifiableCredential": vc})


def _key_ids(document) -> set[str]:
    return {m["id"].split("#", 1)[1] for m in document["verificationMethod"]}


def test_each_sponsor_lists_keys_of_its_own_and_no_platform_key(client, services, cli):
    a, b = new_sponsor(services), new_sponsor(services)
    doc_a, doc_b = _document(client, a), _document(client, b)
    platform = {r.key_id for r in services.identity.keystore.records()}
    assert _key_ids(doc_a) and _key_ids(doc_b)
    assert not _key_ids(doc_a) & _key_ids(doc_b) and not (_key_ids(doc_a) | _key_ids(doc_b)) & platform
    with session_scope(services.sessions) as session:
        for row in session.query(SponsorKey).filter(SponsorKey.sponsor_id.in_((a.id, b.id))):
            assert row.private_key_pem.startswith("-----BEGIN ENCRYPTED PRIVATE KEY-----")   # sealed at rest
    # The API and the CLI list what each sponsor may name as issuer: its did:web and own did:key.
    api = client.get("/api/v1/sponsor", headers=a.auth).get_json()
    [own_key] = _key_ids(doc_a)
    assert api["did"] == a.did and api["identifiers"] == [a.did, f"did:key:{own_key}"]
    shown = cli("sponsors", "show", a.slug, "--json")
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.output)["identifiers"] == api["identifiers"]
    assert client.get("/api/v1/sponsor").status_code == 401


def test_a_sponsor_cannot_issue_as_the_platform_or_another_sponsor(client, services):
    a, b = new_sponsor(services), new_sponsor(services)
    b_ids = client.get("/api/v1/sponsor", headers=b.auth).get_json()["identifiers"]
    platform_did_key = did_key_for(services.identity.keystore.active().public)
    for issuer in [services.identity.did, platform_did_key, *b_ids]:
        response = client.post("/credentials/issue", json={"credential": _unsigned(issuer)}, headers=a.auth)
        assert response.status_code == 400, issuer
        assert issuer not in response.get_json()["allowedIssuers"]
    for issuer in client.get("/api/v1/sponsor", headers=a.auth).get_json()["identifiers"]:
        response = client.post("/credentials/issue", json={"credential": _unsigned(issuer)}, headers=a.auth)
        assert response.status_code == 201, response.get_json()
        vc = response.get_json()["verifiableCredential"]
        assert vc["proof"]["verificationMethod"].split("#")[1] in _key_ids(_document(client, a))
        assert _verify(client, vc).status_code == 200


def test_rotation_and_withdrawal_touch_one_sponsor_only(client, services, cli):
    a, b = new_sponsor(services), new_sponsor(services)
    before = issue_level(client, services, a)
    assert before.document["proof"]["verificationMethod"].startswith(a.did + "#")
    old_key = before.document["proof"]["verificationMethod"].split("#")[1]
    doc_b = _document(client, b)
    status_url = before.document["credentialStatus"]["statusListCredential"][len(BASE):]
    status_list = client.get(status_url).get_json()
    assert status_list["proof"]["verificationMethod"] == f"{a.did}#{old_key}"    # lists too: the sponsor's key

    rotated = cli("sponsors", "rotate-key", a.slug)
    assert rotated.exit_code == 0, rotated.output
    doc_a = _document(client, a)
    new_key = next(k for k in _key_ids(doc_a) if k != old_key)
    assert f"{a.did}#{old_key}" in doc_a["assertionMethod"] and f"{a.did}#{old_key}" not in doc_a["authentication"]
    assert _document(client, b) == doc_b
    after = issue_level(client, services, a)
    assert after.document["proof"]["verificationMethod"] == f"{a.did}#{new_key}"
    for credential in (before, after):
        result = _verify(client, credential.document)
        assert result.status_code == 200, result.get_json()

    withdrawn = cli("sponsors", "withdraw-key", a.slug, old_key)
    assert withdrawn.exit_code == 0, withdrawn.output
    assert old_key not in _key_ids(_document(client, a)) and _document(client, b) == doc_b
    assert _verify(client, before.document).status_code == 400          # the withdrawn key's signatures
    assert _verify(client, after.document).status_code == 200
    # The list the withdrawn key signed is re-signed with the sponsor's current key on next read.
    assert client.get(status_url).get_json()["proof"]["verificationMethod"] == f"{a.did}#{new_key}"
    assert cli("sponsors", "withdraw-key", b.slug, new_key).exit_code == 1    # not b's key


def _sign_the_old_way(services, sponsor) -> dict:
    """What every sponsor's credential was before 0012: the platform key under its did:web."""
    key = services.identity.keystore.active()
    from issuer.proofs import data_integrity
    return data_integrity.sign(_unsigned(sponsor.did), services.identity.keystore.private_key(key),
                               verification_method=f"{sponsor.did}#{key.key_id}", loader=services.loader)


def test_credentials_signed_with_the_platform_key_keep_verifying_for_sponsors_of_that_time(client, services):
    legacy, fresh = new_sponsor(services), new_sponsor(services)
    old_style = _sign_the_old_way(services, legacy)
    forged = _sign_the_old_way(services, fresh)
    with session_scope(services.sessions) as session:
        # What migration 0012 records for every sponsor that existed when it ran.
        session.get(Sponsor, legacy.id).legacy_keys_until = datetime.now(timezone.utc)
    assert _verify(client, old_style).status_code == 200
    document = _document(client, legacy)
    platform_vm = old_style["proof"]["verificationMethod"]
    assert platform_vm in document["assertionMethod"] and platform_vm not in document["authentication"]
    # A sponsor created since never lists the platform's keys: nobody else's key signs for it.
    assert _verify(client, forged).status_code == 400
    # Keys the platform makes after the upgrade are never listed in an old sponsor's document.
    time.sleep(1.1)     # key files record their creation to the second
    new_platform = services.identity.keystore.rotate()[0]
    assert f"{legacy.did}#{new_platform.key_id}" not in _document(client, legacy)["assertionMethod"]


def test_migration_0012_marks_the_sponsors_of_its_time_and_start_makes_their_keys(database_url, config):
    """Upgrading a database whose sponsors signed with the platform's keys: they are marked (their
    documents keep those keys, retired), and the next start gives each a key of its own."""
    from sqlalchemy import create_engine, text
    from issuer import db
    from issuer.composition import build_services
    from issuer.proofs.keys import KeyStore
    KeyStore(config.keys_dir, config.key_passphrase).ensure_active()     # the platform key of that time
    db.upgrade(database_url)
    db.downgrade(database_url, "0009")
    slug = f"before-0012-{uuid.uuid4().hex[:8]}"
    engine = create_engine(database_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("INSERT INTO sponsors (name, slug, created_at) VALUES (:n, :s, :t)"),
                               {"n": slug, "s": slug, "t": datetime.now(timezone.utc)})
    finally:
        engine.dispose()
    services = build_services(config)          # migrates, then makes the missing sponsor keys
    try:
        with session_scope(services.sessions) as session:
            old = session.query(Sponsor).filter_by(slug=slug).one()
            assert old.legacy_keys_until is not None
            [key] = session.query(SponsorKey).filter_by(sponsor_id=old.id).all()
            assert key.status == "active" and key.family == "Ed25519"
            document = services.keys.document(session, services.identity.sponsor_did(slug))
        platform = [f"{services.identity.sponsor_did(slug)}#{r.key_id}" for r in services.identity.keystore.records()]
        assert set(platform) <= set(document["assertionMethod"]) and not set(platform) & set(document["authentication"])
        fresh = new_sponsor(services)
        with session_scope(services.sessions) as session:
            assert session.get(Sponsor, fresh.id).legacy_keys_until is None
    finally:
        services.engine.dispose()
