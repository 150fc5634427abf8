"""The verification report of an answered presentation request: the one thing kept of an answer
(issuer.presentation.models), what the employer's page shows and the PDF prints.

Plain, JSON-serialisable dataclasses: `to_json` is what is stored, `from_json` reads it back.
"""

from __future__ import annotations

from dataclasses import dataclass

from issuer.verify.result import FAIL


@dataclass(frozen=True)
class ReportCheck:
    name: str
    outcome: str   # pass | fail | warning | skipped (issuer.verify.result)
    message: str

    def to_json(self) -> dict:
        return {"name": self.name, "outcome": self.outcome, "message": self.message}

    @classmethod
    def from_json(cls, data: dict) -> "ReportCheck":
        return cls(data["name"], data["outcome"], data["message"])


def _checks(data) -> tuple[ReportCheck, ...]:
    return tuple(ReportCheck.from_json(c) for c in data or [])


@dataclass(frozen=True)
class CredentialReport:
    """One presented credential: what it says (as issuer.verify.summary reads it) and its own
    checks (signature `proof`, `issuer`, `dates`, `status`, `framework`, ...; a CLR's inner
    credentials are in `credentials`)."""
    name: str | None
    issuer: str | None
    subject: str | None
    issued: str | None
    verified: bool
    checks: tuple[ReportCheck, ...]
    id: str | None = None
    onet_soc: str | None = None
    credentials: tuple["CredentialReport", ...] = ()

    def to_json(self) -> dict:
        return {"name": self.name, "issuer": self.issuer, "subject": self.subject, "issued": self.issued,
                "verified": self.verified, "id": self.id, "onetSoc": self.onet_soc,
                "checks": [c.to_json() for c in self.checks],
                "credentials": [c.to_json() for c in self.credentials]}

    @classmethod
    def from_json(cls, data: dict) -> "CredentialReport":
        return cls(data.get("name"), data.get("issuer"), data.get("subject"), data.get("issued"),
                   bool(data.get("verified")), _checks(data.get("checks")), data.get("id"), data.get("onetSoc"),
                   tuple(cls.from_json(c) for c in data.get("credentials") or []))


@dataclass(frozen=True)
class PresentationReport:
    """`checks` are the request's and the holder binding's: `expiry`, `replay`, `nonce`,
    `domain`, `presentation` (its proof, signed by the holder), `subject` (every credential is
    the holder's), `asked` (a credential is what was asked for), `credentials` (each verified)."""
    verified: bool
    protocol: str            # openid4vp | vcapi
    holder: str | None
    checks: tuple[ReportCheck, ...]
    credentials: tuple[CredentialReport, ...]
    received_at: str         # ISO 8601, UTC

    @classmethod
    def of(cls, protocol: str, holder: str | None, checks: list[ReportCheck], credentials: list[CredentialReport],
           received_at: str) -> "PresentationReport":
        verified = bool(checks) and all(c.outcome != FAIL for c in checks)
        return cls(verified, protocol, holder, tuple(checks), tuple(credentials), received_at)

    def check(self, name: str) -> ReportCheck | None:
        return next((c for c in self.checks if c.name == name), None)

    @property
    def failed(self) -> list[ReportCheck]:
        return [c for c in self.checks if c.outcome == FAIL]

    def to_json(self) -> dict:
        return {"verified": self.verified, "protocol": self.protocol, "holder": self.holder,
                "checks": [c.to_json() for c in self.checks],
                "credentials": [c.to_json() for c in self.credentials], "receivedAt": self.received_at}

    @classmethod
    def from_json(cls, data: dict) -> "PresentationReport":
        return cls(bool(data["verified"]), data["protocol"], data.get("holder"), _checks(data.get("checks")),
                   tuple(CredentialReport.from_json(c) for c in data.get("credentials") or []), data["receivedAt"])
