"""Data Integrity proofs, create and verify: eddsa-rdfc-2022 and eddsa-jcs-2022 (W3C VC-DI-EdDSA),
the service's own; ecdsa-rdfc-2019 and ecdsa-jcs-2019 (W3C VC-DI-ECDSA, P-256 and P-384), which
other issuers sign with and `ler sign` can produce from a given key.

Every suite hashes the canonical proof configuration and the canonical document separately and
signs hash(proofConfig) || hash(document): with Ed25519 and SHA-256 (eddsa), or with ECDSA and
the curve's hash, SHA-256 for P-256 and SHA-384 for P-384 (ecdsa). The rdfc suites canonicalize
with RDFC-1.0 over JSON-LD, the jcs suites with RFC 8785 JCS over plain JSON.

`verify_proof` never raises on a bad document: it returns a `ProofOutcome` naming the problem,
so that the verifier can report it as one check among others.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any

import rfc8785

from issuer.dates import parse_datetime
from issuer.errors import JsonLdError, LerError, ProofError
from issuer.proofs import ecdsa_sd, ld, multibase
from issuer.proofs.did import Resolver, ResolutionError, public_key_from_multibase

EDDSA_SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")       # what the service's own keys sign with
ECDSA_SUITES = ("ecdsa-rdfc-2019", "ecdsa-jcs-2019")
SUITES = EDDSA_SUITES + ECDSA_SUITES
# Verified, never produced: `eddsa-2022` is the name eddsa-rdfc-2022 had in the VC-DI-EdDSA drafts
# (2022-2023), the same algorithm (RDFC canonicalization, SHA-256, Ed25519), still on credentials
# digitalbazaar's and DCC's older issuers signed. The proof configuration keeps its own name, so
# the signed bytes are what that issuer hashed.
LEGACY_SUITES = {"eddsa-2022": "eddsa-rdfc-2022"}
PROOF_TYPE = "DataIntegrityProof"
# The key families each suite signs with, and the hash each family's suites use.
_SUITE_FAMILIES = {"eddsa": ("Ed25519",), "ecdsa": ("P-256", "P-384")}
_FAMILY_HASH = {"Ed25519": hashlib.sha256, "P-256": hashlib.sha256, "P-384": hashlib.sha384}


def _families(suite: str) -> tuple[str, ...]:
    return _SUITE_FAMILIES[suite.split("-", 1)[0]]

def _canonicalize(suite: str, document: dict, loader) -> bytes:
    if suite.endswith(("-rdfc-2022", "-rdfc-2019")):
        return ld.canonize(document, loader).encode("utf-8")
    if suite.endswith(("-jcs-2022", "-jcs-2019")):
        return rfc8785.dumps(document)
    raise ProofError(f"unsupported cryptosuite {suite!r}; supported: {', '.join(SUITES)}")

def hash_data(suite: str, unsecured: dict, proof_config: dict, loader, hash_function=hashlib.sha256) -> bytes:
    """hash(canonical proof config) || hash(canonical document) (VC-DI-EdDSA and VC-DI-ECDSA 3.x.4)."""
    document_hash = hash_function(_canonicalize(suite, unsecured, loader)).digest()
    config_hash = hash_function(_canonicalize(suite, proof_config, loader)).digest()
    return config_hash + document_hash

def _proof_config(document: dict, options: dict) -> dict:
    config = {k: v for k, v in options.items() if k != "proofValue"}
    # Both suites give the proof configuration the document's @context (rdfc so its terms
    # expand; jcs because the spec says so when the document has one).
    if "@context" in document:
        config["@context"] = document["@context"]
    return config

def now_xsd() -> str:
    return datetime.now(timezone.utc).replace(microsecond=0).isoformat().replace("+00:00", "Z")

def create_proof(
    document: dict,
    signer,
    *,
    verification_method: str,
    cryptosuite: str = "eddsa-rdfc-2022",
    created: str | None = None,
    proof_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    loader=None,
) -> dict:
    """The proof object for `document` (which must not carry a proof of its own)."""
    if cryptosuite not in SUITES:
        raise ProofError(f"unsupported cryptosuite {cryptosuite!r}; supported: {', '.join(SUITES)}")
    families = _families(cryptosuite)
    family = getattr(signer, "family", None)
    if family not in families:
        raise ProofError(f"{cryptosuite} signs with an {' or '.join(families)} key; this key is {family or '?'}")
    loader = loader or ld.default_loader()
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    proof: dict[str, Any] = {
        "type": PROOF_TYPE,
        "cryptosuite": cryptosuite,
        "created": created or now_xsd(),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain
    if cryptosuite.endswith(("-jcs-2022", "-jcs-2019")) and "@context" in unsecured:
        # The JCS suites carry the document's @context in the proof itself (VC-DI-EdDSA and
        # VC-DI-ECDSA 3.3).
        proof["@context"] = unsecured["@context"]
    signature = signer.sign(hash_data(cryptosuite, unsecured, _proof_config(unsecured, proof), loader,
                                      _FAMILY_HASH[family]))
    proof["proofValue"] = multibase.encode_base58btc(signature)
    return proof

def sign(document: dict, signer, **kwargs) -> dict:
    """A copy of `document` with an embedded proof; the input's keys and order are kept."""
    if "proof" in document:
        raise ProofError("the document already carries a proof; remove it or add a proof set deliberately")
    proof = create_proof(document, signer, **kwargs)
    return {**document, "proof": proof}

@dataclass
class ProofOutcome:
    verified: bool
    message: str
    verification_method: str | None = None
    controller: str | None = None
    created: str | None = None

def _fail(message: str, proof: dict | None = None) -> ProofOutcome:
    vm = proof.get("verificationMethod") if isinstance(proof, dict) else None
    return ProofOutcome(False, message, vm if isinstance(vm, str) else None)

def is_xsd_datetime(value: Any) -> bool:
    return parse_datetime(value) is not None

def verify_proof(
    document: dict,
    proof: Any,
    *,
    resolver: Resolver,
    loader=None,
    expected_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
) -> ProofOutcome:
    """Verify one Data Integrity proof over `document` (minus its `proof` member)."""
    loader = loader or ld.default_loader()
    if not isinstance(proof, dict):
        return _fail("the proof is not a JSON object")
    for member in ("type", "cryptosuite", "verificationMethod", "proofPurpose", "proofValue"):
        if member not in proof:
            return _fail(f"the proof has no '{member}'", proof)
    if proof["type"] != PROOF_TYPE:
        return _fail(f"proof type {proof['type']!r} is not {PROOF_TYPE}", proof)
    suite = proof["cryptosuite"]
    if not isinstance(suite, str):
        return _fail(f"cryptosuite {suite!r} is not a name", proof)
    suite = LEGACY_SUITES.get(suite, suite)
    if suite not in SUITES + (ecdsa_sd.SUITE,):
        return _fail(f"unsupported cryptosuite {suite!r}", proof)
    if proof["proofPurpose"] != expected_purpose:
        return _fail(f"proof purpose is {proof['proofPurpose']!r}, expected {expected_purpose!r}", proof)
    if "created" in proof and not is_xsd_datetime(proof["created"]):
        return _fail(f"proof 'created' {proof['created']!r} is not a date-time", proof)
    if "expires" in proof:
        if not is_xsd_datetime(proof["expires"]):
            return _fail(f"proof 'expires' {proof['expires']!r} is not a date-time", proof)
        if parse_datetime(proof["expires"]) < datetime.now(timezone.utc):
            return _fail(f"the proof expired at {proof['expires']}", proof)
    if challenge is not None and proof.get("challenge") != challenge:
        return _fail("the proof's challenge does not match the one expected", proof)
    if domain is not None and proof.get("domain") != domain:
        return _fail("the proof's domain does not match the one expected", proof)
    if "@context" in proof:
        doc_ctx = document.get("@context")
        doc_ctx = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
        proof_ctx = proof["@context"] if isinstance(proof["@context"], list) else [proof["@context"]]
        if doc_ctx[: len(proof_ctx)] != proof_ctx:
            return _fail("the proof's @context does not begin the document's @context", proof)
    try:
        if suite == ecdsa_sd.SUITE:
            selective = ecdsa_sd.parse(proof["proofValue"])
            signature, ephemeral = b"", public_key_from_multibase(ecdsa_sd.ephemeral_key_multibase(selective))
        else:
            signature = multibase.decode_base58btc(proof["proofValue"])
    except (multibase.MultibaseError, ecdsa_sd.SdError, ValueError) as exc:
        return _fail(f"proofValue: {exc}", proof)
    try:
        method = resolver.resolve(proof["verificationMethod"])
    except ResolutionError as exc:
        return _fail(str(exc), proof)
    family = method.public_key.family
    if family not in _families(suite):
        return _fail(f"{suite} needs an {' or '.join(_families(suite))} key; {method.id} is {family}", proof)
    if family == "Ed25519" and len(signature) != 64:
        return _fail("proofValue is not a 64-byte Ed25519 signature", proof)
    if expected_purpose not in method.purposes:
        return _fail(f"{method.id} is not authorised for {expected_purpose} by its controller", proof)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    if "@context" in proof:
        # VC Data Integrity 4.5 step: the proof's @context (already checked to begin the
        # document's) is the one the unsecured document is verified under.
        unsecured["@context"] = proof["@context"]
    config = {k: v for k, v in proof.items() if k != "proofValue"}
    if suite == ecdsa_sd.SUITE:
        return _verify_selective(selective, unsecured, _proof_config(unsecured, config), method, ephemeral, loader,
                                 proof)
    try:
        data = hash_data(suite, unsecured, _proof_config(unsecured, config), loader, _FAMILY_HASH[family])
    except JsonLdError as exc:
        return _fail(f"the document cannot be canonicalized: {exc}", proof)
    except LerError as exc:
        return _fail(str(exc), proof)
    except (TypeError, ValueError) as exc:
        return _fail(f"the document cannot be canonicalized: {exc}", proof)
    if not method.public_key.verify(signature, data):
        return ProofOutcome(False, "the signature does not match the document: it was changed after signing "
                                   "or signed with another key", method.id, method.controller)
    return ProofOutcome(True, f"{proof['cryptosuite']} signature verified with {method.id}", method.id,
                        method.controller, proof.get("created"))



def _verify_selective(selective, unsecured: dict, config: dict, method, ephemeral, loader, proof: dict) -> ProofOutcome:
    try:
        verified, detail = ecdsa_sd.verify(selective, unsecured, config, method.public_key, ephemeral, loader)
    except LerError as exc:
        return _fail(f"the document cannot be canonicalized: {exc}", proof)
    except (TypeError, ValueError) as exc:
        return _fail(f"the document cannot be canonicalized: {exc}", proof)
    if not verified:
        return ProofOutcome(False, detail, method.id, method.controller)
    return ProofOutcome(True, f"{ecdsa_sd.SUITE} {detail} proof verified with {method.id}", method.id,
                        method.controller, proof.get("created"))
