"""The service over HTTP: the DID document, health, and problem bodies for errors."""

from __future__ import annotations


def test_did_document_is_served_as_multikey(client, services):
    response = client.get("/.well-known/did.json")
    assert response.status_code == 200
    assert response.mimetype == "application/did+json"
    document = response.get_json()
    assert document["@context"][0] == "https://www.w3.org/ns/did/v1"
    assert document["verificationMethod"][0]["publicKeyMultibase"].startswith("z6Mk")


def test_health_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_unknown_path_is_a_problem_body(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 404


def test_oversized_body_is_refused(client, config):
    response = client.post("/healthz", data=b"x" * (config.max_body_bytes + 1),
                           content_type="application/json")
    assert response.status_code in (405, 413)
    assert response.mimetype == "application/problem+json"


def test_cross_origin_access_for_public_documents_and_wallets_only(client, issued):
    origin = {"Origin": "https://wallet.example"}
    status_url = issued.document["credentialStatus"]["statusListCredential"].replace("https://issuer.example", "")
    sponsor_did = issued.document["issuer"]["id"]
    slug = sponsor_did.rsplit(":", 1)[1]
    for path in ("/.well-known/did.json", f"/sponsors/{slug}/did.json", status_url,
                 "/.well-known/openid-credential-issuer", f"/credentials/{issued.id}"):
        response = client.get(path, headers={**origin, "Accept": "application/json"})
        assert response.status_code == 200 and response.headers["Access-Control-Allow-Origin"] == "*", path
    # A web wallet's preflight before POSTing JSON with a bearer token.
    for path in ("/oid4vci/credential", "/oid4vci/token", "/credentials/verify"):
        preflight = client.options(path, headers={**origin, "Access-Control-Request-Method": "POST",
                                                  "Access-Control-Request-Headers": "authorization, content-type"})
        assert preflight.status_code == 200 and preflight.headers["Access-Control-Allow-Origin"] == "*", path
        assert "Authorization" in preflight.headers["Access-Control-Allow-Headers"]
        assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    # Nothing for servers or our own pages: the sponsor API, issuing, the portal.
    for method, path in (("get", f"/api/v1/credentials/{issued.id}/status"), ("post", "/credentials/issue"),
                         ("get", "/portal/login")):
        response = getattr(client, method)(path, headers={**origin, **issued.auth}, json={} if method == "post" else None)
        assert "Access-Control-Allow-Origin" not in response.headers, path
