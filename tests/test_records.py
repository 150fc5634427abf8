"""The apprenticeship record (CLR 2.0) each enrolment gets: issued by the service, versioned as
the credentials it holds change, verifiable in every version, exactly once under concurrency."""

from __future__ import annotations

import json
import threading
import uuid

import pytest
from sqlalchemy import func, select

from issuer.credentials.schema import CLR_CREDENTIAL, schema_errors
from issuer.db import session_scope
from issuer.issuance import records
from issuer.issuance.models import RecordVersion
from issuer.progress.models import Apprentice, Enrollment
from issuer.sponsors.services import find_sponsor
from issuer.verify.service import Verifier

from test_programs_e2e import _csv, _rows_to_complete

PROGRAMS = ["dol-csr-3001cb", "ny-csr", "imec-csr", "dol-cs-tech-support-3031"]


def completed(cli, services, tmp_path, program_id: str, rows=None) -> tuple[str, dict, int]:
    """A new sponsor whose apprentice (imported through `ler import`) completed `program_id`:
    (sponsor name, the program as `ler programs show` gives it, the enrolment's id)."""
    name = f"Acme Contact Centers {uuid.uuid4().hex[:8]}"
    assert cli("sponsors", "create", name).exit_code == 0
    program = json.loads(cli("programs", "show", program_id, "--json").output)
    path = tmp_path / f"{program_id}.csv"
    path.write_text(_csv(rows if rows is not None else _rows_to_complete(program)))
    imported = cli("import", path, "--json", "--sponsor", name)
    assert imported.exit_code == 0, imported.output
    return name, program, enrollment_of(services, name)


def enrollment_of(services, sponsor_name: str) -> int:
    with session_scope(services.sessions) as session:
        sponsor = find_sponsor(session, sponsor_name)
        return session.scalars(select(Enrollment.id).join(Apprentice, Apprentice.id == Enrollment.apprentice_id)
                               .where(Apprentice.sponsor_id == sponsor.id)).one()


def current(services, enrollment_id: int) -> RecordVersion | None:
    with session_scope(services.sessions) as session:
        record = records.current(session, services.issuance, enrollment_id)
        if record is not None:
            session.expunge(record)
        return record


@pytest.mark.parametrize("program_id", PROGRAMS)
def test_each_seed_programs_record_meets_the_schema_and_verifies(program_id, cli, services, tmp_path):
    _, program, enrollment_id = completed(cli, services, tmp_path, program_id)
    with session_scope(services.sessions) as session:
        made = records.versions(session, enrollment_id)
        # `ler import` made the record once, after the import, whatever its chunks earned.
        assert [v.version for v in made] == [1]
    record = current(services, enrollment_id)
    assert record.id == made[0].id
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
