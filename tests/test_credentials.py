"""The OB 3.0 builder: schema-valid credentials that survive sign -> verify in every format."""

from __future__ import annotations

import json

import pytest

from issuer.credentials.identity import email_identity_object, identity_hash, matches
from issuer.credentials.openbadge import Recipient
from issuer.credentials.schema import OB_ACHIEVEMENT_CREDENTIAL, schema_errors
from issuer.errors import CredentialError
from issuer.proofs import ld
from issuer.verify import verify_credential

from factories import open_badge


def test_built_credential_is_schema_valid_and_safe_mode_clean(services):
    credential = open_badge(services.identity.did, alignments=10)
    assert schema_errors(credential, OB_ACHIEVEMENT_CREDENTIAL) == []
    assert credential["credentialSchema"][0]["id"] == OB_ACHIEVEMENT_CREDENTIAL
    assert credential["@context"][:2] == [ld.VC_V2, ld.OB_V3]
    assert credential["issuer"]["type"] == ["Profile"]
    assert len(credential["credentialSubject"]["achievement"]["alignment"]) == 10
    ld.expand(credential, services.loader)  # raises on any undefined term


def test_identity_object_is_salted_sha256_of_the_email():
    obj = email_identity_object("Ana.Lopez@Example.org ", salt="s4lt")
    assert obj == {"type": "IdentityObject", "identityHash": identity_hash("ana.lopez@example.org", "s4lt"),
                   "identityType": "emailAddress", "hashed": True, "salt": "s4lt"}
    assert obj["identityHash"].startswith("sha256$") and len(obj["identityHash"]) == 7 + 64
    assert matches(obj, "ana.lopez@example.org") and matches(obj, "ANA.LOPEZ@example.org")
    assert not matches(obj, "someone@example.org")


def test_recipient_needs_an_identity():
    with pytest.raises(CredentialError):
        Recipient().to_json()


def test_builder_refuses_what_the_schema_refuses(services):
    with pytest.raises(CredentialError, match="schema"):
        open_badge(services.identity.did, valid_from="yesterday")


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
def test_data_integrity_round_trip(services, suite):
    credential = open_badge(services.identity.did)
    signed = services.identity.sign(credential, cryptosuite=suite)
    assert signed["proof"]["verificationMethod"].startswith(services.identity.did + "#")
    result = verify_credential(signed, resolver=services.identity.resolver(), recipient="ana.lopez@example.org")
    assert result.verified, result.to_json()
    assert {c.name for c in result.checks} >= {"parse", "structure", "contexts", "jsonld", "schema", "proof",
                                                "issuer", "dates", "status", "recipient"}
    assert result.check("schema").outcome == "pass"


@pytest.mark.parametrize("family", ["Ed25519", "RSA"])
def test_vc_jwt_round_trip(services, family):
    if family == "RSA":
        services.identity.keystore.ensure_active("RSA")
    credential = open_badge(services.identity.did, valid_until="2099-01-01T00:00:00Z")
    token = services.identity.sign_jwt(credential, family)
    import jwt
    header = jwt.get_unverified_header(token)
    payload = jwt.decode(token, options={"verify_signature": False})
    assert header["alg"] == ("EdDSA" if family == "Ed25519" else "RS256")
    assert header["kid"].startswith(services.identity.did + "#")
    assert payload["iss"] == services.identity.did
    assert payload["jti"] == credential["id"]
    assert payload["sub"] == credential["credentialSubject"]["id"]
    assert payload["nbf"] == 1704067200 and payload["exp"] == 4070908800
    assert payload["credentialSubject"] == credential["credentialSubject"]
    result = verify_credential(token, resolver=services.identity.resolver())
    assert result.verified, result.to_json()


def test_vc_jwt_with_mismatched_claim_fails(services):
    from issuer.proofs import jwt as vcjwt
    credential = open_badge(services.identity.did)
    key = services.identity.signing_key()
    import jwt
    payload = {**credential, **vcjwt.registered_claims(credential), "jti": "urn:uuid:someone-else"}
    token = jwt.encode(payload, key.private.cryptography_key(), algorithm="EdDSA",
                       headers={"kid": key.verification_method})
    result = verify_credential(token, resolver=services.identity.resolver())
    assert not result.verified
    assert "jti" in result.check("proof").message


def test_vc_jwt_alg_none_is_refused(services):
    import base64
    credential = open_badge(services.identity.did)

    def b64(obj):
        return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()

    token = f"{b64({'alg': 'none', 'typ': 'JWT'})}.{b64(credential)}.c2ln"
    result = verify_credential(token, resolver=services.identity.resolver())
    assert not result.verified
    assert "none" in result.check("proof").message


def test_vcdm_1_1_credential_signs_and_verifies(services):
    credential = {
        "@context": ["https://www.w3.org/2018/credentials/v1", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json",
                     "https://w3id.org/security/data-integrity/v2"],
        "id": "urn:uuid:6a2b5ef2-3e2d-4f6a-a1a5-2f7e0c9a7f10",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": services.identity.did, "type": "Profile", "name": "Acme"},
        "issuanceDate": "2020-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abc", "type": "AchievementSubject", "achievement": {
            "id": "https://issuer.example/a/1", "type": "Achievement", "name": "Old badge",
            "description": "Issued before VCDM 2.0", "criteria": {"narrative": "Done."}}},
    }
    signed = services.identity.sign(credential)
    result = verify_credential(signed, resolver=services.identity.resolver())
    assert result.verified, result.to_json()
    assert result.check("schema").outcome == "warning"
    expired = services.identity.sign({**credential, "expirationDate": "2021-01-01T00:00:00Z"})
    result = verify_credential(expired, resolver=services.identity.resolver())
    assert result.check("dates").outcome == "fail" and "expired" in result.check("dates").message
