"""OpenID for Verifiable Credential Issuance 1.0 (final): the pre-authorized code flow.

Offer (by value or by reference, optionally with a transaction code) -> token endpoint
(`urn:ietf:params:oauth:grant-type:pre-authorized_code`) -> nonce endpoint -> credential endpoint
with one `proofs.jwt` key proof (`typ: openid4vci-proof+jwt`, `aud` = our Credential Issuer
Identifier, a fresh single-use `c_nonce`, a recent `iat`). The credential is the stored one,
re-issued with its subject bound to the proof's key: the DID of a `kid` (did:key), or did:jwk for a
bare `jwk`. Errors carry the codes the specification names (sections 6.3 and 8.3.1.2).

Wallets built to draft 13 are still common, so the credential endpoint also takes its request
shape (`format` + `credential_definition`, a single `proof`) and then answers in its shape too
(a top-level `credential` beside `credentials`); the token response carries a `c_nonce` as draft
13 had it. A request in the final shape gets exactly the final specification's behaviour.

Transactions: a wrong transaction code must count even though the request fails, and a code must
be redeemed once even under concurrent requests, so these functions take the session factory and
commit in the steps the protocol needs; every "use once" is a conditional UPDATE.

The flow's steps are modules of this package: metadata, offers, tokens (token and nonce
endpoints), key_proofs (wallet key proofs) and credential (credential and notification endpoints);
common holds what they share. Callers use the names below.
"""

from issuer.delivery.oid4vci.common import OFFER_TTL, OAuthError, digest, now_utc
from issuer.delivery.oid4vci.credential import issue, notify
from issuer.delivery.oid4vci.key_proofs import KeyProof, check_proof, did_jwk
from issuer.delivery.oid4vci.metadata import authorization_server_metadata, issuer_metadata
from issuer.delivery.oid4vci.offers import CreatedOffer, create_offer, create_record_offer, live_offers, \
    offer_by_reference, offer_object
from issuer.delivery.oid4vci.tokens import new_nonce, redeem

__all__ = ["OAuthError", "OFFER_TTL", "digest", "now_utc", "issuer_metadata", "authorization_server_metadata",
           "CreatedOffer", "create_offer", "create_record_offer", "live_offers", "offer_by_reference", "offer_object",
           "redeem", "new_nonce",
           "issue", "notify", "check_proof", "KeyProof", "did_jwk"]
