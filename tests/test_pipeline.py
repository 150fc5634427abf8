"""The one issuance pipeline (plan, build, sign, store): every way a credential is signed gives
one that verifies and meets the OB 3.0 schema; many credentials due at once are signed in the
process pool and stored exactly once."""

from __future__ import annotations

import base64
import json
import uuid
from dataclasses import replace

from issuer.batch.cohort import award_status
from issuer.credentials.openbadge import IssuerProfile, Recipient
from issuer.credentials.schema import schema_errors
from issuer.db import session_scope
from issuer.delivery import copies
from issuer.issuance import pipeline, reissue, signing
from issuer.issuance.models import IssuedCredential
from issuer.issuance.plan import ATTESTATION, Plan
from issuer.programs import catalog
from issuer.progress import services as progress
from issuer.rules import AttestationEvidence
from issuer.sponsors.models import Sponsor
from issuer.sponsors.services import create_sponsor
from issuer.verify.service import Verifier

from verify_support import issue_one, make_legacy

BASE = "https://issuer.example"


def _payload(token: str) -> dict:
    body = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def _good(verifier: Verifier, credential) -> None:
    result = verifier.credential(credential)
    assert result.verified, result.to_json()
    document = _payload(credential) if isinstance(credential, str) else credential
    assert schema_errors(document) == [], schema_errors(document)


def test_every_signing_path_gives_a_credential_that_verifies_and_meets_the_schema(client, services):
    verifier = Verifier.for_services(services)
    issued = issue_one(client, services)                        # the rules path, through the sponsor API
    _good(verifier, issued.document)
    assert issued.document["proof"]["verificationMethod"].startswith(issued.document["issuer"]["id"])

    rendered = client.get(f"/api/v1/credentials/{issued.id}?format=jwt", headers=issued.auth)
    assert rendered.status_code == 200 and rendered.mimetype == "application/vc+jwt"
    _good(verifier, rendered.get_data(as_text=True))            # the VC-JWT rendering

    holder = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    with session_scope(services.sessions) as session:
        row = session.get(IssuedCredential, issued.id)
        ldp = copies.issue_copy(session, services, row, holder, copies.LDP_VC, "test")
        jwt_copy = copies.issue_copy(session, services, row, holder, copies.JWT_VC_JSON, "test")
    for copy in (ldp, jwt_copy):                               # the wallet copies, both formats
        _good(verifier, copy)
    assert ldp["credentialSubject"]["id"] == holder == _payload(jwt_copy)["credentialSubject"]["id"]

    status_url = issued.document["credentialStatus"]["statusListCredential"]
    status_list = client.get(status_url[len(BASE):]).get_json()
    assert verifier.credential(status_list).check("proof").outcome == "pass"   # a status list's credential

    legacy = make_legacy(services, issue_one(client, services, name="Bo Lind", email="bo@example.org"))
    with session_scope(services.sessions) as session:
        document = reissue.reissue_with_revocation(session, services.issuance, session.get(IssuedCredential, legacy.id))
    assert document["credentialStatus"]["statusPurpose"] == "revocation"
    _good(verifier, document)                                   # a legacy credential re-issued


def _plans(session, services, sponsor: Sponsor, count: int) -> list[Plan]:
    version = catalog.latest_program(session, "ny-csr")
    frameworks, template = award_status(session, version, "occupation")
    issuer = IssuerProfile(id=services.identity.sponsor_did(sponsor.slug), name=sponsor.name,
                           url=f"{BASE}/sponsors/{sponsor.slug}")
    plans = []
    for n in range(count):
        apprentice = progress.add_apprentice(session, sponsor, f"P-{n}", f"Apprentice {n}", f"a{n}@example.org", None)
        attested = replace(template, evidence=AttestationEvidence(f"{sponsor.name} attests that {apprentice.name} "
                                                                  "completed the program."))
        plans.append(Plan(achievement=attested,
                          apprentice_id=apprentice.id, recipient=Recipient(id=None, email=apprentice.email,
                                                                           name=apprentice.name),
                          sponsor_id=sponsor.id, issuer=issuer, program_version_id=version.id,
                          program=version.document, frameworks=frameworks, origin=ATTESTATION))
    return plans


def test_many_credentials_due_at_once_are_signed_in_the_pool_and_stored_once(services):
    count = signing.INLINE_BELOW + 6
    with session_scope(services.sessions) as session:
        sponsor, _ = create_sponsor(session, f"Pool Works {uuid.uuid4().hex[:8]}", ["ny-csr"], keys=services.keys)
        plans = _plans(session, services, sponsor, count)
        stored = pipeline.issue(session, services.issuance, plans)
        assert services.issuance.signer.started            # not signed inline: the pool did it
        assert [row.achievement_key for row in stored] == ["occupation"] * count
        documents = [row.document for row in stored]
        # The same achievements for the same apprentices again: the unique key keeps the first.
        again = [replace(plan, credential_id=str(uuid.uuid4())) for plan in plans[:3]]
        assert pipeline.issue(session, services.issuance, again) == []
    with session_scope(services.sessions) as session:
        held = session.query(IssuedCredential).filter(IssuedCredential.sponsor_id == sponsor.id).all()
        assert len(held) == count and {row.origin for row in held} == {ATTESTATION}
    verifier = Verifier.for_services(services)
    for document in documents:
        _good(verifier, document)
    slots = {(d["credentialStatus"]["statusListCredential"], d["credentialStatus"]["statusListIndex"])
             for d in documents}
    assert len(slots) == count                               # a slot of its own for each


def test_a_few_credentials_are_signed_inline(services):
    with session_scope(services.sessions) as session:
        sponsor, _ = create_sponsor(session, f"Inline Works {uuid.uuid4().hex[:8]}", ["ny-csr"], keys=services.keys)
        stored = pipeline.issue(session, services.issuance, _plans(session, services, sponsor, 2))
        assert not services.issuance.signer.started
        documents = [row.document for row in stored]
    verifier = Verifier.for_services(services)
    assert len(documents) == 2
    for document in documents:
        _good(verifier, document)
