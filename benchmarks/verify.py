"""Verifications per second: eddsa-rdfc-2022 Open Badges credentials with their status checked
against our signed Bitstring Status Lists (revocation and suspension), and framework alignments
checked against the published catalog.

Two figures:
* function: `Verifier.credential` in this process, one credential after another;
* HTTP: POST /credentials/verify on the real server (waitress, on 127.0.0.1 only, `--workers`
  pre-forked processes sharing one listening socket, as gunicorn's sync workers do), loaded by
  this process (a second process) with `--concurrency` keep-alive connections.

Every credential is distinct (no cache can answer for a credential it has not seen) and every
answer is checked to be "verified". The Node.js reference stack reaches ~185/s in one process.

    python benchmarks/verify.py [--count N] [--workers W] [--threads T] [--concurrency C] [--json]
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from issuer.app import create_app  # noqa: E402
from issuer.composition import build_services  # noqa: E402
from issuer.config import Config  # noqa: E402
from issuer.db import session_scope  # noqa: E402
from issuer.sponsors.services import create_sponsor  # noqa: E402
from issuer.verify.service import Verifier  # noqa: E402

REFERENCE = 185.0
WARMUP = 30


def _config(workdir: Path) -> Config:
    os.environ.setdefault("LER_KEY_PASSPHRASE", "benchmark-passphrase-not-for-production")
    return Config.from_env(database_url=os.environ.get("LER_DATABASE_URL") or f"sqlite:///{workdir / 'bench.sqlite3'}",
                           keys_dir=workdir / "keys", instance_dir=workdir / "instance",
                           base_url="https://issuer.example")


def _credential(issuer: str, n: int) -> dict:
    """An Open Badge with ten alignments (~5 KB signed), like the reference benchmark's."""
    alignments = [{"type": ["Alignment"], "targetName": f"Competency {i}: maintain industrial equipment safely",
                   "targetDescription": f"Demonstrates competency {i} on the job, following written safety procedures.",
                   "targetUrl": f"https://credentialengineregistry.org/resources/ce-{i:04d}", "targetCode": f"RA-{i:03d}",
                   "targetFramework": "Registered Apprenticeship Work Process Schedule", "targetType": "ceasn:Competency"}
                  for i in range(10)]
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"],
        "id": f"urn:uuid:{uuid.uuid4()}", "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer, "type": ["Profile"], "name": "Benchmark Sponsor"},
        "validFrom": "2024-01-01T00:00:00Z", "name": f"Industrial Maintenance Technician #{n}",
        "credentialSubject": {"id": f"did:example:apprentice-{n}", "type": ["AchievementSubject"], "achievement": {
            "id": "https://example.org/achievements/industrial-maintenance-technician", "type": ["Achievement"],
            "name": "Industrial Maintenance Technician",
            "description": "Completion of the registered apprenticeship for industrial maintenance technicians.",
            "criteria": {"narrative": "8000 hours of on-the-job learning and 576 hours of related instruction."},
            "achievementType": "Certificate", "alignment": alignments}},
    }


def issue(config: Config, count: int) -> list[dict]:
    services = build_services(config)
    app = create_app(config, services)
    client = app.test_client()
    with session_scope(services.sessions) as session:
        sponsor, key = create_sponsor(session, f"Benchmark Sponsor {uuid.uuid4().hex[:8]}")
        did = services.identity.sponsor_did(sponsor.slug)
    credentials = []
    for n in range(count):
        response = client.post("/credentials/issue", json={"credential": _credential(did, n)},
                               headers={"Authorization": f"Bearer {key}"})
        assert response.status_code == 201, response.get_json()
        credentials.append(response.get_json()["verifiableCredential"])
    services.engine.dispose()
    return credentials


def function_rate(config: Config, credentials: list[dict]) -> float:
    services = build_services(config, migrate=False)
    verifier = Verifier.for_services(services)
    for credential in credentials[:WARMUP]:
        result = verifier.credential(credential)
        assert result.verified and result.check("status").outcome == "pass", result.to_json()
    start = time.perf_counter()
    for credential in credentials:
        assert verifier.credential(credential).verified
    rate = len(credentials) / (time.perf_counter() - start)
    services.engine.dispose()
    return rate


def _serve(config: Config, sock: socket.socket, threads: int) -> None:
    import logging
    from waitress import serve
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)   # a queued request is the point here
    app = create_app(config, build_services(config, migrate=False))
    serve(app, sockets=[sock], threads=threads, _quiet=True)


def _post(port: int, bodies: list[bytes], failures: list) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for body in bodies:
        connection.request("POST", "/credentials/verify", body=body, headers={"Content-Type": "application/json"})
        response = connection.getresponse()
        answer = response.read()
        if response.status != 200 or not json.loads(answer)["verified"]:
            failures.append(answer[:300])
    connection.close()


def http_rate(config: Config, credentials: list[dict], workers: int, threads: int, concurrency: int) -> float:
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))          # loopback only, any free port
    listener.listen(1024)
    port = listener.getsockname()[1]
    context = multiprocessing.get_context("fork")
    servers = [context.Process(target=_serve, args=(config, listener, threads), daemon=True)
               for _ in range(workers)]
    for server in servers:
        server.start()
    try:
        bodies = [json.dumps({"verifiableCredential": c, "options": {"checks": ["proof", "credentialStatus"]}}).encode()
                  for c in credentials]
        failures: list = []
        _post(port, bodies[:WARMUP] * workers, failures)          # every worker warmed (contexts, keys)
        shares = [bodies[i::concurrency] for i in range(concurrency)]
        threads = [threading.Thread(target=_post, args=(port, share, failures)) for share in shares]
        start = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.perf_counter() - start
        if failures:
            raise SystemExit(f"{len(failures)} requests were not verified: {failures[0]!r}")
        return len(bodies) / elapsed
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.join(5)
        listener.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000, help="distinct credentials to verify (default 1000)")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) + 1,
                        help="server processes (default: CPUs + 1)")
    parser.add_argument("--threads", type=int, default=1,
                        help="waitress threads per worker (default 1: verifying is CPU-bound, and more threads "
                             "in one process only contend for its GIL)")
    parser.add_argument("--concurrency", type=int, default=4, help="client connections (default 4)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="ler-bench-") as workdir:
        config = _config(Path(workdir))
        credentials = issue(config, args.count)
        function = function_rate(config, credentials)
        over_http = http_rate(config, credentials, args.workers, args.threads, args.concurrency)
    figures = {"count": args.count, "cpus": os.cpu_count(), "workers": args.workers, "threads": args.threads,
               "concurrency": args.concurrency,
               "function_per_s": round(function, 1), "http_per_s": round(over_http, 1),
               "function_vs_reference": round(function / REFERENCE, 2), "http_vs_reference": round(over_http / REFERENCE, 2)}
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"{args.count} distinct eddsa-rdfc-2022 Open Badges, status (revocation and suspension) checked "
              f"against our signed list, {os.cpu_count()} CPUs")
        print(f"verify_credential in one process:   {function:7.1f} verifications/s ({function / REFERENCE:.1f}x ~185/s)")
        print(f"POST /credentials/verify over HTTP: {over_http:7.1f} verifications/s ({over_http / REFERENCE:.1f}x), "
              f"{args.workers} waitress workers x {args.threads} thread(s), {args.concurrency} connections "
              "from a second process")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
