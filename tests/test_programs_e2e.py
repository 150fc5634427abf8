"""End to end through the CLI: enroll, import progress until every threshold is met, and get
exactly the expected credentials, each verifying, schema-valid and aligned; re-import: nothing new."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import date, timedelta

import pytest

from issuer.credentials.schema import schema_errors

HEADER = ["apprentice_id", "apprentice_name", "apprentice_email", "apprentice_did", "program", "entry_type", "item",
          "value", "date", "signed_off_by"]


def _rows_to_complete(program: dict, apprentice="A-100"):
    day = date(2021, 1, 4)
    rows = []

    def add(entry_type, item, value):
        nonlocal day
        rows.append([apprentice, "Ana Lopez", "ana.lopez@example.org", "did:example:ana", program["id"], entry_type,
                     item, value, day.isoformat(), "J. Rivera (journeyworker)"])
        day += timedelta(days=1)

    for framework in program["frameworks"]:
        for level in framework["levels"]:
            for statement in level["statements"]:
                add("statement", statement, "attained")
    ri = program["related_instruction"]
    courses = [c for c in ri["courses"] if c.get("hours")]
    for course in courses:
        remaining = course["hours"]
        while remaining > 0:
            add("rti_hours", course["id"], str(min(8, remaining)))
            remaining -= 8
    needed_rti = ri.get("total_hours") or (ri.get("hours_per_year") or 0) * ((program.get("term") or {}).get("years") or 1)
    done_rti = sum(c["hours"] for c in courses)
    while done_rti < needed_rti:
        add("rti_hours", "rti", "8")
        done_rti += 8
    for wp in program["work_processes"]:
        remaining = wp["hours"]
        while remaining > 0:
            chunk = min(8, remaining)
            add("ojl_hours", wp["id"], str(chunk))
            remaining -= chunk
    if not program["work_processes"] and program.get("hybrid"):
        remaining = program["hybrid"]["minimum_ojl_hours"]
        while remaining > 0:
            add("ojl_hours", "ojl", str(min(8, remaining)))
            remaining -= 8
    for competency in program["competencies"]:
        add("competency", competency["id"], "proficient")
    return rows


def _csv(rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    writer.writerows(rows)
    return out.getvalue()


@pytest.fixture
def sponsor(cli):
    name = f"Acme Contact Centers {uuid.uuid4().hex[:8]}"
    result = cli("sponsors", "create", name)
    assert result.exit_code == 0, result.output
    return name, result.output.split("API key (shown once; keep it safe): ")[1].strip()


@pytest.mark.parametrize("program_id", ["dol-csr-3001cb", "ny-csr", "imec-csr", "dol-cs-tech-support-3031"])
def test_program_end_to_end(program_id, cli, sponsor, tmp_path, client):
    name, _ = sponsor
    program = json.loads(cli("programs", "show", program_id, "--json").output)
    rows = _rows_to_complete(program)
    path = tmp_path / "progress.csv"
    path.write_text(_csv(rows))

    # Partial progress issues nothing early: everything but the last row.
    partial = tmp_path / "partial.csv"
    partial.write_text(_csv(rows[:-1]))
    assert cli("import", partial, "--json", "--sponsor", name).exit_code == 0
    before = [json.loads(line) for line in cli("credentials", "list", "--json", "--sponsor", name).output.splitlines()]
    progress = json.loads(cli("progress", "A-100", "--json", "--sponsor", name).output)["programs"][0]
    occupation = next(a for a in progress["achievements"] if a["key"] == "occupation")
    assert not occupation["earned"] and occupation["missing"]
    assert "occupation" not in {c["credentialSubject"]["achievement"]["achievementType"] for c in before}

    result = cli("import", path, "--json", "--sponsor", name)
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["counts"]["recorded"] == 1 and report["counts"]["duplicate"] == len(rows) - 1

    credentials = [json.loads(line) for line in cli("credentials", "list", "--json", "--sponsor", name).output.splitlines()]
    keys = sorted(c["credentialSubject"]["achievement"]["id"].rsplit("/", 1)[-1] for c in credentials)
    expected = sorted([f"work-process%3A{wp['id']}" for wp in program["work_processes"]]
                      + [f"level%3A{fw['id']}%3A{lvl['id']}" for fw in program["frameworks"] for lvl in fw["levels"]]
                      + (["related-instruction"] if program["related_instruction"]["courses"]
                         or program["related_instruction"]["hours_per_year"] else [])
                      + ["occupation"])
    assert keys == expected

    for credential in credentials:
        assert schema_errors(credential) == []
        path = tmp_path / "c.json"
        path.write_text(json.dumps(credential))
        verified = cli("verify", path, "--json")
        assert verified.exit_code == 0, verified.output
        achievement = credential["credentialSubject"]["achievement"]
        codes = {a["targetCode"] for a in achievement["alignment"]}
        assert program["onet_soc"] is None or program["onet_soc"] in codes
        assert program["rapids_code"] is None or program["rapids_code"] in codes
        assert "Registration Agency" in achievement["description"]
        if achievement["achievementType"] == "Competency":
            level = achievement["id"].rsplit("%3A", 1)[-1]
            statements = next(lvl["statements"] for lvl in program["frameworks"][0]["levels"] if lvl["id"] == level)
            aligned = [a for a in achievement["alignment"] if a["targetType"] == "ceasn:Competency"]
            assert sorted(a["targetCode"] for a in aligned) == sorted(statements)
            for alignment in aligned[:2]:
                published = client.get(alignment["targetUrl"].replace("https://issuer.example", ""))
                assert published.status_code == 200 and published.get_json()["text"] == alignment["targetName"]
            assert credential["credentialSubject"]["result"][0]["achievedLevel"].endswith(f"/levels/{level}")
        if achievement["achievementType"] == "ApprenticeshipCertificate":
            assert credential["credentialSubject"]["identifier"][0]["identityHash"].startswith("sha256$")
            assert credential["credentialSubject"]["id"] == "did:example:ana"

    again = json.loads(cli("import", tmp_path / "progress.csv", "--json", "--sponsor", name).output)
    assert again["counts"]["credentials_issued"] == 0 and again["counts"]["duplicate"] == len(rows)
    assert len(cli("credentials", "list", "--json", "--sponsor", name).output.splitlines()) == len(credentials)
