"""Progress rows (`ler import`, web and API batches): checked, grouped, applied in chunks.

Every row is checked alone first; the good ones are grouped by apprentice and program, put in
date order and applied a chunk at a time, each chunk one transaction (entries, the running
state and the credentials they earn), each apprentice once per chunk
(`issuer.workflow.earning`). A bad row is reported with its line and column and skipped; it
never undoes the rows before it. A crash loses at most the chunk in hand, and running the file
again finds the committed rows already recorded: re-importing is a no-op.

Apprenticeship records are not re-signed here, neither per chunk nor after the import: a record
is made when it is next read (`issuer.issuance.records`), which keeps an import that earns many
apprentices something at the cost of its credentials (benchmarks/records.py).
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from issuer.db import session_scope
from issuer.issuance.services import IssuanceContext
from issuer import audit
from issuer.programs import catalog
from issuer.programs.models import ProgramVersion
from issuer.progress import services
from issuer.progress.models import Apprentice, Enrollment
from issuer.progress.recording import Appending, NewEntry, ProgressError
from issuer.progress.rows import ProgressRow, row_error
from issuer.progress.validation import parse_date
from issuer.row_report import row_json
from issuer.sponsors.models import Sponsor
from issuer.sponsors.services import sponsor_programs
from issuer.workflow.earning import Recorded, record_chunk

log = logging.getLogger(__name__)

COLUMNS = ["apprentice_id", "apprentice_name", "apprentice_email", "apprentice_did", "program", "entry_type",
           "item", "value", "date", "signed_off_by"]
# The sponsor's own reference for a row: with it, two same-day rows alike in every other
# column are two entries (two real classes), not one row sent twice.
OPTIONAL_COLUMNS = ["entry_ref"]
MAX_ROWS = 100_000
# Rows per transaction: big enough that commits and per-apprentice reads are a small share,
# small enough that a SQLite batch holds the write lock for well under a second.
CHUNK = 500


@dataclass
class RowResult:
    line: int
    outcome: str                      # recorded | duplicate | error | valid (dry run)
    column: str | None = None
    message: str | None = None
    credentials: list[str] = field(default_factory=list)
    achievements: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        return row_json(self)


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)
    header_error: str | None = None

    @property
    def errors(self) -> list[RowResult]:
        return [r for r in self.rows if r.outcome == "error"]

    def counts(self) -> dict:
        counts: dict[str, int] = {}
        for row in self.rows:
            counts[row.outcome] = counts.get(row.outcome, 0) + 1
        counts["credentials_issued"] = sum(len(r.credentials) for r in self.rows)
        return counts

    def to_json(self) -> dict:
        return {"header_error": self.header_error, "counts": self.counts(),
                "errors": [r.to_json() for r in self.errors], "rows": [r.to_json() for r in self.rows]}


def open_rows(lines: Iterable[str]) -> tuple[Iterator[tuple[int, dict]], str | None]:
    """The header checked, then the rows as (line, row), read lazily so a large file streams."""
    reader = csv.DictReader(lines)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        return iter(()), f"line 1: the header lacks column(s) {', '.join(missing)}; expected {','.join(COLUMNS)}"
    return ((reader.line_num, clean_row(row)) for row in reader), None


def clean_row(row: dict) -> dict:
    return {k.strip(): ("" if v is None else str(v)).strip() for k, v in row.items() if k is not None}


def read_rows(text: str) -> tuple[list[tuple[int, dict]], str | None]:
    lazy, error = open_rows(io.StringIO(text))
    if error:
        return [], error
    rows = []
    for line, row in lazy:
        if len(rows) >= MAX_ROWS:
            return rows, f"more than {MAX_ROWS} rows: split the file"
        rows.append((line, row))
    return rows, None


def run_import(sessions: sessionmaker[Session], ctx: IssuanceContext, sponsor_id: int, text: str, *,
               source: str, dry_run: bool = False, recorded_by: str = "import") -> ImportReport:
    """Import every row; a dry run does the same work in one transaction and rolls it back, so
    it reports exactly what a real run would record and issue."""
    report = ImportReport()
    rows, report.header_error = read_rows(text)
    if report.header_error and not rows:
        return report
    report.rows.extend(import_rows(sessions, ctx, sponsor_id, rows, source=source, dry_run=dry_run,
                                   recorded_by=recorded_by))
    report.rows.sort(key=lambda r: r.line)
    return report


def import_rows(sessions: sessionmaker[Session], ctx: IssuanceContext, sponsor_id: int,
                rows: Iterable[tuple[int, dict]], *, source: str, dry_run: bool = False,
                recorded_by: str = "import", chunk: int = CHUNK) -> Iterator[RowResult]:
    """The result of each row, a chunk at a time (see `run_import`): every row checked first,
    then the rows applied apprentice by apprentice in date order, `chunk` rows per transaction."""
    valid: list[tuple[int, dict]] = []
    seen: dict[tuple, int] = {}
    for line, row in rows:
        error = check_row(line, row)
        if error is None:
            key = row_key(row)
            if key in seen:
                error = RowResult(line, "error", "apprentice_id", f"duplicate of line {seen[key]}")
            else:
                seen[key] = line
                valid.append((line, row))
        if error is not None:
            yield error
    dry_session = sessions() if dry_run else None
    try:
        for part in _chunks(valid, chunk):
            if dry_session is not None:
                for result in apply_rows(dry_session, ctx, sponsor_id, part, source=source, recorded_by=recorded_by,
                                         audited=False):
                    if result.outcome == "recorded":
                        result = RowResult(result.line, "valid",
                                           credentials=[f"would issue {a}" for a in result.achievements])
                    yield result
            else:
                with session_scope(sessions) as session:
                    results = apply_rows(session, ctx, sponsor_id, part, source=source, recorded_by=recorded_by)
                yield from results
    finally:
        if dry_session is not None:
            dry_session.rollback()
            dry_session.close()


def row_key(row: dict) -> tuple:
    """What makes two rows of one file the same fact (the apprentice's name and contact aside)."""
    return tuple(row.get(c, "") for c in COLUMNS + OPTIONAL_COLUMNS
                 if c not in ("apprentice_name", "apprentice_email", "apprentice_did"))


def check_row(line: int, row: dict) -> RowResult | None:
    """What can be judged of a row alone (`issuer.progress.rows`), before anything is read or written."""
    error = row_error(ProgressRow, row)
    return None if error is None else RowResult(line, "error", *error)


def _chunks(rows: list[tuple[int, dict]], size: int) -> Iterator[list[tuple[int, dict]]]:
    """Rows grouped by apprentice and program, each group in date order, cut into chunks of
    about `size` rows; a group longer than a chunk goes over several, in order."""
    groups: dict[tuple[str, str], list[tuple[int, dict]]] = {}
    for line, row in rows:
        groups.setdefault((row["apprentice_id"], row["program"]), []).append((line, row))
    ordered = (line_row for group in groups.values()
               for line_row in sorted(group, key=lambda item: (item[1]["date"], item[0])))
    while part := list(islice(ordered, size)):
        yield part


def apply_rows(session: Session, ctx: IssuanceContext, sponsor_id: int, rows: list[tuple[int, dict]], *,
               source: str, recorded_by: str, starts: dict[tuple[str, str], str] | None = None,
               audited: bool = True) -> list[RowResult]:
    """Checked rows in the caller's transaction, grouped by apprentice and program: a group that
    fails unexpectedly is reported failed and never undoes the others.

    A new enrolment starts on its earliest row's date: `starts` gives it per (apprentice,
    program) when the rows of one file come over several calls out of date order (a batch).
    `audited` False: the entries' audit events are not written (a dry run, rolled back anyway,
    where they were a third of the work)."""
    sponsor = session.get(Sponsor, sponsor_id)
    groups: dict[tuple[str, str], list[tuple[int, dict]]] = {}
    for line, row in rows:
        groups.setdefault((row["apprentice_id"], row["program"]), []).append((line, row))
    for group in groups.values():
        group.sort(key=lambda item: (item[1]["date"], item[0]))
    # Optimistically, all groups under one savepoint and in one `record_chunk`; only when one
    # fails unexpectedly is the chunk done again with a savepoint per group.
    whole = session.begin_nested()
    try:
        results, events = _apply_groups(session, ctx, sponsor, groups, source, recorded_by, starts)
    except Exception:
        whole.rollback()
        results, events = _isolated(session, ctx, sponsor, groups, source, recorded_by, starts)
    else:
        whole.commit()
    if audited:
        audit.record_many(session, events)
    return results


def _isolated(session, ctx, sponsor, groups, source, recorded_by, starts):
    """`_apply_groups` one group at a time, each under a savepoint of its own: one apprentice's
    surprise must not stop the others."""
    results: list[RowResult] = []
    events: list = []
    for key, group in groups.items():
        savepoint = session.begin_nested()
        try:
            found, more = _apply_groups(session, ctx, sponsor, {key: group}, source, recorded_by, starts)
        except Exception as exc:
            savepoint.rollback()
            log.exception("%s: rows %s", source, ", ".join(str(line) for line, _ in group))
            found, more = [RowResult(line, "error", None, f"{type(exc).__name__}: {exc}") for line, _ in group], []
        else:
            savepoint.commit()
        results += found
        events += more
    return results, events


def _apply_groups(session, ctx, sponsor, groups, source, recorded_by, starts):
    """Every group's enrolment found or made, then all of them recorded in one `record_chunk`."""
    known = _Known(session, sponsor, {apprentice for apprentice, _ in groups})
    enrolled = known.enroll({key: (group[0][1], (starts or {}).get(key, group[0][1]["date"]))
                             for key, group in groups.items()})
    results: list[RowResult] = []
    appendings, recorded_groups = [], []
    for key, group in groups.items():
        found = enrolled[key]
        if isinstance(found, ProgressError):
            results += [RowResult(line, "error", found.field, found.message) for line, _ in group]
            continue
        enrollment, new = found
        entries = [NewEntry(entry_type=row["entry_type"], item=row["item"], value=row["value"],
                            entry_date=parse_date(row["date"]), signed_off_by=row["signed_off_by"] or None,
                            source=f"{source}:{line}", entry_ref=row.get("entry_ref") or None) for line, row in group]
        appendings.append(Appending(enrollment, entries, new))
        recorded_groups.append(group)
    events: list = []
    recorded = record_chunk(session, ctx, appendings, recorded_by=recorded_by, audit_events=events)
    for group, one in zip(recorded_groups, recorded):
        results += _group_results(group, one)
    return results, events


class _Known:
    """The chunk's apprentices and enrolments that exist already, read in one query each; those
    that do not, made together (one insert each)."""

    def __init__(self, session: Session, sponsor: Sponsor, external_ids: set[str]):
        self.session, self.sponsor = session, sponsor
        self.programs: list[str] | None = None
        self.versions: dict[str, ProgramVersion] = {}
        self.apprentices: dict[str, Apprentice] = {}
        self.enrollments: dict[tuple[str, str], Enrollment] = {}
        wanted = sorted(external_ids)
        for start in range(0, len(wanted), 400):
            self.apprentices.update((a.external_id, a) for a in session.scalars(select(Apprentice).where(
                Apprentice.sponsor_id == sponsor.id, Apprentice.external_id.in_(wanted[start:start + 400]))))
        # Our own ids (not read above: a sponsor's ids are looked up as theirs first).
        ours = [i for i in wanted if i not in self.apprentices and len(i) == services.OUR_ID_LENGTH]
        for start in range(0, len(ours), 400):
            self.apprentices.update((a.id, a) for a in session.scalars(select(Apprentice).where(
                Apprentice.sponsor_id == sponsor.id, Apprentice.id.in_(ours[start:start + 400]))))
        ids = sorted({a.id for a in self.apprentices.values()})
        for start in range(0, len(ids), 400):
            self.enrollments.update(((e.apprentice_id, e.program_id), e) for e in session.scalars(
                select(Enrollment).where(Enrollment.apprentice_id.in_(ids[start:start + 400]))))

    def enroll(self, heads: dict[tuple[str, str], tuple[dict, str]]
               ) -> dict[tuple[str, str], tuple[Enrollment, bool] | ProgressError]:
        """Each group's enrolment and whether it is new, from its first row and start date (the
        apprentice and enrolment are made when missing, all in one flush), or why it cannot be."""
        out: dict[tuple[str, str], tuple[Enrollment, bool] | ProgressError] = {}
        for key, (row, start) in heads.items():
            try:
                out[key] = self._enrollment(row, start)
            except ProgressError as exc:
                out[key] = exc
        self.session.flush()
        return out

    def _enrollment(self, row: dict, start: str) -> tuple[Enrollment, bool]:
        apprentice = self.apprentices.get(row["apprentice_id"])
        if apprentice is None:
            apprentice = services.new_apprentice(self.session, self.sponsor, row["apprentice_id"],
                                                 row["apprentice_name"], row["apprentice_email"], row["apprentice_did"])
            self.apprentices[row["apprentice_id"]] = apprentice   # held, so the session keeps it
        # Every enrolment of a known apprentice was read, so one not found is new.
        existing = self.enrollments.get((apprentice.id, row["program"]))
        if existing is not None:
            return existing, False
        if self.programs is None:
            self.programs = sponsor_programs(self.session, self.sponsor)
        if row["program"] not in self.programs:
            raise ProgressError("program", f"unknown program {row['program']!r} for this sponsor")
        if row["program"] not in self.versions:
            self.versions[row["program"]] = catalog.latest_program(self.session, row["program"])
        enrollment = services.new_enrollment(self.session, self.sponsor, apprentice, self.versions[row["program"]],
                                             start_date=parse_date(start))
        self.enrollments[(apprentice.id, row["program"])] = enrollment
        return enrollment, True


def earliest_dates(rows: Iterable[tuple[int, dict]]) -> dict[tuple[str, str], str]:
    """The earliest date (ISO text) of each apprentice and program among checked rows."""
    found: dict[tuple[str, str], str] = {}
    for _line, row in rows:
        key = (row["apprentice_id"], row["program"])
        found[key] = min(found.get(key, row["date"]), row["date"])
    return found


def _group_results(group, recorded: Recorded) -> list[RowResult]:
    results = []
    for (line, _row), result in zip(group, recorded.results):
        if result.error is not None:
            results.append(RowResult(line, "error", result.error.field, result.error.message))
        elif result.duplicate:
            results.append(RowResult(line, "duplicate", message="already recorded"))
        else:
            results.append(RowResult(line, "recorded"))
    # What the group earned is shown on its last recorded row.
    last = next((r for r in reversed(results) if r.outcome == "recorded"), None)
    if last is not None:
        last.credentials = [c.id for c in recorded.issuance.issued]
        last.achievements = [c.achievement_key for c in recorded.issuance.issued]
    return results
