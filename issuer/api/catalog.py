"""Published programs and frameworks: every version, and every statement and item at its own
URL, so that credential alignments point at something real that never changes."""

from __future__ import annotations

from flask import Blueprint, jsonify

from issuer.api.problems import problem
from issuer.api.context import services as _services
from issuer.db import session_scope
from issuer.programs import catalog

bp = Blueprint("catalog", __name__)


def _sessions():
    return _services().sessions


def _cached(payload, status=200):
    response = jsonify(payload)
    response.status_code = status
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


_LOOKUPS = {"framework": (catalog.latest_framework, catalog.framework_version),
            "program": (catalog.latest_program, catalog.program_version)}


def _published(kind: str, document_id: str, version: str | None):
    """A published program or framework, its latest version or the one named (cacheable: a
    version never changes), or the 404 naming what is not there."""
    latest, versioned = _LOOKUPS[kind]
    with session_scope(_sessions()) as session:
        if version is None:
            row, missing = latest(session, document_id), f"no {kind} {document_id}"
        else:
            row, missing = versioned(session, document_id, version), f"no version {version} of {kind} {document_id}"
        return problem(404, "Not Found", missing) if row is None else _cached(row.document)


@bp.get("/frameworks/<framework_id>", defaults={"version": None})
@bp.get("/frameworks/<framework_id>/<version>")
def framework(framework_id, version):
    return _published("framework", framework_id, version)


@bp.get("/programs/<program_id>", defaults={"version": None})
@bp.get("/programs/<program_id>/<version>")
def program(program_id, version):
    return _published("program", program_id, version)


def _member(groups, wanted: str, about: dict, missing: str):
    """One member of a published document by its id: `groups` are (what to add about the group,
    its members), `about` says whose version it is."""
    for group, members in groups:
        for member in members:
            if member["id"] == wanted:
                return _cached({**member, **group, **about})
    return problem(404, "Not Found", missing)


def _levels(session, framework_id: str, version: str) -> list:
    row = catalog.framework_version(session, framework_id, version)
    return row.document["levels"] if row else []


@bp.get("/frameworks/<framework_id>/<version>/statements/<statement_id>")
def framework_statement(framework_id, version, statement_id):
    with session_scope(_sessions()) as session:
        groups = [({"level": level["id"], "levelLabel": level["label"]}, level["statements"])
                  for level in _levels(session, framework_id, version)]
        return _member(groups, statement_id, {"framework": framework_id, "frameworkVersion": version},
                       f"no statement {statement_id} in {framework_id} version {version}")


@bp.get("/frameworks/<framework_id>/<version>/levels/<level_id>")
def framework_level(framework_id, version, level_id):
    with session_scope(_sessions()) as session:
        return _member([({}, _levels(session, framework_id, version))], level_id,
                       {"framework": framework_id, "frameworkVersion": version},
                       f"no level {level_id} in {framework_id} version {version}")


@bp.get("/programs/<program_id>/<version>/items/<item_id>")
def program_item(program_id, version, item_id):
    with session_scope(_sessions()) as session:
        row = catalog.program_version(session, program_id, version)
        document = row.document if row is not None else {}
        groups = [({"kind": "work_process"}, document.get("work_processes") or []),
                  ({"kind": "competency"}, document.get("competencies") or []),
                  ({"kind": "course"}, (document.get("related_instruction") or {}).get("courses") or [])]
        return _member(groups, item_id, {"program": program_id, "programVersion": version},
                       f"no item {item_id} in program {program_id} version {version}")
