"""The apprenticeship record (CLR 2.0) each enrolment gets: issued by the service, versioned as
the credentials it holds change, verifiable in every version, exactly once under concurrency."""

from __future__ import annotations

import copy
import threading

import pytest
from sqlalchemy import func, select

from issuer.credentials.schema import CLR_CREDENTIAL, schema_errors
from issuer.db import session_scope
from issuer.issuance import records
from issuer.issuance.models import RecordVersion
from issuer.verify.service import Verifier

from records_support import almost, completed, current  # noqa: F401 (almost: a fixture)

PROGRAMS = ["dol-csr-3001cb", "ny-csr", "imec-csr", "dol-cs-tech-support-3031"]


@pytest.mark.parametrize("program_id", PROGRAMS)
def test_each_seed_programs_record_meets_the_schema_and_verifies(program_id, cli, services, tmp_path):
    _, program, enrollment_id = completed(cli, services, tmp_path, program_id)
    with session_scope(services.sessions) as session:
        # `ler import` signs no record, neither per chunk nor after: the first read makes it.
        assert records.versions(session, enrollment_id) == []
    record = current(services, enrollment_id)
    document = record.document
    assert record.version == 1 and document["id"] == f"urn:uuid:{record.id}"
    assert schema_errors(document, CLR_CREDENTIAL) == []
    held = document["credentialSubject"]["verifiableCredential"]
    assert sorted(c["id"] for c in held) == sorted(f"urn:uuid:{i}" for i in record.credential_ids)
    assert any(c["credentialSubject"]["achievement"]["achievementType"] == "ApprenticeshipCertificate" for c in held)
    for code in (program["onet_soc"], program["rapids_code"]):
        assert code is None or code in document["description"]
    result = Verifier.for_services(services).credential(document)
    assert result.verified, result.to_json()["errors"]
    assert len(result.credentials) == len(held) and all(n.verified for n in result.credentials)
    # Asked again with nothing changed: the same version.
    assert current(services, enrollment_id).id == record.id


def verified(services, document: dict):
    return Verifier.for_services(services).credential(document)


def test_a_new_achievement_makes_version_2_and_version_1_stays_verifiable(almost, services, client):
    key, enrollment_id, entry, _ = almost
    with session_scope(services.sessions) as session:
        [first] = records.versions(session, enrollment_id)
        first_id, first_document, first_held = first.id, first.document, list(first.credential_ids)
    occupations = [c for c in first_document["credentialSubject"]["verifiableCredential"]
                   if c["credentialSubject"]["achievement"]["achievementType"] == "ApprenticeshipCertificate"]
    assert occupations == []   # not yet completed: the record relates the parts to the occupation
    assert verified(services, first_document).verified

    # The last entry, one at a time through the sponsor API: the record follows at once.
    response = client.post("/api/v1/apprentices/A-100/entries", json=entry, headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 201, response.get_json()
    issued = [c["id"] for c in response.get_json()["issued"]]
    assert issued
    with session_scope(services.sessions) as session:
        made = records.versions(session, enrollment_id)
        assert [v.version for v in made] == [1, 2]
        second = made[1]
        assert set(second.credential_ids) == set(first_held) | {i.removeprefix("urn:uuid:") for i in issued}
        second_id, second_document = second.id, second.document
    assert second_document["id"] != first_document["id"]
    assert verified(services, second_document).verified
    assert verified(services, first_document).verified    # the earlier version as signed, still good
    assert current(services, enrollment_id).id == second_id

    page = client.get(f"/records/{first_id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'data-state="superseded"' in html and f'href="/records/{second_id}" id="newer-link"' in html
    assert "A newer version of this record exists: version 2" in html
    html = client.get(f"/records/{second_id}").get_data(as_text=True)
    assert 'data-state="current"' in html and "newer-link" not in html
    for old in (first_id, f"urn:uuid:{first_id}"):
        moved = client.get(f"/records/{old}/current")
        assert moved.status_code == 303 and moved.headers["Location"].endswith(f"/records/{second_id}")


def test_a_revoked_credential_is_left_out_of_the_next_version(almost, cli, services, client):
    _, enrollment_id, _, _ = almost
    first = current(services, enrollment_id)
    gone = first.credential_ids[0]
    revoked = cli("credentials", "revoke", gone, "--reason", "entered in error")
    assert revoked.exit_code == 0, revoked.output
    with session_scope(services.sessions) as session:
        made = records.versions(session, enrollment_id)
        assert [v.version for v in made] == [1, 2]
        assert made[1].credential_ids == [i for i in first.credential_ids if i != gone]
        second = made[1].document
    held = [c["id"] for c in second["credentialSubject"]["verifiableCredential"]]
    assert f"urn:uuid:{gone}" not in held
    assert verified(services, second).verified
    # Version 1 still holds it, and says so: its check fails on that credential's status alone.
    old = verified(services, first.document)
    assert not old.verified and [c.name for c in old.failed] == ["credentials"]
    html = client.get(f"/records/{first.id}").get_data(as_text=True)
    assert "Revoked since this version was issued" in html

    # A flag (no longer earned after a correction) is not a revocation: nothing changes.
    assert current(services, enrollment_id).id == made[1].id


def test_records_made_lazily_exactly_once_under_concurrency(almost, services):
    """Enrolments with no version yet (from before records, or only imported; here: their
    versions removed) get one on first read; two readers at once make one version between them."""
    _, enrollment_id, _, _ = almost
    with session_scope(services.sessions) as session:
        session.execute(RecordVersion.__table__.delete().where(RecordVersion.enrollment_id == enrollment_id))
    barrier = threading.Barrier(2)
    found, errors = [], []

    def read():
        try:
            with session_scope(services.sessions) as session:
                barrier.wait(timeout=30)
                record = records.current(session, services.issuance, enrollment_id)
                found.append((record.id, record.version))
        except Exception as exc:  # reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    assert len(found) == 2 and found[0] == found[1] and found[0][1] == 1
    with session_scope(services.sessions) as session:
        assert session.scalar(select(func.count()).select_from(RecordVersion)
                              .where(RecordVersion.enrollment_id == enrollment_id)) == 1


def test_a_tampered_credential_inside_the_issued_record_fails_by_name(almost, services):
    _, enrollment_id, _, _ = almost
    document = copy.deepcopy(current(services, enrollment_id).document)
    inner = document["credentialSubject"]["verifiableCredential"][1]
    inner["credentialSubject"]["achievement"]["name"] += " (with honours)"
    result = verified(services, document)
    assert not result.verified and result.check("proof").outcome == "fail"
    [failing] = [n for n in result.credentials if not n.verified]
    assert failing.credential_id == inner["id"] and [c.name for c in failing.failed] == ["proof"]
    assert inner["id"] in result.check("credentials").message


def test_a_version_is_rebuilt_from_its_inputs_as_signed(almost, services):
    """`records.inputs_of` (what delivery rebuilds holder-bound copies from) gives back the very
    document a version signed, the hashed email identifier included."""
    _, enrollment_id, _, _ = almost
    version = current(services, enrollment_id)
    with session_scope(services.sessions) as session:
        inputs = records.inputs_of(session, services.issuance, version)
    rebuilt = inputs.build(record_id=version.id, valid_from=version.document["validFrom"])
    assert rebuilt == {k: v for k, v in version.document.items() if k != "proof"}


def test_a_sign_off_that_earns_two_levels_signs_one_record_version(app, services):
    """A journeyworker signs off two levels' statements in one form: two level credentials, and
    the record follows with one new version holding both, not one version per credential."""
    from portal_support import Signed, enrol, make_staff, make_tenant
    from issuer.issuance.models import IssuedCredential
    from issuer.portal.models import StaffAccount
    from issuer.progress.models import Enrollment
    tenant = make_tenant(services)
    admin = Signed(app, tenant.administrator)
    jw_email = make_staff(services, tenant.name, "journeyworker", name="Jo Rivera")
    apprentice = enrol(admin)
    with session_scope(services.sessions) as session:
        jw_id = session.scalars(select(StaffAccount.id).where(StaffAccount.email == jw_email)).one()
        enrollment_id = session.scalars(select(Enrollment.id).where(Enrollment.apprentice_id == apprentice)).one()
    assert admin.post(f"/portal/apprentices/{apprentice}/assignments", {"staff": jw_id, "assign": "on"}).status_code == 303
    statements = [f"{level}-{i:02d}" for level in ("emerging", "developing") for i in range(1, 11)]
    response = Signed(app, jw_email).post(f"/portal/apprentices/{apprentice}/signoff",
                                          {"statement": statements, "date": "2024-02-01"})
    assert response.status_code == 303 and "issued=" in response.location
    with session_scope(services.sessions) as session:
        levels = set(session.scalars(select(IssuedCredential.id).where(
            IssuedCredential.apprentice_id == apprentice, IssuedCredential.achievement_key.like("level:%"))))
        [version] = records.versions(session, enrollment_id)
        assert len(levels) == 2 and levels <= set(version.credential_ids), (levels, version.credential_ids)
