"""NIST P-256 and P-384 keys: Multikey (multicodec 0x1200 / 0x1201, compressed point; secret keys
0x1306 / 0x1307), EC JWK, and ECDSA signatures in the IEEE P1363 form (r || s) that both Data
Integrity's ecdsa suites and JOSE (ES256, ES384) use.

Other issuers and wallets sign with these keys, and the service does when an operator generates
one (`ler keys generate --family P-256`) for callers that ask for the ecdsa suites. Signatures are
deterministic (RFC 6979), which is how the W3C VC-DI-ECDSA test vectors were made, so `ler sign`
reproduces them exactly.
"""

from __future__ import annotations

import base64

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

from issuer.proofs import multibase
from issuer.proofs.keyfamilies import encrypted_pem

# family -> (curve, hash, coordinate bytes, multicodec prefix, JOSE alg)
CURVES = {
    "P-256": (ec.SECP256R1, hashes.SHA256, 32, multibase.P256_PUB, "ES256"),
    "P-384": (ec.SECP384R1, hashes.SHA384, 48, multibase.P384_PUB, "ES384"),
}
_BY_CURVE_NAME = {"secp256r1": "P-256", "secp384r1": "P-384"}
_BY_CODEC = {codec: family for family, (_, _, _, codec, _) in CURVES.items()}
_BY_SECRET_CODEC = {multibase.P256_PRIV: "P-256", multibase.P384_PRIV: "P-384"}


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64u(value: str) -> bytes:
    return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))


class ECPublicKey:
    def __init__(self, key: ec.EllipticCurvePublicKey):
        family = _BY_CURVE_NAME.get(key.curve.name)
        if family is None:
            raise ValueError(f"curve {key.curve.name} is not P-256 or P-384")
        self._key, self.family = key, family
        self._hash, self._size, self._codec, self.jwt_algorithm = CURVES[family][1:]

    @classmethod
    def from_multibase(cls, value: str) -> "ECPublicKey":
        codec, point = multibase.split_multicodec(multibase.decode_base58btc(value), *_BY_CODEC)
        return cls(ec.EllipticCurvePublicKey.from_encoded_point(CURVES[_BY_CODEC[codec]][0](), point))

    @classmethod
    def from_jwk(cls, jwk: dict) -> "ECPublicKey":
        family = jwk.get("crv")
        if jwk.get("kty") != "EC" or family not in CURVES or not isinstance(jwk.get("x"), str) \
                or not isinstance(jwk.get("y"), str):
            raise ValueError("not a P-256 or P-384 EC JWK")
        numbers = ec.EllipticCurvePublicNumbers(int.from_bytes(_unb64u(jwk["x"]), "big"),
                                                int.from_bytes(_unb64u(jwk["y"]), "big"), CURVES[family][0]())
        return cls(numbers.public_key())

    def verify(self, signature: bytes, data: bytes) -> bool:
        """`signature` is r || s, each as wide as the curve's coordinates."""
        if len(signature) != 2 * self._size:
            return False
        r, s = int.from_bytes(signature[:self._size], "big"), int.from_bytes(signature[self._size:], "big")
        try:
            self._key.verify(encode_dss_signature(r, s), data, ec.ECDSA(self._hash()))
            return True
        except InvalidSignature:
            return False

    def jwk(self) -> dict:
        numbers = self._key.public_numbers()
        return {"kty": "EC", "crv": self.family, "x": _b64u(numbers.x.to_bytes(self._size, "big")),
                "y": _b64u(numbers.y.to_bytes(self._size, "big"))}

    def public_key_multibase(self) -> str:
        point = self._key.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
        return multibase.encode_base58btc(self._codec + point)

    def fingerprint(self) -> str:
        return self.public_key_multibase()

    def cryptography_key(self):
        return self._key


class ECPrivateKey:
    def __init__(self, key: ec.EllipticCurvePrivateKey):
        self._key = key
        self._public = ECPublicKey(key.public_key())
        self.family, self.jwt_algorithm = self._public.family, self._public.jwt_algorithm

    @classmethod
    def generate(cls, family: str = "P-256") -> "ECPrivateKey":
        return cls(ec.generate_private_key(CURVES[family][0]()))

    @classmethod
    def from_secret_multibase(cls, value: str) -> "ECPrivateKey":
        codec, secret = multibase.split_multicodec(multibase.decode_base58btc(value), *_BY_SECRET_CODEC)
        return cls(ec.derive_private_key(int.from_bytes(secret, "big"), CURVES[_BY_SECRET_CODEC[codec]][0]()))

    def sign(self, data: bytes) -> bytes:
        _, hash_type, size = CURVES[self.family][:3]
        r, s = decode_dss_signature(self._key.sign(data, ec.ECDSA(hash_type(), deterministic_signing=True)))
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")

    def public(self) -> ECPublicKey:
        return self._public

    def public_key_multibase(self) -> str:
        return self._public.public_key_multibase()

    def jwk(self) -> dict:
        return self._public.jwk()

    def to_pem(self, passphrase: bytes) -> bytes:
        return encrypted_pem(self._key, passphrase)

    def cryptography_key(self):
        return self._key
