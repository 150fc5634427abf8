"""Running an approved batch: in chunks, each committed whole, resumable from any crash.

Exactly once rests on the database, not on the runner: the rows still `valid` are the ones not
run yet (a chunk's credentials, its rows' outcomes and the batch counters commit together),
and the unique key (apprentice, program version, achievement) refuses a second credential
whatever happens between two runners. A row that fails is marked failed in its own savepoint
and never undoes the rows before it.

Cohort certificates take the bulk path, pipelined: while the signing pool signs chunk n, the
runner commits chunk n-1 and prepares chunk n+1. Status-list slots are taken a chunk at a time
in a short transaction of their own, so the list's lock is never held while signing; slots of
a chunk lost to a crash stay unused, which the status list allows (indexes are never reused).

Progress rows go through the importer's `apply_rows`, as `ler import`'s do: a transaction per
chunk, each apprentice's rows in date order under one savepoint, issuance by the rules.
"""

from __future__ import annotations

import gc
import logging
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import datetime, timezone

from sqlalchemy import select, update

from issuer.batch import models as m
from issuer.batch.cohort import award_status
from issuer.batch.intake import COHORT
from issuer.batch.lease import LEASE_SECONDS, LeaseLost, lease_alive, new_owner, renew as _renew
from issuer.batch.models import Batch, BatchRow
from issuer.batch.notify import notify
from issuer.credentials.openbadge import IssuerProfile, Recipient
from issuer.credentials.schema import schema_errors
from issuer.db import session_scope, yield_to_writers
from issuer.errors import CredentialError
from issuer.issuance import content, pipeline
from issuer.issuance.models import IssuedCredential
from issuer.issuance.plan import ATTESTATION, Plan
from issuer.issuance.signing import Signer
from issuer.issuance.store import store_all
from issuer import audit
from issuer.programs.models import ProgramVersion, utcnow
from issuer.workflow import importer
from issuer.progress.models import Apprentice
from issuer.rules import AttestationEvidence
from issuer.sponsors.models import Sponsor
from issuer.sponsors.services import issuer_profile
from issuer.status import allocation as status

log = logging.getLogger(__name__)

COHORT_CHUNK = 500
PROGRESS_CHUNK = importer.CHUNK
MAX_ATTEMPTS = 3


def claimable(sessions) -> list[str]:
    """Batches waiting for a runner: approved, or running under a lease nobody holds any more."""
    now = time.time()
    with session_scope(sessions) as session:
        rows = session.execute(select(Batch.id, Batch.lease_owner, Batch.lease_expires)
                               .where(Batch.state.in_((m.APPROVED, m.RUNNING))).order_by(Batch.approved_at)).all()
    return [r.id for r in rows if not lease_alive(r.lease_owner, r.lease_expires, now)]


def claim(sessions, batch_id: str, owner: str) -> bool:
    now = time.time()
    with session_scope(sessions) as session:
        batch = session.get(Batch, batch_id, with_for_update=True)
        if batch is None or batch.state not in (m.APPROVED, m.RUNNING):
            return False
        if batch.lease_owner != owner and lease_alive(batch.lease_owner, batch.lease_expires, now):
            return False
        batch.lease_owner, batch.lease_expires = owner, now + LEASE_SECONDS
        batch.state = m.RUNNING
        batch.started_at = batch.started_at or utcnow()
        batch.run_started, batch.run_rows_start = now, batch.rows_done
        batch.attempts += 1
    return True


def run(services, batch_id: str, *, owner: str | None = None, on_progress=None) -> str:
    """Run (or resume) a batch to its end; the state it was left in, or "busy" when another
    runner holds it. `on_progress()` is called after every committed chunk."""
    owner = owner or new_owner()
    if not claim(services.sessions, batch_id, owner):
        return "busy"
    with session_scope(services.sessions) as session:
        kind = session.get(Batch, batch_id).kind
    try:
        if kind == COHORT:
            _run_cohort(services, batch_id, owner, on_progress)
        else:
            _run_progress(services, batch_id, owner, on_progress)
        notify(services, batch_id, owner)
        with session_scope(services.sessions) as session:
            _renew(session, batch_id, owner)
            session.execute(update(Batch).where(Batch.id == batch_id).values(
                state=m.DONE, finished_at=utcnow(), lease_owner=None, lease_expires=None))
        if on_progress:
            on_progress()
        return m.DONE
    except LeaseLost:
        log.warning("batch %s: lease lost to another runner; stopping", batch_id)
        return "busy"
    except Exception as exc:
        log.exception("batch %s: run failed", batch_id)
        return _after_error(services.sessions, batch_id, owner, exc)


def _after_error(sessions, batch_id: str, owner: str, exc: Exception) -> str:
    """Give the batch back: failed after MAX_ATTEMPTS runs, else approved for the next runner.
    Nothing committed is lost either way; `ler batch approve` resumes a failed batch."""
    with session_scope(sessions) as session:
        batch = session.get(Batch, batch_id, with_for_update=True)
        if batch is None or batch.lease_owner != owner:
            return "busy"
        batch.state = m.FAILED if batch.attempts >= MAX_ATTEMPTS else m.APPROVED
        batch.message = f"{type(exc).__name__}: {exc}"[:2000]
        batch.lease_owner = batch.lease_expires = None
        if batch.state == m.FAILED:
            batch.finished_at = utcnow()
        return batch.state


# --- progress rows ------------------------------------------------------------------------


def _run_progress(services, batch_id: str, owner: str, on_progress) -> None:
    with session_scope(services.sessions) as session:
        starts = importer.earliest_dates(session.execute(select(BatchRow.line, BatchRow.data).where(
            BatchRow.batch_id == batch_id, BatchRow.outcome == m.VALID)))
    after = 0
    while True:
        with session_scope(services.sessions) as session:
            rows = session.execute(select(BatchRow.line, BatchRow.data).where(
                BatchRow.batch_id == batch_id, BatchRow.outcome == m.VALID, BatchRow.line > after)
                .order_by(BatchRow.line).limit(PROGRESS_CHUNK)).all()
            if not rows:
                return
            _renew(session, batch_id, owner)
            sponsor_id = session.get(Batch, batch_id).sponsor_id
            source = f"batch:{batch_id}"
            results = importer.apply_rows(session, services.issuance, sponsor_id, [(r.line, r.data) for r in rows],
                                          source=source, recorded_by=source, starts=starts)
            outcomes = [_progress_outcome(batch_id, result) for result in results]
            _store_outcomes(session, batch_id, outcomes)
            _renew(session, batch_id, owner, rows_done=len(outcomes),
                   rows_failed=sum(1 for o in outcomes if o["outcome"] == m.ROW_FAILED),
                   credentials_issued=sum(len(o["credentials"] or ()) for o in outcomes))
            after = rows[-1].line
        if on_progress:
            on_progress()
        yield_to_writers(services.sessions)


def _store_outcomes(session, batch_id: str, outcomes: list[dict]) -> None:
    """The rows' outcomes: those simply recorded in one UPDATE (most of a chunk), the others
    row by row (an executemany), rather than an UPDATE per row."""
    plain = [o["line"] for o in outcomes if o == _outcome(batch_id, o["line"], m.RECORDED)]
    for start in range(0, len(plain), 400):
        session.execute(update(BatchRow).where(BatchRow.batch_id == batch_id, BatchRow.line.in_(plain[start:start + 400]))
                        .values(outcome=m.RECORDED, column=None, message=None, credentials=None))
    rest = [o for o in outcomes if o != _outcome(batch_id, o["line"], m.RECORDED)]
    if rest:
        session.execute(update(BatchRow), rest)


def _progress_outcome(batch_id, result: importer.RowResult) -> dict:
    if result.outcome == "error":
        return _outcome(batch_id, result.line, m.ROW_FAILED, result.column, result.message)
    if result.outcome == "duplicate":
        return _outcome(batch_id, result.line, m.DUPLICATE, message=result.message)
    return _outcome(batch_id, result.line, m.RECORDED, credentials=result.credentials or None)


def _outcome(batch_id, line, outcome, column=None, message=None, credentials=None) -> dict:
    return {"batch_id": batch_id, "line": line, "outcome": outcome, "column": column, "message": message,
            "credentials": credentials}


# --- cohort certificates ------------------------------------------------------------------


@dataclass
class _Chunk:
    last_line: int
    outcomes: list[dict] = field(default_factory=list)    # rows settled without signing
    issue: list[dict] = field(default_factory=list)       # credential rows, waiting for documents
    signed: object = None                                 # () -> the signed documents, in order


class _Awards:
    """What a batch's credentials share (issuer profile, program, achievement), built once."""

    def __init__(self, services):
        self.services = services
        self.cache: dict = {}
        self.checked: set[tuple] = set()

    def check(self, shape: tuple, document: dict) -> None:
        """The OB 3.0 schema, on the first credential of each shape (award, kind of recipient):
        the others differ from it only in values of the same form (ids, names, dates, slots)."""
        if shape not in self.checked:
            errors = schema_errors(document)
            if errors:
                raise CredentialError("the credential does not meet the OB 3.0 schema: " + "; ".join(errors))
            self.checked.add(shape)

    def sponsor(self, session, sponsor_id: int) -> tuple[str, IssuerProfile]:
        key = ("sponsor", sponsor_id)
        if key not in self.cache:
            sponsor = session.get(Sponsor, sponsor_id)
            did = self.services.identity.sponsor_did(sponsor.slug)
            self.cache[key] = (sponsor.name, issuer_profile(sponsor, did, self.services.config.base_url))
        return self.cache[key]

    def key(self, session, issuer: str):
        """The sponsor's active key, read once per chunk so a rotation applies from the next one."""
        return self.services.keys.sealed(session, issuer)

    def award(self, session, version_id: int, achievement: str, issuer: IssuerProfile):
        key = ("award", version_id, achievement)
        if key not in self.cache:
            program = session.get(ProgramVersion, version_id)
            frameworks, template = award_status(session, program, achievement)
            prepared = content.award(status=template, program=program.document, frameworks=frameworks,
                                     urls=content.Urls(self.services.config.base_url), issuer=issuer)
            self.cache[key] = (program.document, frameworks, template, prepared)
        return self.cache[key]


def _run_cohort(services, batch_id: str, owner: str, on_progress) -> None:
    signer = Signer(services.config, services.loader)
    awards = _Awards(services)
    pending: _Chunk | None = None
    after = 0
    # A chunk allocates hundreds of thousands of short-lived, acyclic containers; each default
    # collection would also walk every long-lived object of the process (contexts, caches, ORM
    # state), which halved the runner's throughput. Those are moved out of the collector's way
    # and collections made rarer for the run (measured: ~2x).
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(50_000, 50, 100)
    try:
        while True:
            chunk = _prepare(services, batch_id, after, awards, signer)
            if pending is not None:
                _commit(services, batch_id, owner, pending)
                if on_progress:
                    on_progress()
                yield_to_writers(services.sessions)
            if chunk is None:
                return
            after, pending = chunk.last_line, chunk
    finally:
        gc.set_threshold(*thresholds)
        signer.close()


def _prepare(services, batch_id: str, after: int, awards: _Awards, signer: Signer) -> _Chunk | None:
    """The next chunk's rows read, what is already held settled, slots taken, documents built
    and handed to the signers (who sign while the previous chunk commits)."""
    with session_scope(services.sessions) as session:
        sponsor_id = session.get(Batch, batch_id).sponsor_id
        rows = session.execute(select(BatchRow.line, BatchRow.data).where(
            BatchRow.batch_id == batch_id, BatchRow.outcome == m.VALID, BatchRow.line > after)
            .order_by(BatchRow.line).limit(COHORT_CHUNK)).all()
        if not rows:
            return None
        chunk = _Chunk(rows[-1].line)
        ids = {r.data["_apprentice"] for r in rows}
        apprentices = {a.id: a for a in session.scalars(select(Apprentice).where(Apprentice.id.in_(ids)))}
        held = {(c.apprentice_id, c.program_version_id, c.achievement_key): c.id for c in session.execute(
            select(IssuedCredential.id, IssuedCredential.apprentice_id, IssuedCredential.program_version_id,
                   IssuedCredential.achievement_key).where(IssuedCredential.apprentice_id.in_(ids)))}
        sponsor_name, issuer = awards.sponsor(session, sponsor_id)
        sealed = awards.key(session, issuer.id)
        wanted = []
        for line, data in rows:
            key = (data["_apprentice"], data["_program_version"], data["achievement"])
            if key in held:
                chunk.outcomes.append(_outcome(batch_id, line, m.ALREADY_ISSUED, message="already held",
                                               credentials=[held[key]]))
            else:
                wanted.append((line, data, apprentices[key[0]], awards.award(session, key[1], key[2], issuer)))
    if not wanted:
        return chunk
    with session_scope(services.sessions) as session:
        slots = status.allocate_range(session, len(wanted), issuer.id)
    base, now = services.config.base_url, datetime.now(timezone.utc)
    documents = []
    for (line, data, apprentice, (program, frameworks, template, prepared)), (list_id, index) in zip(wanted, slots):
        credential_id = str(uuid.uuid4())
        when = f" on {data['completed_on']}" if data.get("completed_on") else ""
        attestation = (f"{sponsor_name} attests that {apprentice.name} achieved {template.title}{when}. "
                       f"Awarded in batch {batch_id}, line {line}.")
        plan = Plan(achievement=replace(template, evidence=AttestationEvidence(attestation)),
                    apprentice_id=apprentice.id, recipient=Recipient(id=apprentice.did, email=apprentice.email,
                                                                     name=apprentice.name),
                    sponsor_id=sponsor_id, issuer=issuer, program_version_id=data["_program_version"],
                    program=program, frameworks=frameworks, origin=ATTESTATION, credential_id=credential_id,
                    prepared=prepared)
        document = pipeline.build(plan, base, (list_id, index), now, validate=False)
        awards.check((data["_program_version"], data["achievement"], bool(apprentice.did), bool(apprentice.email),
                      bool(data.get("completed_on"))), document)
        documents.append(document)
        chunk.issue.append({"line": line, "id": credential_id, "sponsor_id": sponsor_id,
                            "apprentice_id": apprentice.id, "program_version_id": data["_program_version"],
                            "achievement_key": data["achievement"], "status_list_id": list_id, "status_index": index})
    chunk.signed = signer.submit(documents, sealed)
    return chunk


def _commit(services, batch_id: str, owner: str, chunk: _Chunk) -> None:
    documents = chunk.signed() if chunk.issue else []
    now = utcnow()
    values = [{**{k: v for k, v in row.items() if k != "line"}, "document": document,
               "flagged_for_revocation": False, "origin": ATTESTATION, "issued_at": now}
              for row, document in zip(chunk.issue, documents)]
    with session_scope(services.sessions) as session:
        _renew(session, batch_id, owner)
        outcomes = list(chunk.outcomes)
        # Someone may have issued one of these since we looked (the rules, a second runner):
        # the unique key refuses it, and theirs is kept.
        outcomes += [_stored_outcome(batch_id, row["line"], stored)
                     for row, stored in zip(chunk.issue, store_all(session, values))]
        issued = {o["line"] for o in outcomes if o["outcome"] == m.ISSUED}
        audit.record_many(session, [(row["sponsor_id"], "credential.issued", f"credential:{row['id']}",
                                     {"apprentice": row["apprentice_id"], "achievement": row["achievement_key"],
                                      "batch": batch_id}) for row in chunk.issue if row["line"] in issued],
                          by=audit.Actor(f"batch {batch_id}"))
        session.execute(update(BatchRow), outcomes)
        _renew(session, batch_id, owner, rows_done=len(outcomes),
               credentials_issued=sum(1 for o in outcomes if o["outcome"] == m.ISSUED),
               rows_failed=sum(1 for o in outcomes if o["outcome"] == m.ROW_FAILED))


def _stored_outcome(batch_id: str, line: int, stored) -> dict:
    if stored.new:
        return _outcome(batch_id, line, m.ISSUED, credentials=[stored.id])
    if stored.id is None:
        return _outcome(batch_id, line, m.ROW_FAILED, message="the credential could not be stored")
    return _outcome(batch_id, line, m.ALREADY_ISSUED, message="already held", credentials=[stored.id])
