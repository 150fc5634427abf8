"""The employer's verification report: what was asked of an apprentice's wallet, by whom and when,
and every check of the answer (the request's, the holder binding's, each credential's), printed
by fpdf2 through `render_pdf` for the employer's records.

The values are plain dataclasses built by the pages (issuer.api.verification_views), which also
show them on screen, so that the PDF and the page cannot say different things.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from issuer.delivery.pdf import NAVY, render_pdf
from issuer.delivery.render import render
from issuer.verify.result import Check

BADGES = {"valid": "Verified", "revoked": "Revoked", "suspended": "Suspended", "expired": "Expired",
          "invalid": "Not valid"}
# Outcome colours as on the pages (templates/base.html --ok, --warn, --bad, --muted): the PDF is
# often printed in grey, so each outcome is also spelt out in words.
COLOURS = {"pass": "#1a6b32", "warning": "#7a4b00", "fail": "#a4161a", "skipped": "#4a4a4a"}


@dataclass(frozen=True)
class HeldCredential:
    """One credential of a presentation (or of a CLR record inside one), as a person reads it:
    `title` its name (marked when its signature does not verify), `facts` what it says, `state`
    (valid, revoked, suspended, expired, invalid) with its sentence, its checks, and the
    credentials it holds itself (a CLR record's)."""
    position: int
    title: str
    authentic: bool
    facts: list[tuple[str, str]]
    state: str
    sentence: str
    checks: list[Check]
    inner: list["HeldCredential"] = field(default_factory=list)

    @property
    def badge(self) -> str:
        return BADGES[self.state]


@dataclass(frozen=True)
class RequestReport:
    """An answered request as the report prints it."""
    verifier: str
    asked: str
    asked_at: datetime | None
    answered_at: datetime | None
    expires_at: datetime
    protocol: str
    holder: str | None
    verified: bool
    sentence: str
    checks: list[Check]
    credentials: list[HeldCredential]
    stored: str


def when(moment: datetime | None) -> str:
    """A moment as people read it, in UTC (the report travels between time zones)."""
    return moment.strftime("%-d %B %Y, %H:%M:%S UTC") if moment is not None else "not recorded"


def verification_report(config, report: RequestReport, *, labels: dict[str, str], titles: dict[str, str],
                        generated_at: datetime) -> bytes:
    """The report as PDF bytes. The request page's address is not printed: it holds the handle,
    the key to the result, and a report is made to be filed and passed on."""
    html = render(config, "verify_report.html", report=report, labels=labels, titles=titles, colours=COLOURS,
                  generated=when(generated_at), asked_at=when(report.asked_at), answered_at=when(report.answered_at),
                  expires_at=when(report.expires_at),
                  verify_url=f"{config.base_url}/verify", service_name=config.service_name)
    return render_pdf(config, html, title=f"Verification report: {report.asked}", author=config.service_name,
                      orientation="P", margins=(16, 14), font_size=10,
                      headings={"h1": (NAVY, 20), "h2": (NAVY, 14), "h3": ((0, 0, 0), 11)})
