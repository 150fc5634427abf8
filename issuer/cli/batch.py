"""`ler batch ...` (submit, status, approve, list, report) and `ler worker`."""

from __future__ import annotations

import json
import sys
import threading
import time
from pathlib import Path

import click

from issuer.cli import CliError, config, main, services


def _summary(svc, batch_id: str, errors: int = 0) -> dict:
    from issuer.batch import results
    from issuer.batch.models import Batch
    from issuer.db import session_scope
    with session_scope(svc.sessions) as session:
        batch = session.get(Batch, batch_id)
        if batch is None:
            raise CliError(f"no batch {batch_id}")
        out = results.summary(batch, svc.config.base_url)
        out["error_rows"] = results.errors(session, batch_id, errors)
    return out


def _print(view: dict, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(view, indent=2))
        return
    for row in view.get("error_rows", ()):
        where = f"line {row['line']}" + (f", column {row['column']}" if row.get("column") else "")
        click.echo(f"{where}: {row.get('message') or row['outcome']}", err=True)
    rows = view["rows"]
    click.echo(f"batch {view['id']} ({view['kind']}, {view['filename']}): {view['state']}")
    click.echo(f"  rows: {rows['total']} in the file, {rows['invalid']} invalid, {rows['done']} of {rows['valid']} done"
               f", {rows['failed']} failed; credentials issued: {view['credentials_issued']}"
               f"; apprentices notified: {view['notified']}")
    if view.get("rate_rows_per_second"):
        click.echo(f"  rate: {view['rate_rows_per_second']} rows/s" +
                   (f", about {view['eta_seconds']:.0f} s left" if view.get("eta_seconds") is not None else ""))
    if view.get("message"):
        click.echo(f"  {view['message']}")


def _wait(svc, batch_id: str) -> dict:
    """Until the batch is done or failed, with a progress bar. Without Redis this process runs
    the batch itself (unless a `ler serve` got to it first); with Redis the workers do."""
    from issuer.batch import models as m
    from issuer.batch import runner
    view = _summary(svc, batch_id)
    if view["state"] == m.VALIDATED:
        click.echo(f"waiting for approval: 'ler batch approve {batch_id}' or {view['links']['page']}", err=True)
    shown = 0
    with click.progressbar(length=max(view["rows"]["valid"], 1), label="issuing", file=sys.stderr,
                           show_pos=True) as bar:
        def advance():
            nonlocal shown, view
            view = _summary(svc, batch_id)
            bar.update(view["rows"]["done"] - shown)
            shown = view["rows"]["done"]

        while True:
            advance()
            if view["state"] in (m.DONE, m.FAILED):
                break
            if view["state"] in (m.APPROVED, m.RUNNING) and not svc.config.redis_url:
                runner.run(svc, batch_id, on_progress=advance)
            time.sleep(0.5)
    return _summary(svc, batch_id, errors=100)


def _approve(svc, sponsor_id: int, batch_id: str, wait: bool, attest_anyway: bool = False) -> None:
    """With Redis the workers are told at once. Without, this short-lived process starts no
    thread: `--wait` runs the batch here, else a running `ler serve` picks it up."""
    from issuer.batch import intake
    intake.approve(svc, sponsor_id, batch_id, "cli", dispatch=bool(svc.config.redis_url), attest_anyway=attest_anyway)
    if not wait and not svc.config.redis_url:
        click.echo(f"approved: a running 'ler serve' issues it (or 'ler batch approve {batch_id} --wait' here)",
                   err=True)


def _exit(view: dict) -> None:
    sys.exit(2 if view["state"] == "failed" else 1 if view["errors"] else 0)


@main.group()
def batch() -> None:
    """Sponsor batches: validate a whole file, approve it, issue in the background."""


@batch.command("submit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--sponsor", "sponsor_name", help="Sponsor name (needed when there is more than one).")
@click.option("--kind", type=click.Choice(["progress", "cohort"]), help="Default: told by the columns.")
@click.option("--approve", "approve_", is_flag=True, help="Approve at once (bad rows are skipped).")
@click.option("--wait", is_flag=True, help="Wait until it is done, with a progress bar.")
@click.option("--attest-anyway", is_flag=True,
              help="Also issue rows attesting an award the ledger contradicts (recorded in the audit log).")
@click.option("--json", "as_json", is_flag=True)
def submit(file, sponsor_name, kind, approve_, wait, attest_anyway, as_json) -> None:
    """Validate FILE (progress CSV or JSON, or cohort-certificate CSV or JSON) into a batch.

    Exit status: 0 all rows good, 1 some rows refused, 2 the batch failed."""
    from issuer.batch import intake
    from issuer.cli.records import _sponsor
    from issuer.db import session_scope
    svc = services()
    with session_scope(svc.sessions) as session:
        sponsor_id = _sponsor(session, sponsor_name).id
    try:
        with open(file, "rb") as stream:
            batch_id, created = intake.submit(svc, sponsor_id, stream, filename=Path(file).name, kind=kind,
                                              submitted_by=f"cli:{Path(file).name}")
        if not created:
            click.echo(f"this file was submitted before, as batch {batch_id}: nothing new is issued", err=True)
        if approve_:
            _approve(svc, sponsor_id, batch_id, wait, attest_anyway)
    except intake.BatchError as exc:
        raise CliError(exc.message) from None
    view = _wait(svc, batch_id) if wait else _summary(svc, batch_id, errors=100)
    _print(view, as_json)
    _exit(view)


@batch.command("status")
@click.argument("batch_id")
@click.option("--errors", default=20, show_default=True, help="How many refused rows to list.")
@click.option("--json", "as_json", is_flag=True)
def status(batch_id, errors, as_json) -> None:
    """Progress of a batch: rows done, credentials issued, errors, rate, time left."""
    _print(_summary(services(), batch_id, errors), as_json)


@batch.command("approve")
@click.argument("batch_id")
@click.option("--wait", is_flag=True, help="Wait until it is done, with a progress bar.")
@click.option("--attest-anyway", is_flag=True,
              help="Also issue rows attesting an award the ledger contradicts (recorded in the audit log).")
@click.option("--json", "as_json", is_flag=True)
def approve(batch_id, wait, attest_anyway, as_json) -> None:
    """Approve a validated batch (or resume a failed one): its valid rows are issued."""
    from issuer.batch import intake
    from issuer.batch.models import Batch
    from issuer.db import session_scope
    svc = services()
    with session_scope(svc.sessions) as session:
        row = session.get(Batch, batch_id)
        if row is None:
            raise CliError(f"no batch {batch_id}")
        sponsor_id = row.sponsor_id
    try:
        _approve(svc, sponsor_id, batch_id, wait, attest_anyway)
    except intake.BatchError as exc:
        raise CliError(exc.message) from None
    view = _wait(svc, batch_id) if wait else _summary(svc, batch_id)
    _print(view, as_json)
    if wait:
        _exit(view)


@batch.command("list")
@click.option("--sponsor", "sponsor_name")
def list_(sponsor_name) -> None:
    from sqlalchemy import select
    from issuer.batch.models import Batch
    from issuer.cli.records import _sponsor
    from issuer.db import session_scope
    svc = services()
    with session_scope(svc.sessions) as session:
        sponsor = _sponsor(session, sponsor_name)
        for b in session.scalars(select(Batch).where(Batch.sponsor_id == sponsor.id).order_by(Batch.created_at)):
            click.echo(f"{b.id}  {b.state:10} {b.kind:8} {b.rows_done:>7}/{b.rows_total - b.rows_invalid:<7} "
                       f"{b.credentials_issued:>7} issued  {b.filename}")


@batch.command("report")
@click.argument("batch_id")
@click.option("--format", "fmt", type=click.Choice(["csv", "json", "zip"]), default="csv", show_default=True,
              help="zip: every credential of the batch, one JSON file each.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Default: standard output.")
def report(batch_id, fmt, output) -> None:
    """Each row, its outcome and the credential ids issued (or the credentials themselves)."""
    from issuer.batch import results
    from issuer.batch.models import Batch
    from issuer.db import session_scope
    svc = services()
    with session_scope(svc.sessions) as session:
        batch_row = session.get(Batch, batch_id)
        if batch_row is None:
            raise CliError(f"no batch {batch_id}")
    if fmt == "csv":
        parts = (p.encode() for p in results.report_csv(svc.sessions, batch_row))
    elif fmt == "json":
        parts = (p.encode() for p in results.report_json(svc.sessions, batch_row, svc.config.base_url))
    else:
        if not output:
            raise CliError("a ZIP goes to a file: add --output FILE")
        parts = results.credentials_zip(svc.sessions, batch_id)
    sink = open(output, "wb") if output else sys.stdout.buffer
    try:
        for part in parts:
            sink.write(part)
    finally:
        if output:
            sink.close()
        else:
            sink.flush()


@main.command()
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
def worker(burst) -> None:
    """Run batches from the Redis queue (LER_REDIS_URL); start one or more."""
    from issuer.batch import jobs
    if not config().redis_url:
        raise CliError("set LER_REDIS_URL: without Redis, batches run inside 'ler serve'")
    from redis.exceptions import RedisError
    svc = services()
    queue = jobs.queue(svc.config)
    try:
        queue.connection.ping()
    except RedisError as exc:
        raise CliError(f"cannot reach Redis at {svc.config.redis_url.split('@')[-1]}: {exc}") from None
    jobs.use_services(svc)
    stop = threading.Event()
    jobs.watch(svc, stop)
    click.echo(f"ler worker on queue {svc.config.batch_queue!r}", err=True)
    try:
        jobs.work(queue, burst=burst)
    finally:
        stop.set()
