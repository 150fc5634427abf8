"""`ler import`: progress rows from CSV, each validated and committed on its own.

A bad row is reported with its line and column and skipped; it never undoes the rows before
it, because every good row is its own transaction (entry plus the credentials it earns).
Re-importing a file finds every row already recorded and issues nothing new.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from issuer.db import session_scope
from issuer.issuance.services import IssuanceContext
from issuer.progress import services
from issuer.progress.validation import EntryError, parse_date
from issuer.sponsors.models import Sponsor

COLUMNS = ["apprentice_id", "apprentice_name", "apprentice_email", "apprentice_did", "program", "entry_type",
           "item", "value", "date", "signed_off_by"]
MAX_ROWS = 100_000


@dataclass
class RowResult:
    line: int
    outcome: str                      # recorded | duplicate | error | valid (dry run)
    column: str | None = None
    message: str | None = None
    credentials: list[str] = field(default_factory=list)
    achievements: list[str] = field(default_factory=list)

    def to_json(self) -> dict:
        out = {"line": self.line, "outcome": self.outcome}
        if self.column:
            out["column"] = self.column
        if self.message:
            out["message"] = self.message
        if self.credentials:
            out["credentials"] = self.credentials
        return out


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
    return report


def import_rows(sessions: sessionmaker[Session], ctx: IssuanceContext, sponsor_id: int,
                rows: Iterable[tuple[int, dict]], *, source: str, dry_run: bool = False,
                recorded_by: str = "import") -> Iterator[RowResult]:
    """The result of each row, as it is done (see `run_import`)."""
    dry_session = sessions() if dry_run else None
    try:
        seen: dict[tuple, int] = {}
        for line, row in rows:
            key = tuple(row.get(c, "") for c in COLUMNS
                        if c not in ("apprentice_name", "apprentice_email", "apprentice_did"))
            if key in seen:
                yield RowResult(line, "error", "apprentice_id", f"duplicate of line {seen[key]}")
                continue
            seen[key] = line
            if dry_session is not None:
                savepoint = dry_session.begin_nested()
                result = record_row(dry_session, ctx, sponsor_id, line, row, source, recorded_by)
                (savepoint.rollback if result.outcome == "error" else savepoint.commit)()
                if result.outcome == "recorded":
                    result = RowResult(line, "valid", credentials=[f"would issue {a}" for a in result.achievements])
            else:
                with session_scope(sessions) as session:
                    result = record_row(session, ctx, sponsor_id, line, row, source, recorded_by)
                    if result.outcome == "error":
                        session.rollback()
            yield result
    finally:
        if dry_session is not None:
            dry_session.rollback()
            dry_session.close()


def record_row(session, ctx, sponsor_id, line, row, source, recorded_by) -> RowResult:
    """One row in the caller's transaction; an "error" result leaves the caller to roll back."""
    for column in ("apprentice_id", "program", "entry_type", "item", "value", "date"):
        if not row.get(column):
            return RowResult(line, "error", column, f"{column} is empty")
    try:
        entry_date = parse_date(row["date"])
        sponsor = session.get(Sponsor, sponsor_id)
        apprentice = services.upsert_apprentice(session, sponsor, row["apprentice_id"], row["apprentice_name"],
                                                row["apprentice_email"], row["apprentice_did"])
        enrollment = services.enroll(session, sponsor, apprentice, row["program"], start_date=entry_date)
        outcome = services.record_entry(
            session, ctx, enrollment, entry_type=row["entry_type"], item=row["item"], value=row["value"],
            entry_date=entry_date, signed_off_by=row["signed_off_by"] or None, recorded_by=recorded_by,
            source=f"{source}:{line}")
    except EntryError as exc:
        return RowResult(line, "error", exc.field, exc.message)
    except services.ProgressError as exc:
        return RowResult(line, "error", exc.field, exc.message)
    if outcome.duplicate:
        return RowResult(line, "duplicate", message="already recorded")
    return RowResult(line, "recorded", credentials=[c.id for c in outcome.issuance.issued],
                     achievements=[c.achievement_key for c in outcome.issuance.issued])
