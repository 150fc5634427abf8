"""Sign and verify throughput of eddsa-rdfc-2022 over a realistic Open Badges 3.0 credential.

Signing or verifying canonicalizes (RDFC-1.0) the credential and the proof configuration, then
hashes and signs or checks with Ed25519; canonicalization dominates. The same run is repeated
with plain ``pyld.jsonld.normalize`` standing in for ``ld.canonize``, for comparison, and every
signature is checked across both (ours verifies plain pyld's and the other way round).

    python benchmarks/sign_verify.py [--count N] [--json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pyld import jsonld  # noqa: E402

from issuer.proofs import data_integrity, ld  # noqa: E402
from issuer.proofs.did import Resolver, did_key_for, did_key_vm  # noqa: E402
from issuer.proofs.keyfamilies.ed25519 import Ed25519PrivateKey  # noqa: E402

SUITE = "eddsa-rdfc-2022"
WARMUP = 50


def build_credential(issuer_did: str, credential_id: str | None = None) -> dict:
    """An OpenBadgeCredential whose achievement carries 10 alignments (~4.7 KB of JSON)."""
    alignments = [
        {
            "type": ["Alignment"],
            "targetName": f"Competency {i}: maintain industrial equipment safely",
            "targetDescription": f"Demonstrates competency {i} on the job, following written safety procedures.",
            "targetUrl": f"https://credentialengineregistry.org/resources/ce-{i:04d}",
            "targetCode": f"RA-{i:03d}",
            "targetFramework": "Registered Apprenticeship Work Process Schedule",
            "targetType": "ceasn:Competency",
        }
        for i in range(10)
    ]
    return {
        "@context": [ld.VC_V2, ld.OB_V3],
        "id": credential_id or f"urn:uuid:{uuid.uuid4()}",
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": {"id": issuer_did, "type": ["Profile"], "name": "Example Apprenticeship Sponsor"},
        "validFrom": "2024-01-01T00:00:00Z",
        "name": "Industrial Maintenance Technician",
        "credentialSubject": {
            "id": "did:example:apprentice-1234",
            "type": ["AchievementSubject"],
            "achievement": {
                "id": "https://example.org/achievements/industrial-maintenance-technician",
                "type": ["Achievement"],
                "name": "Industrial Maintenance Technician",
                "description": "Completion of the registered apprenticeship for industrial maintenance technicians.",
                "criteria": {"narrative": "8000 hours of on-the-job learning and 576 hours of related instruction."},
                "achievementType": "Certificate",
                "alignment": alignments,
            },
        },
    }


def plain_canonize(document: dict, loader, *, safe: bool = True) -> str:
    return jsonld.normalize(
        document, {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": loader}
    )


@contextlib.contextmanager
def canonizer(function):
    """Swap the canonicalization data_integrity uses (it calls ld.canonize at run time)."""
    original = ld.canonize
    ld.canonize = function
    try:
        yield
    finally:
        ld.canonize = original


def run(key, vm: str, issuer_did: str, count: int) -> tuple[float, float, list]:
    resolver = Resolver()
    credentials = [build_credential(issuer_did) for _ in range(count + WARMUP)]
    signed = [data_integrity.sign(c, key, verification_method=vm) for c in credentials[:WARMUP]]
    for document in signed:
        assert data_integrity.verify_proof(document, document["proof"], resolver=resolver).verified

    start = time.perf_counter()
    signed = [data_integrity.sign(c, key, verification_method=vm) for c in credentials[WARMUP:]]
    sign_rate = count / (time.perf_counter() - start)

    start = time.perf_counter()
    outcomes = [data_integrity.verify_proof(d, d["proof"], resolver=resolver) for d in signed]
    verify_rate = count / (time.perf_counter() - start)
    failed = [o.message for o in outcomes if not o.verified]
    if failed:
        raise SystemExit(f"{len(failed)} of {count} credentials did not verify: {failed[0]}")
    return sign_rate, verify_rate, signed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="credentials to sign and verify (default 2000)")
    parser.add_argument("--plain-count", type=int, default=None,
                        help="the same with plain pyld (default: count / 10, at least 20)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    plain_count = args.plain_count or max(20, args.count // 10)

    key = Ed25519PrivateKey.generate()
    issuer_did, vm = did_key_for(key), did_key_vm(key)
    size = len(json.dumps(build_credential(issuer_did, f"urn:uuid:{uuid.UUID(int=0)}")))

    sign_rate, verify_rate, ours = run(key, vm, issuer_did, args.count)
    with canonizer(plain_canonize):
        plain_sign, plain_verify, plains = run(key, vm, issuer_did, plain_count)
        # plain pyld accepts what we signed...
        resolver = Resolver()
        for document in ours[: min(len(ours), 20)]:
            assert data_integrity.verify_proof(document, document["proof"], resolver=resolver).verified
    # ...and we accept what plain pyld signed.
    for document in plains[:20]:
        assert data_integrity.verify_proof(document, document["proof"], resolver=Resolver()).verified

    figures = {
        "credential_bytes": size,
        "count": args.count,
        "plain_count": plain_count,
        "sign": round(sign_rate, 1),
        "verify": round(verify_rate, 1),
        "plain_pyld_sign": round(plain_sign, 1),
        "plain_pyld_verify": round(plain_verify, 1),
    }
    if args.json:
        print(json.dumps(figures, indent=2))
    else:
        print(f"credential: {size} bytes of JSON, {args.count} signed and verified ({plain_count} with plain pyld)")
        print(f"sign {SUITE}: {sign_rate:.1f} credentials/s")
        print(f"verify {SUITE}: {verify_rate:.1f} credentials/s")
        print(f"sign {SUITE} (plain pyld): {plain_sign:.1f} credentials/s")
        print(f"verify {SUITE} (plain pyld): {plain_verify:.1f} credentials/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
