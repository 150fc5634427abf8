"""RSA keys, for VC-JWT only (RS256 is the algorithm Open Badges 3.0 requires verifiers to know).

There is no Multikey encoding for RSA, so these appear in DID documents as JsonWebKey.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from issuer.proofs.keyfamilies import encrypted_pem


def _b64u_int(n: int) -> str:
    return base64.urlsafe_b64encode(n.to_bytes((n.bit_length() + 7) // 8, "big")).rstrip(b"=").decode()


def _int_b64u(value: str) -> int:
    return int.from_bytes(base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)), "big")


class RSAPublicKey:
    family = "RSA"
    jwt_algorithm = "RS256"

    def __init__(self, key: rsa.RSAPublicKey):
        self._key = key

    @classmethod
    def from_jwk(cls, jwk: dict) -> "RSAPublicKey":
        if jwk.get("kty") != "RSA" or "n" not in jwk or "e" not in jwk:
            raise ValueError("not an RSA JWK")
        return cls(rsa.RSAPublicNumbers(_int_b64u(jwk["e"]), _int_b64u(jwk["n"])).public_key())

    def verify(self, signature: bytes, data: bytes) -> bool:
        try:
            self._key.verify(signature, data, padding.PKCS1v15(), hashes.SHA256())
            return True
        except InvalidSignature:
            return False

    def jwk(self) -> dict:
        numbers = self._key.public_numbers()
        return {"kty": "RSA", "n": _b64u_int(numbers.n), "e": _b64u_int(numbers.e)}

    def public_key_multibase(self) -> None:
        return None

    def fingerprint(self) -> str:
        """RFC 7638 JWK thumbprint: stable, and names the key without a registry."""
        jwk = self.jwk()
        canonical = json.dumps({k: jwk[k] for k in ("e", "kty", "n")}, separators=(",", ":"))
        digest = hashlib.sha256(canonical.encode()).digest()
        return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()

    def cryptography_key(self):
        return self._key


class RSAPrivateKey(RSAPublicKey):
    def __init__(self, key: rsa.RSAPrivateKey):
        super().__init__(key.public_key())
        self._private = key

    @classmethod
    def generate(cls, bits: int = 3072) -> "RSAPrivateKey":
        return cls(rsa.generate_private_key(public_exponent=65537, key_size=bits))

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data, padding.PKCS1v15(), hashes.SHA256())

    def public(self) -> RSAPublicKey:
        return RSAPublicKey(self._private.public_key())

    def to_pem(self, passphrase: bytes) -> bytes:
        return encrypted_pem(self._private, passphrase)

    def cryptography_key(self):
        return self._private
