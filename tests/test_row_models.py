"""CSV rows are checked by declared models (issuer.progress.rows) before any database call: each
bad row named by its line and column, with the same message on SQLite and PostgreSQL, and the
other rows going on. Through `ler import` and through batch uploads over HTTP (CSV and JSON)."""

from __future__ import annotations

import io
import json
import uuid

import pytest

from issuer.db import session_scope
from issuer.sponsors.services import create_sponsor

HEADER = ("apprentice_id,apprentice_name,apprentice_email,apprentice_did,program,entry_type,item,value,date,"
          "signed_off_by,entry_ref\n")
GOOD = "R1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-a,8,2024-01-{day:02d},J. Rivera,\n"

# (row, column, message): one bad cell each, among good rows.
BAD_PROGRESS = [
    ("R1,Ana\x00Lopez,ana@example.org,,ny-csr,ojl_hours,wp-a,8,2024-01-20,J. Rivera,\n",
     "apprentice_name", "apprentice_name holds a NUL character"),
    ("R1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours," + "w" * 101 + ",8,2024-01-21,J. Rivera,\n",
     "item", "item is longer than 100 characters"),
    ("R1,Ana Lopez,ana@example.org,,ny-csr,,wp-a,8,2024-01-22,J. Rivera,\n", "entry_type", "entry_type is empty"),
    ("R1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-a,8,2024-02-30,J. Rivera,\n",
     "date", "'2024-02-30' is not a real calendar date"),
    ("R1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-a,8,30/01/2024,J. Rivera,\n",
     "date", "'30/01/2024' is not a date in YYYY-MM-DD form"),
    ('R1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-a,8,2024-01-23,"J.\nRivera",\n',
     "signed_off_by", "signed_off_by holds a control character or a line break"),
    ("R1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-a,8,2024-01-24,J. Rivera," + "r" * 201 + "\n",
     "entry_ref", "entry_ref is longer than 200 characters"),
    ("R" * 101 + ",Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-a,8,2024-01-25,J. Rivera,\n",
     "apprentice_id", "apprentice_id is longer than 100 characters"),
    ("R1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-a," + "9" * 41 + ",2024-01-26,J. Rivera,\n",
     "value", "value is longer than 40 characters"),
]


def _progress_file() -> tuple[str, dict[int, tuple[str, str]], list[int]]:
    """The file, its bad lines {line: (column, message)} and its good lines."""
    lines, bad, good = [HEADER], {}, []
    for n, (row, column, message) in enumerate(BAD_PROGRESS):
        good.append(len(lines) + 1)
        lines.append(GOOD.format(day=n + 1))
        bad[len(lines) + 1] = (column, message)
        lines.append(row)
    good.append(len(lines) + 1)
    lines.append(GOOD.format(day=15))
    return "".join(lines), bad, good


def _physical_lines(text: str) -> int:
    return text.count("\n")


@pytest.fixture
def sponsor(cli):
    name = f"Rows Sponsor {uuid.uuid4().hex[:8]}"
    assert cli("sponsors", "create", name).exit_code == 0
    return name


def test_ler_import_names_each_bad_cell_and_keeps_the_good_rows(cli, tmp_path, sponsor):
    text, bad, good = _progress_file()
    path = tmp_path / "rows.csv"
    path.write_bytes(text.encode())
    result = cli("import", path, "--sponsor", sponsor, "--json")
    assert result.exit_code == 1, result.output
    report = json.loads(result.output)
    # A quoted line break makes one row of two file lines: the reader names the row's last line.
    errors = {e["line"]: (e.get("column"), e["message"]) for e in report["errors"]}
    assert sorted(errors.values()) == sorted(bad.values()), errors
    assert report["counts"]["recorded"] == len(good)
    progress = json.loads(cli("progress", "R1", "--sponsor", sponsor, "--json").output)
    assert float(progress["programs"][0]["totals"]["ojl_hours"]) == 8 * len(good)
    # Text output: the line and the column, on stderr, for a person at a terminal.
    again = cli("import", path, "--sponsor", sponsor)
    assert again.exit_code == 1 and "column apprentice_name" in again.output


def test_a_nul_anywhere_refuses_its_row_not_the_file(cli, tmp_path, sponsor):
    path = tmp_path / "extra.csv"
    path.write_bytes((HEADER.rstrip("\n") + ",note\n"
                      + GOOD.format(day=1).rstrip("\n") + ",fine\n"
                      + GOOD.format(day=2).rstrip("\n") + ",bad\x00note\n").encode())
    report = json.loads(cli("import", path, "--sponsor", sponsor, "--json").output)
    assert report["counts"]["recorded"] == 1
    assert [(e["line"], e["column"], e["message"]) for e in report["errors"]] == [
        (3, "note", "note holds a NUL character")]


@pytest.fixture
def api(env, services, monkeypatch):
    monkeypatch.delenv("LER_REDIS_URL", raising=False)
    with session_scope(services.sessions) as session:
        _, key = create_sponsor(session, f"Rows API {uuid.uuid4().hex[:8]}", ["ny-csr"])
    return {"Authorization": f"Bearer {key}"}


def _upload(client, auth, content: bytes, name: str):
    response = client.post("/api/v1/batches", headers=auth, content_type="multipart/form-data",
                           data={"file": (io.BytesIO(content), name)})
    assert response.status_code == 201, response.get_data(as_text=True)[:500]
    return response.get_json()


def _refused(batch: dict) -> list[tuple[str | None, str]]:
    return sorted((e.get("column"), e["message"]) for e in batch["error_rows"])


def test_progress_batch_names_each_bad_cell(client, api):
    text, bad, good = _progress_file()
    batch = _upload(client, api, text.encode(), "rows.csv")
    assert batch["rows"]["invalid"] == len(bad) and batch["rows"]["valid"] == len(good), batch["rows"]
    assert _refused(batch) == sorted(bad.values())


def test_json_progress_batch_is_checked_by_the_same_model(client, api):
    columns = HEADER.strip().split(",")
    rows = [dict(zip(columns, GOOD.format(day=1).strip().split(",") + [""]))]
    rows.append({**rows[0], "date": "2024-01-02", "apprentice_email": "a" * 321 + "@example.org"})
    rows.append({**rows[0], "date": "2024-01-03", "item": "wp-\x00a"})
    rows.append({**rows[0], "date": "2024-13-01"})
    batch = _upload(client, api, json.dumps({"kind": "progress", "rows": rows}).encode(), "rows.json")
    assert batch["rows"]["valid"] == 1
    assert [(e["line"], e["column"], e["message"]) for e in batch["error_rows"]] == [
        (2, "apprentice_email", "apprentice_email is longer than 320 characters"),
        (3, "item", "item holds a NUL character"),
        (4, "date", "'2024-13-01' is not a real calendar date")]


def test_cohort_batch_rows_are_checked_before_any_query(client, api):
    content = ("apprentice_id,program,achievement,completed_on\n"
               "E1\x00,ny-csr,occupation,\n"
               "E2,ny-csr," + "o" * 201 + ",\n"
               "E3,ny-csr,occupation,2024-02-30\n"
               "E4,,occupation,\n"
               "E5,ny-csr,occupation,2024-01-01\n")
    batch = _upload(client, api, content.encode(), "cohort.csv")
    assert [(e["line"], e["column"], e["message"]) for e in batch["error_rows"]] == [
        (2, "apprentice_id", "apprentice_id holds a NUL character"),
        (3, "achievement", "achievement is longer than 200 characters"),
        (4, "completed_on", "'2024-02-30' is not a real calendar date"),
        (5, "program", "program is empty"),
        # Well formed, so judged against the sponsor's records: there is no such apprentice.
        (6, "apprentice_id", "no apprentice 'E5': enroll the apprentice first")]
