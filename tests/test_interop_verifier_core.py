"""Issue 11 point 2: DCC's verifier-core (the Learner Credential Wallet's and VerifierPlus's
verifier), installed from npm, judges credentials issued from a seed program through our service.
Our app runs on a loopback port; the Node script sends verifier-core's requests for the issuer's
origin there (the DID documents and the status lists, fetched over HTTP as a wallet would)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from issuer.credentials.schema import OB_ACHIEVEMENT_CREDENTIAL
from browser_support import server  # noqa: F401 (a fixture: our app on a loopback port)
from node_support import VERIFIER_CORE, install, run_script
from verify_support import issue_level, new_sponsor

ORIGIN = "https://issuer.example"
# verifier-core's schema check loads the schema a credential names: the official copy answers.
SCHEMAS = {OB_ACHIEVEMENT_CREDENTIAL: str(Path(__file__).parent / "data" / "standards" / "schemas" /
                                          "ob_v3p0_achievementcredential_schema.json")}


@pytest.fixture(scope="module")
def verifier_core():
    return install(VERIFIER_CORE)


def _work_process(client, sponsor, name: str) -> dict:
    """Work process A of the NY customer service program: 100 hours on the job."""
    response = client.post("/api/v1/apprentices", headers=sponsor.auth, json={
        "external_id": f"V-{uuid.uuid4().hex[:6]}", "name": name, "email": f"{uuid.uuid4().hex[:6]}@example.org",
        "program": "ny-csr", "start_date": "2024-01-02"})
    assert response.status_code == 201, response.get_json()
    apprentice = response.get_json()["id"]
    issued = []
    for day in range(1, 6):
        response = client.post(f"/api/v1/apprentices/{apprentice}/entries", headers=sponsor.auth, json={
            "entry_type": "ojl_hours", "item": "wp-a", "value": "20", "date": f"2024-03-{day:02d}",
            "signed_off_by": "J. Rivera"})
        assert response.status_code == 201, response.get_json()
        issued += response.get_json()["issued"]
    [credential] = issued
    return credential


def _judge(verifier_core, loopback, tmp_path, credentials: list[dict]) -> list[dict]:
    out = run_script(verifier_core, "verifier_core.mjs",
                     {"origin": ORIGIN, "loopback": loopback, "files": SCHEMAS, "credentials": credentials},
                     tmp_path / f"{uuid.uuid4().hex}.json")
    assert all(url.startswith(ORIGIN) for url in out["requested"])
    return out["results"]


# Whether the issuer is in a DCC registry is a warning in the wallet, and ours are in none.
CHECKED = ("valid_signature", "revocation_status", "expiration")


def _verified(result: dict) -> bool:
    """verifier-core's verdict as the wallet shows it: no fatal error, signature, status and
    expiry valid, and the credential valid against the OB 3.0 schema it names."""
    steps = {step["id"]: step["valid"] for step in result["log"]}
    schemas = [r["result"]["valid"] for info in result["schema"] or [] for r in info.get("results", [])]
    return not result["errors"] and all(steps.get(name) is True for name in CHECKED) and schemas == [True]


def _step(result: dict, step_id: str) -> dict:
    return next(step for step in result["log"] if step["id"] == step_id)


def test_verifier_core_sees_a_revocation_and_its_neighbours_stay_valid(client, services, verifier_core, server, tmp_path):
    sponsor = new_sponsor(services)
    first = _work_process(client, sponsor, "Ana Lopez")
    neighbour = _work_process(client, sponsor, "Ben Ortiz")
    level = issue_level(client, services, sponsor)
    documents = [first["credential"], neighbour["credential"], level.document]
    lists = {d["credentialStatus"]["statusListCredential"] for d in documents}
    assert len(lists) == 1, "one sponsor's credentials share its list"

    before = _judge(verifier_core, server, tmp_path, documents)
    for result in before:
        assert _verified(result), result
        assert _step(result, "revocation_status")["valid"] is True

    revoked = client.post(f"/api/v1/credentials/{first['id']}/revoke", json={"reason": "issued in error"},
                          headers=sponsor.auth)
    assert revoked.status_code == 200, revoked.get_json()

    after = _judge(verifier_core, server, tmp_path, documents)
    assert not _verified(after[0])
    assert _step(after[0], "revocation_status")["valid"] is False, after[0]
    for result in after[1:]:
        assert _verified(result), result
