"""An employer asks the Learner Credential Wallet, through a VC-API exchange in the shape LCW
sends (deep link, POST {} -> VerifiablePresentationRequest with QueryByExample and DIDAuth, a
presentation signed Ed25519Signature2020 over VCDM 1.1): verified with holder binding, and each
way it can be wrong fails a named check."""

from __future__ import annotations

from datetime import timedelta

import pytest

from issuer.presentation import store

from wallet_support import (BASE, OCCUPATION, PROGRAM, Wallet, create_request, held, lcw_exchange_url,  # noqa: F401
                            lcw_matches, view_request, wallet)


@pytest.mark.parametrize("lcw", [True, False], ids=["Ed25519Signature2020", "eddsa-rdfc-2022"])
def test_the_learner_credential_wallet_answers_and_is_verified(client, services, wallet, held, lcw):
    created = create_request(services, OCCUPATION)
    vpr, response = wallet.answer_vcapi(created.lcw_uri, [held], lcw=lcw)
    request = vpr
    [by_example, didauth] = request["query"]
    query = by_example["credentialQuery"]
    assert "43-4051.00" in query["reason"] and BASE in query["reason"]
    # LCW would not offer a work-process credential for it: it is no completed apprenticeship.
    assert not lcw_matches(query["example"], held)
    assert didauth["acceptedMethods"] == [{"method": "key"}]
    assert request["domain"] == BASE and request["challenge"]
    assert response.status_code == 200, response.get_json()
    report = view_request(services, created).report
    # A work-process credential is not a completed apprenticeship: everything else holds.
    assert [c.name for c in report.failed] == ["asked"], report.to_json()
    assert report.protocol == "vcapi" and report.holder == wallet.did

    asked_right = create_request(services, PROGRAM)
    _, response = wallet.answer_vcapi(asked_right.lcw_uri, [held], lcw=lcw)
    assert response.status_code == 200
    report = view_request(services, asked_right).report
    assert report.verified, report.to_json()
    vpr = client.post(lcw_exchange_url(create_request(services, PROGRAM).lcw_uri)[len(BASE):], json={}).get_json()
    assert lcw_matches(vpr["verifiablePresentationRequest"]["query"][0]["credentialQuery"]["example"], held)
    assert {c.name for c in report.checks} >= {"nonce", "domain", "presentation", "holder", "subject", "asked",
                                               "credentials", "expiry", "replay"}


def test_a_replayed_answer_is_refused_and_the_report_is_unchanged(client, services, wallet, held):
    created = create_request(services, PROGRAM)
    url = lcw_exchange_url(created.lcw_uri)[len(BASE):]
    vpr = client.post(url, json={}).get_json()["verifiablePresentationRequest"]
    presentation = wallet.lcw_presentation([held], challenge=vpr["challenge"], domain=vpr["domain"])
    assert client.post(url, json={"verifiablePresentation": presentation}).status_code == 200
    before = view_request(services, created).report
    again = client.post(url, json={"verifiablePresentation": presentation})
    assert again.status_code == 409 and "already been answered" in again.get_json()["detail"]
    assert client.post(url, json={}).status_code == 409
    assert view_request(services, created).report == before and before.verified


def test_a_wrong_challenge_fails_the_nonce_check(services, wallet, held):
    created = create_request(services, PROGRAM)
    _, response = wallet.answer_vcapi(created.lcw_uri, [held], challenge="not-the-challenge")
    assert response.status_code == 200
    report = view_request(services, created).report
    assert report.check("nonce").outcome == "fail" and not report.verified


def test_another_holders_credential_fails_the_subject_check(client, services, issued, wallet):
    theirs = Wallet(client).receive(issued)
    created = create_request(services, PROGRAM)
    wallet.answer_vcapi(created.lcw_uri, [theirs])
    report = view_request(services, created).report
    assert [c.name for c in report.failed] == ["subject"]


def test_an_expired_exchange(client, services, wallet, held, monkeypatch):
    created = create_request(services, PROGRAM)
    url = lcw_exchange_url(created.lcw_uri)[len(BASE):]
    vpr = client.post(url, json={}).get_json()["verifiablePresentationRequest"]
    later = store.now_utc() + store.TTL
    monkeypatch.setattr(store, "now_utc", lambda: later)
    assert client.post(url, json={}).status_code == 410
    presentation = wallet.lcw_presentation([held], challenge=vpr["challenge"], domain=vpr["domain"])
    assert client.post(url, json={"verifiablePresentation": presentation}).status_code == 200
    report = view_request(services, created, now=later + timedelta(seconds=1)).report
    assert [c.name for c in report.failed] == ["expiry"]
