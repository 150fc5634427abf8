"""OpenID4VCI 1.0 end to end, with a wallet written here from the specification alone.

No Python OpenID4VCI *wallet* library exists on PyPI (the `openid4vci` package implements the
issuer role), so `Wallet` below plays the holder: it reads the offer from the QR code's pixels,
follows the metadata, redeems the pre-authorized code, asks for a c_nonce, proves possession of a
fresh did:key (or a P-256 jwk) in an `openid4vci-proof+jwt`, and checks what it receives. It uses
only cryptography, pyjwt, base58 and the HTTP interface; nothing from issuer.delivery.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
import time
from urllib.parse import parse_qs, unquote, urlsplit

import base58
import jwt
import pytest
import zxingcpp
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from PIL import Image

from issuer.verify import verify_credential


BASE = "https://issuer.example"
PRE_AUTH = "urn:ietf:params:oauth:grant-type:pre-authorized_code"


def path(url: str) -> str:
    assert url.startswith(BASE), url
    return url[len(BASE):]


class Wallet:
    """A holder's wallet: one key, a did:key for it (multicodec 0xed01, base58btc, per did:key)."""

    def __init__(self, client, *, curve: str = "Ed25519"):
        self.client = client
        if curve == "Ed25519":
            self.key = ed25519.Ed25519PrivateKey.generate()
            raw = self.key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            fingerprint = "z" + base58.b58encode(b"\xed\x01" + raw).decode()
            self.did, self.kid, self.alg = f"did:key:{fingerprint}", f"did:key:{fingerprint}#{fingerprint}", "EdDSA"
        else:
            self.key = ec.generate_private_key(ec.SECP256R1())
            self.did, self.kid, self.alg = None, None, "ES256"

    # -- the offer ---------------------------------------------------------------------------
    def offer_from_qr(self, png_data_uri: str) -> dict:
        png = base64.b64decode(png_data_uri.split(",", 1)[1])
        [text] = {code.text for code in zxingcpp.read_barcodes(Image.open(io.BytesIO(png)))}
        return self.offer_from_uri(text)

    def offer_from_uri(self, uri: str) -> dict:
        parts = urlsplit(uri)
        assert parts.scheme == "openid-credential-offer"
        query = parse_qs(parts.query)
        assert len(query) == 1, "exactly one of credential_offer / credential_offer_uri"
        if "credential_offer" in query:
            return json.loads(query["credential_offer"][0])
        response = self.client.get(path(query["credential_offer_uri"][0]))
        assert response.status_code == 200 and response.mimetype == "application/json", response.data
        return response.get_json()

    def discover(self, offer: dict) -> None:
        issuer = offer["credential_issuer"]
        self.metadata = self.client.get(path(issuer) + "/.well-known/openid-credential-issuer").get_json()
        assert self.metadata["credential_issuer"] == issuer
        for configuration in offer["credential_configuration_ids"]:
            assert configuration in self.metadata["credential_configurations_supported"]
        server = (self.metadata.get("authorization_servers") or [issuer])[0]
        self.server = self.client.get(path(server) + "/.well-known/oauth-authorization-server").get_json()
        assert self.server["issuer"] == server
        assert PRE_AUTH in self.server["grant_types_supported"]
        assert self.server["pre-authorized_grant_anonymous_access_supported"] is True

    # -- token, nonce, credential ---------------------------------------------------------
    def token(self, offer: dict, tx_code: str | None = None, **extra):
        grant = offer["grants"][PRE_AUTH]
        form = {"grant_type": PRE_AUTH, "pre-authorized_code": grant["pre-authorized_code"], **extra}
        if tx_code is not None:
            form["tx_code"] = tx_code
        return self.client.post(path(self.server["token_endpoint"]), data=form)

    def nonce(self) -> str:
        response = self.client.post(path(self.metadata["nonce_endpoint"]))
        assert response.status_code == 200 and "no-store" in response.headers["Cache-Control"]
        return response.get_json()["c_nonce"]

    def proof(self, nonce: str | None, *, aud: str | None = None, iat: float | None = None, signer=None,
              header: dict | None = None) -> str:
        claims = {"aud": aud or self.metadata["credential_issuer"], "iat": int(iat or time.time())}
        if nonce is not None:
            claims["nonce"] = nonce
        headers = header or ({"kid": self.kid} if self.kid else {"jwk": self._public_jwk()})
        return jwt.encode(claims, signer or self.key, algorithm=self.alg,
                          headers={"typ": "openid4vci-proof+jwt", **headers})

    def _public_jwk(self) -> dict:
        return json.loads(jwt.algorithms.ECAlgorithm.to_jwk(self.key.public_key()))

    def credential(self, access_token: str, configuration: str, proof: str | None):
        body = {"credential_configuration_id": configuration}
        if proof is not None:
            body["proofs"] = {"jwt": [proof]}
        return self.client.post(path(self.metadata["credential_endpoint"]), json=body,
                                headers={"Authorization": f"Bearer {access_token}"})


def _offer(client, issued, **flags) -> dict:
    response = client.post(f"/api/v1/credentials/{issued.id}/offer", json=flags, headers=issued.auth)
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _error(response, status: int, code: str) -> None:
    assert response.status_code == status, (response.status_code, response.data)
    assert response.get_json()["error"] == code, response.get_json()
    assert "no-store" in response.headers["Cache-Control"]


def test_wallet_end_to_end_with_tx_code_both_formats(client, services, issued):
    made = _offer(client, issued, tx_code=True)
    assert made["tx_code_required"] and len(made["tx_code"]) == 6
    wallet = Wallet(client)
    offer = wallet.offer_from_qr(made["qr_png"])
    assert offer["grants"][PRE_AUTH]["tx_code"] == {
        "input_mode": "numeric", "length": 6, "description": offer["grants"][PRE_AUTH]["tx_code"]["description"]}
    wallet.discover(offer)
    configurations = wallet.metadata["credential_configurations_supported"]
    formats = {configurations[c]["format"]: c for c in offer["credential_configuration_ids"]}
    assert set(formats) == {"ldp_vc", "jwt_vc_json"}
    assert configurations[formats["ldp_vc"]]["credential_signing_alg_values_supported"] == ["eddsa-rdfc-2022"]
    assert "did:key" in configurations[formats["ldp_vc"]]["cryptographic_binding_methods_supported"]
    locales = {d["locale"] for d in configurations[formats["ldp_vc"]]["credential_metadata"]["display"]}
    assert {"en-US", "es-US"} <= locales and all(d.get("logo") for d in wallet.metadata["display"])

    _error(wallet.token(offer), 400, "invalid_request")  # the code is required
    _error(wallet.token(offer, "000000" if made["tx_code"] != "000000" else "111111"), 400, "invalid_grant")
    response = wallet.token(offer, made["tx_code"])
    assert response.status_code == 200, response.get_json()
    token = response.get_json()
    assert token["token_type"] == "Bearer" and token["expires_in"] > 0
    assert "no-store" in response.headers["Cache-Control"]

    ldp = wallet.credential(token["access_token"], formats["ldp_vc"], wallet.proof(wallet.nonce()))
    assert ldp.status_code == 200, ldp.get_json()
    credential = ldp.get_json()["credentials"][0]["credential"]
    assert credential["credentialSubject"]["id"] == wallet.did
    assert credential["id"] == issued.document["id"]
    assert credential["credentialSubject"]["achievement"] == issued.document["credentialSubject"]["achievement"]
    result = verify_credential(credential, resolver=services.identity.resolver(), recipient=wallet.did)
    assert result.verified and result.check("recipient").passed, result.to_json()

    vc_jwt = wallet.credential(token["access_token"], formats["jwt_vc_json"], wallet.proof(wallet.nonce()))
    assert vc_jwt.status_code == 200, vc_jwt.get_json()
    compact = vc_jwt.get_json()["credentials"][0]["credential"]
    assert isinstance(compact, str) and jwt.decode(compact, options={"verify_signature": False})["sub"] == wallet.did
    result = verify_credential(compact, resolver=services.identity.resolver(), recipient=wallet.did)
    assert result.verified and result.check("recipient").passed, result.to_json()

    # Replaying the offer: the code is spent, and the offer URI is gone.
    _error(wallet.token(offer, made["tx_code"]), 400, "invalid_grant")
    query = parse_qs(urlsplit(made["credential_offer_uri"]).query)
    assert client.get(path(query["credential_offer_uri"][0])).status_code == 404


def test_without_tx_code_by_value_and_the_refusals(client, services, issued):
    made = _offer(client, issued)
    assert not made["tx_code_required"] and "tx_code" not in made
    wallet = Wallet(client)
    offer = wallet.offer_from_uri(made["credential_offer"])  # by value
    assert "tx_code" not in offer["grants"][PRE_AUTH]
    wallet.discover(offer)
    _error(wallet.token(offer, "123456"), 400, "invalid_request")  # a code nobody asked for
    _error(wallet.token(offer, grant_type="authorization_code"), 400, "unsupported_grant_type")
    token = wallet.token(offer).get_json()["access_token"]
    ldp = offer["credential_configuration_ids"][0]

    nonce = wallet.nonce()
    _error(wallet.credential(token, ldp, wallet.proof(nonce, aud="https://wallet.example")), 400, "invalid_proof")
    other = Wallet(client)
    forged = wallet.proof(nonce, signer=other.key)  # names our key, signed by another
    _error(wallet.credential(token, ldp, forged), 400, "invalid_proof")
    _error(wallet.credential(token, ldp, wallet.proof(None)), 400, "invalid_proof")
    _error(wallet.credential(token, ldp, wallet.proof(nonce, iat=time.time() - 3600)), 400, "invalid_proof")
    _error(wallet.credential(token, ldp, wallet.proof(nonce, header={"kid": wallet.kid, "typ": "JWT"})),
           400, "invalid_proof")
    _error(wallet.credential(token, ldp, None), 400, "invalid_proof")
    _error(wallet.credential(token, "SomethingElse", wallet.proof(nonce)), 400, "unknown_credential_configuration")
    _error(wallet.credential("not-a-token", ldp, wallet.proof(nonce)), 401, "invalid_token")
    _error(wallet.credential(token, ldp, wallet.proof("never-issued")), 400, "invalid_nonce")

    # None of the refused proofs used the nonce up: a good proof with it succeeds, once.
    good = wallet.credential(token, ldp, wallet.proof(nonce))
    assert good.status_code == 200, good.get_json()
    _error(wallet.credential(token, ldp, wallet.proof(nonce)), 400, "invalid_nonce")  # stale: already used


def test_jwk_bound_wallet_gets_a_did_jwk_subject(client, services, issued):
    made = _offer(client, issued)
    wallet = Wallet(client, curve="P-256")
    offer = wallet.offer_from_uri(made["credential_offer_uri"])
    wallet.discover(offer)
    token = wallet.token(offer).get_json()["access_token"]
    response = wallet.credential(token, offer["credential_configuration_ids"][0], wallet.proof(wallet.nonce()))
    assert response.status_code == 200, response.get_json()
    subject = response.get_json()["credentials"][0]["credential"]["credentialSubject"]["id"]
    assert subject.startswith("did:jwk:")
    encoded = subject[len("did:jwk:"):]
    jwk = json.loads(base64.urlsafe_b64decode(encoded + "=" * (-len(encoded) % 4)))
    assert jwk == {k: v for k, v in wallet._public_jwk().items() if k in ("kty", "crv", "x", "y")}


def test_wrong_tx_codes_are_limited(client, services, issued):
    made = _offer(client, issued, tx_code=True)
    wallet = Wallet(client)
    offer = wallet.offer_from_uri(made["credential_offer"])
    wallet.discover(offer)
    wrong = "999999" if made["tx_code"] != "999999" else "888888"
    for _ in range(5):
        _error(wallet.token(offer, wrong), 400, "invalid_grant")
    locked = wallet.token(offer, made["tx_code"])
    _error(locked, 400, "invalid_grant")
    assert "too many" in locked.get_json()["error_description"]


def test_offers_belong_to_their_sponsor(client, services, issued):
    from delivery_support import issue_one
    stranger = issue_one(client, services)
    response = client.post(f"/api/v1/credentials/{issued.id}/offer", json={}, headers=stranger.auth)
    assert response.status_code == 404
    assert client.post(f"/api/v1/credentials/{issued.id}/offer", json={}).status_code == 401
    response = client.post(f"/api/v1/credentials/{issued.id}/offer", json={"tx_code": "yes"}, headers=issued.auth)
    assert response.status_code == 422 and response.get_json()["field"] == "tx_code"
    response = client.post(f"/api/v1/credentials/{issued.id}/offer", json={"send_email": True}, headers=issued.auth)
    assert response.status_code == 409  # no LER_SMTP_URL in this configuration


@pytest.mark.parametrize("url", ["/.well-known/openid-credential-issuer", "/.well-known/oauth-authorization-server",
                                 "/.well-known/openid-configuration"])
def test_metadata_is_json_and_cacheable(client, url):
    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "application/json"
    assert response.get_json().get("credential_issuer", response.get_json().get("issuer")) == BASE
    assert "max-age" in response.headers["Cache-Control"]
    if "openid-credential-issuer" not in url:
        assert response.get_json()["token_endpoint"] == f"{BASE}/oid4vci/token"


def test_a_revoked_credential_is_not_delivered(client, services, issued):
    made = _offer(client, issued)
    claim_page = client.post(made["claim_url"][len(BASE):]).get_data(as_text=True)   # its wallet button
    revoked = client.post(f"/api/v1/credentials/{issued.id}/revoke", json={"reason": "issued in error"},
                          headers=issued.auth)
    assert revoked.status_code == 200, revoked.get_json()
    wallet = Wallet(client)
    offer = wallet.offer_from_uri(made["credential_offer_uri"])
    wallet.discover(offer)
    token = wallet.token(offer).get_json()["access_token"]
    denied = wallet.credential(token, offer["credential_configuration_ids"][0], wallet.proof(wallet.nonce()))
    _error(denied, 400, "credential_request_denied")
    exchange = re.search(r'"vcapi":"([^"]+)"', unquote(html.unescape(claim_page))).group(1)
    assert client.post(exchange[len(BASE):], json={}).status_code == 403


def test_offers_nonces_and_exchanges_expire(client, services, issued):
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import update

    from issuer.db import session_scope
    from issuer.delivery.models import Exchange, Nonce, Offer

    made = _offer(client, issued)
    wallet = Wallet(client)
    offer = wallet.offer_from_uri(made["credential_offer_uri"])
    wallet.discover(offer)
    spare = _offer(client, issued)
    token = wallet.token(wallet.offer_from_uri(spare["credential_offer"])).get_json()["access_token"]
    nonce = wallet.nonce()
    claim_page = client.post(made["claim_url"][len(BASE):]).get_data(as_text=True)   # its wallet button
    exchange = re.search(r'"vcapi":"([^"]+)"', unquote(html.unescape(claim_page))).group(1)

    past = datetime.now(timezone.utc) - timedelta(seconds=1)
    with session_scope(services.sessions) as session:  # let the clock run past every lifetime
        for model in (Offer, Exchange):
            session.execute(update(model).where(model.credential_id == issued.id).values(expires_at=past))
        session.execute(update(Nonce).values(expires_at=past))

    _error(wallet.token(offer), 400, "invalid_grant")
    query = parse_qs(urlsplit(made["credential_offer_uri"]).query)
    assert client.get(path(query["credential_offer_uri"][0])).status_code == 404
    stale = wallet.credential(token, offer["credential_configuration_ids"][0], wallet.proof(nonce))
    _error(stale, 400, "invalid_nonce")
    assert client.post(exchange[len(BASE):], json={}).status_code == 404


def _nist_did_key(key) -> str:
    point = key.public_key().public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
    # multicodec p256-pub (varint 0x1200) or p384-pub (0x1201)
    codec = b"\x80\x24" if isinstance(key.curve, ec.SECP256R1) else b"\x81\x24"
    return "did:key:z" + base58.b58encode(codec + point).decode()


def _did_jwk(jwk: dict) -> str:
    public = {k: jwk[k] for k in ("crv", "kty", "x", "y")}
    return "did:jwk:" + base64.urlsafe_b64encode(json.dumps(public).encode()).rstrip(b"=").decode()


@pytest.mark.parametrize("kid_kind", ["did:key P-256", "did:key P-384", "did:jwk"])
def test_nist_curve_wallets_may_name_their_key_by_did_url(client, services, issued, kid_kind):
    made = _offer(client, issued)
    wallet = Wallet(client, curve="P-256")
    if kid_kind.endswith("P-384"):
        wallet.key, wallet.alg = ec.generate_private_key(ec.SECP384R1()), "ES384"
    did = _nist_did_key(wallet.key) if kid_kind.startswith("did:key") else _did_jwk(wallet._public_jwk())
    offer = wallet.offer_from_uri(made["credential_offer_uri"])
    wallet.discover(offer)
    token = wallet.token(offer).get_json()["access_token"]
    proof = wallet.proof(wallet.nonce(), header={"kid": f"{did}#0" if did.startswith("did:jwk") else
                                                 f"{did}#{did[len('did:key:'):]}"})
    response = wallet.credential(token, offer["credential_configuration_ids"][0], proof)
    assert response.status_code == 200, response.get_json()
    credential = response.get_json()["credentials"][0]["credential"]
    assert credential["credentialSubject"]["id"] == did
    stranger = ec.generate_private_key(type(wallet.key.curve)())
    forged = wallet.proof(wallet.nonce(), signer=stranger, header={"kid": f"{did}#0" if did.startswith("did:jwk")
                                                                   else f"{did}#{did[len('did:key:'):]}"})
    _error(wallet.credential(token, offer["credential_configuration_ids"][0], forged), 400, "invalid_proof")


def test_a_draft_13_wallet_is_answered_in_its_own_terms(client, services, issued):
    """Draft 13 wallets take c_nonce from the token response, ask by format with one `proof`, and
    read a top-level `credential`; a request in the final shape is answered in the final shape."""
    made = _offer(client, issued)
    wallet = Wallet(client)
    offer = wallet.offer_from_uri(made["credential_offer_uri"])
    wallet.discover(offer)
    token = wallet.token(offer).get_json()
    assert token["c_nonce"] and token["c_nonce_expires_in"] > 0
    endpoint = path(wallet.metadata["credential_endpoint"])
    auth = {"Authorization": f"Bearer {token['access_token']}"}
    body = {"format": "ldp_vc", "credential_definition": {"@context": ["https://www.w3.org/ns/credentials/v2"],
                                                          "type": ["VerifiableCredential", "OpenBadgeCredential"]},
            "proof": {"proof_type": "jwt", "jwt": wallet.proof(token["c_nonce"])}}
    response = client.post(endpoint, json=body, headers=auth)
    assert response.status_code == 200, response.get_json()
    answer = response.get_json()
    assert answer["credential"] == answer["credentials"][0]["credential"]
    assert answer["credential"]["credentialSubject"]["id"] == wallet.did and answer["c_nonce"]
    # The c_nonce of that answer pays for the next request: the JWT form, asked the same way.
    jwt_body = {"format": "jwt_vc_json", "credential_definition": {"type": ["VerifiableCredential",
                                                                            "OpenBadgeCredential"]},
                "proof": {"proof_type": "jwt", "jwt": wallet.proof(answer["c_nonce"])}}
    compact = client.post(endpoint, json=jwt_body, headers=auth).get_json()["credential"]
    assert jwt.decode(compact, options={"verify_signature": False})["sub"] == wallet.did
    _error(client.post(endpoint, json={**body, "format": "mso_mdoc"}, headers=auth), 400, "unsupported_credential_format")
    _error(client.post(endpoint, json={**body, "credential_definition": {"type": ["VerifiableCredential", "DriverLicense"]}},
                       headers=auth), 400, "unsupported_credential_format")
    for strange in ([{"a": 1}], "OpenBadgeCredential", [None]):
        _error(client.post(endpoint, json={**body, "credential_definition": {"type": strange}}, headers=auth),
               400, "unsupported_credential_format")
    _error(client.post(endpoint, json={**body, "format": ["ldp_vc"]}, headers=auth), 400, "unsupported_credential_format")
    _error(client.post(endpoint, json={**body, "proofs": {"jwt": [wallet.proof(wallet.nonce())]}}, headers=auth),
           400, "invalid_credential_request")
    _error(client.post(endpoint, json={**body, "proof": {"proof_type": "ldp_vp"}}, headers=auth), 400, "invalid_proof")
    # A spent nonce: the draft 13 error carries the c_nonce to retry with (it had no nonce endpoint).
    spent = {**body, "proof": {"proof_type": "jwt", "jwt": wallet.proof(token["c_nonce"])}}
    refused = client.post(endpoint, json=spent, headers=auth)
    _error(refused, 400, "invalid_nonce")
    retry = {**body, "proof": {"proof_type": "jwt", "jwt": wallet.proof(refused.get_json()["c_nonce"])}}
    assert client.post(endpoint, json=retry, headers=auth).status_code == 200
    final = wallet.credential(token["access_token"], offer["credential_configuration_ids"][0],
                              wallet.proof(wallet.nonce()))
    assert final.status_code == 200 and set(final.get_json()) == {"credentials", "notification_id"}
    stale = wallet.credential(token["access_token"], offer["credential_configuration_ids"][0],
                              wallet.proof(token["c_nonce"]))
    _error(stale, 400, "invalid_nonce")
    assert "c_nonce" not in stale.get_json()          # the final version points at the nonce endpoint


def test_expired_wallet_secrets_are_swept(client, services, issued, cli):
    from datetime import datetime, timedelta, timezone

    from sqlalchemy import func, select, update

    from issuer.db import session_scope
    from issuer.delivery.models import AccessToken, ClaimLink, Exchange, Offer

    made = _offer(client, issued)
    wallet = Wallet(client)
    offer = wallet.offer_from_uri(made["credential_offer_uri"])
    wallet.discover(offer)
    assert wallet.token(offer).status_code == 200
    client.post(made["claim_url"][len(BASE):])                      # the claim page's wallet button opens an exchange
    fresh = _offer(client, issued)                                   # still valid: must survive
    tables = (Offer, AccessToken, Exchange, ClaimLink)

    def count(session, model):
        return session.scalar(select(func.count()).select_from(model).where(model.credential_id == issued.id)) \
            if hasattr(model, "credential_id") else session.scalar(
                select(func.count()).select_from(model).join(Offer).where(Offer.credential_id == issued.id))

    with session_scope(services.sessions) as session:
        before = {m: count(session, m) for m in tables}
        assert all(before.values()), before
        long_ago = datetime.now(timezone.utc) - timedelta(days=2)
        for model in tables:
            query = update(model).where(model.expires_at < datetime.now(timezone.utc) + timedelta(days=400))
            if model is Offer:
                query = query.where(Offer.id != session.scalar(select(func.max(Offer.id))))
            session.execute(query.values(expires_at=long_ago))
    result = cli("delivery", "sweep", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["offers"] >= 1
    with session_scope(services.sessions) as session:
        after = {m: count(session, m) for m in tables}
    assert after[Offer] == 1 and after[AccessToken] == after[Exchange] == after[ClaimLink] == 0, after
    assert Wallet(client).offer_from_uri(fresh["credential_offer_uri"])["credential_configuration_ids"]


def test_the_wallet_tells_what_became_of_the_credential(client, services, issued):
    """Notification endpoint (section 11): accepted, then deleted; the sponsor's view follows it."""
    from sqlalchemy import select

    from issuer.db import session_scope
    from issuer.audit.models import AuditEvent
    from issuer.portal.visibility import claimed

    made = _offer(client, issued)
    wallet = Wallet(client)
    offer = wallet.offer_from_uri(made["credential_offer_uri"])
    wallet.discover(offer)
    endpoint = path(wallet.metadata["notification_endpoint"])
    token = wallet.token(offer).get_json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    answer = wallet.credential(token, offer["credential_configuration_ids"][0], wallet.proof(wallet.nonce())).get_json()
    notification_id = answer["notification_id"]
    response = client.post(endpoint, json={"notification_id": notification_id, "event": "credential_accepted"},
                           headers=auth)
    assert response.status_code == 204 and response.data == b""
    with session_scope(services.sessions) as session:
        assert claimed(session, issued.id)
    response = client.post(endpoint, json={"notification_id": notification_id, "event": "credential_deleted",
                                           "event_description": "removed by the holder"}, headers=auth)
    assert response.status_code == 204
    with session_scope(services.sessions) as session:
        assert not claimed(session, issued.id)
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.subject == f"credential:{issued.id}")).all()
    assert {"credential.wallet.credential_accepted", "credential.wallet.credential_deleted"} <= set(actions)

    _error(client.post(endpoint, json={"notification_id": "never-issued", "event": "credential_accepted"},
                       headers=auth), 400, "invalid_notification_id")
    for bad in ({"notification_id": notification_id, "event": "credential_stolen"}, {"event": "credential_accepted"},
                {"notification_id": notification_id, "event": "credential_failure", "event_description": "\u00e9t\u00e9"},
                ["not", "an", "object"]):
        _error(client.post(endpoint, json=bad, headers=auth), 400, "invalid_notification_request")
    _error(client.post(endpoint, json={"notification_id": notification_id, "event": "credential_accepted"}),
           401, "invalid_token")
    # Another offer's token cannot speak for this copy.
    other = Wallet(client)
    other_offer = other.offer_from_uri(_offer(client, issued)["credential_offer_uri"])
    other.discover(other_offer)
    other_token = other.token(other_offer).get_json()["access_token"]
    _error(client.post(endpoint, json={"notification_id": notification_id, "event": "credential_accepted"},
                       headers={"Authorization": f"Bearer {other_token}"}), 400, "invalid_notification_id")
