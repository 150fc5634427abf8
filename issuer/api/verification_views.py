"""What the employer's pages show of a verification: the words for each outcome, and each
credential held by a presentation or a CLR record as one `HeldCredential` (its name, a few facts,
its state in words, every check), whether it comes from the verifier's own result (/verify) or
from a wallet's answer to a request (/verify/requests/...).

A held credential's claims are shown as facts only when its own proof verifies; otherwise they
are marked as what it claims, as the /verify page does for a single credential.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from issuer.api.pages import state_of
from issuer.verify.result import PASS, Check, VerificationResult
from issuer.verify.summary import summarize

LABELS = {"pass": "Passed", "warning": "Check this", "fail": "Failed", "skipped": "Not checked"}
BADGES = {"valid": "Verified", "revoked": "Revoked", "suspended": "Suspended", "expired": "Expired",
          "invalid": "Not valid"}


@dataclass(frozen=True)
class HeldCredential:
    position: int
    title: str
    authentic: bool
    facts: list[tuple[str, str]]
    state: str
    sentence: str
    checks: list[Check]

    @property
    def badge(self) -> str:
        return BADGES[self.state]


def authentic(result: VerificationResult) -> bool:
    """Whether every proof of `result` verified, so what the document says is the signer's word."""
    proofs = [c for c in result.checks if c.name == "proof"]
    return bool(proofs) and all(c.outcome == PASS for c in proofs)


def _held(position: int, name: str | None, facts: list[tuple[str, str | None]], result: VerificationResult
          ) -> HeldCredential:
    trusted = authentic(result)
    state, sentence = state_of(result)
    if name:
        title = f"{position}. {name}" if trusted else f"{position}. Not authentic: claims to be “{name}”"
    else:
        title = f"{position}. Credential {position}"
    return HeldCredential(position, title, trusted, [(k, v) for k, v in facts if v], state, sentence,
                          list(result.checks))


def held_from_result(position: int, result: VerificationResult) -> HeldCredential:
    """A credential inside a presentation or record, from the verifier's own result for it."""
    summary = summarize(result.credential)
    facts = [("Awarded to", summary.get("holder")), ("Program", summary.get("program")),
             ("Framework level", summary.get("level")), ("Issued by", summary.get("issuer") or summary.get("issuerId")),
             ("Issued", summary.get("issued")), ("Identifier", summary.get("id") or result.credential_id)]
    return _held(position, summary.get("achievement") or summary.get("name"), facts, result)


def as_check(item: Any) -> Check:
    """A check from a report: a Check-like object or a (name, outcome, message) triple."""
    if isinstance(item, (tuple, list)):
        return Check(*item)
    if isinstance(item, dict):
        return Check(item["name"], item["outcome"], item["message"])
    return Check(item.name, item.outcome, item.message)


def held_from_report(position: int, credential: Any) -> HeldCredential:
    """A credential of a wallet's answer, from the presentation report (issuer.presentation)."""
    result = VerificationResult(checks=[as_check(c) for c in credential.checks])
    facts = [("Awarded to", credential.subject_name), ("Issued by", credential.issuer_name),
             ("Issued", credential.issued)]
    return _held(position, credential.name, facts, result)
