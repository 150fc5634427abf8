"""Multibase and multicodec, only the codes we use (base58btc `z`, base64url `u`).

py-multibase and multiformats exist, but they pull in large tables for two prefixes; `base58`
does the one part worth a library.
"""

from __future__ import annotations

import base64

import base58

ED25519_PUB = b"\xed\x01"
ED25519_PRIV = b"\x80\x26"
P256_PUB = b"\x80\x24"
P384_PUB = b"\x81\x24"
P256_PRIV = b"\x86\x26"
P384_PRIV = b"\x87\x26"


class MultibaseError(ValueError):
    """Not a multibase string we can decode."""


def encode_base58btc(data: bytes) -> str:
    return "z" + base58.b58encode(data).decode("ascii")


def decode_base58btc(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("z") or len(value) < 2:
        raise MultibaseError("not a base58btc multibase value (it must start with 'z')")
    try:
        return base58.b58decode(value[1:])
    except ValueError as exc:
        raise MultibaseError(f"invalid base58btc: {exc}") from None


def encode_base64url(data: bytes) -> str:
    return "u" + base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def decode_base64url(value: str) -> bytes:
    if not isinstance(value, str) or not value.startswith("u"):
        raise MultibaseError("not a base64url multibase value (it must start with 'u')")
    body = value[1:]
    try:
        return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except ValueError as exc:
        raise MultibaseError(f"invalid base64url: {exc}") from None


def split_multicodec(data: bytes, *codes: bytes) -> tuple[bytes, bytes]:
    for code in codes:
        if data.startswith(code):
            return code, data[len(code):]
    raise MultibaseError("unsupported multicodec key type")
