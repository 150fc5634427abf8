"""An enrollment's progress as JSON-ready values, the one shape the sponsor API
(GET /api/v1/apprentices/<id>/progress) and `ler progress show --json` both print."""

from __future__ import annotations

from issuer.progress.models import Enrollment
from issuer.rules import Progress


def progress_json(enrollment: Enrollment, progress: Progress) -> dict:
    """Totals as JSON: figures as strings (hours are decimals), lists and objects kept, so the
    RTI of each enrolment year reads as a list of years."""
    return {"program": enrollment.program_id, "totals": {k: _figures(v) for k, v in progress.totals.items()},
            "achievements": [{"key": a.key, "kind": a.kind, "title": a.title, "earned": a.earned,
                              "done": str(a.done), "needed": str(a.needed), "missing": list(a.missing)}
                             for a in progress.achievements]}


def _figures(value):
    if isinstance(value, dict):
        return {str(k): _figures(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_figures(v) for v in value]
    if isinstance(value, bool) or value is None:
        return value
    return str(value)
