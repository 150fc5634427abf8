"""A test wallet written from OpenID for Verifiable Presentations 1.0 (final), and the same
holder playing the Learner Credential Wallet's VC-API exchange. No Python wallet library exists,
so this is the other side of the protocol as the specification describes it:

* it holds an Ed25519 key and its did:key;
* it takes a credential bound to that DID through the service's own claim exchange (VC-API with
  DIDAuth, as the Learner Credential Wallet does: tests/test_exchanges.py);
* OpenID4VP: it reads `openid4vp://?client_id=...&request_uri=...` (section 5.7), GETs the
  Request Object, and checks it: a JWT of `typ` oauth-authz-req+jwt (RFC 9101) whose client_id
  is the one of the link; for the `decentralized_identifier:` prefix (section 5.9.3) signed with
  a key of that DID's document named by a DID URL `kid` (the did:web document fetched from the
  verifier's /.well-known/did.json); `aud` https://self-issued.me/v2 (section 5.8), not
  expired; response_type vp_token, response_mode direct_post and a response_uri; a DCQL query
  for ldp_vc (Appendix B.1). It answers with a vp_token {query id: [ldp_vp]} and the state,
  form-encoded, the presentation's proof carrying the nonce as challenge and the client_id as
  domain (Appendix B.1.3.2), proofPurpose authentication;
* VC-API: it follows the lcw.app deep link, POSTs {} for the VerifiablePresentationRequest and
  answers at its interact service with the presentation signed for its challenge and domain.

It signs with issuer.proofs (the data-integrity suite eddsa-rdfc-2022), as any DI library would.
"""

from __future__ import annotations

import json
import re
from html import unescape
from urllib.parse import parse_qs, urlsplit

import jwt as pyjwt
import pytest

from issuer.db import session_scope
from issuer.presentation import service
from issuer.proofs import data_integrity, ld, multibase
from issuer.proofs.did import Resolver, did_key_for, did_key_vm
from issuer.proofs.keyfamilies.ed25519 import Ed25519PrivateKey
from issuer.proofs.ld import VC_V2

BASE = "https://issuer.example"
PROGRAM = service.Ask("program", "ny-csr",
                      "any credential from the New York Customer Service Representative program")
OCCUPATION = service.Ask("occupation", "43-4051.00", "a completed apprenticeship in O*NET-SOC 43-4051.00")
VC_V1 = "https://www.w3.org/2018/credentials/v1"
ED25519_2020 = "https://w3id.org/security/suites/ed25519-2020/v1"
REQUEST_TYP = "oauth-authz-req+jwt"
STATIC_AUDIENCE = "https://self-issued.me/v2"
DID_PREFIX = "decentralized_identifier:"


class WalletRefused(AssertionError):
    """The wallet found the request wrong and would not answer it."""


def _path(url: str) -> str:
    assert url.startswith(BASE + "/"), url
    return url[len(BASE):]


def lcw_exchange_url(deep_link: str) -> str:
    """protocols.vcapi of a https://lcw.app/request?request=<JSON> link."""
    parts = urlsplit(deep_link)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == "https://lcw.app/request"
    return json.loads(parse_qs(parts.query)["request"][0])["protocols"]["vcapi"]


def lcw_matches(example, credential) -> bool:
    """Whether the Learner Credential Wallet offers `credential` for a QueryByExample `example`,
    as its exchange code matches (digitalcredentials/learner-credential-wallet, app/lib/exchanges.ts):
    member by member; an array asks that each of its items be in the credential's array (by
    JavaScript's `includes`: equal literals, and an object never, being another object); an
    object recurses; anything else must be equal."""
    for name, wanted in example.items():
        found = credential.get(name) if isinstance(credential, dict) else None
        if isinstance(wanted, list):
            if not isinstance(found, list) or any(isinstance(w, (dict, list)) or w not in found for w in wanted):
                return False
        elif isinstance(wanted, dict):
            if not lcw_matches(wanted, found):
                return False
        elif found != wanted:
            return False
    return True


class Wallet:
    def __init__(self, client):
        self.client = client
        self.key = Ed25519PrivateKey.generate()
        self.did = did_key_for(self.key.public())

    # -- holding: a credential bound to this wallet's DID, through the claim exchange ------------

    def receive(self, issued) -> dict:
        made = self.client.post(f"/api/v1/credentials/{issued.id}/offer", json={}, headers=issued.auth).get_json()
        html = self.client.post(_path(made["claim_url"])).get_data(as_text=True)
        link = unescape(re.search(r'href="([^"]+)" id="lcw-link"', html).group(1))
        url = _path(lcw_exchange_url(link))
        vpr = self.client.post(url, json={}).get_json()["verifiablePresentationRequest"]
        didauth = self.presentation([], challenge=vpr["challenge"], domain=vpr["domain"])
        answer = self.client.post(url, json={"verifiablePresentation": didauth})
        assert answer.status_code == 200, answer.get_json()
        [credential] = answer.get_json()["verifiablePresentation"]["verifiableCredential"]
        assert credential["credentialSubject"]["id"] == self.did
        return credential

    def presentation(self, credentials: list[dict], *, challenge: str, domain: str, holder: str | None = None
                     ) -> dict:
        unsigned = {"@context": [VC_V2], "type": ["VerifiablePresentation"], "holder": holder or self.did}
        if credentials:
            unsigned["verifiableCredential"] = credentials
        return data_integrity.sign(unsigned, self.key, verification_method=did_key_vm(self.key.public()),
                                   proof_purpose="authentication", challenge=challenge, domain=domain)

    def lcw_presentation(self, credentials: list[dict], *, challenge: str, domain: str) -> dict:
        """As the Learner Credential Wallet signs a presentation: Ed25519Signature2020 (whose
        signature is eddsa-rdfc-2022's over the proof options with the document's context), with
        the suite's context after the VCDM context. LCW signs its DIDAuth over VCDM 1.1
        (tests/test_exchanges.py); a presentation holding a VCDM 2.0 credential must itself be
        VCDM 2.0 (a 1.1 one cannot embed it: the two contexts protect the same terms differently)."""
        unsigned = {"@context": [VC_V2 if credentials else VC_V1, ED25519_2020], "type": ["VerifiablePresentation"],
                    "holder": self.did, "verifiableCredential": credentials}
        proof = {"type": "Ed25519Signature2020", "created": "2026-12-06T08:00:00Z",
                 "verificationMethod": did_key_vm(self.key.public()), "proofPurpose": "authentication",
                 "challenge": challenge, "domain": domain}
        data = data_integrity.hash_data("eddsa-rdfc-2022", unsigned, {**proof, "@context": unsigned["@context"]},
                                        ld.default_loader())
        return {**unsigned, "proof": {**proof, "proofValue": multibase.encode_base58btc(self.key.sign(data))}}

    # -- OpenID4VP 1.0 ---------------------------------------------------------------------------

    def _verifier_key(self, kid: str, client_did: str):
        """The public key `kid` names in the verifier's DID document (did:web, fetched over HTTPS:
        here through the test client)."""
        if kid.split("#", 1)[0] != client_did:
            raise WalletRefused(f"kid {kid} is not a key of the client's DID {client_did}")
        assert client_did.startswith("did:web:") and client_did.count(":") == 2
        document = self.client.get("/.well-known/did.json").get_json()
        if document.get("id") != client_did:
            raise WalletRefused(f"the DID document is {document.get('id')}, not {client_did}")
        return Resolver({client_did: document}).resolve(kid).public_key

    def authorization_request(self, uri: str) -> dict:
        """The Request Object's claims, checked as section 5 and 5.9.3 require."""
        parts = urlsplit(uri)
        assert parts.scheme == "openid4vp"
        outer = {k: v[0] for k, v in parse_qs(parts.query).items()}
        client_id, request_uri = outer["client_id"], outer["request_uri"]
        fetched = self.client.get(_path(request_uri))
        if fetched.status_code != 200:
            raise WalletRefused(f"request_uri answered {fetched.status_code}: {fetched.get_data(as_text=True)}")
        assert fetched.mimetype == f"application/{REQUEST_TYP}"
        token = fetched.get_data(as_text=True)
        header = pyjwt.get_unverified_header(token)
        if header.get("typ") != REQUEST_TYP:
            raise WalletRefused(f"typ {header.get('typ')!r}")
        if not client_id.startswith(DID_PREFIX):
            raise WalletRefused(f"this wallet trusts only the {DID_PREFIX} prefix, not {client_id}")
        key = self._verifier_key(header.get("kid", ""), client_id[len(DID_PREFIX):])
        claims = pyjwt.decode(token, key.cryptography_key(), algorithms=["EdDSA", "ES256", "ES384"],
                              audience=STATIC_AUDIENCE)
        if claims.get("client_id") != client_id:
            raise WalletRefused("the Request Object's client_id is not the link's")
        if (claims.get("response_type"), claims.get("response_mode")) != ("vp_token", "direct_post"):
            raise WalletRefused("not a vp_token request answered by direct_post")
        if not str(claims.get("response_uri", "")).startswith("https://"):
            raise WalletRefused("no https response_uri")
        [query] = claims["dcql_query"]["credentials"]
        if query["format"] != "ldp_vc":
            raise WalletRefused(f"format {query['format']}")
        return claims

    def vp_token(self, claims: dict, credentials: list[dict], *, nonce: str | None = None,
                 domain: str | None = None, holder: str | None = None) -> str:
        [query] = claims["dcql_query"]["credentials"]
        presentation = self.presentation(credentials, challenge=nonce or claims["nonce"],
                                         domain=domain or claims["client_id"], holder=holder)
        return json.dumps({query["id"]: [presentation]})

    def post_response(self, claims: dict, form: dict):
        return self.client.post(_path(claims["response_uri"]), data=form,
                                content_type="application/x-www-form-urlencoded")

    def answer_openid4vp(self, uri: str, credentials: list[dict], **options):
        """The whole exchange; returns (the request's claims, the response endpoint's answer)."""
        claims = self.authorization_request(uri)
        response = self.post_response(claims, {"vp_token": self.vp_token(claims, credentials, **options),
                                               "state": claims["state"]})
        return claims, response

    # -- the VC-API exchange, as the Learner Credential Wallet answers a verifier ----------------

    def answer_vcapi(self, deep_link: str, credentials: list[dict], *, challenge: str | None = None,
                     lcw: bool = True):
        """(the VerifiablePresentationRequest, the answer's response); `lcw` signs as LCW does."""
        url = _path(lcw_exchange_url(deep_link))
        opened = self.client.post(url, json={})
        assert opened.status_code == 200, opened.get_json()
        vpr = opened.get_json()["verifiablePresentationRequest"]
        assert [q["type"] for q in vpr["query"]] == ["QueryByExample", "DIDAuthentication"]
        endpoint = _path(vpr["interact"]["service"][0]["serviceEndpoint"])
        sign = self.lcw_presentation if lcw else self.presentation
        presentation = sign(credentials, challenge=challenge or vpr["challenge"], domain=vpr["domain"])
        return vpr, self.client.post(endpoint, json={"verifiablePresentation": presentation})


# -- the verifier's side, as the employer's page drives it (issuer.presentation.service) ------------

def create_request(services, ask: service.Ask) -> service.Created:
    with session_scope(services.sessions) as session:
        return service.create(session, BASE, ask)


def view_request(services, created: service.Created, **options) -> service.RequestView:
    with session_scope(services.sessions) as session:
        return service.view(session, created.handle, **options)


@pytest.fixture
def wallet(client) -> Wallet:
    """A fresh test wallet (import this fixture into a test module to use it)."""
    return Wallet(client)


@pytest.fixture
def held(wallet, issued) -> dict:
    """The `issued` credential, bound to `wallet`'s DID through the claim exchange."""
    return wallet.receive(issued)
