"""The console keeps answering while a 10,000-row progress batch runs (issue 10, point 7).

On SQLite a batch holds the one write lock a chunk at a time; pages must neither wait for the
whole batch nor fail with "database is locked". Through HTTP (the Flask test client), with the
batch on the server's own runner thread, as `ler serve` runs it without Redis.
"""

from __future__ import annotations

import datetime
import io
import time

from portal_support import Signed, make_tenant

PROGRAM = "ny-csr"
HEADER = "apprentice_id,apprentice_name,apprentice_email,apprentice_did,program,entry_type,item,value,date,signed_off_by"
WORK_PROCESSES = ("wp-a", "wp-b", "wp-c", "wp-d", "wp-e", "wp-f", "wp-g")


def _month(apprentices: int, days: int) -> str:
    """A month of daily hours: `days` rows for each apprentice, no work process completed."""
    first = datetime.date(2024, 3, 1)
    lines = [HEADER]
    for a in range(apprentices):
        for d in range(days):
            lines.append(f"M{a},Month {a},m{a}@example.org,,{PROGRAM},ojl_hours,{WORK_PROCESSES[d % 7]},8,"
                         f"{first + datetime.timedelta(days=d)},J. Rivera")
    return "\n".join(lines) + "\n"


def test_console_pages_answer_while_a_10000_row_batch_runs(app, services, env, monkeypatch):
    monkeypatch.delenv("LER_REDIS_URL", raising=False)
    tenant = make_tenant(services, [PROGRAM])
    console = Signed(app, tenant.administrator)
    api = app.test_client()
    uploaded = api.post("/api/v1/batches", headers=tenant.api, content_type="multipart/form-data",
                        data={"file": (io.BytesIO(_month(500, 20).encode()), "month.csv")})
    assert uploaded.status_code in (200, 201, 202), uploaded.get_json()
    batch = uploaded.get_json()
    assert batch["rows"]["valid"] == 10_000, batch
    assert api.post(f"/api/v1/batches/{batch['id']}/approve", headers=tenant.api).status_code in (200, 202)

    pages = ["/portal/apprentices", "/portal/batches", f"/portal/batches/{batch['id']}",
             "/portal/credentials", "/portal/audit"]
    answered_while_running, slowest, deadline = 0, 0.0, time.time() + 600
    while True:
        view = api.get(f"/api/v1/batches/{batch['id']}", headers=tenant.api)
        assert view.status_code == 200
        state = view.get_json()["state"]
        if state in ("done", "failed"):
            break
        for page in pages:
            started = time.time()
            response = console.get(page)
            slowest = max(slowest, time.time() - started)
            assert response.status_code == 200, (page, response.status_code, response.get_data(as_text=True)[:500])
            answered_while_running += state == "running"
        assert time.time() < deadline, "the batch did not finish in 10 minutes"
    assert state == "done", view.get_json()
    final = view.get_json()
    assert final["rows"]["done"] == 10_000 and final["rows"]["failed"] == 0
    # Enough pages were served mid-batch for the test to mean something.
    assert answered_while_running >= len(pages), answered_while_running
