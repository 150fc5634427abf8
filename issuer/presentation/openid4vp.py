"""OpenID for Verifiable Presentations 1.0: the verifier's side, cross-device.

TODO: request object and direct_post (being written).
"""

from __future__ import annotations

from urllib.parse import urlencode

from issuer.proofs.did import did_web_from_url

# Client Identifier Prefix (OpenID4VP 1.0 section 5.9.3). `decentralized_identifier:` fits a web
# verifier with no X.509 chain: the client_id is our did:web, and the spec requires the request
# object to be signed with a key of that DID's document, the JWS `kid` a DID URL naming it, so a
# wallet can check who asks by resolving https://<host>/.well-known/did.json. The other prefix open
# to us, `redirect_uri:`, requires the request NOT to be signed: the wallet could then tell nothing
# about the verifier beyond the response URI's host, and a request object passed by reference
# would be an unsigned (`alg: none`) JWT, which many wallets refuse. The verifier's metadata goes
# in `client_metadata` under both prefixes.
CLIENT_ID_PREFIX = "decentralized_identifier:"
SCHEME = "openid4vp://"
REQUEST_PATH = "/openid4vp/requests/"
RESPONSE_PATH = "/openid4vp/response"


def client_id(base_url: str) -> str:
    return CLIENT_ID_PREFIX + did_web_from_url(base_url)


def request_uri(base_url: str, token: str) -> str:
    return f"{base_url}{REQUEST_PATH}{token}"


def response_uri(base_url: str) -> str:
    return f"{base_url}{RESPONSE_PATH}"


def authorization_uri(base_url: str, token: str) -> str:
    """The Authorization Request by reference (section 5.7): only client_id and request_uri."""
    return SCHEME + "?" + urlencode({"client_id": client_id(base_url), "request_uri": request_uri(base_url, token)})
