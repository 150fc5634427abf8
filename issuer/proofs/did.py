"""DIDs we speak: did:key (resolved offline, from the identifier alone) and did:web.

Our own did:web document is built from the key store; other issuers' did:web documents come
only from a local trust registry (a dict of DID -> DID document) handed in by the caller, so
resolving never touches the network.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlsplit

from issuer.proofs import multibase
from issuer.proofs.keyfamilies.ecdsa import ECPublicKey
from issuer.proofs.keyfamilies.ed25519 import Ed25519PublicKey
from issuer.proofs.keyfamilies.rsa import RSAPublicKey
from issuer.vocab import DID_V1, MULTIKEY_V1

JWK_V1 = "https://w3id.org/security/jwk/v1"
ED25519_2020_V1 = "https://w3id.org/security/suites/ed25519-2020/v1"


class ResolutionError(ValueError):
    """A DID or verification method cannot be resolved (offline)."""


@dataclass(frozen=True)
class VerificationMethod:
    id: str
    controller: str
    public_key: Ed25519PublicKey | RSAPublicKey
    purposes: frozenset = field(default_factory=frozenset)
    type: str = "Multikey"


def did_web_from_url(base_url: str) -> str:
    """did:web for a base URL: host (port percent-encoded) then path segments joined by ':'."""
    parts = urlsplit(base_url)
    if not parts.hostname:
        raise ValueError(f"cannot derive a did:web from {base_url!r}")
    host = parts.hostname + (f"%3A{parts.port}" if parts.port else "")
    path = [quote(p, safe="") for p in parts.path.split("/") if p]
    return ":".join(["did:web", host, *path])


def did_web_document_url(did: str) -> str:
    """Where a did:web document lives (did:web method spec, section 3.2.1)."""
    if not did.startswith("did:web:"):
        raise ResolutionError(f"{did} is not a did:web")
    segments = [unquote(s) for s in did[len("did:web:"):].split(":")]
    host, path = segments[0], segments[1:]
    if not host:
        raise ResolutionError(f"{did} names no host")
    tail = "/".join(path) + "/did.json" if path else ".well-known/did.json"
    return f"https://{host}/{tail}"


def did_key_for(public_key: Ed25519PublicKey) -> str:
    return f"did:key:{public_key.public_key_multibase()}"


def did_key_vm(public_key: Ed25519PublicKey | ECPublicKey) -> str:
    mb = public_key.public_key_multibase()
    return f"did:key:{mb}#{mb}"


def resolve_did_key(did: str) -> dict:
    """The DID document of an Ed25519, P-256 or P-384 did:key, as Multikey (did:key spec,
    'Multikey' format)."""
    if not did.startswith("did:key:"):
        raise ResolutionError(f"{did} is not a did:key")
    mb = did[len("did:key:"):]
    try:
        public_key_from_multibase(mb)
    except (ValueError, multibase.MultibaseError) as exc:
        raise ResolutionError(f"cannot resolve {did}: {exc}") from None
    vm_id = f"{did}#{mb}"
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": mb}
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityDelegation": [vm_id],
        "capabilityInvocation": [vm_id],
    }


def did_document(did: str, records) -> dict:
    """A DID document listing every key of `records`, active and retired, for assertions.

    Retired keys stay listed (and authorised for assertionMethod) because a credential signed
    before a rotation must keep verifying; rotation stops *new* signatures, not old ones.
    """
    methods, assertion, authentication = [], [], []
    uses_jwk = False
    for record in records:
        vm_id = f"{did}#{record.key_id}"
        if record.family != "RSA":   # Ed25519, P-256, P-384: Multikey, as the Data Integrity suites expect
            methods.append({"id": vm_id, "type": "Multikey", "controller": did,
                            "publicKeyMultibase": record.public.public_key_multibase()})
        else:
            uses_jwk = True
            methods.append({"id": vm_id, "type": "JsonWebKey", "controller": did,
                            "publicKeyJwk": record.public.jwk()})
        assertion.append(vm_id)
        if record.status == "active":
            authentication.append(vm_id)
    context = [DID_V1, MULTIKEY_V1] + ([JWK_V1] if uses_jwk else [])
    return {
        "@context": context,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": assertion,
        "authentication": authentication,
    }


def public_key_from_multibase(value: str) -> Ed25519PublicKey | ECPublicKey:
    """A Multikey `publicKeyMultibase` (or a did:key's identifier): Ed25519, P-256 or P-384."""
    codec, _ = multibase.split_multicodec(multibase.decode_base58btc(value), multibase.ED25519_PUB,
                                          multibase.P256_PUB, multibase.P384_PUB)
    return Ed25519PublicKey.from_multibase(value) if codec == multibase.ED25519_PUB else \
        ECPublicKey.from_multibase(value)


def public_key_from_jwk(jwk) -> Ed25519PublicKey | RSAPublicKey | ECPublicKey:
    kty = jwk.get("kty") if isinstance(jwk, dict) else None
    if kty == "OKP":
        return Ed25519PublicKey.from_jwk(jwk)
    if kty == "RSA":
        return RSAPublicKey.from_jwk(jwk)
    if kty == "EC":
        return ECPublicKey.from_jwk(jwk)
    raise ValueError(f"unsupported JWK key type {kty!r}")


def _public_key_of(method: dict) -> Ed25519PublicKey | RSAPublicKey | ECPublicKey:
    if "publicKeyMultibase" in method:
        return public_key_from_multibase(method["publicKeyMultibase"])
    if "publicKeyJwk" in method:
        return public_key_from_jwk(method["publicKeyJwk"])
    raise ResolutionError(f"verification method {method.get('id')} carries no public key we can read")


RELATIONSHIPS = ("assertionMethod", "authentication", "capabilityInvocation", "capabilityDelegation")


def _full_id(did, method_id) -> str | None:
    if not isinstance(method_id, str):
        return None
    return f"{did}{method_id}" if method_id.startswith("#") else method_id


def _listed(value) -> list:
    return value if isinstance(value, list) else [value] if value is not None else []


def method_from_document(document: dict, vm_id: str) -> VerificationMethod:
    """Find `vm_id` in a DID document, with the proof purposes the document authorises it for.

    A method may be listed in `verificationMethod` and referenced from a relationship, or, as DID
    Core 5.3 allows, embedded in the relationship itself (authorised for that one only)."""
    did = document.get("id")
    found, purposes = None, set()
    for method in _listed(document.get("verificationMethod")):
        if isinstance(method, dict) and _full_id(did, method.get("id")) == vm_id:
            found = method
    for purpose in RELATIONSHIPS:
        for ref in _listed(document.get(purpose)):
            ref_id = _full_id(did, ref.get("id") if isinstance(ref, dict) else ref)
            if ref_id != vm_id:
                continue
            purposes.add(purpose)
            if isinstance(ref, dict) and found is None:
                found = ref
    if found is None:
        raise ResolutionError(f"{vm_id} is not listed in the DID document of {did}")
    try:
        key = _public_key_of(found)
    except (ValueError, multibase.MultibaseError) as exc:
        raise ResolutionError(f"verification method {vm_id}: {exc}") from None
    return VerificationMethod(vm_id, found.get("controller", did), key, frozenset(purposes),
                              found.get("type", "Multikey"))


class Resolver:
    """Resolves verification method URLs offline: did:key from the identifier, anything else
    from the `documents` registry (our own did:web, trusted issuers' documents)."""

    def __init__(self, documents: dict[str, dict] | None = None, dynamic=None):
        self.documents = dict(documents or {})
        # `dynamic(did)` builds documents for DIDs we control (one per sponsor) on demand.
        self._dynamic = dynamic

    def document(self, did: str) -> dict | None:
        if did in self.documents:
            return self.documents[did]
        return self._dynamic(did) if self._dynamic else None

    def add(self, document: dict) -> None:
        self.documents[document["id"]] = document

    def resolve(self, vm_id: str) -> VerificationMethod:
        if not isinstance(vm_id, str) or not vm_id:
            raise ResolutionError("the proof names no verification method")
        did = vm_id.split("#", 1)[0]
        if did.startswith("did:key:"):
            document = resolve_did_key(did)
            if "#" not in vm_id:
                vm_id = f"{did}#{did[len('did:key:'):]}"
        elif self.document(did) is not None:
            document = self.document(did)
        elif did.startswith("did:web:"):
            raise ResolutionError(f"{did} is not in the trust registry, and did:web is not fetched at run time")
        else:
            raise ResolutionError(f"cannot resolve {vm_id}: unsupported method or unknown issuer")
        return method_from_document(document, vm_id)
