"""Ledger semantics a sponsor can trust (issue 10, point 4), through `ler import` and the API:
re-imports are no-ops, the sponsor's entry reference, the day cap on amendments, the
enrolment's start date, signers on checklist sign-offs, RTI per enrolment year."""

from __future__ import annotations

import json
import uuid

import pytest

from issuer.db import session_scope
from issuer.sponsors.services import create_sponsor

HEADER = "apprentice_id,apprentice_name,apprentice_email,apprentice_did,program,entry_type,item,value,date,signed_off_by"


@pytest.fixture
def sponsor(cli):
    name = f"Ledger Sponsor {uuid.uuid4().hex[:8]}"
    assert cli("sponsors", "create", name).exit_code == 0
    return name


@pytest.fixture
def auth(services):
    with session_scope(services.sessions) as session:
        _, key = create_sponsor(session, f"Ledger API {uuid.uuid4().hex[:8]}", None)
    return {"Authorization": f"Bearer {key}"}


def _import(cli, tmp_path, sponsor, lines, header=HEADER):
    path = tmp_path / f"rows-{uuid.uuid4().hex[:6]}.csv"
    path.write_text("\n".join([header, *lines]) + "\n")
    result = cli("import", path, "--sponsor", sponsor, "--json")
    return result, json.loads(result.output)


def _enroll(client, auth, program="ny-csr", start="2024-01-02"):
    body = {"external_id": f"E-{uuid.uuid4().hex[:6]}", "name": "Ana Lopez", "email": "ana@example.org",
            "program": program, "start_date": start}
    response = client.post("/api/v1/apprentices", json=body, headers=auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def _entry(client, auth, apprentice, **fields):
    body = {"entry_type": "ojl_hours", "item": "wp-a", "value": "8", "date": "2024-02-01",
            "signed_off_by": "J. Rivera", **fields}
    return client.post(f"/api/v1/apprentices/{apprentice}/entries", json=body, headers=auth)


def _progress(client, auth, apprentice):
    response = client.get(f"/api/v1/apprentices/{apprentice}/progress", headers=auth)
    assert response.status_code == 200
    return response.get_json()["programs"][0]


# --- re-imports ----------------------------------------------------------------------------


def test_reimporting_a_file_with_split_days_is_a_no_op(cli, tmp_path, sponsor):
    # 24 hours on 2024-03-01 split over three rows: a second import must find them recorded,
    # not refuse them for the day cap (duplicates are checked first).
    lines = [f"S1,Sam Split,sam@example.org,,ny-csr,ojl_hours,{wp},8,2024-03-01,J. Rivera" for wp in ("wp-a", "wp-b", "wp-c")]
    lines.append("S1,Sam Split,sam@example.org,,ny-csr,rti_hours,rti,2,2024-03-02,J. Rivera")
    first, report = _import(cli, tmp_path, sponsor, lines)
    assert first.exit_code == 0 and report["counts"]["recorded"] == 4
    again, report = _import(cli, tmp_path, sponsor, lines)
    assert again.exit_code == 0, report
    assert report["counts"] == {"duplicate": 4, "credentials_issued": 0}
    progress = json.loads(cli("progress", "S1", "--sponsor", sponsor, "--json").output)
    assert progress["programs"][0]["totals"]["ojl_hours"] == "24"


def test_a_new_row_over_the_day_cap_is_still_refused(cli, tmp_path, sponsor):
    lines = [f"S2,Sam Split,sam@example.org,,ny-csr,ojl_hours,{wp},8,2024-03-01,J" for wp in ("wp-a", "wp-b", "wp-c")]
    _import(cli, tmp_path, sponsor, lines)
    result, report = _import(cli, tmp_path, sponsor, ["S2,Sam Split,sam@example.org,,ny-csr,ojl_hours,wp-d,1,2024-03-01,J"])
    assert result.exit_code == 1
    (error,) = report["errors"]
    assert error["column"] == "value" and "more than 24" in error["message"]


# --- the sponsor's entry reference ---------------------------------------------------------


def test_entry_ref_makes_two_same_day_classes_two_entries(cli, tmp_path, sponsor):
    header = HEADER + ",entry_ref"
    lines = ["R1,Rae Ref,rae@example.org,,ny-csr,rti_hours,rti,2,2024-04-01,J,class-101",
             "R1,Rae Ref,rae@example.org,,ny-csr,rti_hours,rti,2,2024-04-01,J,class-102"]
    result, report = _import(cli, tmp_path, sponsor, lines, header)
    assert result.exit_code == 0 and report["counts"]["recorded"] == 2
    again, report = _import(cli, tmp_path, sponsor, lines, header)
    assert again.exit_code == 0 and report["counts"]["duplicate"] == 2
    progress = json.loads(cli("progress", "R1", "--sponsor", sponsor, "--json").output)
    assert progress["programs"][0]["totals"]["rti_hours"] == "4"


def test_without_entry_ref_the_same_row_twice_is_one_fact(cli, tmp_path, sponsor):
    line = "R2,Rae Ref,rae@example.org,,ny-csr,rti_hours,rti,2,2024-04-01,J"
    result, report = _import(cli, tmp_path, sponsor, [line, line])
    assert result.exit_code == 1
    assert report["errors"] == [{"line": 3, "outcome": "error", "column": "apprentice_id",
                                 "message": "duplicate of line 2"}]


def test_entry_ref_over_200_characters_is_refused(cli, tmp_path, sponsor, client, auth):
    result, report = _import(cli, tmp_path, sponsor,
                             ["R3,Rae Ref,rae@example.org,,ny-csr,rti_hours,rti,2,2024-04-01,J," + "x" * 201],
                             HEADER + ",entry_ref")
    assert result.exit_code == 1 and report["errors"][0]["column"] == "entry_ref"
    apprentice = _enroll(client, auth)
    # Over HTTP the request model refuses it at the edge (issuer/api/models), before the ledger.
    response = _entry(client, auth, apprentice, entry_ref="y" * 201)
    assert response.status_code == 400 and response.get_json()["field"] == "entry_ref"
    response = _entry(client, auth, apprentice, entry_ref=7)
    assert response.status_code == 400 and response.get_json()["field"] == "entry_ref"


def test_api_entry_ref_distinguishes_entries_and_retries_stay_duplicates(client, auth):
    apprentice = _enroll(client, auth)
    assert _entry(client, auth, apprentice, value="2", entry_ref="a").status_code == 201
    assert _entry(client, auth, apprentice, value="2", entry_ref="b").status_code == 201
    assert _entry(client, auth, apprentice, value="2", entry_ref="a").status_code == 409
    assert _entry(client, auth, apprentice, value="2").status_code == 201      # no ref: its own print
    assert _entry(client, auth, apprentice, value="2").status_code == 409
    assert _progress(client, auth, apprentice)["totals"]["ojl_hours"] == "6"


# --- the day cap applies to amendments ------------------------------------------------------


def test_an_amendment_cannot_push_a_day_over_24_hours(client, auth):
    apprentice = _enroll(client, auth)
    first = _entry(client, auth, apprentice, value="12").get_json()["entry_id"]
    assert _entry(client, auth, apprentice, item="wp-b", value="10").status_code == 201
    response = _entry(client, auth, apprentice, action="amend", corrects=first, value="15", reason="typo")
    assert response.status_code == 422 and response.get_json()["field"] == "value"
    assert "more than 24" in response.get_json()["detail"]
    assert _entry(client, auth, apprentice, action="amend", corrects=first, value="14", reason="typo").status_code == 201
    # Moving the day: the other day's total is what counts.
    other = _entry(client, auth, apprentice, date="2024-02-02", value="20").get_json()["entry_id"]
    response = _entry(client, auth, apprentice, action="amend", corrects=other, value="20", date="2024-02-01",
                      reason="wrong day")
    assert response.status_code == 422 and response.get_json()["field"] == "value"
    assert _progress(client, auth, apprentice)["totals"]["ojl_hours"] == "44"


# --- the enrolment's start date -------------------------------------------------------------


def test_entries_before_the_start_date_are_refused_naming_it(client, auth, cli, tmp_path, sponsor):
    apprentice = _enroll(client, auth, start="2024-03-01")
    response = _entry(client, auth, apprentice, date="2024-02-29")
    assert response.status_code == 422 and response.get_json()["field"] == "date"
    assert "2024-03-01" in response.get_json()["detail"]
    assert _entry(client, auth, apprentice, date="2024-03-01").status_code == 201
    # By import: the enrolment starts on the apprentice's earliest row, in any row order.
    lines = ["D1,Dee Date,dee@example.org,,ny-csr,ojl_hours,wp-a,8,2024-05-02,J",
             "D1,Dee Date,dee@example.org,,ny-csr,ojl_hours,wp-a,8,2024-05-01,J"]
    result, _ = _import(cli, tmp_path, sponsor, lines)
    assert result.exit_code == 0
    result, report = _import(cli, tmp_path, sponsor, ["D1,Dee Date,dee@example.org,,ny-csr,ojl_hours,wp-a,8,2024-04-30,J"])
    assert result.exit_code == 1
    assert report["errors"][0]["column"] == "date" and "2024-05-01" in report["errors"][0]["message"]


# --- signers on checklist sign-offs ---------------------------------------------------------


def test_a_checklist_sign_off_needs_a_signer_where_the_checklist_asks_for_initials(client, auth):
    apprentice = _enroll(client, auth, program="dol-csr-3001cb")
    unsigned = {"entry_type": "competency", "item": "c-01", "value": "proficient", "signed_off_by": None}
    response = _entry(client, auth, apprentice, **unsigned)
    assert response.status_code == 422 and response.get_json()["field"] == "signed_off_by"
    assert _entry(client, auth, apprentice, **{**unsigned, "signed_off_by": "J. R."}).status_code == 201
    # IMEC's checklist states no initials: a sign-off without a signer stands.
    other = _enroll(client, auth, program="imec-csr")
    assert _entry(client, auth, other, **{**unsigned, "item": "c-01.1"}).status_code == 201


# --- RTI per enrolment year -----------------------------------------------------------------


def test_rti_per_year_follows_the_enrolment_dates(client, auth):
    apprentice = _enroll(client, auth, start="2023-07-01")
    # Year 1 runs to 2024-06-30 (the day before the first anniversary): 240 hours; year 2: 120.
    days = ([f"2023-07-{d:02}" for d in range(3, 9)] + [f"2024-06-{d:02}" for d in range(25, 31)]
            + [f"2024-07-{d:02}" for d in range(1, 7)])
    for day in days:
        assert _entry(client, auth, apprentice, entry_type="rti_hours", item="rti", value="20",
                      date=day).status_code == 201, day
    years = _progress(client, auth, apprentice)["totals"]["rti_by_year"]
    assert years == [
        {"year": "1", "from": "2023-07-01", "to": "2024-06-30", "hours": "240", "needed": "144", "met": True},
        {"year": "2", "from": "2024-07-01", "to": "2025-06-30", "hours": "120", "needed": "144", "met": False},
    ]
