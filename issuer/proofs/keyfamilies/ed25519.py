"""Ed25519 keys: Multikey (0xed01 / 0x8026 multicodec), OKP JWK, EdDSA signatures."""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

from issuer.proofs import multibase
from issuer.proofs.keyfamilies import encrypted_pem


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64u(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


class Ed25519PublicKey:
    family = "Ed25519"
    jwt_algorithm = "EdDSA"

    def __init__(self, key: ed25519.Ed25519PublicKey):
        self._key = key
        self.raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)

    @classmethod
    def from_raw(cls, raw: bytes) -> "Ed25519PublicKey":
        if len(raw) != 32:
            raise ValueError("an Ed25519 public key is 32 bytes")
        return cls(ed25519.Ed25519PublicKey.from_public_bytes(raw))

    @classmethod
    def from_multibase(cls, value: str) -> "Ed25519PublicKey":
        _, raw = multibase.split_multicodec(multibase.decode_base58btc(value), multibase.ED25519_PUB)
        return cls.from_raw(raw)

    @classmethod
    def from_jwk(cls, jwk: dict) -> "Ed25519PublicKey":
        if jwk.get("kty") != "OKP" or jwk.get("crv") != "Ed25519" or "x" not in jwk:
            raise ValueError("not an Ed25519 OKP JWK")
        return cls.from_raw(_unb64u(jwk["x"]))

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            self._key.verify(signature, data)
            return True
        except InvalidSignature:
            return False

    def public_key_multibase(self) -> str:
        return multibase.encode_base58btc(multibase.ED25519_PUB + self.raw)

    def fingerprint(self) -> str:
        return self.public_key_multibase()

    def jwk(self) -> dict:
        return {"kty": "OKP", "crv": "Ed25519", "x": _b64u(self.raw)}

    def cryptography_key(self):
        return self._key


class Ed25519PrivateKey(Ed25519PublicKey):
    def __init__(self, key: ed25519.Ed25519PrivateKey):
        super().__init__(key.public_key())
        self._private = key

    @classmethod
    def generate(cls) -> "Ed25519PrivateKey":
        return cls(ed25519.Ed25519PrivateKey.generate())

    @classmethod
    def from_secret_multibase(cls, value: str) -> "Ed25519PrivateKey":
        _, seed = multibase.split_multicodec(multibase.decode_base58btc(value), multibase.ED25519_PRIV)
        if len(seed) != 32:
            raise ValueError("an Ed25519 secret key is a 32-byte seed")
        return cls(ed25519.Ed25519PrivateKey.from_private_bytes(seed))

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)

    def public(self) -> Ed25519PublicKey:
        return Ed25519PublicKey(self._private.public_key())

    def secret_key_multibase(self) -> str:
        seed = self._private.private_bytes(
            serialization.Encoding.Raw, serialization.PrivateFormat.Raw, serialization.NoEncryption()
        )
        return multibase.encode_base58btc(multibase.ED25519_PRIV + seed)

    def to_pem(self, passphrase: bytes) -> bytes:
        return encrypted_pem(self._private, passphrase)

    def cryptography_key(self):
        return self._private
