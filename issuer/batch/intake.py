"""Taking a batch in: read the file (progress CSV, its JSON equivalent, or a cohort-certificate
CSV or JSON), store its rows, and validate every one of them before anything is issued.

Progress rows are validated by the importer's own dry run (`issuer.workflow.importer`), so a
batch refuses exactly what `ler import` would. Cohort-certificate rows name an apprentice the
sponsor has enrolled, the program and the achievement to award:

    apprentice_id,program,achievement[,completed_on]

A file is read twice from disk or a spooled upload, never held whole in memory (JSON is the
exception: it is parsed in one piece, within the size limit): once for its SHA-256, which
recognises a re-submitted file before any row is stored, once for the rows.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import date
from typing import BinaryIO

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from issuer.batch import models as m
from issuer.batch.lease import LEASE_SECONDS, lease_alive, new_owner
from issuer.batch.models import Batch, BatchRow
from issuer.db import insert_rows, session_scope
from issuer.errors import LerError
from issuer import audit
from issuer.issuance.models import IssuedCredential
from issuer.programs import catalog
from issuer.programs.models import ProgramVersion, utcnow
from issuer.workflow import importer
from issuer.progress import state as states
from issuer.progress.models import Apprentice, Enrollment, EnrollmentState
from issuer.progress.rows import CohortRow, row_error
from issuer.progress.validation import parse_date
from issuer.rules import RunningState, evaluate
from issuer.rules import progress as progress_from_state
from issuer.sponsors.models import Sponsor
from issuer.sponsors.services import sponsor_programs

PROGRESS, COHORT = "progress", "cohort"
KINDS = (PROGRESS, COHORT)
COHORT_COLUMNS = ["apprentice_id", "program", "achievement"]
# Key of a cohort row's stored data: why the ledger contradicts the award it attests.
CONTRADICTS = "_ledger_contradicts"
COHORT_OPTIONAL = ["completed_on"]
MAX_ROWS = importer.MAX_ROWS
CHUNK = 1000            # rows stored (and cohort rows checked) per transaction
SHOWN_KEYS = 8


class BatchError(LerError):
    """The file as a whole cannot be taken: `status` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 422):
        super().__init__(message)
        self.message = message
        self.status = status


def file_digest(stream: BinaryIO, limit: int) -> str:
    digest = hashlib.sha256()
    size = 0
    while block := stream.read(1 << 16):
        size += len(block)
        if size > limit:
            raise BatchError(f"the file is larger than {limit} bytes: split it", 413)
        digest.update(block)
    stream.seek(0)
    return digest.hexdigest()


def _is_json(stream: BinaryIO, filename: str) -> bool:
    if filename.lower().endswith(".json"):
        return True
    head = stream.read(64).lstrip(b"\xef\xbb\xbf \t\r\n")
    stream.seek(0)
    return head[:1] in (b"[", b"{")


def _kind_of(columns: Iterable[str], declared: str | None) -> str:
    columns = set(columns)
    kind = declared or (PROGRESS if "entry_type" in columns else COHORT if "achievement" in columns else None)
    if kind not in KINDS:
        raise BatchError("cannot tell the kind of file: a progress file has the columns "
                         f"{','.join(importer.COLUMNS)}; a cohort-certificate file has {','.join(COHORT_COLUMNS)}"
                         f"[,{','.join(COHORT_OPTIONAL)}]")
    return kind


def _header_error(kind: str, columns: Iterable[str]) -> str | None:
    wanted = importer.COLUMNS if kind == PROGRESS else COHORT_COLUMNS
    missing = [c for c in wanted if c not in set(columns)]
    if missing:
        return f"line 1: the header lacks column(s) {', '.join(missing)}; expected {','.join(wanted)}"
    return None


def read_file(stream: BinaryIO, filename: str, declared: str | None = None
              ) -> tuple[str, Callable[[], Iterator[tuple[int, dict]]]]:
    """(kind, a function that reads the rows as (line, row) from the start, each time it is
    called). CSV lines are file lines; a JSON file's "line" is the 1-based position of the row
    in its array (`[...]` or `{"rows": [...]}`)."""
    if declared is not None and declared not in KINDS:
        raise BatchError(f"kind must be one of {', '.join(KINDS)}", 400)
    if _is_json(stream, filename):
        wrapper = io.TextIOWrapper(stream, encoding="utf-8-sig")
        try:
            value = json.load(wrapper)
        except (ValueError, RecursionError) as exc:
            raise BatchError(f"the file is not valid JSON: {exc}") from None
        finally:
            wrapper.detach()
        if isinstance(value, dict):
            declared = declared or value.get("kind")
            value = value.get("rows")
        if not isinstance(value, list):
            raise BatchError('a JSON batch is an array of row objects, or {"rows": [...]}')
        first = next((r for r in value if isinstance(r, dict)), {})
        kind = _kind_of(first, declared)
        error = _header_error(kind, first)
        if error:
            raise BatchError(error.replace("line 1: the header", "the rows' keys"))
        return kind, lambda: ((n, importer.clean_row(r) if isinstance(r, dict) else
                               {"_not_an_object": repr(r)[:200]}) for n, r in enumerate(value, start=1))
    header, _ = _csv(stream)
    kind = _kind_of(header, declared)
    error = _header_error(kind, header)
    if error:
        raise BatchError(error)
    return kind, lambda: _csv(stream)[1]


def _csv(stream: BinaryIO) -> tuple[list[str], Iterator[tuple[int, dict]]]:
    stream.seek(0)
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
    reader = csv.DictReader(text)
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except UnicodeDecodeError:
        raise BatchError("the file is not UTF-8 text") from None
    except csv.Error as exc:
        raise BatchError(f"line 1: {exc}") from None
    text.detach()  # the next reading starts over on the same stream

    def rows():
        stream.seek(0)
        wrapper = io.TextIOWrapper(stream, encoding="utf-8-sig", newline="")
        lines = csv.DictReader(wrapper)
        try:
            for row in lines:
                yield lines.line_num, importer.clean_row(row)
        except UnicodeDecodeError:
            raise BatchError(f"line {lines.line_num + 1}: the file is not UTF-8 text") from None
        except csv.Error as exc:  # a field past the csv module's limit (128 KiB), a stray quote...
            raise BatchError(f"line {lines.line_num + 1}: {exc}") from None
        finally:
            wrapper.detach()
    return header, rows()


def submit(services, sponsor_id: int, stream: BinaryIO, *, filename: str, submitted_by: str,
           kind: str | None = None) -> tuple[str, bool]:
    """Store and validate the file; (batch id, created). The same file from the same sponsor
    answers the batch it already made (created False), whatever state that is in."""
    digest = file_digest(stream, services.config.batch_max_bytes)
    kind, rows = read_file(stream, filename, kind)
    opened = _open_batch(services.sessions, sponsor_id, digest, kind, filename, submitted_by, new_owner())
    if opened is None:
        return _existing(services.sessions, sponsor_id, digest)
    batch_id, created = opened
    if not created:
        return batch_id, False
    try:
        verdicts = _dry_run(services, batch_id, sponsor_id, _limited(rows())) if kind == PROGRESS else {}
        total, invalid = _store_rows(services, batch_id, sponsor_id, kind, _limited(rows()), verdicts)
        if kind == COHORT:
            invalid += _mark_duplicates(services.sessions, batch_id)
    except BaseException:
        _discard(services.sessions, batch_id)
        raise
    with session_scope(services.sessions) as session:
        session.execute(update(Batch).where(Batch.id == batch_id).values(
            state=m.VALIDATED, rows_total=total, rows_invalid=invalid, validated_at=utcnow(),
            lease_owner=None, lease_expires=None))
    return batch_id, True


def _existing(sessions, sponsor_id, digest) -> tuple[str, bool]:
    with session_scope(sessions) as session:
        return session.scalar(select(Batch.id).where(Batch.sponsor_id == sponsor_id,
                                                     Batch.content_hash == digest)), False


def _open_batch(sessions, sponsor_id, digest, kind, filename, submitted_by, owner) -> tuple[str, bool] | None:
    """A new batch in `validating`, leased to us; or (id, False) for a finished earlier upload
    of the same file. An upload whose validation died half-way is taken over and redone."""
    now = time.time()
    try:
        with session_scope(sessions) as session:
            existing = session.scalars(select(Batch).where(Batch.sponsor_id == sponsor_id,
                                                           Batch.content_hash == digest).with_for_update()).first()
            if existing is not None:
                if existing.state != m.VALIDATING or lease_alive(existing.lease_owner, existing.lease_expires, now):
                    return existing.id, False
                session.execute(delete(BatchRow).where(BatchRow.batch_id == existing.id))
                existing.lease_owner, existing.lease_expires = owner, now + LEASE_SECONDS
                return existing.id, True
            batch = Batch(id=str(uuid.uuid4()), sponsor_id=sponsor_id, kind=kind, filename=filename[:255],
                          content_hash=digest, state=m.VALIDATING, submitted_by=submitted_by[:200],
                          lease_owner=owner, lease_expires=now + LEASE_SECONDS)
            session.add(batch)
            session.flush()
            return batch.id, True
    except IntegrityError:
        return None  # the same file, submitted concurrently: answer the other upload's batch


def _discard(sessions, batch_id) -> None:
    with session_scope(sessions) as session:
        session.execute(delete(BatchRow).where(BatchRow.batch_id == batch_id))
        session.execute(delete(Batch).where(Batch.id == batch_id))


def _limited(rows: Iterator[tuple[int, dict]]) -> Iterator[tuple[int, dict]]:
    for count, row in enumerate(rows, start=1):
        if count > MAX_ROWS:
            raise BatchError(f"more than {MAX_ROWS} rows: split the file", 413)
        yield row


def _chunks(rows: Iterator[tuple[int, dict]], size: int) -> Iterator[list[tuple[int, dict]]]:
    chunk = []
    for item in rows:
        chunk.append(item)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _store_rows(services, batch_id, sponsor_id, kind, rows, verdicts) -> tuple[int, int]:
    total = invalid = 0
    checker = _CohortChecker(sponsor_id) if kind == COHORT else None
    for chunk in _chunks(rows, CHUNK):
        total += len(chunk)
        with session_scope(services.sessions) as session:
            if checker is not None:
                values = checker.check(session, batch_id, chunk)
            else:
                values = [_row(batch_id, line, data, *verdicts.get(line, ())) for line, data in chunk]
            invalid += sum(1 for v in values if v["outcome"] == m.INVALID)
            insert_rows(session, BatchRow.__table__, values)
    if total == 0:
        raise BatchError("the file has no rows")
    return total, invalid


def _row(batch_id, line, data, outcome=m.VALID, column=None, message=None, row_key=None) -> dict:
    if "_not_an_object" in data:
        outcome, column, message = m.INVALID, None, f"row {line} is not a JSON object"
    return {"batch_id": batch_id, "line": line, "data": data, "row_key": row_key, "outcome": outcome,
            "column": column, "message": message, "credentials": None, "notified_at": None}


def stored_rows(sessions, batch_id: str, *, outcome: str | None = None, after: int = 0,
                chunk: int = CHUNK) -> Iterator[BatchRow]:
    """A batch's rows in line order, a page per short transaction, so none is held open."""
    while True:
        with session_scope(sessions) as session:
            query = select(BatchRow).where(BatchRow.batch_id == batch_id, BatchRow.line > after)
            if outcome is not None:
                query = query.where(BatchRow.outcome == outcome)
            page = list(session.scalars(query.order_by(BatchRow.line).limit(chunk)))
            session.expunge_all()
        if not page:
            return
        yield from page
        after = page[-1].line


def _dry_run(services, batch_id, sponsor_id, rows) -> dict[int, tuple]:
    """The importer's dry run, in one transaction rolled back at the end, so rows that build on
    each other (hours that add up, a duplicate further down) are judged as a real run would
    judge them. Only the verdicts worth keeping are returned: errors and what would be issued."""
    verdicts = {}
    rows = ((line, data) for line, data in rows if "_not_an_object" not in data)
    for result in importer.import_rows(services.sessions, services.issuance, sponsor_id, rows,
                                       source=f"batch:{batch_id}", dry_run=True):
        if result.outcome == "error":
            verdicts[result.line] = (m.INVALID, result.column, result.message)
        elif result.credentials:
            verdicts[result.line] = (m.VALID, None, "; ".join(result.credentials))
    return verdicts


def _mark_duplicates(sessions, batch_id) -> int:
    """Two rows asking for the same award: the later ones are refused, naming the first."""
    with session_scope(sessions) as session:
        firsts = session.execute(
            select(BatchRow.row_key, func.min(BatchRow.line)).where(BatchRow.batch_id == batch_id,
                                                                    BatchRow.row_key.is_not(None))
            .group_by(BatchRow.row_key).having(func.count() > 1)).all()
        marked = 0
        for key, first in firsts:
            marked += session.execute(
                update(BatchRow).where(BatchRow.batch_id == batch_id, BatchRow.row_key == key, BatchRow.line > first)
                .values(outcome=m.INVALID, column="apprentice_id", message=f"duplicate of line {first}")).rowcount
        return marked


class _CohortChecker:
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
                else _row(batch_id, line, data, m.INVALID, *refused[line]) for line, data in chunk]

    def _one(self, session, batch_id, line, data, apprentices, enrollments, held) -> dict:
        if "_not_an_object" in data:
            return _row(batch_id, line, data)
        program_id, key = data["program"], data["achievement"]
        if program_id not in self.programs:
            return _row(batch_id, line, data, m.INVALID, "program", f"unknown program {program_id!r} for this sponsor")
        apprentice = apprentices.get(data["apprentice_id"])
        if apprentice is None:
            return _row(batch_id, line, data, m.INVALID, "apprentice_id",
                        f"no apprentice {data['apprentice_id']!r}: enroll the apprentice first")
        enrollment = enrollments.get((apprentice.id, program_id))
        if enrollment is None:
            return _row(batch_id, line, data, m.INVALID, "program",
                        f"apprentice {data['apprentice_id']!r} is not enrolled in {program_id}")
        program, keys = self._keys(session, enrollment.program_version_id)
        if key not in keys:
            shown = ", ".join(keys[:SHOWN_KEYS]) + (f", ... ({len(keys)} in all)" if len(keys) > SHOWN_KEYS else "")
            close = difflib.get_close_matches(key, list(keys), n=2)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            return _row(batch_id, line, data, m.INVALID, "achievement",
                        f"unknown achievement {key!r} for program {program_id} version {program.version}; "
                        f"valid: {shown}{hint}")
        if data.get("completed_on"):
            completed = parse_date(data["completed_on"])   # well-formed: checked by CohortRow
            if completed > self.today:
                return _row(batch_id, line, data, m.INVALID, "completed_on",
                            f"{completed.isoformat()} is in the future (today is {self.today.isoformat()})")
        resolved = {**data, "_apprentice": apprentice.id, "_program_version": enrollment.program_version_id}
        row_key = hashlib.sha256(f"{apprentice.id}\n{enrollment.program_version_id}\n{key}".encode()).hexdigest()
        existing = held.get((apprentice.id, enrollment.program_version_id, key))
        message = f"already holds credential {existing}: nothing new will be issued" if existing else None
        contradiction = None if existing else self.ledgers.contradiction(session, enrollment, key)
        if contradiction:
            # Valid, but approving it needs the sponsor's explicit "attest anyway" (see `approve`).
            resolved[CONTRADICTS] = message = contradiction
        return _row(batch_id, line, resolved, message=message, row_key=row_key)


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


def contradicted(sessions, batch_id: str) -> list[tuple[int, str]]:
    """(line, why) of the valid rows whose award the ledger contradicts."""
    return [(row.line, row.data[CONTRADICTS]) for row in stored_rows(sessions, batch_id, outcome=m.VALID)
            if CONTRADICTS in (row.data or {})]


def award_status(session, program: ProgramVersion, key: str):
    """(frameworks, status) for an award the sponsor attests: the achievement as the rules
    describe it (title, what it covers), earned by attestation rather than by the ledger; the
    caller puts the attestation in its evidence."""
    frameworks = [f.document for f in catalog.frameworks_of(session, program)]
    status = evaluate(program.document, frameworks, []).get(key)
    return frameworks, replace(status, earned=True, missing=(), evidence=None)


def approve(services, sponsor_id: int, batch_id: str, approved_by: str, *, dispatch: bool = True,
            attest_anyway: bool = False) -> str:
    """validated (or failed, to resume it) -> approved; the state after the call. `dispatch`:
    hand it to a runner now (the queue, or this process's thread); else a poller will.

    Rows attesting what the ledger contradicts (an apprenticeship completed with 104 of 2,000
    hours) are approved only with `attest_anyway`, which the audit log records with the rows."""
    against = contradicted(services.sessions, batch_id)
    if against and not attest_anyway:
        lines = ", ".join(str(line) for line, _ in against[:10]) + (", ..." if len(against) > 10 else "")
        raise BatchError(f"{len(against)} row(s) attest an award the ledger contradicts (line(s) {lines}; "
                         f"line {against[0][0]}: {against[0][1]}); approve with \"attest anyway\" to issue them",
                         409)
    with session_scope(services.sessions) as session:
        batch = session.get(Batch, batch_id, with_for_update=True)
        if batch is None or batch.sponsor_id != sponsor_id:
            raise BatchError(f"no batch {batch_id}", 404)
        if batch.state == m.VALIDATING:
            raise BatchError("the batch is still being validated", 409)
        if batch.state in (m.VALIDATED, m.FAILED):
            batch.state, batch.approved_at, batch.approved_by = m.APPROVED, utcnow(), approved_by[:200]
            batch.attempts, batch.message = 0, None
            if against:
                audit.record(session, sponsor_id, "batch.attest_anyway", f"batch:{batch_id}", by=audit.Actor(
                    approved_by[:200]), rows=len(against), lines=[line for line, _ in against[:1000]],
                    first_reason=against[0][1])
        state = batch.state
    if dispatch and state in (m.APPROVED, m.RUNNING):
        from issuer.batch import jobs
        try:
            jobs.dispatch(services, batch_id)
        except jobs.QueueUnavailable as exc:
            # The approval is committed: the workers' watcher queues the batch when Redis is back.
            raise BatchError(f"batch {batch_id} is approved and will run when the queue is back "
                             f"(the job queue cannot be reached: {exc})", 503) from None
    return state
