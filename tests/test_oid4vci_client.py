"""A real OpenID4VCI wallet client, the OpenWallet Foundation's @openid4vc/openid4vci (installed from
npm, run by Node: tests/node/openid4vci_wallet.mjs), takes a credential from our issuer through
the pre-authorized code flow, and what it receives verifies with our verifier, bound to its
did:key. Our app runs on a loopback port; the script sends its requests for the issuer's origin
there."""

from __future__ import annotations

import uuid

import pytest

from browser_support import server  # noqa: F401 (a fixture: our app on a loopback port)
from node_support import install, run_script
from issuer.verify import verify_credential

ORIGIN = "https://issuer.example"
# Pinned: a new release is a deliberate upgrade (node_support names its cache folder by version).
OPENID4VCI_CLIENT = ("@openid4vc/openid4vci", "0.4.6")


@pytest.fixture(scope="module")
def wallet_client():
    return install(OPENID4VCI_CLIENT)


def take(wallet_client, loopback: str, tmp_path, offer: str, configuration: str | None = None) -> dict:
    """What the client got for `offer`: {"ok", "holder", "credentials" | "error", "status", ...}."""
    payload = {"origin": ORIGIN, "loopback": loopback, "offer": offer}
    if configuration:
        payload["configuration"] = configuration
    out = run_script(wallet_client, "openid4vci_wallet.mjs", payload, tmp_path / f"{uuid.uuid4().hex}.json")
    assert all(line.split(" ", 1)[1].startswith(ORIGIN) for line in out["requested"])
    return out


def test_the_client_takes_an_open_badge_bound_to_its_did(client, services, issued, wallet_client, server, tmp_path):
    made = client.post(f"/api/v1/credentials/{issued.id}/offer", json={}, headers=issued.auth).get_json()
    out = take(wallet_client, server, tmp_path, made["credential_offer_uri"])
    assert out["ok"], out
    assert out["configuration"] == "OpenBadgeCredential_ldp_vc"
    [credential] = out["credentials"]
    assert credential["id"] == issued.document["id"]
    assert credential["credentialSubject"]["id"] == out["holder"]
    result = verify_credential(credential, resolver=services.identity.resolver(), recipient=out["holder"])
    assert result.verified, result.to_json()
