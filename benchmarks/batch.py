"""End-to-end throughput and memory of a sponsor batch: completion certificates for a cohort.

Creates a cohort of N apprentices (default 10,000) enrolled in one program, starts the service
as it runs in production, uploads one cohort-certificate CSV over HTTP and approves it, and
times it from upload to done: validation, database writes, status-list allocation,
eddsa-rdfc-2022 signing on every core, commit. Prints credentials per second and the peak
memory (VmHWM) of every process of the service: the server, each worker, each signing process.

    python benchmarks/batch.py                                  # SQLite, `ler serve` runs it in a thread
    python benchmarks/batch.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/bench \\
                               --redis-url redis://127.0.0.1:6379/0 [--workers 1]
    python benchmarks/batch.py --rows 100000                    # memory stays flat as the batch grows

The database given is migrated and written to (a new sponsor each run); use a scratch one.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

PROGRAM = "ny-csr"
LER = [sys.executable, "-c", "from issuer.cli import main; main()"]


def wait_until_serving(port: int, workdir, seconds: float = 120) -> None:
    """Until `ler serve` on `port` answers /healthz (its log is in `workdir`)."""
    deadline = time.time() + seconds
    while True:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2)
            return
        except OSError:
            if time.time() > deadline:
                raise SystemExit(f"the server did not start; see {workdir}")
            time.sleep(0.2)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _descendants(roots: list[int]) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], list(roots)
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, ()))
    return out


class MemoryWatch:
    """Samples the peak resident set (VmHWM) and the CPU time of every process under the roots."""

    def __init__(self, roots: dict[int, str]):
        self.roots = roots
        self.peaks: dict[int, tuple[str, int]] = {}
        self.cpu: dict[int, float] = {}
        self.ticks = os.sysconf("SC_CLK_TCK")
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self):
        while not self.stop.is_set():
            self.sample()
            self.stop.wait(0.2)

    def sample(self):
        for pid in _descendants(list(self.roots)):
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                stat = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            except OSError:
                continue
            peak = next((int(line.split()[1]) for line in status.splitlines() if line.startswith("VmHWM:")), 0)
            parent_role = self.peaks.get(int(stat[1]), ("",))[0]
            role = (self.roots.get(pid) or ("signing process" if parent_role == "forkserver" else
                                            "forkserver" if "forkserver" in cmdline else
                                            "resource tracker" if "resource_tracker" in cmdline else "child"))
            previous = self.peaks.get(pid, (role, 0))[1]
            self.peaks[pid] = (role, max(previous, peak))
            self.cpu[pid] = (int(stat[11]) + int(stat[12])) / self.ticks

    def mark(self) -> None:
        """CPU time from here on is the batch's (not the service's start-up)."""
        self.sample()
        self.baseline = dict(self.cpu)

    def finish(self) -> list[dict]:
        self.sample()
        self.stop.set()
        baseline = getattr(self, "baseline", {})
        return [{"pid": pid, "role": role, "peak_rss_mb": round(kb / 1024, 1),
                 "cpu_seconds": round(self.cpu.get(pid, 0.0) - baseline.get(pid, 0.0), 1)}
                for pid, (role, kb) in sorted(self.peaks.items())]


def _request(port: int, path: str, key: str, method="GET", body: bytes | None = None, content_type=None):
    headers = {"Authorization": f"Bearer {key}"}
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=body, method=method, headers=headers)
    with urllib.request.urlopen(request, timeout=600) as response:
        return json.loads(response.read())


def service_env(workdir: Path, database_url: str | None) -> dict:
    """The environment of a benchmark's own service: fresh keys and instance in `workdir`, its
    database (default: a new SQLite file there), a queue name of its own, and no mail."""
    env = {**os.environ,
           "LER_KEYS_DIR": str(workdir / "keys"), "LER_INSTANCE_DIR": str(workdir / "instance"),
           "LER_KEY_PASSPHRASE": "benchmark-passphrase", "LER_BASE_URL": "https://issuer.example",
           "LER_DATABASE_URL": database_url or f"sqlite:///{workdir / 'ler.sqlite3'}",
           "LER_BATCH_QUEUE": f"ler-bench-{uuid.uuid4().hex[:8]}"}
    env.pop("LER_SMTP_URL", None)
    return env


def run(args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix="ler-bench-"))
    env = service_env(workdir, args.database_url)
    if args.redis_url:
        env["LER_REDIS_URL"] = args.redis_url
    else:
        env.pop("LER_REDIS_URL", None)
    os.environ.update({k: v for k, v in env.items() if k.startswith("LER_")})
    if not args.redis_url:
        os.environ.pop("LER_REDIS_URL", None)

    from batch_support import cohort_csv, make_cohort
    from issuer.composition import build_services
    from issuer.config import Config
    from issuer.db import session_scope
    from issuer.sponsors.services import create_sponsor

    services = build_services(Config.from_env())
    with session_scope(services.sessions) as session:
        sponsor, key = create_sponsor(session, f"Benchmark Sponsor {uuid.uuid4().hex[:8]}", [PROGRAM])
        sponsor_id = sponsor.id
    started = time.time()
    ids = make_cohort(services.sessions, sponsor_id, PROGRAM, args.rows, prefix="B")
    print(f"cohort of {args.rows} apprentices created in {time.time() - started:.1f} s", file=sys.stderr)
    csv_path = workdir / "cohort.csv"
    csv_path.write_text(cohort_csv(ids, PROGRAM))
    del ids
    services.engine.dispose()

    port = _free_port()
    logs = []
    processes: dict[int, str] = {}
    procs = []

    def start(role, *cmd):
        log = open(workdir / f"{role.replace(' ', '-')}.log", "wb")
        logs.append(log)
        proc = subprocess.Popen(LER + list(cmd), env=env, stdout=log, stderr=subprocess.STDOUT)
        processes[proc.pid] = role
        procs.append(proc)
        return proc

    start("server (ler serve)", "serve", "--port", str(port))
    for n in range(args.workers if args.redis_url else 0):
        start(f"worker {n + 1} (ler worker)", "worker")
    watch = MemoryWatch(processes)
    try:
        wait_until_serving(port, workdir)
        time.sleep(2 if args.redis_url else 0)    # let the workers connect

        watch.mark()
        t0 = time.time()
        batch = _request(port, "/api/v1/batches?filename=cohort.csv", key, "POST", csv_path.read_bytes(), "text/csv")
        t_validated = time.time()
        assert batch["rows"]["invalid"] == 0, batch["error_rows"][:5]
        _request(port, f"/api/v1/batches/{batch['id']}/approve", key, "POST")
        shown = -1
        while True:
            view = _request(port, f"/api/v1/batches/{batch['id']}", key)
            if view["rows"]["done"] != shown and not args.quiet:
                print(f"  {view['state']:9} {view['rows']['done']:>7}/{view['rows']['valid']} rows, "
                      f"{view['credentials_issued']} issued, rate {view['rate_rows_per_second']}/s, "
                      f"eta {view['eta_seconds']} s", file=sys.stderr)
                shown = view["rows"]["done"]
            if view["state"] in ("done", "failed"):
                break
            time.sleep(0.5)
        t_done = time.time()
    finally:
        memory = watch.finish()
        for proc in procs:
            proc.send_signal(signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
        for log in logs:
            log.close()
    if view["state"] != "done" or view["credentials_issued"] != args.rows:
        raise SystemExit(f"the batch ended {view['state']} with {view['credentials_issued']} issued: {view}")
    return {
        "database": "postgresql" if (args.database_url or "").startswith("postgresql") else "sqlite",
        "queue": f"redis ({args.workers} worker{'s' if args.workers > 1 else ''})" if args.redis_url
        else "thread of ler serve",
        "cores": os.cpu_count(), "load_average_at_end": os.getloadavg(),
        "rows": args.rows, "credentials_issued": view["credentials_issued"],
        "validation_seconds": round(t_validated - t0, 2),
        "end_to_end_seconds": round(t_done - t0, 2),
        "credentials_per_second": round(args.rows / (t_done - t0), 1),
        "issuing_rows_per_second": view["rate_rows_per_second"],
        "processes": memory,
        "peak_rss_mb_max": max(p["peak_rss_mb"] for p in memory),
        # The machine may be shared: what the service itself consumed, and the rate those CPU
        # seconds would give on idle cores (the busiest single process bounds it).
        "cpu_seconds": round(sum(p["cpu_seconds"] for p in memory), 1),
        "idle_machine_estimate_per_second": round(args.rows / max(
            sum(p["cpu_seconds"] for p in memory) / (os.cpu_count() or 1),
            max(p["cpu_seconds"] for p in memory)), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument("--database-url", help="default: a fresh SQLite file")
    parser.add_argument("--redis-url", help="run on RQ with `ler worker` processes instead of a server thread")
    parser.add_argument("--workers", type=int, default=1, help="ler worker processes (with --redis-url)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args()
    result = run(args)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    print(f"{result['rows']} completion certificates on {result['database']}, batches on {result['queue']}, "
          f"{result['cores']} cores (load average at the end {', '.join(f'{x:.1f}' for x in result['load_average_at_end'])})")
    print(f"  end to end (upload, validation, issuance, commit): {result['end_to_end_seconds']} s = "
          f"{result['credentials_per_second']} credentials/s; validation {result['validation_seconds']} s; "
          f"issuing rate {result['issuing_rows_per_second']} rows/s")
    print(f"  CPU time of the service during the batch: {result['cpu_seconds']} s, so about "
          f"{result['idle_machine_estimate_per_second']} credentials/s on idle cores")
    for p in result["processes"]:
        print(f"  peak memory {p['peak_rss_mb']:7.1f} MB  cpu {p['cpu_seconds']:6.1f} s  pid {p['pid']:<7} {p['role']}")


if __name__ == "__main__":
    main()
