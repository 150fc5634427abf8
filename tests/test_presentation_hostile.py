"""Hostile answers to a presentation request: whatever a caller posts to the OpenID4VP response
endpoint or the VC-API exchange gets a 4xx naming the field (OAuth error for OpenID4VP, problem
details for VC-API) or, once it is a presentation, a report with failed checks; never a 500. A
refused body does not use the request up: the real answer is still taken afterwards."""

from __future__ import annotations

import json

import pytest

from issuer.api.throttle import Throttle

from wallet_support import BASE, PROGRAM, create_request, lcw_exchange_url, view_request, wallet  # noqa: F401

DEEP = json.loads("[" * 70 + "]" * 70)
# Within a request body's nesting limit, but a presentation {"a": ...} around it is not.
DEEP_INSIDE = json.loads("[" * 64 + "]" * 64)


def _form(client, data, content_type="application/x-www-form-urlencoded"):
    return client.post("/openid4vp/response", data=data, content_type=content_type)


def test_hostile_direct_post_bodies_are_refused_naming_the_field(client, services, wallet, issued):
    created = create_request(services, PROGRAM)
    claims = wallet.authorization_request(created.oid4vp_uri)
    state = claims["state"]
    presentation = wallet.presentation([], challenge=claims["nonce"], domain=claims["client_id"])
    cases = [
        ({"vp_token": "{}", "state": state}, "application/json", None),
        ({"vp_token": "{}"}, None, "state"),
        ({"vp_token": "{}", "state": "no-such-state"}, None, "state"),
        ({"vp_token": "{}", "state": "x" * 5000}, None, "state"),
        ({"state": state}, None, "vp_token"),
        ({"vp_token": "not json", "state": state}, None, "vp_token"),
        ({"vp_token": "{\"apprenticeship\": [\"\u0000\"]}\x00", "state": state}, None, "vp_token"),
        ({"vp_token": "[]", "state": state}, None, "vp_token"),
        ({"vp_token": json.dumps({"other": [presentation]}), "state": state}, None, "vp_token"),
        ({"vp_token": json.dumps({"apprenticeship": presentation}), "state": state}, None, "vp_token.apprenticeship"),
        ({"vp_token": json.dumps({"apprenticeship": [presentation, presentation]}), "state": state}, None,
         "vp_token.apprenticeship"),
        ({"vp_token": json.dumps({"apprenticeship": ["eyJhbGciOiJFZERTQSJ9.e30.sig"]}), "state": state}, None,
         "vp_token.apprenticeship[0]"),
        ({"vp_token": json.dumps({"apprenticeship": [{"a": DEEP}]}), "state": state}, None,
         "vp_token.apprenticeship[0]"),
        ({"vp_token": json.dumps({"apprenticeship": [{**presentation, "verifiableCredential": [{}] * 21}]}),
          "state": state}, None, "vp_token.apprenticeship[0]"),
        ({"vp_token": json.dumps({"apprenticeship": [{**presentation, "x": "_:b0"}]}), "state": state}, None,
         "vp_token.apprenticeship[0]"),
    ]
    for form, content_type, field in cases:
        if content_type == "application/json":
            response = client.post("/openid4vp/response", json=form)
        else:
            response = _form(client, form)
        assert response.status_code == 400, (form, response.get_data(as_text=True))
        body = response.get_json()
        assert body["error"] == "invalid_request", body
        # The field is named in the description (refused at the edge or by the protocol), and as
        # `field` where the protocol refused it.
        assert body.get("field", field) == field, (field, body)
        if field:
            assert body["error_description"].startswith(field), (field, body)
    too_big = _form(client, {"vp_token": "x" * (2 * 1024 * 1024), "state": state})
    assert too_big.status_code == 413 and too_big.mimetype == "application/problem+json"
    # None of that used the request up.
    held = wallet.receive(issued)
    response = wallet.post_response(claims, {"vp_token": wallet.vp_token(claims, [held]), "state": state})
    assert response.status_code == 200, response.get_json()
    assert view_request(services, created).report.verified


@pytest.mark.parametrize("presentation, failed", [
    ({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"]}, "presentation"),
    ({"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
      "verifiableCredential": [{"type": "nonsense"}], "proof": [{}, {}]}, "presentation"),
    ({"type": 5, "holder": ["x"], "proof": "x", "verifiableCredential": 7}, "presentation"),
])
def test_presentations_that_are_not_sound_give_a_report_not_an_error(client, services, wallet, presentation, failed):
    created = create_request(services, PROGRAM)
    claims = wallet.authorization_request(created.oid4vp_uri)
    response = wallet.post_response(claims, {"vp_token": json.dumps({"apprenticeship": [presentation]}),
                                             "state": claims["state"]})
    assert response.status_code == 200, response.get_json()
    report = view_request(services, created).report
    assert not report.verified and report.check(failed).outcome == "fail"


def test_hostile_vcapi_bodies_are_refused_naming_the_field(client, services, wallet, issued):
    created = create_request(services, PROGRAM)
    url = lcw_exchange_url(created.lcw_uri)[len(BASE):]
    assert client.post("/workflows/verify/exchanges/no-such-exchange", json={}).status_code == 404
    not_json = client.post(url, data="{not json", content_type="application/json")
    assert not_json.status_code == 400 and not_json.mimetype == "application/problem+json"
    assert client.post(url, json=[]).status_code == 400
    assert client.post(url, json={"a": DEEP}).status_code == 400
    for value in ("a string", 5, [], None, {"a": DEEP_INSIDE}):
        response = client.post(url, json={"verifiablePresentation": value})
        assert response.status_code == 400, (value, response.get_json())
        assert response.get_json()["field"] == "verifiablePresentation"
    too_big = client.post(url, data=b'{"verifiablePresentation": "' + b"x" * (2 * 1024 * 1024) + b'"}',
                          content_type="application/json")
    assert too_big.status_code == 413
    held = wallet.receive(issued)
    _, response = wallet.answer_vcapi(created.lcw_uri, [held])
    assert response.status_code == 200 and view_request(services, created).report.verified


def test_the_answering_doors_are_throttled_like_the_public_verifier(app, client):
    app.extensions["ler_throttle"] = Throttle("2/minute", 2, "memory://")
    for path, body in (("/openid4vp/response", {"data": {"state": "s"}}),
                       ("/workflows/verify/exchanges/x", {"json": {}})):
        answers = [client.post(path, **body).status_code for _ in range(3)]
        assert answers[2] == 429, (path, answers)
        app.extensions["ler_throttle"] = Throttle("2/minute", 2, "memory://")
