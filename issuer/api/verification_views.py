"""What the employer's pages (and the report PDF) show of a verification: the words for each
outcome and check, and each credential held by a presentation or a CLR record as one
`HeldCredential` (its name, a few facts, its state in words, every check, what it holds), whether
it comes from the verifier's own result (/verify) or from a wallet's answer to a request
(/verify/requests/..., issuer.presentation's report).

A held credential's claims are shown as facts only when its own proof verifies; otherwise they
are marked as what it claims, as the /verify page does for a single credential.
"""

from __future__ import annotations

from datetime import datetime

from issuer.api.pages import state_of
from issuer.dates import parse_datetime
from issuer.delivery.report_pdf import HeldCredential, RequestReport
from issuer.presentation.service import RETENTION, CredentialReport, RequestView
from issuer.verify.result import PASS, Check, VerificationResult
from issuer.verify.summary import summarize

LABELS = {"pass": "Passed", "warning": "Check this", "fail": "Failed", "skipped": "Not checked"}
# What the terse check names mean, for people (the name itself follows in brackets). Credential
# checks are the verifier's (issuer.verify); request checks are issuer.presentation's.
TITLES = {"proof": "Signature", "status": "Not revoked or suspended", "framework": "Framework alignment",
          "credentials": "Credentials held",
          "wallet": "The wallet's answer", "expiry": "Answered in time", "replay": "Answered once",
          "nonce": "Nonce (this request's)", "domain": "Domain (this verifier)", "presentation": "Presentation signed",
          "holder": "Holder binding: signed by the holder", "subject": "Holder binding: issued to the holder",
          "asked": "What was asked for"}
STORED = (f"Stored by this service: only this verification result, deleted {RETENTION.total_seconds() / 3600:g} "
          "hours after the request was made. Not stored: the presentation, the credentials in it, or anything "
          "else the wallet sent.")


def authentic(result: VerificationResult) -> bool:
    """Whether every proof of `result` verified, so what the document says is the signer's word."""
    proofs = [c for c in result.checks if c.name == "proof"]
    return bool(proofs) and all(c.outcome == PASS for c in proofs)


def _held(position: int, name: str | None, facts: list[tuple[str, str | None]], result: VerificationResult,
          inner: list[HeldCredential]) -> HeldCredential:
    trusted = authentic(result)
    state, sentence = state_of(result)
    if name:
        title = f"{position}. {name}" if trusted else f"{position}. Not authentic: claims to be “{name}”"
    else:
        title = f"{position}. Credential {position}"
    return HeldCredential(position, title, trusted, [(k, v) for k, v in facts if v], state, sentence,
                          list(result.checks), inner)


def held_from_result(position: int, result: VerificationResult) -> HeldCredential:
    """A credential inside a presentation or record, from the verifier's own result for it."""
    summary = summarize(result.credential)
    facts = [("Awarded to", summary.get("holder")), ("Program", summary.get("program")),
             ("Framework level", summary.get("level")), ("Issued by", summary.get("issuer") or summary.get("issuerId")),
             ("Issued", summary.get("issued")), ("Identifier", summary.get("id") or result.credential_id)]
    inner = [held_from_result(n, r) for n, r in enumerate(result.credentials, 1)]
    return _held(position, summary.get("achievement") or summary.get("name"), facts, result, inner)


def _checks(items) -> list[Check]:
    return [Check(c.name, c.outcome, c.message) for c in items]


def held_from_report(position: int, credential: CredentialReport) -> HeldCredential:
    """A credential of a wallet's answer, from the presentation report (issuer.presentation)."""
    result = VerificationResult(checks=_checks(credential.checks))
    facts = [("Awarded to", credential.subject), ("Issued by", credential.issuer), ("Issued", credential.issued),
             ("O*NET-SOC code", credential.onet_soc), ("Identifier", credential.id)]
    inner = [held_from_report(n, c) for n, c in enumerate(credential.credentials, 1)]
    return _held(position, credential.name, facts, result, inner)


def answer_sentence(view: RequestView) -> str:
    report = view.report
    if report.verified:
        return (f"Verified: the holder {report.holder} presented {view.ask.label}, signed by the holder for this "
                "request, and every credential verified.")
    return "Not verified: " + "; ".join(f"{TITLES.get(c.name, c.name)}: {c.message}" for c in report.failed)


def request_report(view: RequestView) -> RequestReport:
    """An answered request (`view.report` is set) as the page and the PDF show it."""
    report = view.report
    return RequestReport(
        verifier=view.verifier, asked=view.ask.label, asked_at=view.created_at,
        answered_at=parse_datetime(report.received_at), expires_at=view.expires_at,
        protocol={"openid4vp": "OpenID4VP 1.0", "vcapi": "VC-API exchange"}.get(report.protocol, report.protocol),
        holder=report.holder, verified=report.verified, sentence=answer_sentence(view), checks=_checks(report.checks),
        credentials=[held_from_report(n, c) for n, c in enumerate(report.credentials, 1)], stored=STORED)


def moment(value: datetime | None) -> str:
    """A moment for a page: the date and minute, UTC (the employer's clock may be anywhere)."""
    return value.strftime("%-d %B %Y, %H:%M UTC") if value is not None else ""
