"""A cohort of apprentices enrolled in one program, inserted in bulk (for batch tests and
benchmarks/batch.py: making 10,000 apprentices one request at a time is not what is measured)."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import insert

from issuer.db import session_scope
from issuer.programs import catalog
from issuer.progress.models import Apprentice, Enrollment

CHUNK = 5000


def make_cohort(sessions, sponsor_id: int, program_id: str, count: int, prefix: str = "A") -> list[str]:
    """`count` new apprentices (external ids PREFIX-000001...), each enrolled; their external ids."""
    external_ids = [f"{prefix}-{n:06d}" for n in range(1, count + 1)]
    with session_scope(sessions) as session:
        version_id = catalog.latest_program(session, program_id).id
    for start in range(0, count, CHUNK):
        people = [(str(uuid.uuid4()), external_id) for external_id in external_ids[start:start + CHUNK]]
        with session_scope(sessions) as session:
            session.execute(insert(Apprentice), [
                {"id": pid, "sponsor_id": sponsor_id, "external_id": ext, "name": f"Apprentice {ext}",
                 "email": f"{ext.lower()}@example.org", "did": None} for pid, ext in people])
            session.execute(insert(Enrollment), [
                {"apprentice_id": pid, "program_id": program_id, "program_version_id": version_id,
                 "start_date": date(2024, 1, 8), "cohort": prefix} for pid, _ in people])
    return external_ids


def cohort_csv(external_ids, program_id: str, achievement: str = "occupation") -> str:
    lines = ["apprentice_id,program,achievement,completed_on"]
    lines += [f"{ext},{program_id},{achievement},2025-06-30" for ext in external_ids]
    return "\n".join(lines) + "\n"
