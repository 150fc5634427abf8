"""Loading program files into versioned rows, and reading them back.

A version is immutable: loading a file whose content differs from the stored version of the
same number records a new version (the declared number plus a content-hash suffix) instead of
changing the old one, so every credential keeps pointing at exactly what it was issued under.
"""

from __future__ import annotations

import hashlib
import json
from importlib import resources
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from issuer.programs.models import FrameworkVersion, ProgramFramework, ProgramVersion

DATA_DIR = Path(str(resources.files("issuer.programs") / "data"))


def content_hash(document: dict) -> str:
    return hashlib.sha256(json.dumps(document, sort_keys=True, ensure_ascii=False).encode("utf-8")).hexdigest()


def read_program_files(directory: Path = DATA_DIR) -> tuple[list[dict], list[dict]]:
    programs, frameworks = [], []
    for path in sorted(directory.glob("*.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        (frameworks if document.get("kind") == "framework" else programs).append(document)
    return programs, frameworks


def _store(session: Session, model, document: dict, digest: str):
    """(the stored version of `document`, whether it was new): content seen before is reused."""
    key = document["id"]
    existing = session.scalars(select(model).where(model.key() == key, model.content_hash == digest)).first()
    if existing:
        return existing, False
    # A document published without a version (the seed framework has "version": null) gets one
    # named by its content, so the same text yields the same version on every installation.
    version = str(document.get("version") or digest[:12])
    if _version(session, model, key, version) is not None:
        version = f"{version}+{digest[:12]}"
    row = model(**{model.key_column: key}, version=version, content_hash=digest,
                document={**document, "version": version})
    session.add(row)
    session.flush()
    return row, True


def _store_program(session: Session, document: dict, frameworks: dict[str, FrameworkVersion]) -> ProgramVersion:
    row, created = _store(session, ProgramVersion, document, content_hash(document))
    if not created:
        return row
    for framework_id in document.get("frameworks", []):
        if framework_id not in frameworks:
            raise ValueError(f"program {document['id']} names unknown framework {framework_id}")
        session.add(ProgramFramework(program_version_id=row.id, framework_version_id=frameworks[framework_id].id))
    session.flush()
    return row


def load(session: Session, directory: Path = DATA_DIR) -> list[ProgramVersion]:
    """Store every program and framework file (idempotent: unchanged files add nothing)."""
    programs, framework_docs = read_program_files(directory)
    frameworks = {doc["id"]: _store(session, FrameworkVersion, doc, content_hash({**doc, "version": None}))[0]
                  for doc in framework_docs}
    return [_store_program(session, doc, frameworks) for doc in programs]


def _latest(session: Session, model, key: str):
    return session.scalars(select(model).where(model.key() == key).order_by(model.id.desc())).first()


def _version(session: Session, model, key: str, version: str):
    return session.scalars(select(model).where(model.key() == key, model.version == version)).first()


def latest_program(session: Session, program_id: str) -> ProgramVersion | None:
    return _latest(session, ProgramVersion, program_id)


def program_version(session: Session, program_id: str, version: str) -> ProgramVersion | None:
    return _version(session, ProgramVersion, program_id, version)


def frameworks_of(session: Session, program: ProgramVersion) -> list[FrameworkVersion]:
    return list(session.scalars(select(FrameworkVersion).join(
        ProgramFramework, ProgramFramework.framework_version_id == FrameworkVersion.id)
        .where(ProgramFramework.program_version_id == program.id).order_by(FrameworkVersion.framework_id)))


def latest_framework(session: Session, framework_id: str) -> FrameworkVersion | None:
    return _latest(session, FrameworkVersion, framework_id)


def framework_version(session: Session, framework_id: str, version: str) -> FrameworkVersion | None:
    return _version(session, FrameworkVersion, framework_id, version)


def all_latest_programs(session: Session) -> list[ProgramVersion]:
    ids = sorted(set(session.scalars(select(ProgramVersion.program_id))))
    return [latest_program(session, pid) for pid in ids]
