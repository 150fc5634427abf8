"""What verifying a CLR 2.0 record costs, by how many credentials it holds.

A record of N credentials for one apprentice (one occupation credential, the rest
competencies with three alignments each, like ours; all signed by one sponsor's key, each with
a status entry from our lists) is built with the package's builder, signed, and verified
`Verifier.credential` in this process, and through POST /credentials/verify (in-process app)
where its size is within the service's request limit (LER_MAX_BODY_BYTES, 1 MiB by default).
Each row: the credentials held, the record's size, the seconds to sign it, the seconds and CPU
seconds to verify it, and the seconds per credential held. Every record must verify.

    python benchmarks/verify_clr.py [--counts 13,69,100] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from issuer.app import create_app  # noqa: E402
from issuer.composition import build_services  # noqa: E402
from issuer.credentials import clr  # noqa: E402
from issuer.credentials.openbadge import Achievement, Alignment, IssuerProfile, Recipient, build_credential  # noqa: E402
from issuer.db import session_scope  # noqa: E402
from issuer.issuance import signing  # noqa: E402
from issuer.sponsors.services import create_sponsor  # noqa: E402
from issuer.status import allocation  # noqa: E402
from issuer.verify.service import Verifier  # noqa: E402
from verify import _config  # noqa: E402 (benchmarks/verify.py: the same benchmark database and keys)

LEARNER = Recipient(id="did:example:ana", email="ana.lopez@example.org", name="Ana Lopez")
PROGRAM = clr.ProgramIdentity("Customer Service Representative", "1", "43-4051.00", "3001CB")
BASE = "https://issuer.example/programs/dol-csr-3001cb/1"


def _achievement(n: int | None) -> Achievement:
    if n is None:
        codes = [Alignment("Customer Service Representative", "https://www.onetonline.org/link/summary/43-4051.00",
                           "43-4051.00", "O*NET-SOC", "ext:ONetSOC"),
                 Alignment("Customer Service Representative", f"{BASE}#rapids", "3001CB", "RAPIDS occupation code",
                           "ext:RAPIDS")]
        return Achievement(f"{BASE}/achievements/occupation", "Customer Service Representative",
                           "The completed occupation.", "Every requirement met.", "ApprenticeshipCertificate",
                           tuple(codes))
    return Achievement(f"{BASE}/achievements/competency%3Ac-{n:03d}", f"Competency {n}",
                       f"Competency {n} signed off.", f"Competency {n} signed off by a journeyworker.", "Competency",
                       # A framework someone else publishes: the verifier warns (it cannot vouch for it).
                       tuple(Alignment(f"Task {n}.{i}", f"https://frameworks.example.org/csr/tasks/{n}.{i}",
                                       f"c-{n:03d}.{i}", "Customer Service Representatives", "ceasn:Competency")
                             for i in range(3)))


def _credentials(services, issuer: IssuerProfile, count: int) -> list[clr.EarnedCredential]:
    earned = []
    with session_scope(services.sessions) as session:
        for n in [None, *range(1, count)]:
            list_id, index = allocation.allocate(session, issuer.id)
            document = build_credential(issuer=issuer, recipient=LEARNER, achievement=_achievement(n),
                                        valid_from="2026-01-05T00:00:00Z", credential_id=f"urn:uuid:{uuid.uuid4()}",
                                        credential_status=allocation.status_entry(services.config.base_url, list_id,
                                                                                  index))
            signed = signing.with_proof(session, services.keys, document, loader=services.loader)
            earned.append(clr.EarnedCredential(signed, clr.OCCUPATION if n is None else clr.COMPETENCY))
    return earned


def signed_record(services, issuer: IssuerProfile, count: int) -> tuple[dict, float]:
    """A record of `count` signed credentials for one apprentice, signed by `issuer`; the seconds
    its own signing took."""
    earned = _credentials(services, issuer, count)
    document = clr.build_clr(issuer=issuer, recipient=LEARNER, program=PROGRAM, earned=earned,
                             valid_from="2026-01-05T00:00:00Z")
    start = time.perf_counter()
    with session_scope(services.sessions) as session:
        record = signing.with_proof(session, services.keys, document, loader=services.loader)
    return record, time.perf_counter() - start


def measure(services, client, issuer: IssuerProfile, count: int) -> dict:
    record, signed_in = signed_record(services, issuer, count)
    size = len(json.dumps({"verifiableCredential": record}).encode())
    verifier = Verifier.for_services(services)
    wall, cpu = time.perf_counter(), time.process_time()
    result = verifier.credential(record)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    assert result.verified and len(result.credentials) == count, result.to_json()["errors"]
    http = None
    if size <= services.config.max_body_bytes:
        start = time.perf_counter()
        response = client.post("/credentials/verify", json={"verifiableCredential": record})
        http = time.perf_counter() - start
        assert response.status_code == 200, response.get_json()["errors"]
    return {"credentials": count, "bytes": size, "sign_s": round(signed_in, 3), "verify_s": round(wall, 3),
            "verify_cpu_s": round(cpu, 3), "per_credential_s": round(wall / count, 4),
            "http_s": round(http, 3) if http is not None else None}


def run(doc: str, default_counts: str, measure_one) -> int:
    """The command line of a benchmark by record size (this one, benchmarks/record_copy.py):
    `measure_one(services, client, issuer, count)` gives each row, for a new benchmark sponsor."""
    parser = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    parser.add_argument("--counts", default=default_counts)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = _config(Path(tmp))
        services = build_services(config)
        client = create_app(config, services).test_client()
        with session_scope(services.sessions) as session:
            sponsor, _ = create_sponsor(session, f"Benchmark Sponsor {uuid.uuid4().hex[:8]}", keys=services.keys)
            issuer = IssuerProfile(services.identity.sponsor_did(sponsor.slug), sponsor.name)
        try:
            rows = [measure_one(services, client, issuer, int(count)) for count in args.counts.split(",")]
        finally:
            services.issuance.signer.close()
            services.engine.dispose()
    load = open("/proc/loadavg").read().split()[:3] if os.path.exists("/proc/loadavg") else None
    if args.json:
        print(json.dumps({"rows": rows, "loadavg": load}, indent=2))
    else:
        for row in rows:
            print("  ".join(f"{k}={v}" for k, v in row.items()))
        print(f"load average: {' '.join(load) if load else 'unknown'}")
    return 0


def main() -> int:
    return run(__doc__, f"13,69,{clr.MAX_CREDENTIALS}", measure)


if __name__ == "__main__":
    sys.exit(main())
