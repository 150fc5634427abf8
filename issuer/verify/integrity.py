"""Integrity of related resources (VCDM 2.0 section 5.3): a `relatedResource` that names a
resource we hold, one of our hash-checked contexts, must carry a digest of exactly its bytes.

`digestSRI` is the Subresource Integrity form (`sha256-`, `sha384-` or `sha512-` + base64; several
may be given, space separated, and one must match). `digestMultibase` is a multibase (`u` base64url
or `z` base58btc) multihash. Some issuers put a bare digest behind the multibase header instead of
a multihash; that is read by its length (32, 48, 64 bytes: SHA-256, -384, -512), so a matching
digest is never refused for its packaging. A resource we do not hold is not fetched (no remote
loading), so its digest is left unchecked.
"""

from __future__ import annotations

import base64
import binascii
import hashlib

import base58

from issuer.verify.vcdm import as_list

SRI = {"sha256": "sha256", "sha384": "sha384", "sha512": "sha512"}
# Multihash codes (multicodec table) of the digests we compute.
MULTIHASH = {0x12: "sha256", 0x20: "sha384", 0x13: "sha512", 0x16: "sha3_256", 0x15: "sha3_384", 0x14: "sha3_512"}
BY_LENGTH = {32: "sha256", 48: "sha384", 64: "sha512"}


def _sri_matches(value: str, raw: bytes) -> bool | None:
    """True / False; None when no token is a hash expression we read."""
    verdict = None
    for token in value.split():
        algorithm, _, digest = token.partition("-")
        if algorithm not in SRI:
            continue
        try:
            claimed = base64.b64decode(digest.split("?", 1)[0], validate=True)
        except (binascii.Error, ValueError):
            verdict = verdict or False
            continue
        if claimed == hashlib.new(SRI[algorithm], raw).digest():
            return True
        verdict = False
    return verdict


def _multibase(value: str) -> bytes | None:
    try:
        if value.startswith("u"):
            body = value[1:]
            return base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        if value.startswith("z"):
            return base58.b58decode(value[1:])
    except (binascii.Error, ValueError):
        return None
    return None


def _multibase_matches(value: str, raw: bytes) -> bool:
    decoded = _multibase(value)
    if not decoded:
        return False
    if len(decoded) > 2 and decoded[0] in MULTIHASH and decoded[1] == len(decoded) - 2:
        return decoded[2:] == hashlib.new(MULTIHASH[decoded[0]], raw).digest()
    algorithm = BY_LENGTH.get(len(decoded))
    return algorithm is not None and decoded == hashlib.new(algorithm, raw).digest()


def related_resource_problems(credential: dict, store) -> list[str]:
    """Digest mismatches of the credential's relatedResource entries that name a resource in
    `store` (a ContextStore, or None: nothing held, nothing checked)."""
    held = getattr(store, "raw", None) or {}
    problems = []
    for resource in as_list(credential.get("relatedResource")):
        if not isinstance(resource, dict) or resource.get("id") not in held:
            continue
        raw = held[resource["id"]]
        for sri in as_list(resource.get("digestSRI")):
            if isinstance(sri, str) and _sri_matches(sri, raw) is not True:
                problems.append(f"relatedResource {resource['id']}: digestSRI {sri[:80]!r} does not match the "
                                "resource")
        for multibase in as_list(resource.get("digestMultibase")):
            if isinstance(multibase, str) and not _multibase_matches(multibase, raw):
                problems.append(f"relatedResource {resource['id']}: digestMultibase {multibase[:80]!r} does not "
                                "match the resource")
    return problems
