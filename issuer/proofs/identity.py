"""The service's own signing identity: its key store, its did:web, and a resolver that knows it.

Every key can sign as the service's did:web (`did:web:host#<key id>`); an Ed25519 key can also
sign as its own did:key, which VC-API conformance clients ask for.
"""

from __future__ import annotations

from dataclasses import dataclass

from issuer.errors import KeyError_, ProofError
from issuer.proofs import data_integrity, jwt as vcjwt
from issuer.proofs.did import Resolver, did_document, did_key_for, did_key_vm, did_web_from_url
from issuer.proofs.keys import KeyStore


@dataclass(frozen=True)
class SigningKey:
    private: object
    verification_method: str
    controller: str


class IssuerIdentity:
    def __init__(self, keystore: KeyStore, base_url: str):
        self.keystore = keystore
        self.did = did_web_from_url(base_url)

    def sponsor_did(self, slug: str) -> str:
        """Each sponsor issues as its own did:web under ours (its document lists our keys), so a
        credential names the sponsor that attests it, not merely the platform."""
        return f"{self.did}:sponsors:{slug}"

    def owns(self, did: str) -> bool:
        return did == self.did or did.startswith(f"{self.did}:sponsors:")

    def did_document(self, did: str | None = None) -> dict:
        return did_document(did or self.did, self.keystore.records())

    def resolver(self, trusted: dict[str, dict] | None = None) -> Resolver:
        return Resolver(trusted, dynamic=lambda did: self.did_document(did) if self.owns(did) else None)

    def controllers(self) -> set[str]:
        """Every issuer id we can sign as: our did:web and the did:key of each Ed25519 key."""
        ids = {self.did}
        ids.update(did_key_for(r.public) for r in self.keystore.records() if r.family == "Ed25519"
                   and r.status == "active")
        return ids

    def signing_key(self, family: str = "Ed25519", as_issuer: str | None = None,
                    retired_did_key: bool = False) -> SigningKey:
        """The active key of `family`, named as `as_issuer` would name it (default: our did:web).

        A did:key names one key for good; with `retired_did_key` the key it names signs even
        after rotation, which re-signing that issuer's status lists needs."""
        record = self.keystore.active(family)
        if record is None:
            raise KeyError_(f"no active {family} key: run 'ler keys generate --family {family}'")
        issuer = as_issuer or self.did
        if self.owns(issuer):
            return SigningKey(self.keystore.private_key(record), f"{issuer}#{record.key_id}", issuer)
        candidates = self.keystore.records() if retired_did_key else [record]
        for candidate in candidates:
            if family == "Ed25519" and candidate.family == family and issuer == did_key_for(candidate.public):
                return SigningKey(self.keystore.private_key(candidate), did_key_vm(candidate.public), issuer)
        raise ProofError(f"we hold no key for issuer {issuer}")

    def sign(self, credential: dict, *, cryptosuite: str = "eddsa-rdfc-2022", created: str | None = None,
             loader=None, retired_did_key: bool = False) -> dict:
        issuer = vcjwt.issuer_id(credential)
        key = self.signing_key("Ed25519", issuer, retired_did_key)
        return data_integrity.sign(credential, key.private, verification_method=key.verification_method,
                                   cryptosuite=cryptosuite, created=created, loader=loader)

    def sign_jwt(self, credential: dict, family: str = "Ed25519") -> str:
        key = self.signing_key(family, vcjwt.issuer_id(credential))
        return vcjwt.encode(credential, key.private, kid=key.verification_method)
