"""Real JavaScript verifiers for the interoperability tests: installed from npm by the ordinary
client once, into a cache outside the repository and the tests' temporary folders
(`LER_NODE_CACHE`, default ~/.cache/ler-node), then run with Node. Skipped with the reason when
Node or npm is missing or the install fails; under CI (env CI=true) that is a failure."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

HERE = Path(__file__).with_name("node")
# Pinned: a new release is a deliberate upgrade, and the cache folder is named by the version.
VERIFIER_CORE = ("@digitalcredentials/verifier-core", "1.0.0-beta.11")


def _unavailable(reason: str):
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"CI must run the Node interoperability tests: {reason}")
    pytest.skip(reason)


def install(package: tuple[str, str]) -> Path:
    """The folder holding node_modules/<package> at its pinned version, installed if missing."""
    name, version = package
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        _unavailable("Node.js and npm are not installed")
    cache = Path(os.environ.get("LER_NODE_CACHE") or Path.home() / ".cache" / "ler-node")
    folder = cache / f"{name.replace('@', '').replace('/', '-')}-{version}"
    installed = folder / "node_modules" / name / "package.json"
    if not installed.exists() or json.loads(installed.read_text())["version"] != version:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "package.json").write_text(json.dumps({"name": "ler-test-node", "private": True}))
        try:
            done = subprocess.run([npm, "install", "--no-audit", "--no-fund", "--ignore-scripts", f"{name}@{version}"],
                                  cwd=folder, capture_output=True, text=True, timeout=600)
        except subprocess.TimeoutExpired:
            _unavailable(f"npm install {name}@{version} took more than 10 minutes")
        if done.returncode != 0:
            _unavailable(f"npm install {name}@{version} failed: {done.stderr[-2000:]}")
    return folder


def run_script(folder: Path, script: str, payload: dict, output: Path, timeout: int = 300) -> dict:
    """Run tests/node/<script> from `folder` (so its imports resolve there) with `payload` on stdin;
    the script writes its answer to `output`. The modules it may import from tests/node (e.g.
    loopback.mjs) are copied beside it."""
    for source in HERE.glob("*.mjs"):
        copy, text = folder / source.name, source.read_text(encoding="utf-8")
        # Rewritten only when changed: parallel test workers run scripts from the same folder.
        if not copy.exists() or copy.read_text(encoding="utf-8") != text:
            copy.write_text(text, encoding="utf-8")
    target = folder / script
    done = subprocess.run([shutil.which("node"), str(target)], input=json.dumps({**payload, "output": str(output)}),
                          capture_output=True, text=True, timeout=timeout, cwd=folder)
    assert done.returncode == 0, done.stderr[-4000:]
    return json.loads(output.read_text(encoding="utf-8"))
