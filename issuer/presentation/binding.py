"""Verifying a wallet's answer: the request's own checks and holder binding, then every
presented credential in full (issuer.verify), as one PresentationReport.

Named checks, in the order a reader follows them:

* `wallet`       (only when the wallet answered with an error instead: it declined);
* `expiry`       the answer came before the request expired;
* `replay`       it is the request's first answer (a later one is refused, the report kept);
* `nonce`        the presentation's proof carries the request's nonce as its `challenge`;
* `domain`       ... and the request's client_id (OpenID4VP) or origin (VC-API) as its `domain`;
* `presentation` the presentation is well formed and its proof verifies (proofPurpose
                 authentication, signed by its holder; issuer.verify.presentation);
* `holder`       the holder is a DID that signed it;
* `subject`      every presented credential is about that DID (a CLR: the record and each
                 credential in it), so the person presenting is the person it was issued to;
* `asked`        a presented credential is what was asked for (the O*NET-SOC code of a
                 completed apprenticeship, or the program);
* `credentials`  every presented credential verifies: signature, issuer, dates, status,
                 framework alignment..., each reported with its own checks.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from issuer.presentation.report import CredentialReport, PresentationReport, ReportCheck
from issuer.presentation.store import OCCUPATION, Ask
from issuer.verify.budget import is_record, record_credentials
from issuer.verify.frameworks import COMPLETION
from issuer.verify.result import FAIL, PASS, VerificationResult
from issuer.verify.summary import summarize
from issuer.verify.vcdm import as_list
from issuer.vocab import ONET_SOC_TYPE

@dataclass(frozen=True)
class Expected:
    """What the answer must carry, from the stored request."""
    ask: Ask
    nonce: str
    domain: str
    expires_at: datetime
    base_url: str


def _proof(presentation: dict) -> dict:
    proofs = [p for p in as_list(presentation.get("proof")) if isinstance(p, dict)]
    return proofs[0] if len(proofs) == 1 else {}


def holder_of(presentation: dict) -> str | None:
    """The holder the presentation names, else the DID of the key that signed it."""
    holder = presentation.get("holder")
    holder = holder.get("id") if isinstance(holder, dict) else holder
    if holder is None:
        method = _proof(presentation).get("verificationMethod")
        holder = method.split("#", 1)[0] if isinstance(method, str) else None
    return holder if isinstance(holder, str) and holder.startswith("did:") else None


def _matches(credential, ask: Ask, base_url: str) -> bool:
    if not isinstance(credential, dict):
        return False
    if is_record(credential):
        return any(_matches(inner, ask, base_url) for inner in record_credentials(credential))
    for subject in as_list(credential.get("credentialSubject")):
        achievement = subject.get("achievement") if isinstance(subject, dict) else None
        if not isinstance(achievement, dict):
            continue
        if ask.kind == OCCUPATION:
            codes = {a.get("targetCode") for a in as_list(achievement.get("alignment"))
                     if isinstance(a, dict) and a.get("targetType") == ONET_SOC_TYPE}
            if achievement.get("achievementType") == COMPLETION and ask.code in codes:
                return True
        elif str(achievement.get("id", "")).startswith(f"{base_url}/programs/{ask.code}/"):
            return True
    return False


def _subjects(credential) -> list[str | None]:
    """Every subject id the credential (and, for a CLR, each credential in it) names."""
    if not isinstance(credential, dict):
        return [None]
    named = [s.get("id") if isinstance(s, dict) else None for s in as_list(credential.get("credentialSubject"))]
    if is_record(credential):
        for inner in record_credentials(credential):
            named += _subjects(inner)
    return named or [None]


def credential_report(result: VerificationResult) -> CredentialReport:
    summary = summarize(result.credential)
    return CredentialReport(
        name=summary.get("name"), issuer=summary.get("issuer") or summary.get("issuerId"),
        subject=summary.get("holder"), issued=summary.get("issued"), verified=result.verified,
        checks=tuple(ReportCheck(c.name, c.outcome, c.message) for c in result.checks), id=summary.get("id"),
        onet_soc=summary.get("onetSoc"), credentials=tuple(credential_report(r) for r in result.credentials))


def _check(name: str, passed: bool, message: str) -> ReportCheck:
    return ReportCheck(name, PASS if passed else FAIL, message)


def _request_checks(presentation: dict, expected: Expected, now: datetime) -> list[ReportCheck]:
    """`expiry`, `replay`, `nonce` and `domain`: the answer is to this request, in time."""
    deadline = expected.expires_at
    proof = _proof(presentation)
    challenge, domain = proof.get("challenge"), proof.get("domain")
    return [
        _check("expiry", now < deadline, f"answered at {now:%Y-%m-%d %H:%M:%S} UTC, before the request expired at "
               f"{deadline:%H:%M:%S}" if now < deadline else
               f"the request expired at {deadline:%Y-%m-%d %H:%M:%S} UTC; the answer came at {now:%H:%M:%S}"),
        # Stored only if no answer was stored before it (issuer.presentation.store.record_answer).
        _check("replay", True, "the first answer to this request (any later one is refused)"),
        _check("nonce", challenge == expected.nonce, "the proof's challenge is this request's nonce"
               if challenge == expected.nonce else
               f"the proof's challenge {str(challenge)[:80]!r} is not this request's nonce"),
        _check("domain", domain == expected.domain, f"the proof's domain is {expected.domain}"
               if domain == expected.domain else f"the proof's domain {str(domain)[:120]!r} is not {expected.domain}"),
    ]


def _binding_checks(presentation: dict, result: VerificationResult, expected: Expected
                    ) -> tuple[str | None, list[ReportCheck]]:
    """(the holder, `presentation`, `holder`, `subject`, `asked` and `credentials`)."""
    signed = result.check("proof")
    # Everything the verifier found wrong with the presentation itself (its structure, contexts,
    # proof); its credentials are the `credentials` check's.
    wrong = [c for c in result.failed if c.name != "credentials"]
    passed = signed is not None and signed.outcome == PASS and not wrong
    checks = [_check("presentation", passed, signed.message if passed else
                     "; ".join(f"{c.name}: {c.message}" for c in wrong) or "the presentation is not signed")]
    holder = holder_of(presentation)
    bound = holder is not None and checks[0].outcome == PASS
    checks.append(_check("holder", bound, f"the presentation is signed by its holder {holder}" if bound else
                         "the presentation names no holder DID that signed it" if holder is None else
                         f"the presentation's holder {holder} is not shown to have signed it"))
    credentials = [r.credential for r in result.credentials]
    if not credentials:
        return holder, checks + [_check(name, False, "the presentation holds no credential")
                                 for name in ("subject", "asked", "credentials")]
    others = sorted({str(s) for c in credentials for s in _subjects(c) if s != holder})
    checks.append(_check("subject", holder is not None and not others,
                         f"every credential was issued to the holder {holder}" if holder is not None and not others
                         else "the credentials cannot be bound to a holder" if holder is None else
                         f"not issued to the holder {holder}: a credential names "
                         + ", ".join(o[:80] for o in others[:3])))
    asked = any(_matches(c, expected.ask, expected.base_url) for c in credentials)
    checks.append(_check("asked", asked, f"a presented credential is {expected.ask.label}" if asked
                         else f"no presented credential is {expected.ask.label}"))
    failing = [str(position) for position, r in enumerate(result.credentials, 1) if not r.verified]
    checks.append(_check("credentials", not failing, f"all {len(credentials)} credential(s) verified" if not failing
                         else f"credential(s) {', '.join(failing)} of {len(credentials)} did not verify: see each "
                         "one's checks"))
    return holder, checks


def report(verifier, presentation: dict, expected: Expected, protocol: str, now: datetime) -> PresentationReport:
    """Verify `presentation` (parsed, within issuer.verify.budget) against `expected`; `verifier`
    is issuer.verify.service.Verifier (its proof check uses the expected nonce and domain too)."""
    result = verifier.presentation(presentation, challenge=expected.nonce, domain=expected.domain)
    holder, binding = _binding_checks(presentation, result, expected)
    return PresentationReport.of(protocol, holder, _request_checks(presentation, expected, now) + binding,
                                 [credential_report(r) for r in result.credentials], now.isoformat())
