"""Revoked, suspended-then-reinstated, expired and not-yet-valid credentials give the right
outcome through the API, the CLI and the /verify page; the page takes pasted text, uploaded files
(JSON, JWT, PNG, SVG) and links to our own credential pages only."""

from __future__ import annotations

import io
import json
import re
import uuid

import pytest

from issuer.delivery.baking import bake_png, bake_svg

from test_verifier_formats import SVG, _png
from verify_support import issue_one, make_legacy, new_sponsor, sign_jwt

BASE = "https://issuer.example"


def _page(client, **form):
    files = form.pop("files", None)
    data = dict(form)
    if files:
        data["file"] = files
    return client.post("/verify", data=data, content_type="multipart/form-data")


def _text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def _outcomes(client, cli, tmp_path, credential) -> dict:
    """(API status, CLI exit code, page sentence) for one credential."""
    api = client.post("/credentials/verify", json={"verifiableCredential": credential})
    path = tmp_path / f"{uuid.uuid4().hex}.json"
    path.write_text(json.dumps(credential))
    cli_result = cli("verify", path, "--json")
    page = _page(client, credential=json.dumps(credential))
    assert page.status_code == 200 and page.mimetype == "text/html"
    return {"api": api.status_code, "api_body": api.get_json(), "cli": cli_result.exit_code,
            "cli_body": json.loads(cli_result.output), "page": _text(page)}


def test_revoked_and_suspended_then_reinstated(client, cli, services, tmp_path):
    # Suspension needs an entry that can show it: an Open Badge issued with the message entry.
    issued = make_legacy(services, issue_one(client, services))
    base = f"/api/v1/credentials/{issued.id}"
    fresh = _outcomes(client, cli, tmp_path, issued.document)
    assert (fresh["api"], fresh["cli"]) == (200, 0) and "Verified" in fresh["page"]

    client.post(f"{base}/suspend", json={"reason": "hold"}, headers=issued.auth)
    held = _outcomes(client, cli, tmp_path, issued.document)
    assert (held["api"], held["cli"]) == (400, 1) and "Suspended" in held["page"]
    assert any(c["name"] == "status" and c["message"].startswith("suspended") for c in held["cli_body"]["checks"])

    client.post(f"{base}/reinstate", json={"reason": "cleared"}, headers=issued.auth)
    back = _outcomes(client, cli, tmp_path, issued.document)
    assert (back["api"], back["cli"]) == (200, 0) and "Verified" in back["page"]

    client.post(f"{base}/revoke", json={"reason": "withdrawn"}, headers=issued.auth)
    gone = _outcomes(client, cli, tmp_path, issued.document)
    assert (gone["api"], gone["cli"]) == (400, 1) and "Revoked" in gone["page"]
    assert "revoked" in json.dumps(gone["api_body"])


@pytest.mark.parametrize("dates,fragment,page_word", [
    ({"validFrom": "2020-01-01T00:00:00Z", "validUntil": "2021-01-01T00:00:00Z"}, "expired", "Expired"),
    ({"validFrom": "2999-01-01T00:00:00Z"}, "not yet valid", "Not valid"),
])
def test_expired_and_not_yet_valid(client, cli, services, tmp_path, dates, fragment, page_word):
    sponsor = new_sponsor(services)
    credential = {"@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
                  "id": f"urn:uuid:{uuid.uuid4()}", "type": ["VerifiableCredential"], "issuer": sponsor.did,
                  "credentialSubject": {"id": "did:example:holder", "skill": "Welding"}, **dates}
    vc = client.post("/credentials/issue", json={"credential": credential}, headers=sponsor.auth).get_json()[
        "verifiableCredential"]
    outcome = _outcomes(client, cli, tmp_path, vc)
    assert (outcome["api"], outcome["cli"]) == (400, 1)
    dates_check = next(c for c in outcome["cli_body"]["checks"] if c["name"] == "dates")
    assert dates_check["outcome"] == "fail" and fragment in dates_check["message"]
    assert page_word in outcome["page"] and fragment in outcome["page"]


def test_page_form_is_accessible(client):
    response = client.get("/verify")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'lang="en"' in html and 'name="viewport"' in html
    for field in ("credential", "file", "url", "recipient"):
        assert f'<label for="{field}"' in html and f'id="{field}"' in html
    assert "form-action 'self'" in response.headers["Content-Security-Policy"]


def test_page_reads_uploads_and_our_links(client, services):
    issued = issue_one(client, services)
    jwt = sign_jwt(services, {k: v for k, v in issued.document.items() if k != "proof"})
    for name, payload in (("c.json", json.dumps(issued.document).encode()), ("c.jwt", jwt.encode()),
                          ("badge.png", bake_png(_png(), issued.document)), ("badge.svg", bake_svg(SVG, issued.document))):
        response = _page(client, files=(io.BytesIO(payload), name))
        text = _text(response)
        assert response.status_code == 200 and "Verified" in text, (name, text[text.find("Checks"):][:3000])
        assert "Ana Lopez" in text and "Passed" in text
    linked = _page(client, url=f"{BASE}/credentials/{issued.id}")
    assert linked.status_code == 200 and "Verified" in _text(linked)
    for link in ("https://evil.example/credentials/" + issued.id, f"{BASE}/somewhere/else",
                 "http://127.0.0.1:8000/credentials/" + issued.id):
        refused = _page(client, url=link)
        assert refused.status_code == 422 and "Only links to credential pages" in _text(refused)
    missing = _page(client, url=f"{BASE}/credentials/{uuid.uuid4()}")
    assert missing.status_code == 422 and "no credential" in _text(missing)
    assert _page(client).status_code == 400
    recipient = _page(client, credential=json.dumps(issued.document), recipient="someone@else.example")
    assert "not issued to someone@else.example" in _text(recipient)


def test_a_tampered_credential_is_not_presented_as_fact(client, services):
    """A changed level or name breaks the signature: the page says not to rely on it, and what the
    file claims is shown only folded away, each line marked as a claim."""
    issued = issue_one(client, services)
    tampered = json.loads(json.dumps(issued.document))
    tampered["credentialSubject"]["achievement"]["name"] = "MASTER level"
    response = _page(client, credential=json.dumps(tampered))
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="unverified"' in html
    facts_at = html.find('<dl class="facts')
    assert facts_at > html.find('<details id="claims">') > 0, "no facts list outside the unverified claims"
    assert "Claims: MASTER level" in _text(response)

    genuine = _page(client, credential=json.dumps(issued.document)).get_data(as_text=True)
    assert 'id="unverified"' not in genuine and '<dl class="facts">' in genuine
