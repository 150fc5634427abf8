"""What verification returns: every check with its outcome and a reason a person understands."""

from __future__ import annotations

from dataclasses import dataclass, field

PASS, FAIL, WARNING, SKIPPED = "pass", "fail", "warning", "skipped"
PROBLEM_BASE = "urn:ler-issuer:verification:"


@dataclass(frozen=True)
class Check:
    name: str
    outcome: str
    message: str

    @property
    def passed(self) -> bool:
        return self.outcome in (PASS, WARNING)

    def to_json(self) -> dict:
        return {"name": self.name, "outcome": self.outcome, "passed": self.passed, "message": self.message}


@dataclass
class VerificationResult:
    checks: list[Check] = field(default_factory=list)
    credential: dict | None = None
    readable: bool = True
    # A presentation's result holds each embedded credential's own result.
    credentials: list["VerificationResult"] = field(default_factory=list)

    def add(self, name: str, outcome: str, message: str) -> Check:
        check = Check(name, outcome, message)
        self.checks.append(check)
        return check

    @property
    def verified(self) -> bool:
        return self.readable and bool(self.checks) and all(c.outcome != FAIL for c in self.checks)

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    @property
    def credential_id(self) -> str | None:
        value = self.credential.get("id") if isinstance(self.credential, dict) else None
        return value if isinstance(value, str) else None

    @property
    def failed(self) -> list[Check]:
        return [c for c in self.checks if c.outcome == FAIL]

    def to_json(self) -> dict:
        body = {
            "verified": self.verified,
            "checks": [c.to_json() for c in self.checks],
            "errors": [f"{c.name}: {c.message}" for c in self.failed],
            "warnings": [f"{c.name}: {c.message}" for c in self.checks if c.outcome == WARNING],
            # The VC-API's newer shape for the same failures (RFC 9457-like entries).
            "problemDetails": [{"type": f"{PROBLEM_BASE}{c.name}", "title": f"{c.name} check failed",
                                "detail": c.message} for c in self.failed],
        }
        if self.credentials:
            # Each held credential's result, named by the credential's id where it has one.
            body["credentialResults"] = [{"id": r.credential_id, **r.to_json()} for r in self.credentials]
        return body
