"""The walls of the house as code: the import-linter contracts of pyproject.toml hold, a broken
wall is caught and named, and no two top-level domains of `issuer` import each other.

Reproduce by hand: `.venv/bin/lint-imports` in the checkout (as .ci/run does), and for cycles
between domains `test_no_two_domains_import_each_other` below (grimp, which import-linter uses).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import grimp

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"
CONTRACTS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]["contracts"]

# Pairs of domains allowed to import each other: none. A pair named here needs a reason beside it.
KNOWN_CYCLES: set[tuple[str, str]] = set()


def _lint_imports(cwd: Path) -> subprocess.CompletedProcess:
    # The checkout (or its copy) first on the path, so that the `issuer` analysed is the one in `cwd`.
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo"], cwd=cwd, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(cwd)}, timeout=300)


def test_the_contracts_hold():
    run = _lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "0 broken" in run.stdout
    # Every contract of pyproject.toml ran and was kept.
    assert f"Contracts: {len(CONTRACTS)} kept, 0 broken." in run.stdout, run.stdout


def test_a_broken_wall_fails_and_is_named(tmp_path):
    """Scratch imports that break three walls, in a copy of the package: lint-imports exits
    non-zero and names each contract broken, with the offending import."""
    shutil.copytree(ROOT / "issuer", tmp_path / "issuer", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    with (tmp_path / "issuer" / "rules" / "model.py").open("a") as rules:
        rules.write("\nimport flask  # scratch: a rule reaching for the web framework\n")
    with (tmp_path / "issuer" / "verify" / "summary.py").open("a") as verify:
        verify.write("\nfrom issuer.api import problems  # scratch: the verifier reaching up into the API\n")
    with (tmp_path / "issuer" / "credentials" / "identity.py").open("a") as credentials:
        credentials.write("\nfrom issuer.proofs import ld  # scratch: the builder reaching for the signer\n")

    run = _lint_imports(tmp_path)
    out = " ".join(run.stdout.split())  # contract names wrap at 80 columns
    assert run.returncode != 0, out
    assert "rules/ are pure functions: neither Flask nor the database BROKEN" in out
    assert "Only app.py and api/ import Flask BROKEN" in out
    assert "issuer.rules.model -> flask" in out
    assert "verify/ is used by the API, never the other way BROKEN" in out
    assert "issuer.verify.summary -> issuer.api.problems" in out
    assert "credentials/ builds JSON and never signs it: no import of proofs/ (no cryptography in the builder) " \
           "BROKEN" in out
    # The layers see the two inside the package too (one goes up, one sideways), and the pure core's
    # independence the builder's; the other contracts still hold.
    assert "'|' siblings none of each other) BROKEN" in out
    assert "The pure core and the database know nothing of each other BROKEN" in out
    assert f"Contracts: {len(CONTRACTS) - 6} kept, 6 broken." in out, out


def _domain(module: str) -> str:
    """`issuer.X` for any module under it: packages and top-level modules (db, config, errors,
    dates, models, csv_export...) alike."""
    return module.split(".")[1]


def domain_cycles(graph) -> set[tuple[str, str]]:
    """Pairs (X, Y), X < Y, of top-level domains of which each imports the other."""
    edges = set()
    for module in graph.modules:
        if module.count(".") == 0:
            continue
        for imported in graph.find_modules_directly_imported_by(module):
            if imported.count(".") and _domain(imported) != _domain(module):
                edges.add((_domain(module), _domain(imported)))
    return {tuple(sorted(edge)) for edge in edges if edge[::-1] in edges}


def test_no_two_domains_import_each_other():
    cycles = domain_cycles(grimp.build_graph("issuer", cache_dir=None))
    assert cycles - KNOWN_CYCLES == set(), f"domains importing each other: {sorted(cycles - KNOWN_CYCLES)}"
    assert KNOWN_CYCLES - cycles == set(), f"gone, so delete from KNOWN_CYCLES: {sorted(KNOWN_CYCLES - cycles)}"


def test_the_cycle_check_sees_a_cycle():
    """The check above is not vacuous: a graph with one import back from proofs to credentials
    (and a top-level module in a pair) is reported."""
    graph = grimp.ImportGraph()
    for module in ("issuer", "issuer.credentials", "issuer.credentials.openbadge", "issuer.proofs",
                   "issuer.proofs.data_integrity", "issuer.db"):
        graph.add_module(module)
    graph.add_import(importer="issuer.proofs.data_integrity", imported="issuer.credentials.openbadge")
    graph.add_import(importer="issuer.credentials.openbadge", imported="issuer.proofs.data_integrity")
    graph.add_import(importer="issuer.db", imported="issuer.proofs")
    graph.add_import(importer="issuer.proofs", imported="issuer.db")
    assert domain_cycles(graph) == {("credentials", "proofs"), ("db", "proofs")}
