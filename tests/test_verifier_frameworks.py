"""The framework check: alignments must resolve to the exact published framework and program
versions; a statement that does not exist, a statement of another version, a level whose
statements are not all covered, a level the framework does not have, or a wrong O*NET / RAPIDS
code fails it; a framework we do not publish only warns."""

from __future__ import annotations

import copy
import json

import pytest

from issuer.app import create_app
from issuer.composition import build_services
from issuer.config import Config
from issuer.db import session_scope
from issuer.programs import catalog
from issuer.verify.service import Verifier

from verify_support import issue_level, issue_one, sign

FRAMEWORK_FILE = catalog.DATA_DIR / "framework-csr-43-4051-00.json"


def _unsigned(credential):
    return {k: v for k, v in copy.deepcopy(credential).items() if k != "proof"}


def _resign(services, document):
    return sign(services, document, loader=services.loader)


def _alignments(document):
    return document["credentialSubject"]["achievement"]["alignment"]


def _statements(document):
    return [a for a in _alignments(document) if a.get("targetType") == "ceasn:Competency"]


@pytest.fixture
def level(client, services):
    return issue_level(client, services).document


@pytest.fixture
def verifier(services):
    return Verifier.for_services(services)


def _framework_check(verifier, services, document):
    result = verifier.credential(_resign(services, document))
    assert result.check("proof").outcome == "pass"
    return result.check("framework")


def test_issued_credentials_pass(verifier, level, client, services):
    check = verifier.credential(level).check("framework")
    assert check.outcome == "pass" and "10 statements" in check.message and "1 levels" in check.message
    work = issue_one(client, services).document
    assert verifier.credential(work).check("framework").outcome == "pass"


def test_a_statement_that_does_not_exist_fails(verifier, services, level):
    document = _unsigned(level)
    alignment = _statements(document)[0]
    alignment["targetUrl"] = alignment["targetUrl"].rsplit("/", 1)[0] + "/emerging-99"
    alignment["targetCode"] = "emerging-99"
    check = _framework_check(verifier, services, document)
    assert check.outcome == "fail" and "does not have" in check.message


def test_a_statement_of_another_version_fails(tmp_path, env):
    # A database of its own: the second framework version must not become the shared database's latest.
    config = Config.from_env(testing=True, database_url=f"sqlite:///{tmp_path / 'own.sqlite3'}")
    services = build_services(config)
    client = create_app(config, services).test_client()
    verifier = Verifier.for_services(services)
    level = issue_level(client, services).document
    # Publish a second version of the framework whose first statement reads differently.
    framework = json.loads(FRAMEWORK_FILE.read_text())
    framework["version"] = "2099.1"
    framework["levels"][0]["statements"][0]["text"] = "Account lookups, reworded in a later version."
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "framework.json").write_text(json.dumps(framework))
    with session_scope(services.sessions) as session:
        catalog.load(session, tmp_path / "data")
        assert catalog.framework_version(session, framework["id"], "2099.1") is not None
    document = _unsigned(level)
    alignment = _statements(document)[0]
    old_version = alignment["targetUrl"].split("/frameworks/")[1].split("/")[1]
    alignment["targetUrl"] = alignment["targetUrl"].replace(f"/{old_version}/", "/2099.1/")
    check = _framework_check(verifier, services, document)
    assert check.outcome == "fail" and "name differs" in check.message and "2099.1" in check.message
    document = _unsigned(level)
    _statements(document)[0]["targetUrl"] = _statements(document)[0]["targetUrl"].replace(f"/{old_version}/", "/1999.9/")
    check = _framework_check(verifier, services, document)
    assert check.outcome == "fail" and "not published" in check.message
    services.engine.dispose()


def test_a_level_whose_statements_are_not_covered_fails(verifier, services, level):
    document = _unsigned(level)
    dropped = _statements(document)[-1]
    _alignments(document).remove(dropped)
    check = _framework_check(verifier, services, document)
    assert check.outcome == "fail" and dropped["targetCode"] in check.message and "does not cover" in check.message
    document = _unsigned(level)
    result = document["credentialSubject"]["result"][0]
    result["achievedLevel"] = result["achievedLevel"].rsplit("/", 1)[0] + "/proficient"
    check = _framework_check(verifier, services, document)
    assert check.outcome == "fail" and "needs statements" in check.message and "other levels" in check.message
    document = _unsigned(level)
    result = document["credentialSubject"]["result"][0]
    result["achievedLevel"] = result["achievedLevel"].rsplit("/", 1)[0] + "/grandmaster"
    check = _framework_check(verifier, services, document)
    assert check.outcome == "fail" and "not a level" in check.message


def test_name_or_code_changed_fails(verifier, services, level):
    document = _unsigned(level)
    _statements(document)[0]["targetName"] = "Something the framework never said"
    assert _framework_check(verifier, services, document).outcome == "fail"
    document = _unsigned(level)
    _statements(document)[0]["targetCode"] = "emerging-02"
    assert _framework_check(verifier, services, document).outcome == "fail"


def test_occupation_codes_must_match_the_program(verifier, services, client):
    work = issue_one(client, services).document
    document = _unsigned(work)
    onet = next(a for a in _alignments(document) if a.get("targetType") == "ext:ONetSOC")
    onet["targetCode"] = "15-1232.00"
    check = _framework_check(verifier, services, document)
    assert check.outcome == "fail" and "O*NET-SOC" in check.message
    document = _unsigned(work)
    document["credentialSubject"]["achievement"]["achievementType"] = "ApprenticeshipCertificate"
    document["credentialSubject"]["achievement"]["alignment"] = [
        a for a in _alignments(document) if a.get("targetType") != "ext:ONetSOC"]
    check = _framework_check(verifier, services, document)
    assert check.outcome == "fail" and "completion credential does not carry" in check.message


def test_program_items_must_exist(verifier, services, client):
    work = issue_one(client, services).document
    document = _unsigned(work)
    item = next(a for a in _alignments(document) if "/items/" in a["targetUrl"])
    item["targetUrl"] = item["targetUrl"].rsplit("/", 1)[0] + "/wp-zz"
    check = _framework_check(verifier, services, document)
    assert check.outcome == "fail" and "wp-zz" in check.message


def test_an_unknown_framework_warns(verifier, services, level):
    document = _unsigned(level)
    _alignments(document).append({"type": ["Alignment"], "targetName": "Empathy", "targetType": "ceasn:Competency",
                                  "targetUrl": "https://frameworks.example.org/soft-skills/1/empathy",
                                  "targetFramework": "Soft skills"})
    result = verifier.credential(_resign(services, document))
    check = result.check("framework")
    assert check.outcome == "warning" and "'Soft skills'" in check.message
    assert result.verified, [c for c in result.checks if c.outcome == "fail"]
