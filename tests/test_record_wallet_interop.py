"""The holder-bound record a wallet takes, judged by DCC's verifier-core (the Learner Credential
Wallet's verifier, tests/node/verifier_core.mjs), as the wallet would judge it on arrival.

verifier-core checks a ClrCredential as any credential: its own proof, dates and the schema it
names (the CLR 2.0 schema); it does not look inside at the credentials the record holds, so each
of those is given to it as well, as a wallet that lists them would. It bundles no CLR 2.0 context
and fetches it from purl.imsglobal.org: here that request is answered with our copy (contexts/),
as the OB 3.0 schema's is in tests/test_interop_verifier_core.py."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from browser_support import server  # noqa: F401 (a fixture: our app on a loopback port)
from issuer.credentials import clr
from issuer.credentials.schema import CLR_CREDENTIAL, OB_ACHIEVEMENT_CREDENTIAL
from issuer.proofs.did import did_key_for
from issuer.proofs.keyfamilies.ed25519 import Ed25519PrivateKey
from node_support import VERIFIER_CORE, install, run_script
from test_exchanges import _lcw_presentation
from test_interop_verifier_core import _verified
from test_record_wallet import BASE, apprentice, links, press  # noqa: F401 (apprentice: a fixture)

SCHEMAS = Path(__file__).parent / "data" / "standards" / "schemas"
CONTEXTS = Path(__file__).parents[1] / "contexts"
FILES = {OB_ACHIEVEMENT_CREDENTIAL: str(SCHEMAS / "ob_v3p0_achievementcredential_schema.json"),
         CLR_CREDENTIAL: str(SCHEMAS / "clr_v2p0_clrcredential_schema.json"),
         clr.CLR_V2: str(CONTEXTS / "clr-v2p0-context-2.0.1.json")}


@pytest.fixture(scope="module")
def verifier_core():
    return install(VERIFIER_CORE)


def test_verifier_core_judges_the_record_a_wallet_takes(services, apprentice, verifier_core, server, tmp_path):
    browser, record, _ = apprentice
    key = Ed25519PrivateKey.generate()
    did = did_key_for(key.public())
    _, exchange = links(press(browser, record.id))
    vpr = browser.post(exchange[len(BASE):], json={}).get_json()["verifiablePresentationRequest"]
    answer = _lcw_presentation(key, did, challenge=vpr["challenge"], domain=vpr["domain"])
    [document] = browser.post(exchange[len(BASE):], json={"verifiablePresentation": answer}).get_json()[
        "verifiablePresentation"]["verifiableCredential"]
    inner = document["credentialSubject"]["verifiableCredential"]
    out = run_script(verifier_core, "verifier_core.mjs",
                     {"origin": BASE, "loopback": server, "files": FILES, "credentials": [document, *inner]},
                     tmp_path / f"{uuid.uuid4().hex}.json")
    [whole, *parts] = out["results"]
    assert not whole["errors"], whole
    steps = {step["id"]: step["valid"] for step in whole["log"]}
    assert steps["valid_signature"] is True and steps["expiration"] is True, whole
    [schema] = [r for info in whole["schema"] for r in info["results"]]
    assert schema["schema"] == CLR_CREDENTIAL and schema["result"]["valid"] is True, whole
    assert len(parts) == len(inner) >= 3
    for part in parts:
        assert _verified(part), part
