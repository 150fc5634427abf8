"""The service's own signing identity: its key store, its did:web, and a resolver that knows it.

Every key of the store can sign as the service's did:web (`did:web:host#<key id>`); an Ed25519
key can also sign as its own did:key. These are the platform's identifiers, never offered to
sponsors: each sponsor signs with keys of its own (issuer.sponsors.keys), listed in its own
did:web document, which `sponsor_documents` (set by the composition root) supplies here.
"""

from __future__ import annotations

from dataclasses import dataclass

from issuer.errors import KeyError_, ProofError
from issuer.proofs import data_integrity, jwt as vcjwt
from issuer.proofs.did import Resolver, did_document, did_key_for, did_key_vm, did_web_from_url
from issuer.proofs.keys import KeyStore, open_private


# Key families that sign Data Integrity proofs (RSA signs VC-JWTs only), and so have a did:key.
DI_FAMILIES = ("Ed25519", "P-256", "P-384")


@dataclass(frozen=True)
class SigningKey:
    private: object
    verification_method: str
    controller: str


# Private keys opened in this process, by key id: a key id is the public key's fingerprint, so one
# id is one private key for good, and decrypting one (milliseconds) happens once per process.
OPENED_KEYS: dict[str, object] = {}


@dataclass(frozen=True)
class SealedKey:
    """A key as a signing process receives it (a sponsor's, issuer.sponsors.keys): picklable,
    still encrypted, opened on first use and kept."""
    key_id: str
    sealed: str
    verification_method: str
    controller: str

    def signing_key(self, passphrase: bytes | None) -> SigningKey:
        private = OPENED_KEYS.get(self.key_id)
        if private is None:
            private = OPENED_KEYS.setdefault(self.key_id, open_private(self.sealed, passphrase, self.key_id))
        return SigningKey(private, self.verification_method, self.controller)


class IssuerIdentity:
    def __init__(self, keystore: KeyStore, base_url: str, sponsor_documents=None):
        self.keystore = keystore
        self.did = did_web_from_url(base_url)
        # did -> the DID document of a sponsor's did:web or of one of its did:keys (None: not a
        # sponsor's); the sponsors' keys live in the database, which this package never reads.
        self.sponsor_documents = sponsor_documents

    def sponsor_did(self, slug: str) -> str:
        """Each sponsor issues as its own did:web under ours (its document lists the sponsor's
        own keys), so a credential names the sponsor that attests it, not merely the platform."""
        return f"{self.did}:sponsors:{slug}"

    def is_sponsor_did(self, did: str) -> bool:
        return did.startswith(f"{self.did}:sponsors:")

    def did_document(self, did: str | None = None) -> dict | None:
        if did is None or did == self.did:
            return did_document(self.did, self.keystore.records())
        # Without the database (`ler sign`, `ler verify` on a fresh clone) no sponsor is known.
        return self.sponsor_documents(did) if self.sponsor_documents is not None else None

    def resolver(self, trusted: dict[str, dict] | None = None) -> Resolver:
        return Resolver(trusted, dynamic=self.did_document)

    def controllers(self) -> set[str]:
        """Every issuer id we can sign as: our did:web and the did:key of each active Ed25519,
        P-256 or P-384 key."""
        ids = {self.did}
        ids.update(did_key_for(r.public) for r in self.keystore.records() if r.family in DI_FAMILIES
                   and r.status == "active")
        return ids

    def cryptosuite_for(self, issuer: str, asked=None) -> str:
        """The Data Integrity suite to sign as `issuer` with: the one `asked` when we hold a key
        for it, else the first we can. A did:key fixes the key, and so the suite family."""
        family = self._did_key_family(issuer)
        if family is not None:
            allowed = data_integrity.EDDSA_SUITES if family == "Ed25519" else data_integrity.ECDSA_SUITES
        else:
            allowed = data_integrity.EDDSA_SUITES + (data_integrity.ECDSA_SUITES if self._ec_family() else ())
        return asked if asked in allowed else allowed[0]

    def _did_key_family(self, issuer: str) -> str | None:
        """The family of our key (active or retired) whose did:key is `issuer`."""
        if not issuer.startswith("did:key:"):
            return None
        return next((r.family for r in self.keystore.records() if r.family in DI_FAMILIES
                     and did_key_for(r.public) == issuer), None)

    def _ec_family(self) -> str | None:
        return next((f for f in ("P-256", "P-384") if self.keystore.active(f) is not None), None)

    def signing_key(self, family: str = "Ed25519", as_issuer: str | None = None,
                    retired_did_key: bool = False) -> SigningKey:
        """The active key of `family`, named as `as_issuer` would name it (default: our did:web).

        A did:key names one key for good; with `retired_did_key` the key it names signs even
        after rotation, which re-signing that issuer's status lists needs."""
        issuer = as_issuer or self.did
        if self.is_sponsor_did(issuer):
            # The platform's keys never sign as a sponsor: one sponsor's credentials must not be
            # signable with a key that signs for any other (issuer.sponsors.keys signs them).
            raise ProofError(f"{issuer} signs with its own keys, not the service's")
        record = self.keystore.active(family)
        if record is None:
            raise KeyError_(f"no active {family} key: run 'ler keys generate --family {family}'")
        if issuer == self.did:
            return SigningKey(self.keystore.private_key(record), f"{issuer}#{record.key_id}", issuer)
        candidates = self.keystore.records() if retired_did_key else [record]
        for candidate in candidates:
            if candidate.family == family and family in DI_FAMILIES and issuer == did_key_for(candidate.public):
                return SigningKey(self.keystore.private_key(candidate), did_key_vm(candidate.public), issuer)
        raise ProofError(f"we hold no key for issuer {issuer}")

    def sign(self, credential: dict, *, cryptosuite: str = "eddsa-rdfc-2022", created: str | None = None,
             loader=None, retired_did_key: bool = False, key: SigningKey | None = None) -> dict:
        """Sign with `key` when given (a sponsor's), else with our key for the credential's issuer."""
        if key is None:
            issuer = vcjwt.issuer_id(credential)
            family = "Ed25519" if cryptosuite in data_integrity.EDDSA_SUITES else self.signing_ec_family(issuer)
            key = self.signing_key(family, issuer, retired_did_key)
        return data_integrity.sign(credential, key.private, verification_method=key.verification_method,
                                   cryptosuite=cryptosuite, created=created, loader=loader)

    def signing_ec_family(self, issuer: str) -> str:
        """P-256 or P-384: the curve of the did:key named, else of our active EC key."""
        family = self._did_key_family(issuer) or self._ec_family()
        if family not in ("P-256", "P-384"):
            raise KeyError_("no active P-256 or P-384 key: run 'ler keys generate --family P-256'")
        return family

    def sign_jwt(self, credential: dict, family: str = "Ed25519", key: SigningKey | None = None) -> str:
        key = key or self.signing_key(family, vcjwt.issuer_id(credential))
        return vcjwt.encode(credential, key.private, kid=key.verification_method)
