"""Shared by the apprenticeship record tests: sponsors whose apprentice completed (or nearly
completed) a seed program, imported through `ler import`."""

from __future__ import annotations

import json
import uuid

import pytest
from sqlalchemy import select

from issuer.db import session_scope
from issuer.issuance import records
from issuer.issuance.models import RecordVersion
from issuer.progress.models import Apprentice, Enrollment
from issuer.sponsors.services import find_sponsor

from test_programs_e2e import _csv, _rows_to_complete


def completed(cli, services, tmp_path, program_id: str, rows=None) -> tuple[str, dict, int]:
    """A new sponsor whose apprentice (imported through `ler import`) completed `program_id`, or
    has the `rows` given: (its API key, the program as `ler programs show` gives it, the enrolment's id)."""
    name = f"Acme Contact Centers {uuid.uuid4().hex[:8]}"
    created = cli("sponsors", "create", name)
    assert created.exit_code == 0
    program = json.loads(cli("programs", "show", program_id, "--json").output)
    path = tmp_path / f"{program_id}.csv"
    path.write_text(_csv(rows if rows is not None else _rows_to_complete(program)))
    imported = cli("import", path, "--json", "--sponsor", name)
    assert imported.exit_code == 0, imported.output
    return created.output.split("API key (shown once; keep it safe): ")[1].strip(), program, \
        enrollment_of(services, name)


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


@pytest.fixture
def almost(cli, services, tmp_path):
    """The New York program's apprentice, imported but for the last entry (which completes the
    occupation), with the first version of its record: (API key, the enrolment's id, that last
    entry as the sponsor API takes it, and as a CSV file for `ler import`)."""
    program = json.loads(cli("programs", "show", "ny-csr", "--json").output)
    rows = _rows_to_complete(program)
    key, _, enrollment_id = completed(cli, services, tmp_path, "ny-csr", rows[:-1])
    with session_scope(services.sessions) as session:
        assert records.versions(session, enrollment_id) == []   # an import makes none: they are made when read
    assert current(services, enrollment_id).version == 1
    last = rows[-1]
    entry = {"program": "ny-csr", "entry_type": last[5], "item": last[6], "value": last[7], "date": last[8],
             "signed_off_by": last[9]}
    path = tmp_path / "last.csv"
    path.write_text(_csv([last]))
    return key, enrollment_id, entry, path
