"""What handing an apprenticeship record to a wallet costs: the holder-bound copy
(issuer.delivery.record_copies.holder_bound: every credential the record holds bound to the
wallet's DID and re-signed, on the signing pool from signing.INLINE_BELOW credentials up, then the
record built and signed), by how many credentials it holds.

The credentials are those of benchmarks/verify_clr.py (one occupation, the rest competencies with
three alignments each, one sponsor's key). Each row: the credentials held, the seconds and the
CPU seconds of this process (the pool's processes work besides), and the copy's size. Every copy
must verify, bound to the holder throughout.

    python benchmarks/record_copy.py [--counts 13,64,100] [--json]
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from issuer.credentials import clr  # noqa: E402
from issuer.credentials.openbadge import IssuerProfile  # noqa: E402
from issuer.db import session_scope  # noqa: E402
from issuer.delivery import record_copies  # noqa: E402
from issuer.issuance.records import ClrInputs  # noqa: E402
from issuer.verify.service import Verifier  # noqa: E402
from verify_clr import LEARNER, PROGRAM, _credentials, run  # noqa: E402

HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def measure(services, _client, issuer: IssuerProfile, count: int) -> dict:
    inputs = ClrInputs(issuer=issuer, recipient=LEARNER, program=PROGRAM,
                       earned=tuple(_credentials(services, issuer, count)))
    wall, cpu = time.perf_counter(), time.process_time()
    with session_scope(services.sessions) as session:
        copy = record_copies.holder_bound(session, services, inputs, HOLDER, record_id=str(uuid.uuid4()),
                                          valid_from="2026-01-05T00:00:00Z")
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    inner = copy["credentialSubject"]["verifiableCredential"]
    assert copy["credentialSubject"]["id"] == HOLDER and all(c["credentialSubject"]["id"] == HOLDER for c in inner)
    result = Verifier.for_services(services).credential(copy)
    assert result.verified and len(result.credentials) == count, result.to_json()["errors"]
    return {"credentials": count, "bytes": len(json.dumps(copy).encode()), "copy_s": round(wall, 3),
            "copy_cpu_s": round(cpu, 3), "pool": services.issuance.signer.started}


if __name__ == "__main__":
    sys.exit(run(__doc__, f"13,64,{clr.MAX_CREDENTIALS}", measure))
