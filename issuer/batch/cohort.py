"""Cohort-certificate rows checked before a batch is approved, and the award each attests.

A cohort row names an apprentice the sponsor has enrolled, the program and the achievement to
award. The rows are checked a chunk at a time with a few set-based queries (not one per row);
a row whose award the apprentice's ledger contradicts stays valid but is marked, so that
approving it needs the sponsor's explicit "attest anyway" (`issuer.batch.intake.approve`).
"""

from __future__ import annotations

import difflib
import hashlib
from dataclasses import replace
from datetime import date

from sqlalchemy import select

from issuer.batch import models as m
from issuer.batch.models import row_values
from issuer.issuance.models import IssuedCredential
from issuer.programs import catalog
from issuer.programs.models import ProgramVersion
from issuer.progress import state as states
from issuer.progress.models import Apprentice, Enrollment, EnrollmentState
from issuer.progress.rows import CohortRow, row_error
from issuer.progress.validation import parse_date
from issuer.rules import RunningState, evaluate
from issuer.rules import progress as progress_from_state
from issuer.sponsors.models import Sponsor
from issuer.sponsors.services import sponsor_programs

# Key of a cohort row's stored data: why the ledger contradicts the award it attests.
CONTRADICTS = "_ledger_contradicts"
SHOWN_KEYS = 8


class CohortChecker:
    """Checks cohort rows a chunk at a time with a few set-based queries (not one per row)."""

    def __init__(self, sponsor_id: int):
        self.sponsor_id = sponsor_id
        self.programs: set[str] | None = None
        self.achievements: dict[int, tuple] = {}     # program version id -> achievement keys
        self.today = date.today()

    def _keys(self, session, version_id: int) -> tuple:
        if version_id not in self.achievements:
            program = session.get(ProgramVersion, version_id)
            frameworks = [f.document for f in catalog.frameworks_of(session, program)]
            self.achievements[version_id] = (program, evaluate(program.document, frameworks, []).keys)
        return self.achievements[version_id]

    def check(self, session, batch_id: str, chunk: list[tuple[int, dict]]) -> list[dict]:
        """Each row alone first (`issuer.progress.rows`), then the well-formed ones against the
        sponsor's apprentices, enrolments and credentials."""
        if self.programs is None:
            self.programs = set(sponsor_programs(session, session.get(Sponsor, self.sponsor_id)))
        refused = {line: row_error(CohortRow, data) for line, data in chunk if "_not_an_object" not in data}
        named = {d["apprentice_id"] for line, d in chunk if line in refused and refused[line] is None}
        apprentices = {}
        for a in session.scalars(select(Apprentice).where(Apprentice.sponsor_id == self.sponsor_id,
                                                          Apprentice.external_id.in_(named))):
            apprentices[a.external_id] = a
        for a in session.scalars(select(Apprentice).where(Apprentice.sponsor_id == self.sponsor_id,
                                                          Apprentice.id.in_(named - set(apprentices)))):
            apprentices[a.id] = a
        ids = {a.id for a in apprentices.values()}
        enrollments = {(e.apprentice_id, e.program_id): e for e in session.scalars(
            select(Enrollment).where(Enrollment.apprentice_id.in_(ids)))}
        held = {(c.apprentice_id, c.program_version_id, c.achievement_key): c.id for c in session.execute(
            select(IssuedCredential.id, IssuedCredential.apprentice_id, IssuedCredential.program_version_id,
                   IssuedCredential.achievement_key).where(IssuedCredential.apprentice_id.in_(ids)))}
        self.ledgers = _Ledgers(session, enrollments.values())
        return [self._one(session, batch_id, line, data, apprentices, enrollments, held) if not refused.get(line)
                else row_values(batch_id, line, data, m.INVALID, *refused[line]) for line, data in chunk]

    def _one(self, session, batch_id, line, data, apprentices, enrollments, held) -> dict:
        if "_not_an_object" in data:
            return row_values(batch_id, line, data)
        program_id, key = data["program"], data["achievement"]
        if program_id not in self.programs:
            return row_values(batch_id, line, data, m.INVALID, "program", f"unknown program {program_id!r} for this sponsor")
        apprentice = apprentices.get(data["apprentice_id"])
        if apprentice is None:
            return row_values(batch_id, line, data, m.INVALID, "apprentice_id",
                        f"no apprentice {data['apprentice_id']!r}: enroll the apprentice first")
        enrollment = enrollments.get((apprentice.id, program_id))
        if enrollment is None:
            return row_values(batch_id, line, data, m.INVALID, "program",
                        f"apprentice {data['apprentice_id']!r} is not enrolled in {program_id}")
        program, keys = self._keys(session, enrollment.program_version_id)
        if key not in keys:
            shown = ", ".join(keys[:SHOWN_KEYS]) + (f", ... ({len(keys)} in all)" if len(keys) > SHOWN_KEYS else "")
            close = difflib.get_close_matches(key, list(keys), n=2)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            return row_values(batch_id, line, data, m.INVALID, "achievement",
                        f"unknown achievement {key!r} for program {program_id} version {program.version}; "
                        f"valid: {shown}{hint}")
        if data.get("completed_on"):
            completed = parse_date(data["completed_on"])   # well-formed: checked by CohortRow
            if completed > self.today:
                return row_values(batch_id, line, data, m.INVALID, "completed_on",
                            f"{completed.isoformat()} is in the future (today is {self.today.isoformat()})")
        resolved = {**data, "_apprentice": apprentice.id, "_program_version": enrollment.program_version_id}
        row_key = hashlib.sha256(f"{apprentice.id}\n{enrollment.program_version_id}\n{key}".encode()).hexdigest()
        existing = held.get((apprentice.id, enrollment.program_version_id, key))
        message = f"already holds credential {existing}: nothing new will be issued" if existing else None
        contradiction = None if existing else self.ledgers.contradiction(session, enrollment, key)
        if contradiction:
            # Valid, but approving it needs the sponsor's explicit "attest anyway" (see `approve`).
            resolved[CONTRADICTS] = message = contradiction
        return row_values(batch_id, line, resolved, message=message, row_key=row_key)


class _Ledgers:
    """What the ledgers of a chunk's enrolments say, from their running states (one query)."""

    def __init__(self, session, enrollments):
        ids = [e.id for e in enrollments]
        self.stored = {row.enrollment_id: row for row in session.scalars(
            select(EnrollmentState).where(EnrollmentState.enrollment_id.in_(ids)))} if ids else {}

    def contradiction(self, session, enrollment, key: str) -> str | None:
        """Why the ledger says `key` is not earned, or None when it is. An empty ledger says
        nothing: the sponsor keeps that apprentice's records elsewhere and attests from them."""
        row = self.stored.get(enrollment.id)
        state = RunningState.from_json(row.state) if row is not None else states.load(session, enrollment)
        if not state.entries:
            return None
        found = states.book(session, enrollment.program_version_id)
        status = progress_from_state(found.document, found.frameworks, found.rules, state).get(key)
        if status is None or status.earned:
            return None
        return ("the ledger contradicts this award (" + "; ".join(status.missing[:3])
                + (f"; {len(status.missing) - 3} more" if len(status.missing) > 3 else "")
                + "): approving it needs \"attest anyway\"")


def award_status(session, program: ProgramVersion, key: str):
    """(frameworks, status) for an award the sponsor attests: the achievement as the rules
    describe it (title, what it covers), earned by attestation rather than by the ledger; the
    caller puts the attestation in its evidence."""
    frameworks = [f.document for f in catalog.frameworks_of(session, program)]
    status = evaluate(program.document, frameworks, []).get(key)
    return frameworks, replace(status, earned=True, missing=(), evidence=None)
