"""Bitstring Status List v1.0 (W3C Recommendation): status entries, the bitstring codec and the
unsigned BitstringStatusListCredential. Pure functions, no database.

Every slot carries two facts, revoked and suspended, published from the same rows:

* `revocation` and `suspension`: one bit per slot, the two plain lists every BSL verifier reads.
  Open Badges credentials carry one `revocation` entry: the official OB 3.0 AchievementCredential
  schema allows one `credentialStatus` object and no array, and the verifiers wallets and
  employers use (DCC's verifier-core, digitalbazaar's vc-bitstring-status-list) read one bit at
  `statusListIndex` and know only these two purposes. So an Open Badge can be revoked but not
  suspended. Credentials issued through the VC-API with status carry one entry for each purpose,
  as VCDM 2.0 allows a list of `credentialStatus` entries.
* `message`: two bits per slot (`statusSize` 2), value = 2 * revoked + suspended. Open Badges
  issued before revision 0011 carry this single entry. Their lists keep publishing it (the
  `legacy_message` lists) so those credentials stay verifiable by us, but the common verifiers
  misread it (bit i instead of bits 2i, 2i+1), so sponsors re-issue them (README).
  `statusSize` and `statusMessage` are on the entry only: the VCDM 2.0 context defines them for
  `BitstringStatusListEntry` but not for `BitstringStatusList`, so putting them in the list
  credential would add terms that JSON-LD safe mode refuses.
"""

from __future__ import annotations

import base64
import gzip
import re
import zlib

from issuer.proofs import ld

LIST_SIZE = 131_072          # entries per list: the REC's minimum, so a slot hides in a crowd
REVOCATION, SUSPENSION, MESSAGE = "revocation", "suspension", "message"
PURPOSES = (REVOCATION, SUSPENSION, MESSAGE)
MESSAGE_SIZE = 2
STATUS_MESSAGES = (
    {"status": "0x0", "message": "valid"},
    {"status": "0x1", "message": "suspended"},
    {"status": "0x2", "message": "revoked"},
    {"status": "0x3", "message": "revoked"},
)
# Published lists are cached by verifiers for this long (the `ttl` and HTTP max-age agree, as
# the REC asks); our own verifier reads the database and sees a change at once.
TTL_SECONDS = 300
# A remote list is refused past this size once decompressed (a gzip bomb would be much larger).
MAX_BITSTRING_BYTES = 16 * 1024 * 1024

ERROR_BASE = "https://www.w3.org/ns/credentials/status-list#"
# List ids and indexes are 32-bit integer columns: larger numbers name nothing of ours.
MAX_ID = 2 ** 31 - 1
_INDEX = re.compile(r"0|[1-9][0-9]*")


class StatusListError(ValueError):
    """A status entry or list is malformed; `code` names the BSL processing error."""

    def __init__(self, message: str, code: str = "MALFORMED_VALUE_ERROR"):
        super().__init__(message)
        self.code = code


def list_url(base_url: str, list_id: int, purpose: str) -> str:
    return f"{base_url}/status/{list_id}/{purpose}"


def status_entry(base_url: str, list_id: int, index: int, purpose: str = REVOCATION) -> dict:
    """The BitstringStatusListEntry of one slot for one purpose (default: the OB single entry)."""
    url = list_url(base_url, list_id, purpose)
    entry = {"id": f"{url}#{index}", "type": "BitstringStatusListEntry", "statusPurpose": purpose,
             "statusListIndex": str(index), "statusListCredential": url}
    if purpose == MESSAGE:
        entry["statusSize"] = MESSAGE_SIZE
        entry["statusMessage"] = [dict(m) for m in STATUS_MESSAGES]
    return entry


def status_entries(base_url: str, list_id: int, index: int) -> list[dict]:
    """Revocation and suspension, for credentials whose schema allows a list of entries."""
    return [status_entry(base_url, list_id, index, REVOCATION), status_entry(base_url, list_id, index, SUSPENSION)]


def purposes_of(document: dict) -> frozenset[str]:
    """The status purposes a credential's own entries name (what its holder's verifiers can see)."""
    entries = document.get("credentialStatus") if isinstance(document, dict) else None
    entries = entries if isinstance(entries, list) else [entries]
    return frozenset(e["statusPurpose"] for e in entries if isinstance(e, dict) and isinstance(e.get("statusPurpose"), str))


def can_suspend(purposes: frozenset[str]) -> bool:
    """Whether a credential with entries for `purposes` can show a suspension to its verifiers."""
    return SUSPENSION in purposes or MESSAGE in purposes


def slot_value(purpose: str, revoked: bool, suspended: bool) -> int:
    if purpose == REVOCATION:
        return int(revoked)
    if purpose == SUSPENSION:
        return int(suspended)
    return 2 * int(revoked) + int(suspended)


def status_size(purpose: str) -> int:
    return MESSAGE_SIZE if purpose == MESSAGE else 1


def encode(values: dict[int, int], size: int = 1, entries: int = LIST_SIZE) -> str:
    """`u` + base64url(gzip(bitstring)); index 0 is the left-most bit, each value big-endian."""
    bits = bytearray(entries * size // 8)
    for index, value in values.items():
        for offset in range(size):
            if value >> (size - 1 - offset) & 1:
                position = index * size + offset
                bits[position // 8] |= 0x80 >> (position % 8)
    # mtime=0: the same statuses always give the same bytes (and so the same ETag).
    return "u" + base64.urlsafe_b64encode(gzip.compress(bytes(bits), mtime=0)).rstrip(b"=").decode("ascii")


def decode(encoded: str, limit: int = MAX_BITSTRING_BYTES) -> bytes:
    """The Bitstring Expansion Algorithm, refusing anything that inflates past `limit` bytes."""
    if not isinstance(encoded, str) or not encoded.startswith("u"):
        raise StatusListError("encodedList is not multibase base64url (it must start with 'u')")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        bits = inflater.decompress(compressed, limit + 1)
    except (ValueError, zlib.error) as exc:
        raise StatusListError(f"encodedList is not GZIP-compressed base64url: {exc}") from None
    if len(bits) > limit:
        raise StatusListError(f"the status list inflates to more than {limit} bytes")
    return bits


def read_value(bits: bytes, index: int, size: int = 1) -> int:
    if (index + 1) * size > len(bits) * 8:
        raise StatusListError(f"statusListIndex {index} is outside a list of {len(bits) * 8 // size} entries",
                              "RANGE_ERROR")
    value = 0
    for offset in range(size):
        position = index * size + offset
        value = value << 1 | (bits[position // 8] >> (7 - position % 8) & 1)
    return value


def parse_index(value) -> int:
    if not isinstance(value, str) or not _INDEX.fullmatch(value):
        raise StatusListError(f"statusListIndex {value!r} is not a non-negative integer written in base 10")
    return int(value)


def list_credential(base_url: str, issuer_did: str, list_id: int, purpose: str, encoded: str,
                    valid_from: str) -> dict:
    """The unsigned BitstringStatusListCredential; `issuer` is a plain string, as the REC shows."""
    url = list_url(base_url, list_id, purpose)
    return {
        "@context": [ld.VC_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_did,
        "validFrom": valid_from,
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encoded,
            "ttl": TTL_SECONDS * 1000,
        },
    }
