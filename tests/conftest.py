"""Shared fixtures. The database is SQLite unless LER_DATABASE_URL names another (CI: PostgreSQL).

Tests read nothing outside the repository: the standards data they use is copied under
tests/data/standards (see its MANIFEST.md), so a plain clone runs the whole suite.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from issuer.app import create_app
from issuer.composition import build_services
from issuer.cli import main
from issuer.config import Config

ROOT = Path(__file__).resolve().parents[1]
STANDARDS = ROOT / "tests" / "data" / "standards"
VECTORS = STANDARDS / "vectors"
PASSPHRASE = "test-passphrase-not-for-production"


def load_json(path: Path):
    return json.loads(Path(path).read_text(encoding="utf-8"))


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() not in ("", "0", "false", "no")


def require(available: bool, reason: str) -> None:
    """A test that needs something outside Python (Redis, PostgreSQL, Chromium, Node, a command-line
    tool) calls this first: on a developer's machine without it the test is skipped with `reason`;
    under CI (`CI=true`), which installs all of them (.ci/run), a missing one fails the test."""
    if available:
        return
    if in_ci():
        pytest.fail(f"{reason}; CI must provide it (.ci/run)", pytrace=False)
    pytest.skip(reason)


def require_tools(*tools: str) -> None:
    """`require` for commands on PATH or absolute paths (e.g. "pdftoppm", "/usr/bin/chromium")."""
    missing = [t for t in tools if not (Path(t).exists() if os.path.isabs(t) else shutil.which(t))]
    require(not missing, f"not installed: {', '.join(missing)}")


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("DROP SCHEMA public CASCADE"))
            connection.execute(text("CREATE SCHEMA public"))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def database_url(tmp_path_factory) -> str:
    url = os.environ.get("LER_DATABASE_URL")
    if not url:
        return f"sqlite:///{tmp_path_factory.mktemp('db') / 'ler.sqlite3'}"
    try:
        engine = create_engine(url)
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # an unreachable database must fail the run, never skip it
        pytest.exit(f"LER_DATABASE_URL={url} is unreachable: {exc}", returncode=3)
    if url.startswith("postgresql"):
        _reset_postgres(url)
    return url


@pytest.fixture
def env(tmp_path, monkeypatch, database_url):
    """A fresh keys folder and instance folder per test, the shared database, a known passphrase."""
    values = {
        "LER_KEYS_DIR": str(tmp_path / "keys"),
        "LER_INSTANCE_DIR": str(tmp_path / "instance"),
        "LER_KEY_PASSPHRASE": PASSPHRASE,
        "LER_DATABASE_URL": database_url,
        "LER_BASE_URL": "https://issuer.example",
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def config(env) -> Config:
    return Config.from_env(testing=True)


@pytest.fixture
def services(config):
    services = build_services(config)
    yield services
    services.issuance.signer.close()   # the signing pool, if a test started it
    services.engine.dispose()


@pytest.fixture
def app(config, services):
    return create_app(config, services)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli(env):
    runner = CliRunner()

    def run(*args, input=None):
        return runner.invoke(main, [str(a) for a in args], input=input, catch_exceptions=False)

    return run


@pytest.fixture
def issued(client, services):
    """A new sponsor with one credential issued through the sponsor API (tests/delivery_support.py)."""
    from delivery_support import issue_one
    return issue_one(client, services)
