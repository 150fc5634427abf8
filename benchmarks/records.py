"""What apprenticeship records (CLR 2.0 versions) cost beside an import, in this process.

An import signs no record (`issuer.issuance.records`: made when read); this measures the import
and then what catching up every record it touched costs (`ler records refresh`: each enrolment
in its own transaction), which readers otherwise pay one record at a time. Two files, imported
through the importer (`run_import`, as `ler import` without its start):

- long: one apprentice in the 3031 program, 4,000 one-hour days (a multi-year ledger over 8
  chunks of 500 rows) that earns every work process and the completed occupation on the way;
- earning: N apprentices (default 200) in ny-csr with 13 eight-hour days of work process A
  each, so every one of them earns that work process.

Each row: seconds (wall and CPU) of the import, then of the catch-up, the record versions it
made and the seconds per record. Then one record version made again (build, sign, store) for
the long apprentice: what a single entry that earns something, or a revocation, adds to its
transaction.

    python benchmarks/records.py [--apprentices 200] [--database-url URL] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from batch import service_env  # noqa: E402 (benchmarks/batch.py: the same service harness)
from ledger import _load, _sponsor, long_csv, wide_csv  # noqa: E402


def _versions(services, sponsor_id: int) -> list:
    from sqlalchemy import select

    from issuer.db import session_scope
    from issuer.issuance.models import RecordVersion
    with session_scope(services.sessions) as session:
        return list(session.scalars(select(RecordVersion.enrollment_id).where(RecordVersion.sponsor_id == sponsor_id)))


def timed_import(services, program: str, text: str) -> dict:
    from issuer.db import session_scope
    from issuer.issuance import records
    from issuer.workflow.importer import run_import

    _, sponsor_id, _ = _sponsor(services, [program])
    wall, cpu = time.perf_counter(), time.process_time()
    report = run_import(services.sessions, services.issuance, sponsor_id, text, source="bench")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    if report.errors:
        raise SystemExit(f"import errors: {[r.to_json() for r in report.errors[:5]]}")
    made_by_import = len(_versions(services, sponsor_id))
    with session_scope(services.sessions) as session:
        ids = records.enrollment_ids(session, sponsor_id=sponsor_id)
    catch_up, catch_up_cpu = time.perf_counter(), time.process_time()
    for enrollment_id in ids:
        with session_scope(services.sessions) as session:
            records.refresh(session, services.issuance, [enrollment_id])
    catch_up, catch_up_cpu = time.perf_counter() - catch_up, time.process_time() - catch_up_cpu
    made = len(_versions(services, sponsor_id))
    return {"rows": len(text.splitlines()) - 1, "credentials": report.counts()["credentials_issued"],
            "import_s": round(wall, 2), "import_cpu_s": round(cpu, 2), "versions_made_by_import": made_by_import,
            "catch_up_s": round(catch_up, 2), "catch_up_cpu_s": round(catch_up_cpu, 2), "record_versions": made,
            "per_record_s": round(catch_up / made, 3) if made else None, "load": _load(), "sponsor_id": sponsor_id}


def one_version(services, sponsor_id: int) -> dict:
    """A record version made again for the sponsor's first enrolment: what a single entry that
    earns something, or a revocation, adds to its transaction."""
    from issuer.db import session_scope
    from issuer.issuance import records
    from issuer.issuance.models import RecordVersion
    enrollment_id = _versions(services, sponsor_id)[0]
    with session_scope(services.sessions) as session:
        session.execute(RecordVersion.__table__.delete().where(RecordVersion.enrollment_id == enrollment_id))
    wall, cpu = time.perf_counter(), time.process_time()
    with session_scope(services.sessions) as session:
        record = records.current(session, services.issuance, enrollment_id)
        held = len(record.credential_ids)
    return {"credentials_held": held, "seconds": round(time.perf_counter() - wall, 3),
            "cpu_seconds": round(time.process_time() - cpu, 3), "load": _load()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--apprentices", type=int, default=200)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="ler-records-bench-"))
    os.environ.update({k: v for k, v in service_env(workdir, args.database_url).items() if k.startswith("LER_")})
    from issuer.composition import build_services
    from issuer.config import Config
    services = build_services(Config.from_env())
    try:
        long = timed_import(services, "dol-cs-tech-support-3031", long_csv(4000))
        result = {"long": long, "earning": timed_import(services, "ny-csr", wide_csv(args.apprentices, 13, "ny-csr")),
                  "one_version": one_version(services, long["sponsor_id"])}
    finally:
        services.issuance.signer.close()
        services.engine.dispose()
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        for name, row in result.items():
            print(name + ": " + "  ".join(f"{k}={v}" for k, v in row.items() if k != "sponsor_id"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
