"""`ler import` on bad input: every bad row named by line and column, good rows never lost."""

from __future__ import annotations

import json
import uuid

import pytest

HEADER = "apprentice_id,apprentice_name,apprentice_email,apprentice_did,program,entry_type,item,value,date,signed_off_by\n"


@pytest.fixture
def sponsor(cli):
    name = f"Import Sponsor {uuid.uuid4().hex[:8]}"
    assert cli("sponsors", "create", name).exit_code == 0
    return name


def _run(cli, tmp_path, sponsor, body, *extra):
    path = tmp_path / "rows.csv"
    path.write_text(HEADER + body)
    result = cli("import", path, "--sponsor", sponsor, "--json", *extra)
    return result, json.loads(result.output)


def test_bad_rows_are_reported_and_good_rows_kept(cli, tmp_path, sponsor):
    body = (
        "A1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-a,8,2024-01-02,J. Rivera\n"      # 2 good
        "A1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-q,8,2024-01-03,J. Rivera\n"      # 3 unknown item
        "A1,Ana Lopez,ana@example.org,,no-such-program,ojl_hours,wp-a,8,2024-01-03,J. R\n"  # 4 unknown program
        "A1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-a,-4,2024-01-04,J. Rivera\n"     # 5 negative
        "A1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-a,30,2024-01-05,J. Rivera\n"     # 6 absurd
        "A1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-a,8,2999-01-06,J. Rivera\n"      # 7 future
        "A1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-a,8,2024-01-02,J. Rivera\n"      # 8 duplicate of 2
        "A1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-a,8,Jan 7,J. Rivera\n"           # 9 bad date
        "A2,,,,ny-csr,ojl_hours,wp-a,8,2024-01-07,J. Rivera\n"                              # 10 new, no name
        "A1,Ana Lopez,ana@example.org,,ny-csr,ojl_hours,wp-b,8,2024-01-08,J. Rivera\n"      # 11 good
    )
    result, report = _run(cli, tmp_path, sponsor, body)
    assert result.exit_code == 1
    errors = {e["line"]: e for e in report["errors"]}
    assert sorted(errors) == [3, 4, 5, 6, 7, 8, 9, 10]
    assert errors[3]["column"] == "item" and "wp-q" in errors[3]["message"]
    assert errors[4]["column"] == "program" and "no-such-program" in errors[4]["message"]
    assert errors[5]["column"] == "value"
    assert errors[6]["column"] == "value" and "24" in errors[6]["message"]
    assert errors[7]["column"] == "date" and "future" in errors[7]["message"]
    assert errors[8]["message"] == "duplicate of line 2"
    assert errors[9]["column"] == "date"
    assert errors[10]["column"] == "apprentice_name"
    assert report["counts"]["recorded"] == 2
    progress = json.loads(cli("progress", "A1", "--sponsor", sponsor, "--json").output)
    assert progress["programs"][0]["totals"]["ojl_hours"] in ("16", "16.00", "16.0")


def test_text_output_names_line_and_column_on_stderr(cli, tmp_path, sponsor):
    path = tmp_path / "rows.csv"
    path.write_text(HEADER + "A1,Ana,ana@example.org,,ny-csr,ojl_hours,wp-a,eight,2024-01-02,J\n")
    result = cli("import", path, "--sponsor", sponsor)
    assert result.exit_code == 1
    assert "line 2, column value" in result.output


def test_header_errors_and_unreadable_files(cli, tmp_path, sponsor):
    path = tmp_path / "rows.csv"
    path.write_text("who,what\nA1,x\n")
    result = cli("import", path, "--sponsor", sponsor, "--json")
    assert result.exit_code == 2 and "lacks column" in json.loads(result.output)["header_error"]
    assert cli("import", tmp_path / "missing.csv", "--sponsor", sponsor).exit_code == 1
    assert "no sponsor" in cli("import", path, "--sponsor", "Nobody Inc").output


def test_dry_run_records_nothing(cli, tmp_path, sponsor):
    rows = "".join(f"A9,Ana,ana@example.org,,ny-csr,ojl_hours,wp-a,10,2024-02-{d:02d},J\n" for d in range(1, 11))
    result, report = _run(cli, tmp_path, sponsor, rows, "--dry-run")
    assert result.exit_code == 0 and report["counts"]["valid"] == 10
    assert "would issue work-process:wp-a" in report["rows"][-1]["credentials"]
    assert cli("credentials", "list", "--sponsor", sponsor, "--json").output == ""
    result, report = _run(cli, tmp_path, sponsor, rows)
    assert report["counts"]["recorded"] == 10 and report["counts"]["credentials_issued"] == 1
