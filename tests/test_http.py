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
