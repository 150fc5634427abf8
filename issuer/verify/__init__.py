"""The verifier: a list of named checks with outcomes and reasons; never raises on bad input."""

from issuer.verify.presentation import verify_presentation
from issuer.verify.result import Check, VerificationResult
from issuer.verify.verifier import verify_credential

__all__ = ["Check", "VerificationResult", "verify_credential", "verify_presentation"]
