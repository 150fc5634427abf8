"""Programs and frameworks are versioned, immutable once stored, and published at stable URLs."""

from __future__ import annotations

import json
import shutil

from issuer.app import create_app
from issuer.composition import build_services
from issuer.config import Config
from issuer.db import session_scope
from issuer.programs import catalog


def test_framework_without_version_gets_a_content_version(client, services):
    with session_scope(services.sessions) as session:
        framework = catalog.latest_framework(session, "framework-csr-43-4051-00")
        version = framework.version
        assert version and framework.document["version"] == version
        # Loading the same files again adds nothing.
        before = len(catalog.all_latest_programs(session))
        catalog.load(session)
        assert catalog.latest_framework(session, "framework-csr-43-4051-00").id == framework.id
        assert len(catalog.all_latest_programs(session)) == before
    latest = client.get("/frameworks/framework-csr-43-4051-00").get_json()
    assert latest["version"] == version
    pinned = client.get(f"/frameworks/framework-csr-43-4051-00/{version}").get_json()
    assert [lvl["label"] for lvl in pinned["levels"]] == ["Emerging", "Developing", "Proficient", "Advanced"]
    statement = client.get(f"/frameworks/framework-csr-43-4051-00/{version}/statements/proficient-01")
    assert statement.status_code == 200 and statement.get_json()["level"] == "proficient"
    assert client.get(f"/frameworks/framework-csr-43-4051-00/{version}/statements/nope").status_code == 404
    assert client.get("/frameworks/framework-csr-43-4051-00/not-a-version").status_code == 404


def test_an_edit_makes_a_new_version_and_the_old_one_stays(tmp_path, env):
    # A database of its own: the edited program must not become the shared database's latest.
    config = Config.from_env(database_url=f"sqlite:///{tmp_path / 'own.sqlite3'}")
    services = build_services(config)
    client = create_app(config, services).test_client()
    source = catalog.DATA_DIR
    edited = tmp_path / "data"
    shutil.copytree(source, edited)
    path = edited / "ny-csr.json"
    document = json.loads(path.read_text())
    document["work_processes"][0]["hours"] = 120
    path.write_text(json.dumps(document))
    with session_scope(services.sessions) as session:
        old = catalog.latest_program(session, "ny-csr")
        old_doc, old_version = old.document, old.version
        catalog.load(session, edited)
        new = catalog.latest_program(session, "ny-csr")
        assert new.version != old_version and new.document["work_processes"][0]["hours"] == 120
        assert catalog.program_version(session, "ny-csr", old_version).document == old_doc
    assert client.get(f"/programs/ny-csr/{old_version}").get_json()["work_processes"][0]["hours"] == 100
    item = client.get(f"/programs/ny-csr/{old_version}/items/wp-a").get_json()
    assert item["kind"] == "work_process" and item["hours"] == 100
    services.engine.dispose()


def test_programs_cli_lists_types_codes_and_items(cli):
    programs = {p["id"]: p for p in json.loads(cli("programs", "list", "--json").output)}
    assert programs["dol-csr-3001cb"]["approach"] == "competency-based"
    assert programs["dol-csr-3001cb"]["rapids_code"] == "3001CB"
    assert programs["dol-cs-tech-support-3031"]["onet_soc"] == "15-1232.00"
    assert [w["hours"] for w in programs["ny-csr"]["work_processes"]] == [100, 200, 300, 500, 400, 250, 250]
    assert programs["imec-csr"]["approach"] == "hybrid" and programs["imec-csr"]["hybrid"]["minimum_ojl_hours"]
    shown = json.loads(cli("programs", "show", "ny-csr", "--json").output)
    assert shown["frameworks"][0]["id"] == "framework-csr-43-4051-00"
    assert cli("programs", "show", "nope").exit_code == 1
