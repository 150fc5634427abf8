"""The apprenticeship record of an enrolment: a CLR 2.0 `ClrCredential` signed by the sponsor,
holding every credential the apprentice holds in the program, kept as numbered versions.

A version is issued exactly when the set of credentials held changes: one is earned, or one is
revoked (a revoked credential is left out of the next version; one flagged for revocation but
not revoked stays). Older versions are kept as signed: a copy handed to an employer earlier
still verifies (each credential inside it is checked for its own status). The newest version
is the current one.

Exactly once: versions are numbered per enrolment under a unique key (enrolment, version), and
each is stored in a savepoint (as `issuer.issuance.store` stores credentials). A writer that
loses the race reads the winner's version; when it holds the same credentials, that is the
answer (two writers for one held set make one version), else the writer goes again.

When: signing a record costs 0.03 s for a few credentials to 0.1-0.7 s for dozens
(benchmarks/records.py, benchmarks/verify_clr.py), so records are not re-signed for every chunk
of a multi-year import, nor for every apprentice an import or a batch touches: an import of 200
apprentices that each earn one credential costs 1.9 s of CPU, and making their 200 records after
it 4.4 s more (2 cores, load 4-7). So a version is made eagerly only where one change arrives at a time:
an entry recorded through the API or the console (`issuer.workflow.earning.record_entries`) that
earns something, and a revocation (`IssuanceContext.revoked`, called by the status domain). Every
other change (imports, web batches, and enrolments that existed before records did) is caught
up lazily: `current` makes the version when the record is next asked for (the apprentice's
page, /records/<id>/current, the wallet, `ler records show`), or in bulk by `ler records
refresh`. A record page whose version is the newest but no longer holds what is held says so and
links to /records/<id>/current.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import and_, select
from sqlalchemy.orm import Session

from issuer.credentials import clr
from issuer.credentials.openbadge import Achievement, IssuerProfile, Recipient
from issuer.errors import CredentialError
from issuer.issuance import content, signing
from issuer.issuance.lookup import URN, row_id
from issuer.issuance.models import IssuedCredential, RecordVersion
from issuer.issuance.store import add_once
from issuer.progress import state as states
from issuer.progress.models import Apprentice, Enrollment
from issuer.rules import OCCUPATION_KEY, evaluate
from issuer.sponsors.models import Sponsor
from issuer.sponsors.services import issuer_profile
from issuer.status.models import StatusEntry

log = logging.getLogger(__name__)

# Writers that lose a race for a version number read the winner's and go again when the held
# set moved on meanwhile; more than this many lost races in one call is not a race but a bug.
ATTEMPTS = 5
KINDS = {v: k for k, v in content.ACHIEVEMENT_TYPES.items()}   # achievementType -> the rules' kind


# A credential's status entry, when it is revoked.
_REVOKED = and_(StatusEntry.status_list_id == IssuedCredential.status_list_id,
                StatusEntry.status_index == IssuedCredential.status_index, StatusEntry.revoked.is_(True))


def _held(enrollment: Enrollment, *columns):
    """The credentials the enrolment's record holds: every one issued to the apprentice in the
    enrolment's program version, but those revoked; by row id."""
    return select(*columns).outerjoin(StatusEntry, _REVOKED).where(
        IssuedCredential.apprentice_id == enrollment.apprentice_id,
        IssuedCredential.program_version_id == enrollment.program_version_id,
        StatusEntry.status_index.is_(None)).order_by(IssuedCredential.id)


def held_credentials(session: Session, enrollment: Enrollment) -> list[IssuedCredential]:
    return list(session.scalars(_held(enrollment, IssuedCredential)))


def held_ids(session: Session, enrollment: Enrollment) -> list[str]:
    """`held_credentials`' ids alone: whether a version is due is decided without reading documents."""
    return list(session.scalars(_held(enrollment, IssuedCredential.id)))


def stale(session: Session, version: RecordVersion) -> bool:
    """Whether the credentials held changed since `version` (a new version is due when it is the newest)."""
    return version.credential_ids != held_ids(session, session.get(Enrollment, version.enrollment_id))


def newest(session: Session, enrollment_id: int) -> RecordVersion | None:
    return session.scalars(select(RecordVersion).where(RecordVersion.enrollment_id == enrollment_id)
                           .order_by(RecordVersion.version.desc()).limit(1)).first()


def find(session: Session, name: str) -> RecordVersion | None:
    """A version by its public id (with or without `urn:uuid:`); None for anything else."""
    key = row_id(name) if isinstance(name, str) else ""
    return session.get(RecordVersion, key) if 0 < len(key) <= 36 else None


def versions(session: Session, enrollment_id: int) -> list[RecordVersion]:
    return list(session.scalars(select(RecordVersion).where(RecordVersion.enrollment_id == enrollment_id)
                                .order_by(RecordVersion.version)))


def _earned(book: states.Book, credential: IssuedCredential) -> clr.EarnedCredential:
    """A held credential with its kind (as its achievementType says) and, for a framework level,
    its place among its framework's levels (the program's order, lowest first)."""
    achievement = (credential.document.get("credentialSubject") or {}).get("achievement") or {}
    # Ours are of the four kinds the rules name; anything else is listed beside the competencies.
    kind = KINDS.get(achievement.get("achievementType"), clr.COMPETENCY)
    if kind != clr.FRAMEWORK_LEVEL:
        return clr.EarnedCredential(credential.document, kind)
    _, framework_id, level_id = (credential.achievement_key.split(":", 2) + ["", ""])[:3]
    levels = next((fw["levels"] for fw in book.frameworks if fw["id"] == framework_id), [])
    order = next((i for i, level in enumerate(levels) if level["id"] == level_id), None)
    if order is None:
        raise CredentialError(f"credential {credential.id}: level {credential.achievement_key!r} is not in the "
                              f"program's frameworks")
    return clr.EarnedCredential(credential.document, kind, clr.LevelPosition(framework_id, order))


@dataclass(frozen=True)
class ClrInputs:
    """What a version of the record is built from (`clr.build_clr`'s inputs but the id and date):
    also what the wallet's delivery rebuilds a holder-bound copy from."""
    issuer: IssuerProfile
    recipient: Recipient
    program: clr.ProgramIdentity
    earned: tuple[clr.EarnedCredential, ...]
    occupation: Achievement | None = None
    partial: bool = False

    def build(self, *, record_id: str, valid_from: datetime | str) -> dict:
        """The unsigned ClrCredential, id urn:uuid:`record_id`; raises CredentialError when the
        builder refuses (more than `clr.MAX_CREDENTIALS`, say)."""
        return clr.build_clr(issuer=self.issuer, recipient=self.recipient, program=self.program, earned=self.earned,
                             valid_from=valid_from, occupation=self.occupation, partial=self.partial,
                             credential_id=f"{URN}{record_id}")


def clr_inputs(session: Session, ctx, enrollment: Enrollment, held: Iterable[IssuedCredential],
               salt: str | None = None) -> ClrInputs:
    """The inputs of `enrollment`'s record over `held` (its credentials); `salt`: the one the
    recipient's hashed email identifier is to use (a new one when None)."""
    apprentice = session.get(Apprentice, enrollment.apprentice_id)
    sponsor = session.get(Sponsor, apprentice.sponsor_id)
    book = states.book(session, enrollment.program_version_id)
    program = book.document
    issuer = issuer_profile(sponsor, ctx.identity.sponsor_did(sponsor.slug), ctx.base_url)
    earned = tuple(_earned(book, c) for c in held)
    occupation = None
    if not any(e.kind == clr.OCCUPATION for e in earned):
        # Not yet earned: the occupation's achievement as its credential will name it, so that
        # the parts held are related to it already.
        status = evaluate(program, book.frameworks, []).get(OCCUPATION_KEY)
        occupation = content.award(status=status, program=program, frameworks=book.frameworks,
                                   urls=content.Urls(ctx.base_url), issuer=issuer).achievement
    return ClrInputs(issuer=issuer,
                     recipient=Recipient(id=apprentice.did, email=apprentice.email, salt=salt, name=apprentice.name),
                     program=clr.ProgramIdentity(program["title"], program["version"], program.get("onet_soc"),
                                                 program.get("rapids_code")),
                     earned=earned, occupation=occupation)


def inputs_of(session: Session, ctx, version: RecordVersion) -> ClrInputs:
    """The inputs `version` was built from: its credentials as stored, the salt of its recipient's
    identifier (so a rebuild hashes the email alike)."""
    held = [session.get(IssuedCredential, i) for i in version.credential_ids]
    identifiers = version.document.get("credentialSubject", {}).get("identifier") or [{}]
    return clr_inputs(session, ctx, session.get(Enrollment, version.enrollment_id), [c for c in held if c],
                      salt=identifiers[0].get("salt"))


def _store(session: Session, ctx, enrollment: Enrollment, held: list[IssuedCredential], number: int,
           now: datetime) -> RecordVersion | None:
    """Version `number` signed and stored, or None when another writer stored that number first."""
    record_id = str(uuid.uuid4())
    unsigned = clr_inputs(session, ctx, enrollment, held).build(record_id=record_id, valid_from=now)
    document = signing.with_proof(session, ctx.keys, unsigned, loader=ctx.loader)
    apprentice = session.get(Apprentice, enrollment.apprentice_id)
    row = RecordVersion(id=record_id, enrollment_id=enrollment.id, apprentice_id=apprentice.id,
                        sponsor_id=apprentice.sponsor_id, program_version_id=enrollment.program_version_id,
                        version=number, document=document, credential_ids=[c.id for c in held], issued_at=now)
    # Signed before the savepoint: on SQLite a read-only request (no BEGIN) takes the write lock
    # only at this first write, so it never holds it while signing.
    return row if add_once(session, row) else None


def current(session: Session, ctx, enrollment_id: int, *, now: datetime | None = None) -> RecordVersion | None:
    """The enrolment's current record: the newest version when it holds what the apprentice
    holds now, else a new version issued now (in the caller's transaction). None when nothing is
    held (nothing earned yet, or all revoked), or no such enrolment. `ctx`: the IssuanceContext."""
    enrollment = session.get(Enrollment, enrollment_id)
    if enrollment is None:
        return None
    for _ in range(ATTEMPTS):
        latest = newest(session, enrollment.id)
        ids = held_ids(session, enrollment)
        if latest is not None and latest.credential_ids == ids:
            return latest
        held = held_credentials(session, enrollment) if ids else []
        if not held:
            return None
        stored = _store(session, ctx, enrollment, held, (latest.version if latest else 0) + 1,
                        now or datetime.now(timezone.utc))
        if stored is not None:
            return stored
    raise RuntimeError(f"enrolment {enrollment_id}: lost {ATTEMPTS} races for a record version in a row")


def refresh(session: Session, ctx, enrollment_ids: Iterable[int]) -> list[RecordVersion]:
    """`current` of each enrolment, in the caller's transaction: the versions issued now. A record
    the builder refuses is logged and left for later (its credentials stand on their own): the
    change that called for it (an entry, a revocation) must not fail because of it."""
    issued = []
    for enrollment_id in sorted(set(enrollment_ids)):
        before = newest(session, enrollment_id)
        try:
            record = current(session, ctx, enrollment_id)
        except CredentialError as exc:
            log.warning("enrolment %s: no apprenticeship record: %s", enrollment_id, exc)
            continue
        if record is not None and (before is None or record.id != before.id):
            issued.append(record)
    return issued


def enrollments_holding(session: Session, credential_names: Iterable[str]) -> list[int]:
    """The enrolments whose records hold any of `credential_names` (row ids or urn:uuid ids)."""
    ids = sorted({row_id(n) for n in credential_names if isinstance(n, str)})
    found: set[int] = set()
    for start in range(0, len(ids), 400):
        found.update(session.scalars(select(Enrollment.id).join(IssuedCredential, and_(
            IssuedCredential.apprentice_id == Enrollment.apprentice_id,
            IssuedCredential.program_version_id == Enrollment.program_version_id))
            .where(IssuedCredential.id.in_(ids[start:start + 400]))))
    return sorted(found)


def revoked_among(session: Session, credential_ids: list[str]) -> frozenset[str]:
    """Which of `credential_ids` (row ids, as a version lists them) have been revoked since."""
    if not credential_ids:
        return frozenset()
    return frozenset(session.scalars(select(IssuedCredential.id).join(StatusEntry, _REVOKED).where(
        IssuedCredential.id.in_(credential_ids[:clr.MAX_CREDENTIALS]))))


def enrollment_ids(session: Session, sponsor_id: int | None = None, apprentice_id: str | None = None) -> list[int]:
    """Enrolments (of one sponsor, or one apprentice, or all), by id."""
    query = select(Enrollment.id).join(Apprentice, Apprentice.id == Enrollment.apprentice_id)
    if sponsor_id is not None:
        query = query.where(Apprentice.sponsor_id == sponsor_id)
    if apprentice_id is not None:
        query = query.where(Apprentice.id == apprentice_id)
    return list(session.scalars(query.order_by(Enrollment.id)))
