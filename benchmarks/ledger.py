"""Progress rows per second: `ler import` end to end, the import alone, and a web batch.

Two files of 4,000 rows each (by default):

- long: one apprentice in the 3031 program (4,000 OJL hours over work processes A-D) recorded
  as 4,000 one-hour days, so the ledger grows to 4,000 entries and the apprentice earns every
  work process and the completed occupation;
- wide: 400 apprentices with 10 eight-hour days each.

Each file is imported by a fresh sponsor with `ler import` as a subprocess (CLI start
included), then again in this process through the importer alone (no CLI start). The cost of an
entry must not grow with the ledger: long should run at least 0.8 times wide. Then a web batch
of 10,000 progress rows (500 apprentices x 20 days, a month of daily hours) is uploaded to
`ler serve` over HTTP, approved and timed to done (validation included).

    python benchmarks/ledger.py                               # SQLite, a fresh file
    python benchmarks/ledger.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench
    python benchmarks/ledger.py --no-web --rows 8000

The database given is migrated and written to (new sponsors each run); use a scratch one.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch import LER, _free_port, _request, service_env, wait_until_serving  # noqa: E402 (benchmarks/batch.py: same service harness)

PROGRAM = "dol-cs-tech-support-3031"
WEB_PROGRAM = "ny-csr"
HEADER = "apprentice_id,apprentice_name,apprentice_email,apprentice_did,program,entry_type,item,value,date,signed_off_by"
FIRST_DAY = datetime.date(2014, 1, 1)
# 3031's work processes and their hours: the long ledger fills them in order.
WORK_PROCESSES = (("wp-a", 1500), ("wp-b", 500), ("wp-c", 1000), ("wp-d", 1000))


def long_csv(rows: int) -> str:
    items = [wp for wp, hours in WORK_PROCESSES for _ in range(hours)]
    lines = [HEADER]
    for n in range(rows):
        day = FIRST_DAY + datetime.timedelta(days=n)
        lines.append(f"L1,Lee Long,lee@example.org,,{PROGRAM},ojl_hours,{items[n % len(items)]},1,{day},J. Mentor")
    return "\n".join(lines) + "\n"


def wide_csv(apprentices: int, days: int, program: str = PROGRAM, items=("wp-a",)) -> str:
    lines = [HEADER]
    for a in range(apprentices):
        for d in range(days):
            day = FIRST_DAY + datetime.timedelta(days=d)
            lines.append(f"W{a},Wide {a},w{a}@example.org,,{program},ojl_hours,{items[d % len(items)]},8,{day},J. Mentor")
    return "\n".join(lines) + "\n"


def _load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def _sponsor(services, programs) -> tuple[str, int, str]:
    from issuer.db import session_scope
    from issuer.sponsors.services import create_sponsor

    with session_scope(services.sessions) as session:
        sponsor, key = create_sponsor(session, f"Ledger Bench {uuid.uuid4().hex[:8]}", list(programs))
        return sponsor.name, sponsor.id, key


def cli_import(env: dict, services, path: Path, rows: int) -> dict:
    name, _, _ = _sponsor(services, [PROGRAM])
    started, cpu = time.time(), _child_cpu()
    done = subprocess.run(LER + ["import", str(path), "--sponsor", name], env=env, capture_output=True, text=True)
    seconds, cpu = time.time() - started, _child_cpu() - cpu
    if done.returncode != 0:
        raise SystemExit(f"ler import failed ({done.returncode}): {done.stderr[-2000:]}")
    return {"seconds": round(seconds, 2), "rows_per_second": round(rows / seconds), "cpu_seconds": round(cpu, 2),
            "rows_per_cpu_second": round(rows / cpu), "summary": done.stdout.strip(), "load": _load()}


def _child_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def inproc_import(services, text: str, rows: int) -> dict:
    from issuer.workflow.importer import run_import

    _, sponsor_id, _ = _sponsor(services, [PROGRAM])
    started, cpu = time.time(), time.process_time()
    report = run_import(services.sessions, services.issuance, sponsor_id, text, source="bench")
    seconds, cpu = time.time() - started, time.process_time() - cpu
    counts = report.counts()
    if report.errors:
        raise SystemExit(f"import errors: {[r.to_json() for r in report.errors[:5]]}")
    # On a shared machine the wall-clock rate says as much about the neighbours as about us;
    # rows per CPU second is what the import itself costs (the database's own CPU aside).
    return {"seconds": round(seconds, 2), "rows_per_second": round(rows / seconds), "cpu_seconds": round(cpu, 2),
            "rows_per_cpu_second": round(rows / cpu), "counts": counts, "load": _load()}


def cli_start(env: dict) -> float:
    started = time.time()
    subprocess.run(LER + ["--help"], env=env, capture_output=True, check=True)
    return round(time.time() - started, 2)


def web_batch(env: dict, services, workdir: Path, apprentices: int, days: int) -> dict:
    _, _, key = _sponsor(services, [WEB_PROGRAM])
    path = workdir / "month.csv"
    path.write_text(wide_csv(apprentices, days, WEB_PROGRAM, ("wp-a", "wp-b", "wp-c", "wp-d", "wp-e", "wp-f", "wp-g")))
    rows = apprentices * days
    port = _free_port()
    log = open(workdir / "serve.log", "wb")
    server = subprocess.Popen(LER + ["serve", "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_until_serving(port, workdir)
        t0 = time.time()
        batch = _request(port, "/api/v1/batches?filename=month.csv", key, "POST", path.read_bytes(), "text/csv")
        validated = time.time()
        assert batch["rows"]["invalid"] == 0, batch["error_rows"][:5]
        _request(port, f"/api/v1/batches/{batch['id']}/approve", key, "POST")
        while True:
            view = _request(port, f"/api/v1/batches/{batch['id']}", key)
            if view["state"] in ("done", "failed"):
                break
            time.sleep(0.2)
        done = time.time()
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
    if view["state"] != "done" or view["rows"]["failed"]:
        raise SystemExit(f"the batch ended {view['state']}: {view}")
    return {"rows": rows, "validation_seconds": round(validated - t0, 2), "end_to_end_seconds": round(done - t0, 2),
            "rows_per_second": round(rows / (done - t0)), "run_rows_per_second": round(rows / (done - validated)),
            "load": _load()}


def run(args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="ler-ledger-bench-"))
    env = service_env(workdir, args.database_url)
    for name in ("LER_SMTP_URL", "LER_REDIS_URL"):
        env.pop(name, None)
        os.environ.pop(name, None)
    os.environ.update({k: v for k, v in env.items() if k.startswith("LER_")})

    from issuer.composition import build_services
    from issuer.config import Config

    services = build_services(Config.from_env())
    wide_apprentices = max(args.rows // 10, 1)
    files = {"long": long_csv(args.rows), "wide": wide_csv(wide_apprentices, 10)}
    result = {"database": "postgresql" if env["LER_DATABASE_URL"].startswith("postgresql") else "sqlite",
              "rows": args.rows, "cores": os.cpu_count(), "cli_start_seconds": cli_start(env), "shapes": {}}
    for shape, text in files.items():
        path = workdir / f"{shape}.csv"
        path.write_text(text)
        result["shapes"][shape] = {"ler_import": cli_import(env, services, path, args.rows),
                                   "importer": inproc_import(services, text, args.rows)}
    shapes = result["shapes"]
    for kind in ("ler_import", "importer"):
        result[f"{kind}_long_over_wide"] = round(
            shapes["long"][kind]["rows_per_second"] / shapes["wide"][kind]["rows_per_second"], 2)
    if not args.no_web:
        result["web_batch"] = web_batch(env, services, workdir, args.web_apprentices, args.web_days)
    services.engine.dispose()
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=4000, help="rows per file (the wide file: rows/10 apprentices)")
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--no-web", action="store_true", help="skip the web batch")
    parser.add_argument("--web-apprentices", type=int, default=500)
    parser.add_argument("--web-days", type=int, default=20)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = run(args)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['database']}, {result['cores']} cores; `ler --help` takes {result['cli_start_seconds']} s")
    for shape, figures in result["shapes"].items():
        cli, inproc = figures["ler_import"], figures["importer"]
        print(f"  {shape:5} {args.rows} rows, {inproc['counts'].get('credentials_issued', 0)} credentials:\n"
              f"        ler import     {cli['rows_per_second']:>6} rows/s ({cli['seconds']} s; "
              f"{cli['rows_per_cpu_second']} rows per CPU second; load {cli['load']})\n"
              f"        importer alone {inproc['rows_per_second']:>6} rows/s ({inproc['seconds']} s; "
              f"{inproc['rows_per_cpu_second']} rows per CPU second; load {inproc['load']})")
    print(f"  long/wide: ler import {result['ler_import_long_over_wide']}, importer {result['importer_long_over_wide']}")
    if "web_batch" in result:
        web = result["web_batch"]
        print(f"  web batch of {web['rows']} progress rows: {web['rows_per_second']} rows/s end to end "
              f"({web['end_to_end_seconds']} s, validation {web['validation_seconds']} s; "
              f"run {web['run_rows_per_second']} rows/s; load {web['load']})")


if __name__ == "__main__":
    main()
