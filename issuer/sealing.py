"""Staff TOTP secrets sealed at rest.

A TOTP secret lets anyone who reads it mint second-factor codes, so the database keeps it only
encrypted (Fernet: AES-128-CBC + HMAC-SHA256, from cryptography) under a key derived from the key
passphrase, the same secret that guards our signing keys and never stored beside the data.
Rows written before sealing existed hold the bare base32 secret; they are read as they are and
sealed the next time they are written.
"""

from __future__ import annotations

import base64
import threading

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from issuer.errors import LerError

PREFIX = "sealed:v1:"


class SealingError(LerError):
    """A sealed value cannot be opened: the key passphrase is not the one it was sealed with."""


class SecretBox:
    def __init__(self, passphrase: bytes, context: str):
        # `context` (our DID) salts the derivation, so two installations sharing a passphrase
        # still have different keys.
        self._passphrase, self._salt = passphrase, f"ler-issuer totp {context}".encode("utf-8")
        self._fernet: Fernet | None = None
        self._lock = threading.Lock()

    def _key(self) -> Fernet:
        # Derived on first use: scrypt is slow on purpose, and most processes never need it.
        with self._lock:
            if self._fernet is None:
                key = Scrypt(salt=self._salt, length=32, n=2 ** 14, r=8, p=1).derive(self._passphrase)
                self._fernet = Fernet(base64.urlsafe_b64encode(key))
            return self._fernet

    def seal(self, secret: str) -> str:
        return PREFIX + self._key().encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, stored: str) -> str:
        if not stored.startswith(PREFIX):
            return stored
        try:
            return self._key().decrypt(stored[len(PREFIX):].encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise SealingError("a stored TOTP secret cannot be opened: the key passphrase has changed") from None
