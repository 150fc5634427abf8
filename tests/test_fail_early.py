"""Failing early and clearly: a wrong key passphrase or an unreachable database stops `ler serve`
and `ler worker` at start with one line; an unreachable queue at approval is a 503 that says the
batch is approved and will run when the queue is back."""

from __future__ import annotations

import io
import socket
import uuid

import pytest

from issuer.app import create_app
from issuer.batch.models import Batch
from issuer.config import Config
from issuer.db import session_scope
from issuer.sponsors.services import create_sponsor

from batch_support import cohort_csv, make_cohort


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _one_line_error(result, *words) -> str:
    assert result.exit_code == 1, result.output
    # `ler serve` first says what it is doing (issue 13: "Migrating the database ..."); the
    # failure itself is one line, the last, and nothing else is an error or a traceback.
    lines = result.output.strip().splitlines()
    errors = [line for line in lines if line.startswith("Error: ")]
    assert errors == lines[-1:], result.output
    assert len(lines) == 1 or _progress_lines_only(lines[:-1]), result.output
    assert "Traceback" not in result.output
    for word in words:
        assert word in errors[0], errors[0]
    return errors[0]


def _progress_lines_only(lines: list[str]) -> bool:
    return all(line.endswith("...") or line.startswith(("Migrating", "Making", "Loading")) for line in lines)


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["worker", "--burst"]])
def test_a_wrong_key_passphrase_stops_the_process_at_start(services, cli, monkeypatch, command):
    assert services.identity.keystore.records()                  # keys sealed with the right passphrase
    monkeypatch.setenv("LER_KEY_PASSPHRASE", "not-the-passphrase")
    monkeypatch.setenv("LER_REDIS_URL", f"redis://127.0.0.1:{_closed_port()}/0")
    line = _one_line_error(cli(*command), "passphrase", "LER_KEY_PASSPHRASE")
    assert "not-the-passphrase" not in line


@pytest.mark.parametrize("command", [["serve", "--port", "1"], ["worker", "--burst"], ["programs", "list"]])
def test_an_unreachable_database_is_one_line(env, cli, monkeypatch, command):
    port = _closed_port()
    monkeypatch.setenv("LER_DATABASE_URL", f"postgresql+psycopg://postgres:secret@127.0.0.1:{port}/ler")
    monkeypatch.setenv("LER_REDIS_URL", f"redis://127.0.0.1:{_closed_port()}/0")
    line = _one_line_error(cli(*command), "cannot reach the database", f"127.0.0.1:{port}")
    assert "secret" not in line                                   # the password is never printed


def test_an_unreachable_queue_at_approval_is_a_503_and_the_batch_stays_approved(env, services, monkeypatch):
    config = Config.from_env(testing=True, redis_url=f"redis://127.0.0.1:{_closed_port()}/0")
    services.config = config
    client = create_app(config, services).test_client()
    with session_scope(services.sessions) as session:
        sponsor, key = create_sponsor(session, f"Queue Down {uuid.uuid4().hex[:8]}", ["ny-csr"])
        sponsor_id = sponsor.id
    auth = {"Authorization": f"Bearer {key}"}
    ids = make_cohort(services.sessions, sponsor_id, "ny-csr", 3, prefix=f"Q{uuid.uuid4().hex[:4]}")
    uploaded = client.post("/api/v1/batches", headers=auth, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(cohort_csv(ids, "ny-csr").encode()), "cohort.csv")})
    assert uploaded.status_code in (201, 202), uploaded.get_json()
    batch_id = uploaded.get_json()["id"]
    response = client.post(f"/api/v1/batches/{batch_id}/approve", headers=auth)
    assert response.status_code == 503 and response.mimetype == "application/problem+json"
    detail = response.get_json()["detail"]
    assert "approved" in detail and "will run when the queue is back" in detail
    assert response.headers["Retry-After"]
    with session_scope(services.sessions) as session:
        assert session.get(Batch, batch_id).state == "approved"


def test_a_worker_without_its_queue_is_one_line(services, cli, monkeypatch):
    port = _closed_port()
    monkeypatch.setenv("LER_REDIS_URL", f"redis://127.0.0.1:{port}/0")
    _one_line_error(cli("worker", "--burst"), "cannot reach Redis", f"127.0.0.1:{port}")
