"""Key files in `keys/`: one JSON file per key, private half encrypted at rest.

A key is `active` (it signs) or `retired` (rotated out: it no longer signs but stays published
in the DID document so credentials it signed keep verifying). Private keys are PKCS#8 PEM
encrypted with the operator's passphrase (cryptography's BestAvailableEncryption) and are
only decrypted in memory, on demand.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from issuer.errors import KeyError_
from issuer.proofs.keyfamilies.ecdsa import CURVES, ECPrivateKey, ECPublicKey
from issuer.proofs.keyfamilies.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from issuer.proofs.keyfamilies.rsa import RSAPrivateKey, RSAPublicKey

FAMILIES = ("Ed25519", "RSA", "P-256", "P-384")


@dataclass(frozen=True)
class KeyRecord:
    key_id: str
    family: str
    status: str
    created: str
    retired: str | None
    public: Ed25519PublicKey | RSAPublicKey | ECPublicKey
    path: Path | None = None      # None: a sponsor's key, kept in the database (issuer.sponsors.keys)

    def summary(self) -> dict:
        return {
            "id": self.key_id,
            "family": self.family,
            "status": self.status,
            "created": self.created,
            "retired": self.retired,
            "publicKeyMultibase": self.public.public_key_multibase(),
            "publicKeyJwk": self.public.jwk(),
        }


def new_private(family: str) -> Ed25519PrivateKey | RSAPrivateKey | ECPrivateKey:
    if family not in FAMILIES:
        raise KeyError_(f"unknown key family {family!r}; choose one of {', '.join(FAMILIES)}")
    return (Ed25519PrivateKey.generate() if family == "Ed25519" else RSAPrivateKey.generate() if family == "RSA"
            else ECPrivateKey.generate(family))


def public_from_stored(family: str, multibase: str | None, jwk: dict | None):
    """The public half as stored (Multikey for Ed25519 and EC, JWK for RSA)."""
    if family == "Ed25519":
        return Ed25519PublicKey.from_multibase(multibase)
    if family == "RSA":
        return RSAPublicKey.from_jwk(jwk)
    if family in CURVES:
        return ECPublicKey.from_multibase(multibase)
    raise ValueError(f"unknown key family {family!r}")


def seal_private(private, passphrase: bytes | None) -> str:
    """PKCS#8 PEM encrypted under the passphrase: how every private key is kept at rest, in key
    files and in the database alike."""
    if not passphrase:
        raise KeyError_("no key passphrase configured (set LER_KEY_PASSPHRASE): private keys are never stored in clear")
    return private.to_pem(passphrase).decode("ascii")


def open_private(pem: str, passphrase: bytes | None, key_id: str):
    """The private key sealed by `seal_private` (decrypting costs milliseconds: callers cache)."""
    if not passphrase:
        raise KeyError_("no key passphrase configured (set LER_KEY_PASSPHRASE)")
    try:
        key = serialization.load_pem_private_key(pem.encode(), password=passphrase)
    except (ValueError, TypeError):
        # Never echo the passphrase or key material, only that it did not open.
        raise KeyError_(f"cannot decrypt key {key_id}: wrong passphrase or damaged file") from None
    if isinstance(key, ed25519.Ed25519PrivateKey):
        return Ed25519PrivateKey(key)
    if isinstance(key, rsa.RSAPrivateKey):
        return RSAPrivateKey(key)
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return ECPrivateKey(key)
    raise KeyError_(f"key {key_id} is of an unsupported type")


def _now() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")


class KeyStore:
    def __init__(self, directory: Path | str, passphrase: bytes | None):
        self.directory = Path(directory)
        self._passphrase = passphrase
        self._private_cache: dict[str, Ed25519PrivateKey | RSAPrivateKey | ECPrivateKey] = {}

    @property
    def passphrase(self) -> bytes | None:
        """The operator's passphrase, which also seals the sponsors' keys in the database."""
        return self._passphrase

    # -- reading -------------------------------------------------------------------------
    def records(self) -> list[KeyRecord]:
        if not self.directory.is_dir():
            return []
        out = []
        for path in sorted(self.directory.glob("*.json")):
            out.append(self._read(path))
        return sorted(out, key=lambda r: (r.created, r.key_id))

    def _read(self, path: Path) -> KeyRecord:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            family = data["family"]
            public = public_from_stored(family, data.get("publicKeyMultibase"), data.get("publicKeyJwk"))
            return KeyRecord(data["id"], family, data["status"], data["created"], data.get("retired"), public, path)
        except (OSError, ValueError, KeyError) as exc:
            raise KeyError_(f"unreadable key file {path.name}: {exc}") from None

    def get(self, key_id: str) -> KeyRecord:
        for record in self.records():
            if record.key_id == key_id:
                return record
        raise KeyError_(f"no key {key_id!r} in {self.directory}")

    def active(self, family: str = "Ed25519") -> KeyRecord | None:
        for record in reversed(self.records()):
            if record.family == family and record.status == "active":
                return record
        return None

    def private_key(self, record: KeyRecord) -> Ed25519PrivateKey | RSAPrivateKey | ECPrivateKey:
        cached = self._private_cache.get(record.key_id)
        if cached is not None:
            return cached
        data = json.loads(record.path.read_text(encoding="utf-8"))
        private = open_private(data["privateKeyPem"], self._passphrase, record.key_id)
        self._private_cache[record.key_id] = private
        return private

    def check_passphrase(self) -> None:
        """Open one key now, so a wrong passphrase stops a service at start, not at its first
        signature (raises KeyError_)."""
        record = self.active("Ed25519") or next(iter(self.records()), None)
        if record is not None:
            try:
                self.private_key(record)
            except KeyError_ as exc:
                raise KeyError_(f"the key passphrase (LER_KEY_PASSPHRASE or LER_KEY_PASSPHRASE_FILE) does not "
                                f"open the keys in {self.directory}: {exc}") from None

    # -- writing -------------------------------------------------------------------------
    def generate(self, family: str = "Ed25519") -> KeyRecord:
        """Create the first active key of a family; later ones come from `rotate`."""
        if family not in FAMILIES:
            raise KeyError_(f"unknown key family {family!r}; choose one of {', '.join(FAMILIES)}")
        if self.active(family) is not None:
            raise KeyError_(f"an active {family} key exists already; use 'ler keys rotate' to replace it")
        return self._create(family)

    def ensure_active(self, family: str = "Ed25519") -> KeyRecord:
        return self.active(family) or self._create(family)

    def rotate(self, family: str = "Ed25519") -> tuple[KeyRecord, KeyRecord | None]:
        old = self.active(family)
        new = self._create(family)
        if old is not None:
            data = json.loads(old.path.read_text(encoding="utf-8"))
            data["status"] = "retired"
            data["retired"] = _now()
            self._write(old.path, data)
        return new, old

    def _create(self, family: str) -> KeyRecord:
        private = new_private(family)
        public = private.public()
        key_id = public.fingerprint()
        data = {
            "id": key_id,
            "family": family,
            "status": "active",
            "created": _now(),
            "retired": None,
            "publicKeyMultibase": public.public_key_multibase(),
            "publicKeyJwk": public.jwk(),
            "privateKeyPem": seal_private(private, self._passphrase),
        }
        self.directory.mkdir(parents=True, exist_ok=True)
        path = self.directory / f"{key_id}.json"
        self._write(path, data)
        self._private_cache[key_id] = private
        return self._read(path)

    @staticmethod
    def _write(path: Path, data: dict) -> None:
        # Write-then-rename so a crash never leaves a half-written key file; 0600 from birth.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".json")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as fh:
                json.dump(data, fh, indent=2)
                fh.write("\n")
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
