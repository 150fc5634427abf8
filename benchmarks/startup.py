"""How long `ler` commands take from a cold process to their answer, as a person at a terminal
sees it: the median of several runs of each command, wall-clock and CPU (user + system).

Targets (issue 13, on an idle machine): `ler --help` within 0.3 s, `ler verify FILE` within
1 s. On a shared machine the wall-clock figure grows with the load (printed alongside); the CPU
figure barely does, and is what a process costs on an idle one.

The credential verified is one this service issued (through `ler sponsors create` and `ler
import`, in a throw-away folder): its proof, its status list in the database, its framework
alignment and the Open Badges schema are all checked, as an employer's `ler verify` would.

    python benchmarks/startup.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGETS = {"ler --help": 0.3, "ler verify FILE": 1.0}
HEADER = "apprentice_id,apprentice_name,apprentice_email,apprentice_did,program,entry_type,item,value,date,signed_off_by"


def ler_command() -> list[str]:
    """The `ler` script installed beside this Python (what a user runs), else the same entry point."""
    script = Path(sys.executable).with_name("ler")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from issuer.cli import main; main()"]


def run(args: list[str], env: dict, expect: int = 0) -> tuple[float, float, str]:
    """One cold run: (wall seconds, CPU seconds of the child, its standard output)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(args, env=env, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != expect:
        raise SystemExit(f"{' '.join(args)} exited {done.returncode}, expected {expect}:\n{done.stderr}{done.stdout}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def prepare(ler: list[str], env: dict, workdir: Path) -> dict[str, Path | str]:
    """A sponsor, five days of hours completing a work process, and the credential they earned."""
    run(ler + ["sponsors", "create", "Startup Benchmark Sponsor", "--program", "ny-csr"], env)
    rows = [f"B-1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-a,20,2024-03-0{day},J. Rivera" for day in range(1, 6)]
    progress = workdir / "progress.csv"
    progress.write_text("\n".join([HEADER, *rows]) + "\n")
    run(ler + ["import", str(progress), "--sponsor", "Startup Benchmark Sponsor"], env)
    _, _, listed = run(ler + ["credentials", "list", "--json"], env)
    credential = json.loads(listed.splitlines()[0])
    signed = workdir / "credential.json"
    signed.write_text(json.dumps(credential))
    tampered = workdir / "tampered.json"
    credential["credentialSubject"]["achievement"]["name"] = "Master Customer Service Representative"
    tampered.write_text(json.dumps(credential))
    return {"signed": signed, "tampered": tampered, "id": credential["id"]}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    options = parser.parse_args()

    ler = ler_command()
    workdir = Path(tempfile.mkdtemp(prefix="ler-startup-"))
    env = {**os.environ, "LER_KEYS_DIR": str(workdir / "keys"), "LER_INSTANCE_DIR": str(workdir / "instance"),
           "LER_DATABASE_URL": f"sqlite:///{workdir / 'ler.sqlite3'}", "LER_BASE_URL": "https://issuer.example",
           "LER_KEY_PASSPHRASE": "startup-benchmark-passphrase"}
    try:
        files = prepare(ler, env, workdir)
        commands = [
            ("ler --help", ["--help"], 0),
            ("ler --version", ["--version"], 0),
            ("ler verify FILE", ["verify", str(files["signed"])], 0),
            ("ler verify FILE (tampered)", ["verify", str(files["tampered"])], 1),
            ("ler keys list", ["keys", "list"], 0),
            ("ler programs list", ["programs", "list"], 0),
            ("ler credentials status ID", ["credentials", "status", str(files["id"])], 0),
        ]
        load_before = os.getloadavg()
        figures = []
        for label, args, expect in commands:
            run(ler + args, env, expect)  # warm the page cache: the figures are of a warm disk
            samples = [run(ler + args, env, expect)[:2] for _ in range(options.runs)]
            figures.append({"command": label, "wall_s": round(statistics.median(w for w, _ in samples), 3),
                            "cpu_s": round(statistics.median(c for _, c in samples), 3),
                            "target_s": TARGETS.get(label)})
        load = [round(x, 2) for x in (*load_before, *os.getloadavg())]
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    if options.json:
        print(json.dumps({"runs": options.runs, "cpus": os.cpu_count(), "loadavg_before_after": load,
                          "figures": figures}, indent=2))
        return
    print(f"median of {options.runs} cold runs; {os.cpu_count()} CPUs; load average "
          f"{load[0]:.2f} before, {load[3]:.2f} after")
    print(f"{'command':30} {'wall s':>7} {'CPU s':>7}  target")
    for figure in figures:
        target = figure["target_s"]
        verdict = "" if target is None else f"{target:.1f} s: {'met' if figure['cpu_s'] <= target else 'MISSED'} (CPU)"
        print(f"{figure['command']:30} {figure['wall_s']:7.3f} {figure['cpu_s']:7.3f}  {verdict}")


if __name__ == "__main__":
    main()
