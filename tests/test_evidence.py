"""A credential's evidence says what earned it (issue 10, point 5): a work process its hours and
dates, a competency each sign-off, the completed occupation every work process with its hours,
the related instruction and the competencies; a hybrid occupation keeps its OJL hours. Every
credential stays schema-valid and verifies."""

from __future__ import annotations

import datetime
import json
import uuid
from pathlib import Path

from sqlalchemy import select

from issuer.credentials.schema import schema_errors
from issuer.db import session_scope
from issuer.issuance.models import IssuedCredential
from issuer.progress.models import Apprentice
from issuer.verify import verify_credential

HEADER = "apprentice_id,apprentice_name,apprentice_email,apprentice_did,program,entry_type,item,value,date,signed_off_by"


def _import(cli, tmp_path, lines):
    name = f"Evidence {uuid.uuid4().hex[:8]}"
    assert cli("sponsors", "create", name).exit_code == 0
    path = tmp_path / "rows.csv"
    path.write_text("\n".join([HEADER, *lines]) + "\n")
    result = cli("import", path, "--sponsor", name, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _credentials(services, external_id: str) -> dict[str, dict]:
    """The credentials of the apprentice with the newest record under `external_id`."""
    with session_scope(services.sessions) as session:
        apprentice = session.scalars(select(Apprentice).where(Apprentice.external_id == external_id)
                                     .order_by(Apprentice.created_at.desc())).first()
        return {row.achievement_key: row.document for row in session.scalars(
            select(IssuedCredential).where(IssuedCredential.apprentice_id == apprentice.id))}


def _narrative(document) -> str:
    (evidence,) = document["evidence"]
    return evidence["narrative"]


def _days(first: datetime.date, count: int):
    return [first + datetime.timedelta(days=n) for n in range(count)]


def test_3031_occupation_lists_every_work_process_with_hours_and_dates(cli, tmp_path, services):
    plan = (("wp-a", 1500), ("wp-b", 500), ("wp-c", 1000), ("wp-d", 1000))
    lines, day, spans = [], datetime.date(2015, 1, 5), {}
    for wp, hours in plan:
        days = _days(day, hours // 10)
        spans[wp] = (days[0], days[-1])
        lines += [f"T1,Tess Tech,tess@example.org,,dol-cs-tech-support-3031,ojl_hours,{wp},10,{d},J. Mentor"
                  for d in days]
        day = days[-1] + datetime.timedelta(days=1)
    for d in _days(datetime.date(2015, 1, 5), 40):
        lines.append(f"T1,Tess Tech,tess@example.org,,dol-cs-tech-support-3031,rti_hours,rti,8,{d},R. Teacher")
    report = _import(cli, tmp_path, lines)
    assert report["counts"]["recorded"] == len(lines)
    credentials = _credentials(services, "T1")
    occupation = _narrative(credentials["occupation"])
    for wp, hours in plan:
        first, last = spans[wp]
        assert f"OJL {wp}: {hours} hours, {first} to {last} ({hours // 10} entries, signed off by J. Mentor)" in occupation
    assert "RTI rti: 320 hours, 2015-01-05 to 2015-02-13 (40 entries, signed off by R. Teacher)" in occupation
    assert "of 4000 required" not in occupation
    work_process = _narrative(credentials["work-process:wp-b"])
    assert work_process.startswith("wp-b: 500 hours, ") and "signed off by J. Mentor" in work_process
    for document in credentials.values():
        assert schema_errors(document) == []
        assert verify_credential(document, resolver=services.identity.resolver()).verified


def test_hybrid_occupation_keeps_ojl_hours_and_each_sign_off(cli, tmp_path, services):
    program = json.loads((Path(__file__).parents[1] / "issuer/programs/data/imec-csr.json").read_text("utf-8"))
    competencies = [c["id"] for c in program["competencies"]]
    lines = [f"H1,Hal Hybrid,hal@example.org,,imec-csr,ojl_hours,ojl,8,{d},J. Mentor"
             for d in _days(datetime.date(2016, 1, 4), 250)]
    start = datetime.date(2016, 2, 1)
    for n, cid in enumerate(competencies):
        lines.append(f"H1,Hal Hybrid,hal@example.org,,imec-csr,competency,{cid},intermediate,{start + datetime.timedelta(days=n)},A. Lead")
        lines.append(f"H1,Hal Hybrid,hal@example.org,,imec-csr,competency,{cid},proficient,{start + datetime.timedelta(days=100 + n)},B. Lead")
    _import(cli, tmp_path, lines)
    credentials = _credentials(services, "H1")
    occupation = _narrative(credentials["occupation"])
    assert "OJL ojl: 2000 hours, 2016-01-04 to 2016-09-09 (250 entries, signed off by J. Mentor)" in occupation
    first = competencies[0]
    later = start + datetime.timedelta(days=100)
    assert f"{first}: proficient (intermediate on {start} by A. Lead, proficient on {later} by B. Lead)" in occupation
    assert schema_errors(credentials["occupation"]) == []
    assert verify_credential(credentials["occupation"], resolver=services.identity.resolver()).verified


def test_related_instruction_lists_each_course_and_a_level_each_attainment(cli, tmp_path, services):
    lines = [f"R1,Rita Rti,rita@example.org,,ny-csr,rti_hours,{course},8,{d},R. Teacher"
             for course, first in (("ri-01", datetime.date(2024, 1, 8)), ("ri-02", datetime.date(2024, 3, 4)))
             for d in _days(first, 9)]
    statements = [f"emerging-{n:02d}" for n in range(1, 11)]
    lines += [f"R1,Rita Rti,rita@example.org,,ny-csr,statement,{sid},attained,2024-02-0{1 + n % 2},"
              + ("A. Mentor" if n % 2 else "") for n, sid in enumerate(statements)]
    _import(cli, tmp_path, lines)
    credentials = _credentials(services, "R1")
    related = _narrative(credentials["related-instruction"])
    assert related == ("ri-01: 72 hours, 2024-01-08 to 2024-01-16 (9 entries, signed off by R. Teacher); "
                       "ri-02: 72 hours, 2024-03-04 to 2024-03-12 (9 entries, signed off by R. Teacher)")
    level = _narrative(credentials["level:framework-csr-43-4051-00:emerging"])
    assert level.split("; ")[:2] == ["emerging-01: attained on 2024-02-01, signed off by unrecorded",
                                     "emerging-02: attained on 2024-02-02, signed off by A. Mentor"]
    assert len(level.split("; ")) == len(statements)
    for document in credentials.values():
        assert schema_errors(document) == []
        assert verify_credential(document, resolver=services.identity.resolver()).verified
