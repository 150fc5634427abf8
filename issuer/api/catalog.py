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


@bp.get("/frameworks/<framework_id>")
def framework_latest(framework_id):
    with session_scope(_sessions()) as session:
        row = catalog.latest_framework(session, framework_id)
        if row is None:
            return problem(404, "Not Found", f"no framework {framework_id}")
        return _cached(row.document)


@bp.get("/frameworks/<framework_id>/<version>")
def framework_version(framework_id, version):
    with session_scope(_sessions()) as session:
        row = catalog.framework_version(session, framework_id, version)
        if row is None:
            return problem(404, "Not Found", f"no version {version} of framework {framework_id}")
        return _cached(row.document)


@bp.get("/frameworks/<framework_id>/<version>/statements/<statement_id>")
def framework_statement(framework_id, version, statement_id):
    with session_scope(_sessions()) as session:
        row = catalog.framework_version(session, framework_id, version)
        for level in (row.document["levels"] if row else []):
            for statement in level["statements"]:
                if statement["id"] == statement_id:
                    return _cached({**statement, "level": level["id"], "levelLabel": level["label"],
                                    "framework": framework_id, "frameworkVersion": version})
        return problem(404, "Not Found", f"no statement {statement_id} in {framework_id} version {version}")


@bp.get("/frameworks/<framework_id>/<version>/levels/<level_id>")
def framework_level(framework_id, version, level_id):
    with session_scope(_sessions()) as session:
        row = catalog.framework_version(session, framework_id, version)
        for level in (row.document["levels"] if row else []):
            if level["id"] == level_id:
                return _cached({**level, "framework": framework_id, "frameworkVersion": version})
        return problem(404, "Not Found", f"no level {level_id} in {framework_id} version {version}")


@bp.get("/programs/<program_id>")
def program_latest(program_id):
    with session_scope(_sessions()) as session:
        row = catalog.latest_program(session, program_id)
        if row is None:
            return problem(404, "Not Found", f"no program {program_id}")
        return _cached(row.document)


@bp.get("/programs/<program_id>/<version>")
def program_version(program_id, version):
    with session_scope(_sessions()) as session:
        row = catalog.program_version(session, program_id, version)
        if row is None:
            return problem(404, "Not Found", f"no version {version} of program {program_id}")
        return _cached(row.document)


@bp.get("/programs/<program_id>/<version>/items/<item_id>")
def program_item(program_id, version, item_id):
    with session_scope(_sessions()) as session:
        row = catalog.program_version(session, program_id, version)
        if row is not None:
            document = row.document
            groups = [("work_process", document.get("work_processes") or []),
                      ("competency", document.get("competencies") or []),
                      ("course", (document.get("related_instruction") or {}).get("courses") or [])]
            for kind, items in groups:
                for item in items:
                    if item["id"] == item_id:
                        return _cached({**item, "kind": kind, "program": program_id, "programVersion": version})
        return problem(404, "Not Found", f"no item {item_id} in program {program_id} version {version}")
