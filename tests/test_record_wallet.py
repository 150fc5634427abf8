"""The apprenticeship record (CLR 2.0) to the apprentice's wallet, from their own page: through
OpenID4VCI with the record's own credential configuration (taken by the real client
@openid4vc/openid4vci, tests/node/openid4vci_wallet.mjs), and through the VC-API exchange the
Learner Credential Wallet runs. What the wallet gets is bound to it in full: the record's subject
and every credential inside it is the wallet's DID, each re-signed, and all of it verifies."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta, timezone
from html import unescape
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select, update

from browser_support import server  # noqa: F401 (a fixture: our app on a loopback port)
from issuer.db import session_scope
from issuer.delivery.models import Delivery, Exchange, Offer
from issuer.issuance import records
from issuer.issuance.models import RecordVersion
from issuer.portal import security
from issuer.progress.models import Enrollment
from issuer.proofs.did import did_key_for
from issuer.proofs.keyfamilies.ed25519 import Ed25519PrivateKey
from issuer.verify import verify_credential
from issuer.verify.result import PASS
from portal_support import Signed, csrf_of, make_tenant
from test_exchanges import _exchange_url, _lcw_presentation, _presentation
from test_oid4vci import Wallet, _error
from test_oid4vci_client import take, wallet_client  # noqa: F401 (a fixture: the client, installed)
from records_support import completed

BASE = "https://issuer.example"
RECORD = "ClrCredential_ldp_vc"


def record_of(services, enrollment_id: int) -> RecordVersion:
    with session_scope(services.sessions) as session:
        record = records.current(session, services.issuance, enrollment_id)
        session.expunge(record)
        return record


def signed_in(app, services, apprentice_id: str):
    """A browser of the apprentice, signed in to /me through a sign-in link, as the page does it."""
    with session_scope(services.sessions) as session:
        token = security.issue_link_token(session, "apprentice", timedelta(minutes=5), apprentice_id=apprentice_id)
    browser = app.test_client()
    path = f"/me/login/{token}"
    assert browser.post(path, data={"csrf_token": csrf_of(browser.get(path))}).status_code == 303
    return browser


def press(browser, record_id: str):
    """The record's "add to my wallet" button."""
    return browser.post(f"/me/record/{record_id}/wallet", data={"csrf_token": csrf_of(browser.get("/me/"))})


def links(page) -> tuple[str, str]:
    assert page.status_code == 200, page.get_data(as_text=True)
    html = page.get_data(as_text=True)
    offer = unescape(re.search(r'href="([^"]+)" id="oid4vci-link"', html).group(1))
    return offer, _exchange_url(html)


@pytest.fixture
def apprentice(app, services, cli, tmp_path):
    """A new sponsor's apprentice who completed the NY customer service program (ler import),
    signed in to their page: (browser, record, the sponsor's API key)."""
    key, _, enrollment_id = completed(cli, services, tmp_path, "ny-csr")
    record = record_of(services, enrollment_id)
    return signed_in(app, services, record.apprentice_id), record, {"Authorization": f"Bearer {key}"}


@pytest.fixture
def own(app, services, issued):
    """The `issued` apprentice (one credential, so a record holding it), signed in to their page:
    (browser, record)."""
    with session_scope(services.sessions) as session:
        enrollment_id = session.scalars(select(Enrollment.id).where(
            Enrollment.apprentice_id == issued.apprentice_id)).one()
    return signed_in(app, services, issued.apprentice_id), record_of(services, enrollment_id)


def redeemed(client, offer_uri: str) -> tuple[Wallet, dict]:
    """A wallet (tests/test_oid4vci.py's, written from the specification) that read the offer and
    the metadata and redeemed the code: (the wallet, the token response)."""
    wallet = Wallet(client)
    offer = wallet.offer_from_uri(offer_uri)
    wallet.discover(offer)
    return wallet, wallet.token(offer).get_json()


def bound_throughout(record: dict, holder: str, services) -> None:
    """The record and every credential in it are about `holder`, and all of it verifies."""
    assert record["type"] == ["VerifiableCredential", "ClrCredential"]
    inner = record["credentialSubject"]["verifiableCredential"]
    assert record["credentialSubject"]["id"] == holder
    assert inner and all(c["credentialSubject"]["id"] == holder for c in inner)
    result = verify_credential(record, resolver=services.identity.resolver(), recipient=holder)
    assert result.verified, result.to_json()
    assert len(result.credentials) == len(inner) and all(n.verified for n in result.credentials)
    assert result.check("subjects").outcome == PASS, result.to_json()
    # Any part taken out of the record stands alone, bound to the holder (the occupation, say).
    part = verify_credential(inner[0], resolver=services.identity.resolver(), recipient=holder)
    assert part.verified and part.check("recipient").outcome == PASS, part.to_json()


def test_the_real_openid4vci_client_takes_the_holder_bound_record(services, apprentice, wallet_client, server,
                                                                    tmp_path):
    browser, record, _ = apprentice
    page = browser.get("/me/").get_data(as_text=True)
    assert f'action="/me/record/{record.id}/wallet"' in page   # the button on the apprentice's page
    offer, _ = links(press(browser, record.id))
    out = take(wallet_client, server, tmp_path, offer)
    assert out["ok"], out
    assert out["offered"] == [RECORD] and out["configuration"] == RECORD
    [document] = out["credentials"]
    assert document["id"] == record.document["id"] and document["validFrom"] == record.document["validFrom"]
    held = {c["id"] for c in record.document["credentialSubject"]["verifiableCredential"]}
    assert {c["id"] for c in document["credentialSubject"]["verifiableCredential"]} == held
    bound_throughout(document, out["holder"], services)
    with session_scope(services.sessions) as session:
        copies = session.scalars(select(Delivery).where(Delivery.holder == out["holder"])).all()
        assert sorted(c.credential_id or "" for c in copies) == sorted(["", *record.credential_ids])
        assert {(c.record_version_id, c.channel) for c in copies} == {(record.id, "oid4vci")}


def test_the_learner_credential_wallet_takes_the_holder_bound_record(services, apprentice):
    """Taken as it stands when the wallet takes it: a credential revoked since the codes were
    made is not in it (records issued the next version without it)."""
    browser, record, auth = apprentice
    key = Ed25519PrivateKey.generate()
    did = did_key_for(key.public())
    _, exchange = links(press(browser, record.id))
    gone = next(c for c in record.document["credentialSubject"]["verifiableCredential"]
                if c["credentialSubject"]["achievement"]["achievementType"] != "ApprenticeshipCertificate")
    revoked = browser.post(f"/api/v1/credentials/{gone['id'].rsplit(':', 1)[1]}/revoke", headers=auth,
                           json={"reason": "issued in error"})
    assert revoked.status_code == 200, revoked.get_json()
    client = browser   # the wallet needs no session: the exchange's URL is its secret
    vpr = client.post(exchange[len(BASE):], json={}).get_json()["verifiablePresentationRequest"]
    assert vpr["query"][0]["type"] == "DIDAuthentication" and vpr["domain"] == BASE
    answer = _lcw_presentation(key, did, challenge=vpr["challenge"], domain=vpr["domain"])
    response = client.post(exchange[len(BASE):], json={"verifiablePresentation": answer})
    assert response.status_code == 200, response.get_json()
    presentation = response.get_json()["verifiablePresentation"]
    assert presentation["type"] == ["VerifiablePresentation"]
    [document] = presentation["verifiableCredential"]
    held = {c["id"] for c in document["credentialSubject"]["verifiableCredential"]}
    assert held == {c["id"] for c in record.document["credentialSubject"]["verifiableCredential"]} - {gone["id"]}
    assert document["id"] != record.document["id"]   # the next version
    bound_throughout(document, did, services)
    again = client.post(exchange[len(BASE):], json={"verifiablePresentation": answer})
    assert again.status_code == 409


def test_a_configuration_the_offer_is_not_for_is_a_clean_error(client, services, issued, own, wallet_client, server,
                                                               tmp_path):
    # A record offer asked for as an Open Badge, by the real client.
    browser, record = own
    offer, _ = links(press(browser, record.id))
    out = take(wallet_client, server, tmp_path, offer, configuration="OpenBadgeCredential_ldp_vc")
    assert not out["ok"] and out["status"] == 400, out
    assert out["body"]["error"] == "invalid_credential_request" and RECORD in out["body"]["error_description"]
    # And a credential's offer asked for as the record.
    made = client.post(f"/api/v1/credentials/{issued.id}/offer", json={}, headers=issued.auth).get_json()
    out = take(wallet_client, server, tmp_path, made["credential_offer_uri"], configuration=RECORD)
    assert not out["ok"] and out["status"] == 400 and out["body"]["error"] == "invalid_credential_request", out

    # Draft 13 wallets name it by format and types: the types of the other kind are unsupported here.
    wallet, token = redeemed(client, links(press(browser, record.id))[0])
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    asked = {"format": "ldp_vc", "credential_definition": {"type": ["VerifiableCredential", "OpenBadgeCredential"]},
             "proof": {"proof_type": "jwt", "jwt": wallet.proof(token["c_nonce"])}}
    _error(client.post("/oid4vci/credential", json=asked, headers=auth), 400, "unsupported_credential_type")
    _error(client.post("/oid4vci/credential", json={**asked, "format": "jwt_vc_json"}, headers=auth), 400,
           "unsupported_credential_type")
    # Asked the draft 13 way for what it is, it is answered in draft 13's shape.
    asked["credential_definition"]["type"] = ["VerifiableCredential", "ClrCredential"]
    asked["proof"]["jwt"] = wallet.proof(wallet.nonce())
    response = client.post("/oid4vci/credential", json=asked, headers=auth)
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["credential"]["credentialSubject"]["id"] == wallet.did


def test_expired_offers_and_exchanges_are_refused(client, services, issued, own):
    browser, record = own
    offer, exchange = links(press(browser, record.id))
    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    with session_scope(services.sessions) as session:
        for model in (Offer, Exchange):
            session.execute(update(model).where(model.record_version_id == record.id).values(expires_at=past))
    reference = parse_qs(urlsplit(offer).query)["credential_offer_uri"][0]
    assert client.get(reference[len(BASE):]).status_code == 404
    code = reference.rsplit("/", 1)[1]
    _error(client.post("/oid4vci/token", data={"grant_type": "urn:ietf:params:oauth:grant-type:pre-authorized_code",
                                               "pre-authorized_code": code}), 400, "invalid_grant")
    response = client.post(exchange[len(BASE):], json={})
    assert response.status_code == 404 and response.mimetype == "application/problem+json"


def test_only_the_apprentice_takes_their_own_record(app, client, services, issued, own):
    _, record = own
    other = client.post("/api/v1/apprentices", headers=issued.auth, json={
        "external_id": f"E-{uuid.uuid4().hex[:6]}", "name": "Bea Ortiz", "email": "bea@example.org",
        "program": "ny-csr", "start_date": "2024-01-02"}).get_json()["id"]
    intruder = signed_in(app, services, other)
    refused = press(intruder, record.id)
    assert refused.status_code == 404 and "No such record" in refused.get_data(as_text=True)
    assert press(intruder, "x" * 40).status_code == 404
    # No session: off to the sign-in page; a sponsor's staff member: the same (not an apprentice).
    anonymous = app.test_client()
    form = anonymous.get("/me/login")
    assert anonymous.post(f"/me/record/{record.id}/wallet", data={"csrf_token": csrf_of(form)}).status_code == 302
    tenant = make_tenant(services)
    staff = Signed(app, tenant.administrator).client
    form = staff.get("/me/login")
    assert staff.post(f"/me/record/{record.id}/wallet", data={"csrf_token": csrf_of(form)}).status_code == 302
    with session_scope(services.sessions) as session:
        assert session.scalars(select(Offer).where(Offer.record_version_id == record.id)).all() == []


def test_how_often_an_apprentice_makes_record_codes_is_limited(client, services, issued, own):
    from issuer.api.record_wallet import PRESSES_PER_HOUR
    browser, record = own
    for _ in range(PRESSES_PER_HOUR):
        assert press(browser, record.id).status_code == 200
    refused = press(browser, record.id)
    assert refused.status_code == 429 and "in the last hour" in refused.get_data(as_text=True)
    with session_scope(services.sessions) as session:
        made = session.scalars(select(Offer).where(Offer.record_version_id == record.id)).all()
        assert len(made) == PRESSES_PER_HOUR


def test_a_record_whose_credential_was_revoked_since_the_offer_is_not_delivered(client, services, issued, own):
    browser, record = own
    offer, exchange = links(press(browser, record.id))
    revoked = client.post(f"/api/v1/credentials/{issued.id}/revoke", json={"reason": "issued in error"},
                          headers=issued.auth)
    assert revoked.status_code == 200, revoked.get_json()
    refused = press(browser, record.id)
    assert refused.status_code == 409 and "holds no credential now" in refused.get_data(as_text=True)
    wallet, token = redeemed(client, offer)
    token = token["access_token"]
    # The record held only that credential: none is left, so there is no record to hand out.
    _error(wallet.credential(token, RECORD, wallet.proof(wallet.nonce())), 400, "credential_request_denied")
    response = client.post(exchange[len(BASE):], json={})
    assert response.status_code == 403 and "revoked" in response.get_json()["detail"]


def test_a_record_offer_delivers_once_and_hears_what_became_of_it(client, services, issued, own):
    from issuer.audit.models import AuditEvent
    browser, record = own
    wallet, token = redeemed(client, links(press(browser, record.id))[0])
    token = token["access_token"]
    configuration = wallet.metadata["credential_configurations_supported"][RECORD]
    assert configuration["format"] == "ldp_vc"
    assert configuration["credential_definition"]["type"] == ["VerifiableCredential", "ClrCredential"]
    assert {d["locale"] for d in configuration["credential_metadata"]["display"]} == {"en-US", "es-US"}
    answer = wallet.credential(token, RECORD, wallet.proof(wallet.nonce()))
    assert answer.status_code == 200, answer.get_json()
    [taken] = answer.get_json()["credentials"]
    assert taken["credential"]["credentialSubject"]["id"] == wallet.did
    # The same access token, a fresh nonce: the record was issued already (each costs a signing).
    _error(wallet.credential(token, RECORD, wallet.proof(wallet.nonce())), 400, "credential_request_denied")

    response = client.post("/oid4vci/notification", headers={"Authorization": f"Bearer {token}"},
                           json={"notification_id": answer.get_json()["notification_id"],
                                 "event": "credential_accepted"})
    assert response.status_code == 204
    with session_scope(services.sessions) as session:
        [copy] = session.scalars(select(Delivery).where(Delivery.holder == wallet.did,
                                                        Delivery.credential_id.is_(None))).all()
        assert copy.record_version_id == record.id and copy.wallet_event == "credential_accepted"
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.subject == f"record:{record.id}")).all()
    assert actions == ["credential.wallet.credential_accepted"]


def test_of_two_requests_racing_for_one_record_offer_exactly_one_is_answered(app, client, services, issued, own):
    import threading
    browser, record = own
    wallet, token = redeemed(client, links(press(browser, record.id))[0])
    token = token["access_token"]
    proofs = [wallet.proof(wallet.nonce()) for _ in range(4)]
    answers = []

    def ask(proof):
        answers.append(app.test_client().post(
            "/oid4vci/credential", json={"credential_configuration_id": RECORD, "proofs": {"jwt": [proof]}},
            headers={"Authorization": f"Bearer {token}"}))

    threads = [threading.Thread(target=ask, args=(p,)) for p in proofs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(a.status_code for a in answers) == [200, 400, 400, 400]
    assert [a.get_json()["error"] for a in answers if a.status_code == 400] == ["credential_request_denied"] * 3
    with session_scope(services.sessions) as session:
        assert len(session.scalars(select(Delivery).where(Delivery.record_version_id == record.id,
                                                          Delivery.credential_id.is_(None))).all()) == 1
