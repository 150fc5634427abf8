"""ecdsa-sd-2023 (W3C VC-DI-ECDSA section 3.4), verified, never produced: the selective-disclosure
suite 1EdTech certification accepts since 2025, which other issuers' wallets present.

The issuer signs, with its own key, hash(proof config) || an ephemeral P-256 public key ||
hash(the mandatory N-Quads), and signs every other N-Quad with the ephemeral key; blank node
labels are HMAC-derived so they do not leak. The holder keeps the base proof (with the HMAC key)
and discloses a derived proof: the N-Quads it keeps, their signatures, the label map from the
canonical labels back to the HMAC ones, and which of them are mandatory.

Derived proofs are verified exactly as the specification says (createVerifyData). A base proof
is meant for the holder, not for verifiers, and finding its mandatory N-Quads by its JSON
pointers needs the selection algorithm; instead each N-Quad is tried, in order, against the next
ephemeral signature: those the signatures cover are the non-mandatory ones and the rest must hash
to what the issuer signed. Every N-Quad is then covered by a signature the issuer's key vouches
for, which is what verifying the base proof means. Hand-written: no maintained Python library
verifies ecdsa-sd-2023, and the suite is the proof checks below plus CBOR (cbor2) decoding.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

import base58
import cbor2

from issuer.proofs import ld

SUITE = "ecdsa-sd-2023"
BASE_HEADER, DERIVED_HEADER = b"\xd9\x5d\x00", b"\xd9\x5d\x01"
P256_MULTIKEY = b"\x80\x24"
_LABEL = re.compile(r"_:(c14n[0-9]+)")
_HMAC_LABEL = re.compile(r"_:([A-Za-z0-9_-]+)")


class SdError(ValueError):
    """The proof value is not an ecdsa-sd-2023 base or derived proof."""


@dataclass(frozen=True)
class SdProof:
    derived: bool
    base_signature: bytes
    public_key: bytes                 # the ephemeral key, P-256 Multikey bytes
    signatures: list[bytes]
    hmac_key: bytes = b""             # base proofs
    label_map: dict | None = None     # derived proofs: canonical label -> HMAC label
    mandatory_indexes: list[int] | None = None


def _bytes(value) -> bytes:
    # Early implementations wrapped byte strings in CBOR tag 64 (uint8 typed array).
    if isinstance(value, cbor2.CBORTag) and value.tag == 64:
        value = value.value
    if not isinstance(value, (bytes, bytearray)):
        raise SdError("the proof value holds a non-byte-string where bytes are expected")
    return bytes(value)


def parse(proof_value) -> SdProof:
    if not isinstance(proof_value, str) or not proof_value.startswith("u"):
        raise SdError("proofValue must be multibase base64url (it starts with 'u')")
    body = proof_value[1:]
    try:
        raw = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        header, items = raw[:3], cbor2.loads(raw[3:])
    except (ValueError, cbor2.CBORDecodeError) as exc:
        raise SdError(f"proofValue is not CBOR in base64url: {exc}") from None
    if header not in (BASE_HEADER, DERIVED_HEADER) or not isinstance(items, list) or len(items) != 5:
        raise SdError("proofValue is neither an ecdsa-sd-2023 base proof nor a derived proof")
    signatures = items[2] if header == DERIVED_HEADER else items[3]
    if not isinstance(signatures, list):
        raise SdError("the proof's signatures are not a list")
    if header == BASE_HEADER:
        return SdProof(False, _bytes(items[0]), _bytes(items[1]), [_bytes(s) for s in signatures],
                       hmac_key=_bytes(items[2]))
    labels, indexes = items[3], items[4]
    if not isinstance(labels, dict) or not isinstance(indexes, list) or \
            not all(isinstance(k, int) for k in labels) or not all(isinstance(i, int) for i in indexes):
        raise SdError("the derived proof's label map or mandatory indexes are malformed")
    label_map = {f"c14n{k}": "u" + base64.urlsafe_b64encode(_bytes(v)).rstrip(b"=").decode() for k, v in labels.items()}
    return SdProof(True, _bytes(items[0]), _bytes(items[1]), [_bytes(s) for s in signatures],
                   label_map=label_map, mandatory_indexes=indexes)


def ephemeral_key_multibase(proof: SdProof) -> str:
    if not proof.public_key.startswith(P256_MULTIKEY) or len(proof.public_key) != 35:
        raise SdError("the ephemeral key is not a compressed P-256 Multikey")
    return "z" + base58.b58encode(proof.public_key).decode("ascii")


def _relabelled(nquads: str, label_for) -> list[str]:
    """The canonical N-Quads with every blank node label replaced, sorted again (the suite's
    labelReplacementCanonicalizeNQuads)."""
    lines = [line + "\n" for line in nquads.splitlines() if line]
    return sorted(_LABEL.sub(lambda m: f"_:{label_for(m.group(1))}", line) for line in lines)


def _hmac_label(key: bytes):
    def label(canonical: str) -> str:
        digest = hmac.new(key, canonical.encode("utf-8"), hashlib.sha256).digest()
        return "u" + base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")
    return label


def verify(proof: SdProof, unsecured: dict, proof_config: dict, issuer_key, ephemeral_key, loader) -> tuple[bool, str]:
    """(verified, reason). `issuer_key` verifies the base signature, `ephemeral_key` (built from
    `proof.public_key` by the caller) the per-N-Quad ones."""
    proof_hash = hashlib.sha256(ld.canonize(proof_config, loader).encode("utf-8")).digest()
    canonical = ld.canonize(unsecured, loader)
    if proof.derived:
        missing = set(_LABEL.findall(canonical)) - set(proof.label_map)
        if missing:
            return False, f"the derived proof's label map does not cover {sorted(missing)[0]}"
        nquads = _relabelled(canonical, proof.label_map.__getitem__)
        wanted = set(proof.mandatory_indexes)
        if any(i < 0 or i >= len(nquads) for i in wanted):
            return False, "a mandatory index is outside the disclosed N-Quads"
        mandatory = [q for i, q in enumerate(nquads) if i in wanted]
        optional = [q for i, q in enumerate(nquads) if i not in wanted]
        if len(optional) != len(proof.signatures):
            return False, (f"{len(optional)} non-mandatory N-Quads but {len(proof.signatures)} signatures: the "
                           "disclosed document is not what was signed")
        for quad, signature in zip(optional, proof.signatures):
            if not ephemeral_key.verify(signature, quad.encode("utf-8")):
                return False, "a disclosed statement's signature does not match: it was changed after signing"
    else:
        nquads = _relabelled(canonical, _hmac_label(proof.hmac_key))
        mandatory, pending = [], list(proof.signatures)
        for quad in nquads:
            if pending and ephemeral_key.verify(pending[0], quad.encode("utf-8")):
                pending.pop(0)
            else:
                mandatory.append(quad)
        if pending:
            return False, "a statement's signature does not match: the document was changed after signing"
    mandatory_hash = hashlib.sha256("".join(mandatory).encode("utf-8")).digest()
    if not issuer_key.verify(proof.base_signature, proof_hash + proof.public_key + mandatory_hash):
        return False, ("the issuer's signature does not match the mandatory statements and proof options: they were "
                       "changed after signing or signed with another key")
    return True, ("derived" if proof.derived else "base")
