"""Taking a batch in: read the file (progress CSV, its JSON equivalent, or a cohort-certificate
CSV or JSON), store its rows, and validate every one of them before anything is issued.

Progress rows are validated by the importer's own dry run (`issuer.workflow.importer`), so a
batch refuses exactly what `ler import` would. Cohort-certificate rows name an apprentice the
sponsor has enrolled, the program and the achievement to award (checked by `issuer.batch.cohort`):

    apprentice_id,program,achievement[,completed_on]

A file is read twice from disk or a spooled upload, never held whole in memory (JSON is the
exception: it is parsed in one piece, within the size limit): once for its SHA-256, which
recognises a re-submitted file before any row is stored, once for the rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import time
import uuid
from itertools import islice
from collections.abc import Callable, Iterable, Iterator
from typing import BinaryIO

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from issuer.batch import models as m
from issuer.batch.cohort import CONTRADICTS, CohortChecker
from issuer.batch.lease import LEASE_SECONDS, lease_alive, new_owner
from issuer.batch.models import Batch, BatchRow, row_values
from issuer.db import insert_rows, session_scope
from issuer.errors import LerError
from issuer import audit
from issuer.programs.models import utcnow
from issuer.workflow import importer

PROGRESS, COHORT = "progress", "cohort"
KINDS = (PROGRESS, COHORT)
COHORT_COLUMNS = ["apprentice_id", "program", "achievement"]
COHORT_OPTIONAL = ["completed_on"]
MAX_ROWS = importer.MAX_ROWS
CHUNK = 1000            # rows stored (and cohort rows checked) per transaction


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


def _chunks(rows: Iterable[tuple[int, dict]], size: int) -> Iterator[list[tuple[int, dict]]]:
    rows = iter(rows)
    while chunk := list(islice(rows, size)):
        yield chunk


def _store_rows(services, batch_id, sponsor_id, kind, rows, verdicts) -> tuple[int, int]:
    total = invalid = 0
    checker = CohortChecker(sponsor_id) if kind == COHORT else None
    for chunk in _chunks(rows, CHUNK):
        total += len(chunk)
        with session_scope(services.sessions) as session:
            if checker is not None:
                values = checker.check(session, batch_id, chunk)
            else:
                values = [row_values(batch_id, line, data, *verdicts.get(line, ())) for line, data in chunk]
            invalid += sum(1 for v in values if v["outcome"] == m.INVALID)
            insert_rows(session, BatchRow.__table__, values)
    if total == 0:
        raise BatchError("the file has no rows")
    return total, invalid


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


def contradicted(sessions, batch_id: str) -> list[tuple[int, str]]:
    """(line, why) of the valid rows whose award the ledger contradicts."""
    return [(row.line, row.data[CONTRADICTS]) for row in stored_rows(sessions, batch_id, outcome=m.VALID)
            if CONTRADICTS in (row.data or {})]


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
