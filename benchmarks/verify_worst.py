"""Worst-case cost of the public verifier: crafted inputs next to a normal Open Badges credential.

Every input goes through POST /credentials/verify or /presentations/verify (the public,
unauthenticated endpoints) of an in-process app, and its wall time and CPU time are printed.
The crafted inputs are the known ways to make JSON-LD verification expensive: blank-node
cliques (RDFC-1.0's factorial case), an inline `{"@vocab": ...}` context beside them, identical
blank siblings under a blank parent (as many objects as the budget allows), nesting 3,000 deep,
and presentations holding many credentials (860 copies: 1 MB; and the most a presentation may
hold), and a CLR holding the most credentials a record may (each verified in full). Each must
be answered within MAX_SECONDS; the script exits non-zero when one is not.

    python benchmarks/verify_worst.py [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import base58  # noqa: E402

from issuer.app import create_app  # noqa: E402
from issuer.composition import build_services  # noqa: E402
from issuer.config import Config  # noqa: E402
from issuer.credentials import clr  # noqa: E402
from issuer.credentials.openbadge import IssuerProfile  # noqa: E402
from issuer.db import session_scope  # noqa: E402
from issuer.proofs import data_integrity, ld  # noqa: E402
from issuer.proofs.did import did_key_for, did_key_vm  # noqa: E402
from issuer.proofs.keyfamilies.ed25519 import Ed25519PrivateKey  # noqa: E402
from issuer.sponsors.services import create_sponsor  # noqa: E402
from issuer.verify.budget import MAX_ARRAY, MAX_NODES, MAX_PRESENTED, MAX_TWINS  # noqa: E402
from verify_clr import signed_record  # noqa: E402 (benchmarks/verify_clr.py: a record as we issue them)

MAX_SECONDS = 1.0
KEY = Ed25519PrivateKey.generate()
DID = did_key_for(KEY.public())


def _signed(document: dict) -> dict:
    """Signed for real, so that verifying it reaches canonicalization. A document our own signer
    refuses (a poison graph) gets a proof of the right shape with a wrong signature: the verifier
    still canonicalizes it before it can tell."""
    try:
        return data_integrity.sign(document, KEY, verification_method=did_key_vm(KEY.public()))
    except Exception:  # noqa: BLE001  (a poison graph our own signer refuses: attach a well-formed proof)
        return {**document, "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022",
                                      "proofPurpose": "assertionMethod",
                                      "verificationMethod": did_key_vm(KEY.public()),
                                      "created": "2024-01-01T00:00:00Z",
                                      "proofValue": "z" + base58.b58encode(bytes(range(64))).decode()}}


def _base(subject: dict, contexts: list | None = None) -> dict:
    return {"@context": contexts or [ld.VC_V2, ld.OB_V3], "id": f"urn:uuid:{uuid.uuid4()}",
            "type": ["VerifiableCredential", "OpenBadgeCredential"], "issuer": {"id": DID, "type": ["Profile"],
                                                                               "name": "Crafted"},
            "validFrom": "2024-01-01T00:00:00Z", "name": "Crafted", "credentialSubject": subject}


def _clique(n: int) -> list[dict]:
    return [{"@id": f"_:b{i}", "https://example.org/knows": [{"@id": f"_:b{j}"} for j in range(n) if j != i]}
            for i in range(n)]


def crafted() -> dict[str, tuple[str, object]]:
    subject = {"type": ["AchievementSubject"], "achievement": {
        "id": "https://example.org/a", "type": ["Achievement"], "name": "A", "description": "d", "criteria": {"narrative": "n"}}}
    alignment = {"type": ["Alignment"], "targetName": "same", "targetUrl": "https://example.org/t"}
    # Blank subjects, each with a blank achievement holding the longest array allowed of identical
    # blank alignments: as many indistinguishable blank nodes as the budget lets through.
    subjects = [{"type": ["AchievementSubject"], "achievement": {
        "type": ["Achievement"], "name": "A", "description": "d", "criteria": {"narrative": "n"},
        "alignment": [dict(alignment) for _ in range(MAX_ARRAY)]}} for _ in range(MAX_NODES // (MAX_ARRAY + 4))]
    siblings = subjects if len(subjects) > 1 else subjects[0]
    # As many groups of MAX_TWINS alike blank nodes as the object budget allows: each group's
    # members differ only in the blank node they hold, so only their neighbours tell them apart.
    groups = [{"type": ["AchievementSubject"], "name": f"S{i}", "achievement": {
        "id": f"https://example.org/a{i}", "type": ["Achievement"], "name": "A", "description": "d",
        "criteria": {"narrative": f"n{i}"}, "resultDescription": [
            {"type": ["ResultDescription"], "name": f"R{i}", "resultType": "LetterGrade",
             "rubricCriterionLevel": [{"type": ["RubricCriterionLevel"], "name": f"L{i}-{j}"}]}
            for j in range(MAX_TWINS)]}}
        for i in range(MAX_NODES // (2 * MAX_TWINS + 4))]
    vocab = _base(subject, [ld.VC_V2, ld.OB_V3, {"@vocab": "https://example.org/"}])
    vocab["@graph"] = _clique(60)
    clique = _base({**subject, "knows": [{"id": f"_:c{i}", "knows": [f"_:c{j}" for j in range(40)]}
                                         for i in range(40)]})
    deep: dict = {"leaf": 1}
    for _ in range(3000):
        deep = {"a": deep}
    normal = _signed(_base(subject))
    return {
        "inline @vocab context + 60-node blank clique": ("/credentials/verify",
                                                         {"verifiableCredential": _signed(vocab)}),
        "40-node blank-node clique (known contexts)": ("/credentials/verify", {"verifiableCredential": _signed(clique)}),
        f"{len(subjects)} blank subjects x {MAX_ARRAY} identical blank siblings": (
            "/credentials/verify", {"verifiableCredential": _signed(_base(siblings))}),
        f"{len(groups)} groups of {MAX_TWINS} alike blank nodes (within the budget)": (
            "/credentials/verify", {"verifiableCredential": _signed(_base(groups))}),
        f"one array of {MAX_ARRAY * 10} identical blank siblings": (
            "/credentials/verify", {"verifiableCredential": _signed(_base({**subjects[0], "achievement": {
                **subjects[0]["achievement"], "alignment": [dict(alignment) for _ in range(MAX_ARRAY * 10)]}}))}),
        "nesting 3,000 deep (raw JSON)": ("/credentials/verify",
                                          b'{"verifiableCredential":' + b'{"a":' * 3000 + b"1" + b"}" * 3001),
        "nesting 3,000 deep (text in the body)": ("/credentials/verify", {"verifiableCredential": json.dumps(
            {"a": 1})[:-1] + ', "b":' + '{"a":' * 2900 + "1" + "}" * 2901}),
        "presentation: 860 copies of a credential (~1 MB)": (
            "/presentations/verify", {"verifiablePresentation": {
                "@context": [ld.VC_V2], "type": ["VerifiablePresentation"], "verifiableCredential": [normal] * 860}}),
        f"presentation: {MAX_PRESENTED} credentials (the most allowed)": (
            "/presentations/verify", {"verifiablePresentation": {
                "@context": [ld.VC_V2], "type": ["VerifiablePresentation"],
                "verifiableCredential": [_signed(_base(subject)) for _ in range(MAX_PRESENTED)]}}),
        f"presentation: {MAX_PRESENTED} credentials of {MAX_ARRAY} identical sibling objects each": (
            "/presentations/verify", {"verifiablePresentation": {
                "@context": [ld.VC_V2], "type": ["VerifiablePresentation"],
                "verifiableCredential": [_signed(_base(subjects[0])) for _ in range(MAX_PRESENTED)]}}),
        "presentation: 2 credentials of half the object budget each (within the budget)": (
            "/presentations/verify", {"verifiablePresentation": {
                "@context": [ld.VC_V2], "type": ["VerifiablePresentation"],
                "verifiableCredential": [_signed(_base(groups[:len(groups) // 2])) for _ in range(2)]}}),
    }


def timed(client, path: str, body) -> tuple[float, float, int, int, str]:
    """(wall s, CPU s, status, bytes, why): CPU time is this process's, which runs the app."""
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    wall, cpu = time.perf_counter(), time.process_time()
    response = client.post(path, data=data, content_type="application/json")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    answer = response.get_json(silent=True) or {}
    failed = [c for c in answer.get("checks", []) if c.get("outcome") == "fail"]
    why = (f"{failed[0]['name']}: {failed[0]['message']}" if failed else answer.get("detail", "")) or ""
    return wall, cpu, response.status_code, len(data), why[:90]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ.setdefault("LER_KEY_PASSPHRASE", "benchmark-passphrase-not-for-production")
        config = Config.from_env(database_url=f"sqlite:///{tmp}/bench.sqlite3", keys_dir=Path(tmp) / "keys",
                                 instance_dir=Path(tmp) / "instance", base_url="https://issuer.example")
        services = build_services(config)
        client = create_app(config, services).test_client()
        with session_scope(services.sessions) as session:
            sponsor, key = create_sponsor(session, f"Benchmark Sponsor {uuid.uuid4().hex[:8]}")
            issuer = services.identity.sponsor_did(sponsor.slug)
        auth = {"Authorization": f"Bearer {key}"}
        normal = client.post("/credentials/issue", headers=auth, json={"credential": {
            **_base({"type": ["AchievementSubject"], "achievement": {
                "id": "https://example.org/a", "type": ["Achievement"], "name": "A", "description": "d", "criteria": {"narrative": "n"}}}),
            "issuer": {"id": issuer, "type": ["Profile"], "name": "Benchmark"}}})
        assert normal.status_code == 201, normal.get_json()
        body = {"verifiableCredential": normal.get_json()["verifiableCredential"]}
        for _ in range(5):
            timed(client, "/credentials/verify", body)
        rows = [("normal Open Badges credential (verified)", *timed(client, "/credentials/verify", body))]
        verdict = client.post("/credentials/verify", json=body).get_json()
        assert rows[0][3] == 200, [c for c in verdict["checks"] if c["outcome"] == "fail"]
        for name, (path, crafted_body) in crafted().items():
            rows.append((name, *timed(client, path, crafted_body)))
        # The dearest input that verifies: a CLR holding as many credentials as a record may.
        record, _ = signed_record(services, IssuerProfile(issuer, "Benchmark"), clr.MAX_CREDENTIALS)
        rows.append((f"CLR holding {clr.MAX_CREDENTIALS} credentials (the most allowed; verified)",
                     *timed(client, "/credentials/verify", {"verifiableCredential": record})))
        assert rows[-1][3] == 200, rows[-1]
        services.engine.dispose()
    worst = max(rows[1:], key=lambda r: r[2])
    if args.json:
        print(json.dumps({"rows": [dict(zip(("input", "wall_s", "cpu_s", "status", "bytes", "answer"), r))
                                   for r in rows],
                          "worst_crafted_cpu_s": worst[2], "normal_cpu_s": rows[0][2],
                          "load_average": os.getloadavg()[0]}, indent=2))
    else:
        print(f"{'input':<78} {'wall s':>7} {'cpu s':>7} {'status':>6} {'bytes':>8}  answer")
        for name, wall, cpu, status, size, why in rows:
            print(f"{name:<78} {wall:7.3f} {cpu:7.3f} {status:6d} {size:8d}  {why}")
        print(f"\nworst crafted input: {worst[2]:.3f} s CPU, {worst[1]:.3f} s wall ({worst[0]}); normal credential: "
              f"{rows[0][2]:.3f} s CPU, {rows[0][1]:.3f} s wall; limit {MAX_SECONDS:.1f} s CPU; "
              f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores")
    # CPU time is the measure: wall time on a shared machine counts other processes' work too.
    return 0 if all(r[2] <= MAX_SECONDS for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
