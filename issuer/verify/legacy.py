"""Ed25519Signature2020, the Linked Data proof many wallets still hold (VC-DI-EdDSA, appendix:
the suite before Data Integrity). Verify only: we never issue it.

It hashes like eddsa-rdfc-2022 (sha256 of the RDFC-1.0 proof options, with the document's
@context, then of the document) and signs with Ed25519; only the proof's shape differs (its
own type, no cryptosuite), so the canonical hashing is data_integrity's.
"""

from __future__ import annotations

from issuer.errors import LerError
from issuer.proofs import data_integrity, multibase
from issuer.proofs.data_integrity import ProofOutcome
from issuer.proofs.did import ResolutionError
from issuer.proofs.keyfamilies.ed25519 import Ed25519PublicKey

PROOF_TYPE = "Ed25519Signature2020"


def verify(document: dict, proof: dict, *, resolver, loader, expected_purpose: str = "assertionMethod",
           challenge: str | None = None, domain: str | None = None) -> ProofOutcome:
    vm = proof.get("verificationMethod")
    for member in ("verificationMethod", "proofPurpose", "proofValue", "created"):
        if member not in proof:
            return ProofOutcome(False, f"the {PROOF_TYPE} proof has no '{member}'", vm if isinstance(vm, str) else None)
    if proof["proofPurpose"] != expected_purpose:
        return ProofOutcome(False, f"proof purpose is {proof['proofPurpose']!r}, expected {expected_purpose!r}", vm)
    if not data_integrity.is_xsd_datetime(proof["created"]):
        return ProofOutcome(False, f"proof 'created' {proof['created']!r} is not a date-time", vm)
    if challenge is not None and proof.get("challenge") != challenge:
        return ProofOutcome(False, "the proof's challenge does not match the one expected", vm)
    if domain is not None and proof.get("domain") != domain:
        return ProofOutcome(False, "the proof's domain does not match the one expected", vm)
    try:
        signature = multibase.decode_base58btc(proof["proofValue"])
        method = resolver.resolve(vm)
    except (multibase.MultibaseError, ResolutionError) as exc:
        return ProofOutcome(False, str(exc), vm if isinstance(vm, str) else None)
    if not isinstance(method.public_key, Ed25519PublicKey) or len(signature) != 64:
        return ProofOutcome(False, f"{PROOF_TYPE} needs a 64-byte Ed25519 signature from an Ed25519 key", vm)
    if expected_purpose not in method.purposes:
        return ProofOutcome(False, f"{method.id} is not authorised for {expected_purpose} by its controller", vm)
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if "@context" in unsecured:
        options["@context"] = unsecured["@context"]
    try:
        data = data_integrity.hash_data("eddsa-rdfc-2022", unsecured, options, loader)
    except (LerError, TypeError, ValueError) as exc:
        return ProofOutcome(False, f"the document cannot be canonicalized: {exc}", vm)
    if not method.public_key.verify(signature, data):
        return ProofOutcome(False, "the signature does not match the document: it was changed after signing "
                                   "or signed with another key", method.id, method.controller)
    return ProofOutcome(True, f"{PROOF_TYPE} signature verified with {method.id} (a legacy proof type)", method.id,
                        method.controller, proof.get("created"))
