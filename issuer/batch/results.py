"""What a batch tells its sponsor: progress while it runs, then the per-row report (CSV, JSON)
and its credentials as a ZIP of JSON files. Reports are streamed a page of rows at a time, so
a 100,000-row batch is never held in memory to be downloaded."""

from __future__ import annotations

import itertools
import json
import time
import zipfile
from collections.abc import Iterator
from datetime import datetime, timezone

from sqlalchemy import select

from issuer import csv_export
from issuer.batch import models as m
from issuer.batch.intake import COHORT, COHORT_COLUMNS, COHORT_OPTIONAL, stored_rows
from issuer.batch.models import Batch, BatchRow
from issuer.db import session_scope
from issuer.issuance.models import IssuedCredential
from issuer.workflow.importer import COLUMNS as PROGRESS_COLUMNS
from issuer.row_report import row_json

SHOWN_ERRORS = 100
ZIP_PAGE = 200


def _epoch(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive datetimes, stored as UTC
        value = value.replace(tzinfo=timezone.utc)
    return value.timestamp()


def _iso(value: datetime | None) -> str | None:
    epoch = _epoch(value)
    return None if epoch is None else datetime.fromtimestamp(epoch, timezone.utc).isoformat().replace("+00:00", "Z")


def summary(batch: Batch, base_url: str, now: float | None = None) -> dict:
    """Counters, rate (rows per second of the current or last run) and time left."""
    now = now or time.time()
    to_run = batch.rows_total - batch.rows_invalid
    rate = eta = None
    if batch.run_started and batch.state in (m.RUNNING, m.DONE, m.FAILED):
        end = _epoch(batch.finished_at) if batch.state != m.RUNNING and batch.finished_at else now
        done_this_run = batch.rows_done - batch.run_rows_start
        if end > batch.run_started and done_this_run > 0:
            rate = round(done_this_run / (end - batch.run_started), 1)
            if batch.state == m.RUNNING:
                eta = round(max(to_run - batch.rows_done, 0) / rate, 1)
    path = f"/api/v1/batches/{batch.id}"
    return {
        "id": batch.id, "kind": batch.kind, "filename": batch.filename, "content_hash": batch.content_hash,
        "state": batch.state, "message": batch.message,
        "rows": {"total": batch.rows_total, "valid": to_run, "invalid": batch.rows_invalid,
                 "done": batch.rows_done, "pending": max(to_run - batch.rows_done, 0) if batch.state != m.VALIDATING else None,
                 "failed": batch.rows_failed},
        "credentials_issued": batch.credentials_issued,
        "errors": batch.rows_invalid + batch.rows_failed,
        "notified": batch.notified, "notify_errors": batch.notify_errors,
        "rate_rows_per_second": rate, "eta_seconds": eta,
        "submitted_by": batch.submitted_by, "approved_by": batch.approved_by,
        "created_at": _iso(batch.created_at), "validated_at": _iso(batch.validated_at),
        "approved_at": _iso(batch.approved_at), "started_at": _iso(batch.started_at),
        "finished_at": _iso(batch.finished_at),
        "links": {"self": f"{base_url}{path}", "approve": f"{base_url}{path}/approve",
                  "report_csv": f"{base_url}{path}/report.csv", "report_json": f"{base_url}{path}/report.json",
                  "credentials_zip": f"{base_url}{path}/credentials.zip", "page": f"{base_url}/batches/{batch.id}"},
    }


def errors(session, batch_id: str, limit: int = SHOWN_ERRORS) -> list[dict]:
    """The first rows refused at validation or when run, with line, column and reason."""
    rows = session.scalars(select(BatchRow).where(BatchRow.batch_id == batch_id,
                                                  BatchRow.outcome.in_((m.INVALID, m.ROW_FAILED)))
                           .order_by(BatchRow.line).limit(limit))
    return [row_json(r) for r in rows]


def data_columns(kind: str) -> list[str]:
    return COHORT_COLUMNS + COHORT_OPTIONAL if kind == COHORT else list(PROGRESS_COLUMNS)


def report_csv(sessions, batch: Batch) -> Iterator[str]:
    """The batch's rows with their outcomes; the file's own cells come back defused, since a
    spreadsheet would run them (issuer.csv_export)."""
    columns = data_columns(batch.kind)
    header = ["line", "outcome", "column", "message", "credentials"] + columns
    rows = ([row.line, row.outcome, row.column or "", row.message or "", " ".join(row.credentials or ())]
            + [row.data.get(c, "") for c in columns] for row in stored_rows(sessions, batch.id))
    return csv_export.lines(itertools.chain([header], rows), every=500)


def report_json(sessions, batch: Batch, base_url: str) -> Iterator[str]:
    head = json.dumps({"batch": summary(batch, base_url)})
    yield head[:-1] + ', "rows": ['
    for count, row in enumerate(stored_rows(sessions, batch.id)):
        yield ("," if count else "") + json.dumps({**row_json(row), "data": {
            k: v for k, v in row.data.items() if not k.startswith("_")}})
    yield "]}"


class _Sink:
    """A write-only stream zipfile can write to (it then streams, without seeking)."""

    def __init__(self):
        self.parts: list[bytes] = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def drain(self) -> bytes:
        data = b"".join(self.parts)
        self.parts.clear()
        return data


def credentials_zip(sessions, batch_id: str) -> Iterator[bytes]:
    """Every credential the batch's rows name (issued, or already held), one JSON file each."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        page: list[str] = []

        def flush_page():
            with session_scope(sessions) as session:
                for credential in session.scalars(select(IssuedCredential).where(IssuedCredential.id.in_(page))):
                    archive.writestr(f"{credential.id}.json", json.dumps(credential.document, indent=2,
                                                                         ensure_ascii=False))
            page.clear()

        for row in stored_rows(sessions, batch_id):
            page.extend(row.credentials or ())
            if len(page) >= ZIP_PAGE:
                flush_page()
                yield sink.drain()
        if page:
            flush_page()
    yield sink.drain()

