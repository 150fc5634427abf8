"""An employer asks a wallet, through OpenID4VP 1.0 (tests/wallet_support.py plays the wallet):
the answer is verified with holder binding, and each way it can be wrong fails a named check."""

from __future__ import annotations

import json
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import jwt as pyjwt
from sqlalchemy import select

from issuer.db import session_scope
from issuer.presentation import store
from issuer.proofs import data_integrity
from issuer.proofs.did import did_key_vm
from issuer.presentation.models import PresentationRequest
from issuer.sponsors.services import create_sponsor

from delivery_support import Issued
from test_programs_e2e import _csv, _rows_to_complete
from wallet_support import (BASE, OCCUPATION, PROGRAM, Wallet, create_request, held, lcw_exchange_url,  # noqa: F401
                            lcw_matches, view_request, wallet)


def _outcomes(report) -> dict:
    return {c.name: c.outcome for c in report.checks}


def test_the_wallet_answers_and_the_answer_is_verified_with_holder_binding(services, wallet, held):
    created = create_request(services, PROGRAM)
    claims, response = wallet.answer_openid4vp(created.oid4vp_uri, [held])
    assert response.status_code == 200, response.get_json()
    assert response.headers["Access-Control-Allow-Origin"] == "*"     # web wallets post from their own origin
    assert claims["client_metadata"]["vp_formats_supported"]["ldp_vc"]["cryptosuite_values"]
    assert claims["client_metadata"]["client_name"]
    view = view_request(services, created)
    assert view.state == "answered"
    report = view.report
    assert report.verified, report.to_json()
    assert (report.protocol, report.holder) == ("openid4vp", wallet.did)
    assert _outcomes(report) == {"expiry": "pass", "replay": "pass", "nonce": "pass", "domain": "pass",
                                 "presentation": "pass", "holder": "pass", "subject": "pass", "asked": "pass",
                                 "credentials": "pass"}
    [credential] = report.credentials
    assert credential.verified and credential.id == held["id"] and credential.onet_soc == "43-4051.00"
    names = {c.name for c in credential.checks}
    assert {"proof", "issuer", "dates", "status", "framework"} <= names, names
    # What is kept is the report, never the presentation or the credential (nor any signature of them).
    with session_scope(services.sessions) as session:
        [row] = session.scalars(select(PresentationRequest).where(
            PresentationRequest.handle_hash == store.digest(created.handle))).all()
        kept = json.dumps([getattr(row, c.name) for c in PresentationRequest.__table__.columns], default=str)
    assert held["proof"]["proofValue"] not in kept and "proofValue" not in kept
    assert held["credentialSubject"]["achievement"]["id"] not in kept


def test_a_replayed_response_is_refused_and_the_report_is_unchanged(services, wallet, held):
    created = create_request(services, PROGRAM)
    claims, first = wallet.answer_openid4vp(created.oid4vp_uri, [held])
    assert first.status_code == 200
    before = view_request(services, created).report
    form = {"vp_token": wallet.vp_token(claims, [held]), "state": claims["state"]}
    again = wallet.post_response(claims, form)
    assert again.status_code == 400
    body = again.get_json()
    assert body["error"] == "invalid_request" and body["error_description"].startswith("replay:")
    assert view_request(services, created).report == before
    # The request object is not served again either.
    assert wallet.client.get(claims["response_uri"].replace(BASE, "").replace("response", "requests/")
                             + claims["state"]).status_code == 409


def test_an_answer_replayed_to_another_request_fails_the_nonce_check(services, wallet, held):
    """Someone who saw one answer posts it to a request of their own: it is bound to the first."""
    first, second = create_request(services, PROGRAM), create_request(services, PROGRAM)
    claims, _ = wallet.answer_openid4vp(first.oid4vp_uri, [held])
    replayed = wallet.vp_token(claims, [held])
    other = wallet.authorization_request(second.oid4vp_uri)
    assert wallet.post_response(other, {"vp_token": replayed, "state": other["state"]}).status_code == 200
    report = view_request(services, second).report
    # Same verifier, so the same domain; the nonce (and so the signature over it) is the first request's.
    assert [c.name for c in report.failed] == ["nonce", "presentation", "holder"]
    assert view_request(services, first).report.verified


def test_a_wrong_nonce_fails_the_nonce_check(services, wallet, held):
    created = create_request(services, PROGRAM)
    _, response = wallet.answer_openid4vp(created.oid4vp_uri, [held], nonce="a-nonce-of-another-request")
    assert response.status_code == 200
    report = view_request(services, created).report
    assert not report.verified
    assert report.check("nonce").outcome == "fail"
    assert report.check("presentation").outcome == "fail"
    assert report.check("subject").outcome == "pass"


def test_a_wrong_domain_fails_the_domain_check(services, wallet, held):
    created = create_request(services, PROGRAM)
    wallet.answer_openid4vp(created.oid4vp_uri, [held], domain="https://issuer.example")
    report = view_request(services, created).report
    assert report.check("domain").outcome == "fail" and not report.verified


def test_another_holders_credential_fails_the_subject_check(client, services, issued, wallet):
    someone = Wallet(client)
    theirs = someone.receive(issued)
    created = create_request(services, PROGRAM)
    _, response = wallet.answer_openid4vp(created.oid4vp_uri, [theirs])
    assert response.status_code == 200
    report = view_request(services, created).report
    assert not report.verified
    assert report.check("subject").outcome == "fail" and someone.did in report.check("subject").message
    # Everything else about the answer is sound: the failure is the binding, by name.
    assert [c.name for c in report.failed] == ["subject"]


def test_presenting_as_someone_else_fails_the_holder_check(services, wallet, held):
    created = create_request(services, PROGRAM)
    someone = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
    wallet.answer_openid4vp(created.oid4vp_uri, [held], holder=someone)
    report = view_request(services, created).report
    assert report.check("presentation").outcome == "fail" and report.check("holder").outcome == "fail"


def test_a_signed_presentation_that_is_not_well_formed_fails_the_presentation_check(services, wallet, held):
    """Signed by the holder, but its `holder` names nobody: the proof verifies, the presentation does not."""
    created = create_request(services, PROGRAM)
    claims = wallet.authorization_request(created.oid4vp_uri)
    unsigned = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                "holder": {"name": "Ana"}, "verifiableCredential": [held]}
    presentation = data_integrity.sign(unsigned, wallet.key, verification_method=did_key_vm(wallet.key.public()),
                                       proof_purpose="authentication", challenge=claims["nonce"],
                                       domain=claims["client_id"])
    form = {"vp_token": json.dumps({"apprenticeship": [presentation]}), "state": claims["state"]}
    assert wallet.post_response(claims, form).status_code == 200
    report = view_request(services, created).report
    check = report.check("presentation")
    assert check.outcome == "fail" and "holder must be" in check.message and not report.verified


def test_an_expired_request_fails_the_expiry_check(services, wallet, held, monkeypatch):
    created = create_request(services, PROGRAM)
    claims = wallet.authorization_request(created.oid4vp_uri)
    later = store.now_utc() + store.TTL + timedelta(seconds=5)
    monkeypatch.setattr(store, "now_utc", lambda: later)
    response = wallet.post_response(claims, {"vp_token": wallet.vp_token(claims, [held]), "state": claims["state"]})
    assert response.status_code == 200
    report = view_request(services, created, now=later).report
    assert not report.verified and [c.name for c in report.failed] == ["expiry"]
    # The late answer was the one answer: the request object is not served again.
    assert wallet.client.get(f"/openid4vp/requests/{claims['state']}").status_code == 409


def test_the_credential_must_be_what_was_asked(services, wallet, held):
    """A work-process credential is from the program, but it is no completed apprenticeship."""
    created = create_request(services, OCCUPATION)
    claims, _ = wallet.answer_openid4vp(created.oid4vp_uri, [held])
    [query] = claims["dcql_query"]["credentials"]
    assert {"id": "onet_soc", "path": ["credentialSubject", "achievement", "alignment", None, "targetCode"],
            "values": ["43-4051.00"]} in query["claims"]
    report = view_request(services, created).report
    assert [c.name for c in report.failed] == ["asked"]


def test_a_wallet_that_declines_is_reported(services, wallet):
    created = create_request(services, PROGRAM)
    claims = wallet.authorization_request(created.oid4vp_uri)
    response = wallet.post_response(claims, {"error": "access_denied", "state": claims["state"]})
    assert response.status_code == 200
    report = view_request(services, created).report
    assert not report.verified and report.check("wallet").outcome == "fail"


def test_an_unknown_or_expired_request_uri_is_refused(client, services, monkeypatch):
    assert client.get("/openid4vp/requests/no-such-request").status_code == 404
    created = create_request(services, PROGRAM)
    token = created.oid4vp_uri.rsplit("%2F", 1)[-1]
    expired = store.now_utc() + store.TTL
    monkeypatch.setattr(store, "now_utc", lambda: expired)
    assert client.get(f"/openid4vp/requests/{token}").status_code == 410


def test_of_answers_racing_exactly_one_is_kept(app, services, wallet, held):
    created = create_request(services, PROGRAM)
    claims = wallet.authorization_request(created.oid4vp_uri)
    form = {"vp_token": wallet.vp_token(claims, [held]), "state": claims["state"]}
    barrier = threading.Barrier(4)
    # Four at once from one address: more than the public verifier's per-client concurrency.
    app.extensions["ler_throttle"].concurrency = 4

    def answer(_):
        client = app.test_client()
        barrier.wait()
        return client.post("/openid4vp/response", data=form, content_type="application/x-www-form-urlencoded")

    with ThreadPoolExecutor(4) as pool:
        responses = list(pool.map(answer, range(4)))
    assert sorted(r.status_code for r in responses) == [200, 400, 400, 400]
    assert all(r.get_json()["error_description"].startswith("replay:") for r in responses if r.status_code == 400)
    assert view_request(services, created).report.verified


def keep_only_an_ec_key(services) -> None:
    """The operator retires the service's Ed25519 key and keeps a P-256 one."""
    keystore = services.identity.keystore
    ed25519 = keystore.active("Ed25519")
    data = json.loads(ed25519.path.read_text())
    ed25519.path.write_text(json.dumps({**data, "status": "retired"}))
    keystore.generate("P-256")


def test_a_service_with_only_an_ec_key_signs_its_request_with_it(services, wallet):
    keep_only_an_ec_key(services)
    created = create_request(services, PROGRAM)
    claims = wallet.authorization_request(created.oid4vp_uri)   # verified against the did:web document
    assert claims["client_id"] == "decentralized_identifier:did:web:issuer.example"
    header = pyjwt.get_unverified_header(wallet.client.get(claims["response_uri"].replace(BASE, "").replace(
        "response", "requests/") + claims["state"]).get_data(as_text=True))
    assert header["alg"] == "ES256" and header["kid"].startswith("did:web:issuer.example#")


def hold_completion(cli, services, wallet, tmp_path) -> dict:
    """The apprentice of a sponsor completes ny-csr (imported as a sponsor would) and takes the
    completion credential into `wallet`: the credential, bound to the wallet's DID."""
    with session_scope(services.sessions) as session:
        sponsor, api_key = create_sponsor(session, f"Acme Contact Centers {uuid.uuid4().hex[:8]}", ["ny-csr"])
        name = sponsor.name
    program = json.loads(cli("programs", "show", "ny-csr", "--json").output)
    path = tmp_path / "progress.csv"
    path.write_text(_csv(_rows_to_complete(program)))
    assert cli("import", path, "--json", "--sponsor", name).exit_code == 0
    listed = [json.loads(line) for line in cli("credentials", "list", "--json", "--sponsor", name).output.splitlines()]
    [completion] = [c for c in listed if c["credentialSubject"]["achievement"]["achievementType"]
                    == "ApprenticeshipCertificate"]
    return wallet.receive(Issued(completion["id"], completion, {"Authorization": f"Bearer {api_key}"}, "", ""))


def test_a_completed_apprenticeship_answers_the_occupation_ask(cli, client, services, wallet, tmp_path):
    """The completion credential answers "a completed apprenticeship in 43-4051.00"."""
    held = hold_completion(cli, services, wallet, tmp_path)
    created = create_request(services, OCCUPATION)
    wallet.answer_openid4vp(created.oid4vp_uri, [held])
    report = view_request(services, created).report
    assert report.verified, [c for c in report.checks if c.outcome != "pass"]
    assert report.check("asked").message == "a presented credential is " + OCCUPATION.label
    [credential] = report.credentials
    assert credential.onet_soc == "43-4051.00"
    # The Learner Credential Wallet would offer it for the same ask made through the VC-API exchange.
    through_lcw = create_request(services, OCCUPATION)
    vpr = client.post(lcw_exchange_url(through_lcw.lcw_uri)[len(BASE):], json={}).get_json()
    assert lcw_matches(vpr["verifiablePresentationRequest"]["query"][0]["credentialQuery"]["example"], held)
    assert {c.name: c.outcome for c in credential.checks}["framework"] == "pass"
