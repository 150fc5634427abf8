"""The claim page's wallet offers (issue 12, point 5; issue 13, point 4): viewing the page writes
nothing; the wallet button makes one offer and one exchange; an offer made for a claim link asks
for the link's transaction code, and all the link's offers share one budget of wrong codes; a
revoked or suspended credential is marked and never offered (refused when the offer is made)."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import func, select

from issuer.db import session_scope
from issuer.delivery.models import Exchange, Offer

BASE = "https://issuer.example"
PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def _rows(services) -> tuple[int, int]:
    with session_scope(services.sessions) as session:
        return (session.scalar(select(func.count()).select_from(Offer)),
                session.scalar(select(func.count()).select_from(Exchange)))


def _made(client, issued, **flags) -> dict:
    response = client.post(f"/api/v1/credentials/{issued.id}/offer", json=flags, headers=issued.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _wallet_offer(client, claim_path: str) -> dict:
    """Press the page's wallet button; the offer object behind the page's OpenID4VCI link."""
    page = client.post(claim_path)
    assert page.status_code == 200, page.get_data(as_text=True)
    link = unescape(re.search(r'href="([^"]+)" id="oid4vci-link"', page.get_data(as_text=True)).group(1))
    uri = unquote(parse_qs(urlsplit(link).query)["credential_offer_uri"][0])
    offer = client.get(uri[len(BASE):])
    assert offer.status_code == 200
    return offer.get_json()


def _token(client, offer: dict, tx_code: str | None):
    grant = offer["grants"][PRE_AUTH]
    data = {"grant_type": PRE_AUTH, "pre-authorized_code": grant["pre-authorized_code"]}
    if tx_code is not None:
        data["tx_code"] = tx_code
    return client.post("/oid4vci/token", data=data)


def test_viewing_the_claim_page_writes_no_offer_or_exchange(client, services, issued):
    claim = _made(client, issued)["claim_url"][len(BASE):]
    before = _rows(services)
    for _ in range(3):
        page = client.get(claim)
        assert page.status_code == 200
        assert "Show wallet codes" in page.get_data(as_text=True)
        assert "openid-credential-offer://" not in page.get_data(as_text=True)
    assert _rows(services) == before
    client.post(claim)
    assert _rows(services) == (before[0] + 1, before[1] + 1)


def test_the_page_offer_inherits_the_transaction_code(client, services, issued):
    made = _made(client, issued, tx_code=True)
    pin = made["tx_code"]
    claim = made["claim_url"][len(BASE):]
    assert "transaction code" in client.get(claim).get_data(as_text=True)
    offer = _wallet_offer(client, claim)
    assert offer["grants"][PRE_AUTH]["tx_code"]["length"] == 6
    refused = _token(client, offer, None)
    assert refused.status_code == 400 and "tx_code" in refused.get_json()["error_description"]
    assert _token(client, offer, pin).status_code == 200

    # Without a code the link's offers ask for none.
    plain = _made(client, issued)["claim_url"][len(BASE):]
    offer = _wallet_offer(client, plain)
    assert "tx_code" not in offer["grants"][PRE_AUTH]
    assert _token(client, offer, None).status_code == 200


def test_new_offers_buy_no_new_guesses(client, services, issued):
    made = _made(client, issued, tx_code=True)
    claim = made["claim_url"][len(BASE):]
    wrong = "000000" if made["tx_code"] != "000000" else "111111"
    for _ in range(5):
        # Each guess on a fresh offer of the same link: the budget is the link's.
        assert _token(client, _wallet_offer(client, claim), wrong).get_json()["error"] == "invalid_grant"
    last = _token(client, _wallet_offer(client, claim), made["tx_code"])
    assert last.status_code == 400 and "too many" in last.get_json()["error_description"]


def test_live_offers_of_a_link_are_bounded(client, services, issued):
    claim = _made(client, issued)["claim_url"][len(BASE):]
    for _ in range(9):          # ten live offers in all, the one made with the link included
        assert client.post(claim).status_code == 200
    assert client.post(claim).status_code == 429


def test_revoked_credential_is_marked_and_never_offered(client, services, issued):
    claim = _made(client, issued)["claim_url"][len(BASE):]
    # (An Open Badge carries one revocation entry: revoked, not suspended; see tests/test_status.py.)
    change = client.post(f"/api/v1/credentials/{issued.id}/revoke", json={"reason": "issued in error"},
                         headers=issued.auth)
    assert change.status_code == 200
    page = client.get(claim).get_data(as_text=True)
    assert 'data-state="revoked"' in page and "Show wallet codes" not in page
    assert client.post(claim).status_code == 409
    assert client.get(f"{claim}/credential.json").status_code == 409
    assert "LinkedIn" not in page
    refused = client.post(f"/api/v1/credentials/{issued.id}/offer", json={}, headers=issued.auth)
    assert refused.status_code == 409 and "revoked" in refused.get_json()["detail"]
    # The badge image is still shown on the pages (greyed), as the public JSON still is.
    assert client.get(f"/credentials/{issued.id}/badge.svg").mimetype == "image/svg+xml"
