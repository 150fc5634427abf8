"""CLR 2.0: each seed program's completed apprentice gets one record of the whole apprenticeship
(every credential as issued, the achievements, how they relate), signed by the sponsor; it meets
the official CLR 2.0 schema and verifies, each credential inside it with its own named checks,
through the package API, POST /credentials/verify and `ler verify`.

The record is built with the package's builder and signed with the sponsor's key as the tests
sign other documents (the issuance pipeline will make and keep the records).
"""

from __future__ import annotations

import copy
import json
import uuid

import pytest

from issuer.credentials import clr
from issuer.credentials.openbadge import Achievement, Alignment, IssuerProfile, Recipient
from issuer.credentials.schema import CLR_CREDENTIAL, schema_errors
from issuer.errors import CredentialError
from issuer.verify.budget import CLR_NODES_PER_CREDENTIAL, MAX_ARRAY, MAX_NODES
from issuer.verify.service import Verifier

from test_programs_e2e import _csv, _rows_to_complete
from verify_support import sign

PROGRAMS = ["dol-csr-3001cb", "ny-csr", "imec-csr", "dol-cs-tech-support-3031"]
KINDS = {"ApprenticeshipCertificate": clr.OCCUPATION, "ext:WorkProcess": clr.WORK_PROCESS,
         "ext:RelatedInstruction": clr.RELATED_INSTRUCTION, "Competency": clr.FRAMEWORK_LEVEL}
ANA = Recipient(id="did:example:ana", email="ana.lopez@example.org", name="Ana Lopez")


def _completed(cli, tmp_path, program_id: str) -> tuple[dict, list[dict]]:
    """(the program as `ler programs show` gives it, the credentials of its completed apprentice)."""
    name = f"Acme Contact Centers {uuid.uuid4().hex[:8]}"
    assert cli("sponsors", "create", name).exit_code == 0
    program = json.loads(cli("programs", "show", program_id, "--json").output)
    path = tmp_path / f"{program_id}.csv"
    path.write_text(_csv(_rows_to_complete(program)))
    assert cli("import", path, "--json", "--sponsor", name).exit_code == 0
    listed = cli("credentials", "list", "--json", "--sponsor", name).output.splitlines()
    return program, [json.loads(line) for line in listed]


def _earned(program: dict, credentials: list[dict]) -> list[clr.EarnedCredential]:
    """Each credential with its achievement's kind and, for a level, its place in its framework."""
    places = {f"{fw['id']}%3A{level['id']}": (fw["id"], order)
              for fw in program["frameworks"] for order, level in enumerate(fw["levels"])}
    earned = []
    for credential in credentials:
        achievement = credential["credentialSubject"]["achievement"]
        kind = KINDS[achievement["achievementType"]]
        place = places[achievement["id"].split("level%3A", 1)[1]] if kind == clr.FRAMEWORK_LEVEL else None
        earned.append(clr.EarnedCredential(credential, kind, clr.LevelPosition(*place) if place else None))
    return earned


def _identity(program: dict) -> clr.ProgramIdentity:
    return clr.ProgramIdentity(program["title"], program["version"], program["onet_soc"], program["rapids_code"])


def _record(services, program: dict, credentials: list[dict], **options) -> dict:
    issuer = credentials[0]["issuer"]
    document = clr.build_clr(issuer=IssuerProfile(issuer["id"], issuer["name"], url=issuer.get("url")),
                             recipient=ANA, program=_identity(program), earned=_earned(program, credentials),
                             valid_from="2026-01-05T00:00:00Z", **options)
    return sign(services, document, loader=services.loader)


@pytest.mark.parametrize("program_id", PROGRAMS)
def test_each_seed_programs_record_meets_the_schema_and_verifies(program_id, cli, services, tmp_path):
    program, credentials = _completed(cli, tmp_path, program_id)
    record = _record(services, program, credentials)
    assert schema_errors(record, CLR_CREDENTIAL) == []
    assert record["type"] == ["VerifiableCredential", "ClrCredential"]
    assert record["issuer"]["id"] == credentials[0]["issuer"]["id"]
    subject = record["credentialSubject"]
    assert subject["id"] == "did:example:ana" and subject["type"] == ["ClrSubject"]
    assert sorted(c["id"] for c in subject["verifiableCredential"]) == sorted(c["id"] for c in credentials)
    assert subject["verifiableCredential"][0]["credentialSubject"]["achievement"]["achievementType"] == \
        "ApprenticeshipCertificate"
    # Held as issued: the credentials inside are the signed documents, byte for byte the same JSON.
    assert all(held in credentials for held in subject["verifiableCredential"])

    occupation = next(a for a in subject["achievement"] if a["achievementType"] == "ApprenticeshipCertificate")
    codes = {a["targetCode"] for a in occupation.get("alignment", [])}
    assert {c for c in (program["onet_soc"], program["rapids_code"]) if c} == codes
    for code in (program["onet_soc"], program["rapids_code"]):
        assert code is None or code in record["description"]
    parts = {c["credentialSubject"]["achievement"]["id"] for c in credentials} - {occupation["id"]}
    assert {a["id"] for a in subject["achievement"]} == parts | {occupation["id"]}
    children = {(a["sourceId"], a["targetId"]) for a in subject["association"] if a["associationType"] == "isChildOf"}
    assert children == {(part, occupation["id"]) for part in parts}
    precedes = [(a["sourceId"], a["targetId"]) for a in subject["association"] if a["associationType"] == "precedes"]
    for framework in program["frameworks"]:
        levels = [next(p for p in parts if p.endswith(f"%3A{level['id']}")) for level in framework["levels"]]
        assert precedes == list(zip(levels, levels[1:]))
    if not program["frameworks"]:
        assert precedes == []

    result = Verifier.for_services(services).credential(record, recipient="ana.lopez@example.org")
    assert result.verified, result.to_json()["errors"]
    names = [c.name for c in result.checks]
    assert {"schema", "proof", "issuer", "credentials", "subjects", "associations", "recipient"} <= set(names)
    assert result.check("schema").message.endswith("clr_v2p0_clrcredential_schema.json")
    assert len(result.credentials) == len(credentials)
    for held, nested in zip(subject["verifiableCredential"], result.credentials):
        assert nested.verified and nested.credential_id == held["id"]
        assert nested.check("proof").outcome == "pass" and nested.check("schema").outcome == "pass"
        assert nested.check("status").outcome == "pass"


@pytest.fixture
def ny(cli, services, tmp_path):
    """The New York program's completed apprentice: (program, credentials, their signed record)."""
    program, credentials = _completed(cli, tmp_path, "ny-csr")
    return program, credentials, _record(services, program, credentials)


def _tampered(record: dict, position: int = 2) -> tuple[dict, str]:
    changed = copy.deepcopy(record)
    held = changed["credentialSubject"]["verifiableCredential"][position]
    held["credentialSubject"]["achievement"]["name"] += " (with honours)"
    return changed, held["id"]


def test_a_tampered_credential_fails_its_own_check_by_name(ny, services):
    program, credentials, record = ny
    verifier = Verifier.for_services(services)

    # Changed after the record was signed: the record's proof and the credential's both fail,
    # each reported in its own place.
    changed, tampered = _tampered(record)
    result = verifier.credential(changed)
    assert not result.verified
    assert result.check("proof").outcome == "fail"
    outcomes = {nested.credential_id: nested for nested in result.credentials}
    assert outcomes[tampered].check("proof").outcome == "fail" and not outcomes[tampered].verified
    assert all(n.verified for i, n in outcomes.items() if i != tampered)
    assert result.check("credentials").outcome == "fail"
    assert tampered in result.check("credentials").message and "proof" in result.check("credentials").message

    # The sponsor signs a record holding a credential changed before: the record's own proof
    # holds, the credential's does not, and the record is not verified.
    resigned = sign(services, {k: v for k, v in changed.items() if k != "proof"}, loader=services.loader)
    result = verifier.credential(resigned)
    assert result.check("proof").outcome == "pass"
    assert not result.verified and [c.name for c in result.failed] == ["credentials"]
    failing = [n for n in result.credentials if not n.verified]
    assert [n.credential_id for n in failing] == [tampered]
    assert [c.name for c in failing[0].failed] == ["proof"]


def test_a_record_about_someone_else_fails_the_subjects_check(ny, services):
    _, _, record = ny
    other = copy.deepcopy({k: v for k, v in record.items() if k != "proof"})
    other["credentialSubject"]["id"] = "did:example:someone-else"
    result = Verifier.for_services(services).credential(sign(services, other, loader=services.loader))
    assert result.check("proof").outcome == "pass" and result.check("credentials").outcome == "pass"
    assert result.check("subjects").outcome == "fail" and "did:example:ana" in result.check("subjects").message
    assert not result.verified


def test_a_revoked_credential_fails_the_record_by_its_status(ny, cli, services):
    _, _, record = ny
    held = record["credentialSubject"]["verifiableCredential"][1]
    revoked = cli("credentials", "revoke", held["id"], "--reason", "entered in error")
    assert revoked.exit_code == 0, revoked.output
    result = Verifier.for_services(services).credential(record)
    assert result.check("proof").outcome == "pass" and not result.verified
    [failing] = [n for n in result.credentials if not n.verified]
    assert failing.credential_id == held["id"] and [c.name for c in failing.failed] == ["status"]
    assert held["id"] in result.check("credentials").message


def test_an_association_to_an_achievement_not_in_the_record_is_a_warning(ny, services):
    _, _, record = ny
    loose = copy.deepcopy({k: v for k, v in record.items() if k != "proof"})
    loose["credentialSubject"]["association"].append(
        {"type": "Association", "associationType": "isRelatedTo", "sourceId": "https://elsewhere.example/a",
         "targetId": loose["credentialSubject"]["achievement"][0]["id"]})
    result = Verifier.for_services(services).credential(sign(services, loose, loader=services.loader))
    assert result.verified and result.check("associations").outcome == "warning"
    assert "https://elsewhere.example/a" in result.check("associations").message


def test_verify_over_http_shows_each_held_credential(ny, client):
    _, credentials, record = ny
    response = client.post("/credentials/verify", json={"verifiableCredential": record})
    assert response.status_code == 200, response.get_json()["errors"]
    body = response.get_json()
    assert body["verified"] and len(body["credentialResults"]) == len(credentials)
    held = record["credentialSubject"]["verifiableCredential"]
    assert [r["id"] for r in body["credentialResults"]] == [c["id"] for c in held]
    for nested in body["credentialResults"]:
        assert nested["verified"] and {"proof", "issuer", "dates", "status"} <= {c["name"] for c in nested["checks"]}

    changed, tampered = _tampered(record)
    response = client.post("/credentials/verify", json={"verifiableCredential": changed})
    assert response.status_code == 400
    body = response.get_json()
    assert any(e.startswith("credentials:") and tampered in e for e in body["errors"])
    [failing] = [r for r in body["credentialResults"] if not r["verified"]]
    assert failing["id"] == tampered and failing["errors"][0].startswith("proof:")


def test_a_presented_record_is_verified_with_its_credentials(ny, client):
    _, credentials, record = ny
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                    "verifiableCredential": [record]}
    response = client.post("/presentations/verify", json={"verifiablePresentation": presentation})
    assert response.status_code == 200, response.get_json()["errors"]
    [presented] = response.get_json()["credentialResults"]
    assert presented["id"] == record["id"] and presented["verified"]
    assert len(presented["credentialResults"]) == len(credentials)

    # Records presented together hold at most as many credentials as one record may (small
    # stand-ins: the count alone refuses them).
    half = copy.deepcopy(record)
    half["credentialSubject"]["verifiableCredential"] = [
        {"id": f"urn:uuid:{uuid.uuid4()}", "type": ["VerifiableCredential"]} for _ in range(clr.MAX_CREDENTIALS // 2 + 1)]
    presentation["verifiableCredential"] = [half, half]
    response = client.post("/presentations/verify", json={"verifiablePresentation": presentation})
    assert response.status_code == 400
    assert f"the presentation's CLRs hold {clr.MAX_CREDENTIALS + 2} credentials" in response.get_json()["errors"][0]


def test_ler_verify_shows_each_held_credential(ny, cli, tmp_path):
    _, credentials, record = ny
    path = tmp_path / "record.json"
    path.write_text(json.dumps(record))
    result = cli("verify", path)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    for position, held in enumerate(record["credentialSubject"]["verifiableCredential"], 1):
        assert f"  credential {position} {held['id']}: verified" in lines
    assert lines[-1] == "verified"

    changed, tampered = _tampered(record)
    path.write_text(json.dumps(changed))
    result = cli("verify", path)
    assert result.exit_code == 1 and result.output.splitlines()[-1] == "NOT verified"
    lines = result.output.splitlines()
    at = lines.index(f"  credential 3 {tampered}: NOT verified")
    assert lines[at + 1].split()[:2] == ["FAIL", "proof"]
    as_json = json.loads(cli("verify", path, "--json").output)
    assert [r["id"] for r in as_json["credentialResults"] if not r["verified"]] == [tampered]


def test_a_record_over_the_bound_is_refused_with_the_reason(ny, client, services):
    _, _, record = ny
    over = copy.deepcopy(record)
    held = over["credentialSubject"]["verifiableCredential"]
    # Small stand-ins: the count alone refuses it, before anything is verified.
    held[:] = [{"id": f"urn:uuid:{uuid.uuid4()}", "type": ["VerifiableCredential"]}
               for _ in range(clr.MAX_CREDENTIALS + 1)]
    result = Verifier.for_services(services).credential(over)
    assert not result.verified and not result.readable and result.credentials == []
    assert result.check("parse").message == \
        f"the CLR holds {clr.MAX_CREDENTIALS + 1} credentials; at most {clr.MAX_CREDENTIALS} are verified in one record"
    response = client.post("/credentials/verify", json={"verifiableCredential": over})
    assert response.status_code == 400
    assert f"at most {clr.MAX_CREDENTIALS} are verified in one record" in response.get_json()["errors"][0]

    nested = copy.deepcopy(record)
    nested["credentialSubject"]["verifiableCredential"].append(copy.deepcopy(record))
    result = Verifier.for_services(services).credential(nested)
    assert not result.readable and "records inside records are not verified" in result.check("parse").message

    # The record as a whole is bounded per credential it holds, beyond what each may hold.
    padded = copy.deepcopy(record)
    count = len(padded["credentialSubject"]["verifiableCredential"])
    for at, achievement in enumerate(padded["credentialSubject"]["achievement"]):
        achievement["tag"] = [{"n": n, "more": {"n": f"{at}.{n}"}} for n in range(MAX_ARRAY)]
    result = Verifier.for_services(services).credential(padded)
    limit = MAX_NODES + CLR_NODES_PER_CREDENTIAL * count
    assert not result.readable and f"more than {limit} JSON objects" in result.check("parse").message


def test_the_builder_refuses_what_would_make_a_wrong_record(ny, services):
    program, credentials, _ = ny
    earned = _earned(program, credentials)
    issuer = IssuerProfile(credentials[0]["issuer"]["id"], credentials[0]["issuer"]["name"])
    build = dict(issuer=issuer, program=_identity(program), valid_from="2026-01-05T00:00:00Z")

    someone = Recipient(id="did:example:someone-else", name="Someone Else")
    with pytest.raises(CredentialError, match="was not issued to the CLR's recipient"):
        clr.build_clr(recipient=someone, earned=earned, **build)
    by_email = Recipient(email="ANA.LOPEZ@example.org")  # the hashed identifiers match, case aside
    assert clr.build_clr(recipient=by_email, earned=earned, **build)["credentialSubject"]["identifier"]
    with pytest.raises(CredentialError, match="was not issued to the CLR's recipient"):
        clr.build_clr(recipient=Recipient(email="bea@example.org"), earned=earned, **build)

    unsigned = clr.EarnedCredential({k: v for k, v in credentials[0].items() if k != "proof"}, earned[0].kind,
                                    earned[0].level)
    with pytest.raises(CredentialError, match="is not signed"):
        clr.build_clr(recipient=ANA, earned=[unsigned, *earned[1:]], **build)
    with pytest.raises(CredentialError, match="is given twice"):
        clr.build_clr(recipient=ANA, earned=[*earned, earned[0]], **build)
    with pytest.raises(CredentialError, match=f"at most {clr.MAX_CREDENTIALS} credentials"):
        clr.build_clr(recipient=ANA, earned=earned * (clr.MAX_CREDENTIALS // len(earned) + 1), **build)
    with pytest.raises(CredentialError, match="at least one credential"):
        clr.build_clr(recipient=ANA, earned=[], **build)

    # While the occupation is not earned, its achievement is still what the parts belong to.
    parts = [e for e in earned if e.kind != clr.OCCUPATION]
    with pytest.raises(CredentialError, match="occupation's achievement is needed"):
        clr.build_clr(recipient=ANA, earned=parts, **build)
    held = next(e for e in earned if e.kind == clr.OCCUPATION).achievement
    occupation = Achievement(id=held["id"], name=held["name"], description=held["description"],
                             criteria=held["criteria"]["narrative"], achievement_type="ApprenticeshipCertificate")
    with pytest.raises(CredentialError, match="does not align to the program's code 43-4051.00"):
        clr.build_clr(recipient=ANA, earned=parts, occupation=occupation, **build)
    aligned = Achievement(id=occupation.id, name=occupation.name, description=occupation.description,
                          criteria=occupation.criteria, achievement_type="ApprenticeshipCertificate",
                          alignments=tuple(_alignment(a) for a in held["alignment"]))
    in_progress = clr.build_clr(recipient=ANA, earned=parts, occupation=aligned, partial=True, **build)
    assert schema_errors(in_progress, CLR_CREDENTIAL) == [] and in_progress["partial"] is True
    assert in_progress["credentialSubject"]["achievement"][0]["id"] == held["id"]
    assert all(a["targetId"] == held["id"] for a in in_progress["credentialSubject"]["association"]
               if a["associationType"] == "isChildOf")
    result = Verifier.for_services(services).credential(sign(services, in_progress, loader=services.loader))
    assert result.verified and result.check("associations").outcome == "pass", result.to_json()["errors"]


def _alignment(value: dict) -> Alignment:
    return Alignment(target_name=value["targetName"], target_url=value["targetUrl"],
                     target_code=value.get("targetCode"), target_framework=value.get("targetFramework"),
                     target_type=value.get("targetType"))
