"""One row of an upload's report, as the sponsor reads it: `ler import` and the import API
(issuer.workflow.importer) and web and API batches (issuer.batch.results) answer alike.

A leaf: both domains import it, and neither may import the other's report (batch sits above
progress in the walls, pyproject.toml [tool.importlinter]).
"""

from __future__ import annotations

from typing import Protocol


class ReportedRow(Protocol):
    line: int
    outcome: str
    column: str | None
    message: str | None
    credentials: list[str] | None


def row_json(row: ReportedRow) -> dict:
    """Line and outcome, then the column, message and credentials a row has."""
    out = {"line": row.line, "outcome": row.outcome}
    for key in ("column", "message", "credentials"):
        if getattr(row, key):
            out[key] = getattr(row, key)
    return out
