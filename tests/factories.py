"""Credentials for tests, made with the package's own builder."""

from __future__ import annotations

from issuer.credentials.openbadge import Achievement, Alignment, IssuerProfile, Recipient, build_credential


def open_badge(issuer_id: str, *, alignments: int = 3, valid_from="2024-01-01T00:00:00Z", valid_until=None,
               subject_id="did:example:apprentice-1", email="ana.lopez@example.org", **kwargs) -> dict:
    # A framework someone else publishes: the verifier warns (cannot vouch for it) but does not fail.
    framework = "https://frameworks.example.org/csr/2026.1"
    return build_credential(
        issuer=IssuerProfile(issuer_id, "Acme Contact Centers", url="https://acme.example"),
        recipient=Recipient(id=subject_id, email=email, name="Ana Lopez"),
        achievement=Achievement(
            id="https://issuer.example/achievements/csr-proficient",
            name="Customer Service Representative: Proficient",
            description="All Proficient statements of the CSR skills framework attained.",
            criteria="Every Proficient statement signed off by a journeyworker.",
            achievement_type="Competency",
            alignments=tuple(
                Alignment(target_name=f"Statement {i}", target_url=f"{framework}/statements/proficient-{i:02d}",
                          target_code=f"proficient-{i:02d}", target_framework="Customer Service Representatives",
                          target_type="ceasn:Competency", target_description="Resolve difficult cases autonomously.")
                for i in range(1, alignments + 1)
            ),
        ),
        valid_from=valid_from,
        valid_until=valid_until,
        **kwargs,
    )
