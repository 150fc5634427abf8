"""One module per key family behind one interface, as pyjwt does with its algorithms.

A `PublicKey` verifies; a `PrivateKey` also signs. Each family knows its Multikey and JWK forms
so that DID documents, did:key and JWT headers are produced from one place.
"""

from __future__ import annotations

from typing import Protocol


class PublicKey(Protocol):
    family: str          # "Ed25519", "RSA", "P-256"
    jwt_algorithm: str   # the JOSE "alg" this key signs with

    def verify(self, signature: bytes, data: bytes) -> bool: ...
    def jwk(self) -> dict: ...
    def public_key_multibase(self) -> str | None: ...
    def fingerprint(self) -> str: ...
    def cryptography_key(self): ...


class PrivateKey(PublicKey, Protocol):
    def sign(self, data: bytes) -> bytes: ...
    def public(self) -> PublicKey: ...
    def to_pem(self, passphrase: bytes) -> bytes: ...


def encrypted_pem(cryptography_private_key, passphrase: bytes) -> bytes:
    """PKCS#8 PEM encrypted with the passphrase (cryptography's best available scheme)."""
    from cryptography.hazmat.primitives import serialization
    return cryptography_private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(passphrase),
    )
