"""One answer to a presentation request, whichever protocol carried it: find the request by the
wallet's token, refuse what is not a presentation or would cost too much to verify (nothing is
stored then), verify it (issuer.presentation.binding), and store its report once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from issuer.dates import aware
from issuer.db import session_scope
from issuer.presentation import binding, store
from issuer.presentation.report import PresentationReport, ReportCheck
from issuer.verify import budget
from issuer.verify.result import FAIL

REPLAY = "this request has already been answered; the first answer's report is kept, and a new request is needed"


class AnswerError(Exception):
    """An answer refused before it was verified: `kind` is "unknown" (no such request),
    "replay" (answered already) or "invalid" (not a presentation we can verify); `field` names
    the member at fault."""

    def __init__(self, kind: str, detail: str, field: str | None = None):
        super().__init__(detail)
        self.kind, self.detail, self.field = kind, detail, field


@dataclass(frozen=True)
class Pending:
    """The stored request an answer is for, read before the (slow) verification."""
    id: int
    expected: binding.Expected
    answered: bool


def pending(sessions, token, base_url: str, *, protocol_domain: str, now: datetime) -> Pending:
    """The request the wallet's `token` names; `protocol_domain` is "client_id" (OpenID4VP) or
    "domain" (VC-API): which of the request's values the proof's domain must carry."""
    with session_scope(sessions) as session:
        row = store.for_wallet(session, token, now)
        if row is None:
            raise AnswerError("unknown", "no such presentation request (or it is past its retention)")
        expected = binding.Expected(store.ask_of(row), row.nonce, getattr(row, protocol_domain),
                                    aware(row.expires_at), base_url)
        return Pending(row.id, expected, row.answered_at is not None)


def admissible(presentation, field: str) -> dict:
    """The presentation, if it is one we verify at all: a JSON object within the verifier's budget."""
    if not isinstance(presentation, dict):
        raise AnswerError("invalid", f"{field} must be a JSON object (a verifiable presentation)", field)
    over = budget.check(presentation, presentation=True)
    if over:
        raise AnswerError("invalid", f"{field}: {over}", field)
    return presentation


def answer(sessions, verifier, request: Pending, presentation: dict, protocol: str, now: datetime
           ) -> PresentationReport:
    """Verify and store; a request answered already (before, or by a racing answer) is refused
    and its stored report stays as it was."""
    if request.answered:
        raise AnswerError("replay", REPLAY)
    report = binding.report(verifier, presentation, request.expected, protocol, now)
    _store(sessions, request, protocol, report, now)
    return report


def declined(sessions, request: Pending, protocol: str, error: str, now: datetime) -> PresentationReport:
    """The wallet answered with an error (the holder declined, or no credential matched): the
    employer's page learns so at once instead of waiting for the request to expire."""
    if request.answered:
        raise AnswerError("replay", REPLAY)
    report = PresentationReport.of(protocol, None, [ReportCheck("wallet", FAIL, f"the wallet answered {error!r}: "
                                                                "no presentation was shared")], [], now.isoformat())
    _store(sessions, request, protocol, report, now)
    return report


def _store(sessions, request: Pending, protocol: str, report: PresentationReport, now: datetime) -> None:
    with session_scope(sessions) as session:
        if not store.record_answer(session, request.id, protocol, report.to_json(), now):
            raise AnswerError("replay", REPLAY)
