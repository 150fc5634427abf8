"""What the portals do, without HTTP: staff accounts and roles, who may see which apprentice,
sign-offs as attestations, apprentices' magic links, and progress laid out for people.

Every change writes its audit row in the caller's transaction (`issuer.audit.record`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from issuer.delivery import mail
from issuer.delivery.models import Delivery
from issuer.errors import LerError
from issuer.issuance.models import IssuedCredential
from issuer.issuance.services import IssuanceContext
from issuer import audit
from issuer.portal import security
from issuer.portal.models import Assignment, StaffAccount
from issuer.portal.sealing import PREFIX as SEALED, SecretBox
from issuer.progress.models import Apprentice, Enrollment
from issuer.progress.recording import ProgressError
from issuer.rules import ATTAINED, COMPETENCY, OCCUPATION, STATEMENT, SignOff, format_hours
from issuer.sponsors.models import Sponsor
from issuer.workflow.earning import progress_of, record_entry

ROLES = ("administrator", "coordinator", "journeyworker", "viewer")
ROLE_LABELS = {"administrator": "Administrator", "coordinator": "Coordinator",
               "journeyworker": "Journeyworker", "viewer": "Viewer"}

# What each role may do; "view" is reading the sponsor's programs, apprentices and credentials
# (a journeyworker's reading is further limited to the apprentices assigned to them).
PERMISSIONS = {
    "view": set(ROLES),
    "enrol": {"administrator", "coordinator"},
    "record": {"administrator", "coordinator"},
    "assign": {"administrator", "coordinator"},
    "batches": {"administrator", "coordinator"},
    "sign_off": {"journeyworker"},
    "revoke": {"administrator"},
    "deliver": {"administrator", "coordinator"},
    "keys": {"administrator"},
    "staff": {"administrator"},
    "audit": {"administrator"},
}

_EMAIL = re.compile(r"[^@\s]{1,64}@[^@\s]{1,255}\.[^@\s]{1,63}")
MAX_NAME = 120


class PortalError(LerError):
    """A request the portal refuses; `status` is the HTTP status that says why."""

    def __init__(self, message: str, status: int = 422, field: str | None = None):
        super().__init__(message)
        self.message, self.status, self.field = message, status, field


def can(role: str, permission: str) -> bool:
    return role in PERMISSIONS[permission]


@dataclass(frozen=True)
class StaffView:
    """The signed-in staff member, as plain values a request can keep."""
    id: int
    sponsor_id: int
    sponsor_name: str
    email: str
    name: str
    role: str
    totp_enabled: bool

    @property
    def role_label(self) -> str:
        return ROLE_LABELS[self.role]

    @property
    def attestation(self) -> str:
        """How a sign-off names its journeyworker in the ledger and the credential's evidence."""
        return f"{self.name} ({self.role_label})"

    @property
    def audit_label(self) -> str:
        return staff_label(self)

    def can(self, permission: str) -> bool:
        return can(self.role, permission)


def staff_label(staff: StaffAccount | StaffView) -> str:
    """Who a staff member is in the audit log."""
    return f"{staff.name} <{staff.email}> ({staff.role})"


def staff_view(session: Session, staff: StaffAccount) -> StaffView:
    sponsor = session.get(Sponsor, staff.sponsor_id)
    return StaffView(staff.id, staff.sponsor_id, sponsor.name, staff.email, staff.name, staff.role,
                     staff.totp_secret is not None)


def normalise_email(email: str | None) -> str:
    value = (email or "").strip().lower()
    if len(value) > 320 or not _EMAIL.fullmatch(value):
        raise PortalError(f"{email!r} is not an email address", field="email")
    return value


def _clean_name(name: str | None) -> str:
    value = " ".join((name or "").split())
    if not value:
        raise PortalError("a name is required", field="name")
    if len(value) > MAX_NAME:
        raise PortalError(f"the name is longer than {MAX_NAME} characters", field="name")
    return value


def _check_role(role: str) -> str:
    if role not in ROLES:
        raise PortalError(f"role must be one of {', '.join(ROLES)}", field="role")
    return role


# --- staff accounts ------------------------------------------------------------------------

def create_staff(session: Session, sponsor: Sponsor, email: str, name: str, role: str) -> tuple[StaffAccount, str]:
    """A new staff account without a password, and its one-time set-password token."""
    email, name, role = normalise_email(email), _clean_name(name), _check_role(role)
    taken = session.scalars(select(StaffAccount).where(StaffAccount.email == email)).first()
    if taken is not None:
        # Staff sign in by email alone, so an address has one account on the whole service. The
        # answer is the same whoever holds it, and says nothing of that account (its sponsor,
        # name or role): another sponsor's staff stay theirs to know.
        raise PortalError("this address cannot be given a new account; if they are on your staff already, "
                          "they are in the list below, otherwise ask them for another address",
                          status=409, field="email")
    staff = StaffAccount(sponsor_id=sponsor.id, email=email, name=name, role=role, active=True)
    session.add(staff)
    session.flush()
    audit.record(session, sponsor.id, "staff.created", f"staff:{staff.id}", email=email, name=name, role=role)
    return staff, password_link(session, staff)


def password_link(session: Session, staff: StaffAccount) -> str:
    token = security.issue_link_token(session, "password", security.PASSWORD_LINK_LIFETIME, staff_id=staff.id)
    audit.record(session, staff.sponsor_id, "staff.password_link", f"staff:{staff.id}", email=staff.email)
    return token


def staff_of(session: Session, sponsor_id: int, staff_id: int) -> StaffAccount:
    staff = session.get(StaffAccount, staff_id)
    if staff is None or staff.sponsor_id != sponsor_id:
        raise PortalError("no such staff member", status=404)
    return staff


def _administrators_left(session: Session, sponsor_id: int, without: int) -> int:
    return session.scalar(select(func.count()).select_from(StaffAccount).where(
        StaffAccount.sponsor_id == sponsor_id, StaffAccount.role == "administrator",
        StaffAccount.active.is_(True), StaffAccount.id != without))


def change_staff(session: Session, actor: StaffView, staff_id: int, *, role: str | None = None,
                 active: bool | None = None) -> StaffAccount:
    """Change a colleague's role or switch their account off or on; they are signed out."""
    staff = staff_of(session, actor.sponsor_id, staff_id)
    changes = {}
    if role is not None and _check_role(role) != staff.role:
        changes["role"] = [staff.role, role]
    if active is not None and active != staff.active:
        changes["active"] = [staff.active, active]
    if not changes:
        return staff
    losing_admin = staff.role == "administrator" and staff.active and (
        changes.get("role", [None, "administrator"])[1] != "administrator" or active is False)
    if losing_admin and not _administrators_left(session, actor.sponsor_id, staff.id):
        raise PortalError("the sponsor would have no administrator left", status=409)
    if role is not None:
        staff.role = role
    if active is not None:
        staff.active = active
    security.end_staff_sessions(session, staff.id)
    audit.record(session, actor.sponsor_id, "staff.changed", f"staff:{staff.id}", email=staff.email, **changes)
    return staff


def set_password_with_link(session: Session, token: str, password: str) -> StaffAccount:
    problem = security.password_problem(password)
    if problem:
        raise PortalError(problem, field="password")
    row = security.use_link_token(session, "password", token)
    staff = session.get(StaffAccount, row.staff_id) if row else None
    if staff is None or not staff.active:
        raise PortalError("this link is not valid any more; ask an administrator for a new one", status=410)
    staff.password_hash = security.hash_password(password)
    security.end_staff_sessions(session, staff.id)
    audit.record(session, staff.sponsor_id, "staff.password_set", f"staff:{staff.id}", email=staff.email,
                 by=audit.Actor(staff_label(staff), audit.current_actor().ip))
    return staff


def change_password(session: Session, actor: StaffView, current: str, new: str,
                    keep_session: int | None = None) -> None:
    """A new password; every other session of the account ends (one opened with the old
    password elsewhere must not outlive it), the one that made the change (`keep_session`) stays."""
    staff = session.get(StaffAccount, actor.id)
    if not security.check_password(staff, current):
        raise PortalError("the current password is not right", field="current")
    problem = security.password_problem(new)
    if problem:
        raise PortalError(problem, field="password")
    staff.password_hash = security.hash_password(new)
    security.end_staff_sessions(session, staff.id, keep=keep_session)
    audit.record(session, staff.sponsor_id, "staff.password_changed", f"staff:{staff.id}", email=staff.email)


@dataclass
class SignInResult:
    staff: StaffAccount | None = None
    wait: int = 0                       # seconds until another attempt is heard


def authenticate(session: Session, email: str, password: str, ip: str | None) -> SignInResult:
    """Check a password, slowed down after repeated failures for the account or the address."""
    account = (email or "").strip().lower()[:320]
    staff = session.scalars(select(StaffAccount).where(StaffAccount.email == account)).first()
    security.hold_account(session, staff)
    wait = security.wait_seconds(session, "password", account, ip)
    if wait:
        return SignInResult(wait=wait)
    ok = security.check_password(staff, password or "") and staff.active
    security.note_attempt(session, "password", account, ip, ok)
    if not ok:
        return SignInResult()
    security.upgrade_hash_if_needed(staff, password)
    return SignInResult(staff=staff)


def second_factor(session: Session, staff: StaffAccount, code: str, ip: str | None, box: SecretBox) -> SignInResult:
    security.hold_account(session, staff)
    wait = security.wait_seconds(session, "code", staff.email, ip)
    if wait:
        return SignInResult(wait=wait)
    secret = box.open(staff.totp_secret)
    step = security.totp_step(secret, code, staff.totp_last_step)
    security.note_attempt(session, "code", staff.email, ip, step is not None)
    if step is None:
        return SignInResult()
    staff.totp_last_step = step
    if not staff.totp_secret.startswith(SEALED):      # enabled before secrets were sealed
        staff.totp_secret = box.seal(secret)
    return SignInResult(staff=staff)


def signed_in(session: Session, staff: StaffAccount, ip: str | None) -> str:
    staff.last_login_at = security.utcnow()
    audit.record(session, staff.sponsor_id, "staff.signed_in", f"staff:{staff.id}", email=staff.email,
                 by=audit.Actor(staff_label(staff), ip))
    security.prune(session)
    return security.start_session(session, sponsor_id=staff.sponsor_id, staff_id=staff.id, ip=ip)


def begin_totp(session: Session, actor: StaffView, box: SecretBox) -> str:
    """The secret to show for the authenticator app (the same one until it is confirmed)."""
    staff = session.get(StaffAccount, actor.id)
    if staff.totp_pending_secret is None:
        staff.totp_pending_secret = box.seal(security.new_totp_secret())
    return box.open(staff.totp_pending_secret)


def confirm_totp(session: Session, actor: StaffView, code: str, box: SecretBox) -> None:
    staff = session.get(StaffAccount, actor.id)
    pending = staff.totp_pending_secret
    step = security.totp_step(box.open(pending), code, None) if pending else None
    if step is None:
        raise PortalError("that code is not right; check the clock of the phone and try the next code",
                          field="code")
    staff.totp_secret, staff.totp_pending_secret, staff.totp_last_step = box.seal(box.open(pending)), None, step
    audit.record(session, staff.sponsor_id, "staff.second_factor_on", f"staff:{staff.id}", email=staff.email)


def disable_totp(session: Session, actor: StaffView, password: str, keep_session: int | None = None) -> None:
    """Turn the second factor off; the account's other sessions end, as after a password change."""
    staff = session.get(StaffAccount, actor.id)
    if not security.check_password(staff, password):
        raise PortalError("the password is not right", field="password")
    staff.totp_secret = staff.totp_pending_secret = staff.totp_last_step = None
    security.end_staff_sessions(session, staff.id, keep=keep_session)
    audit.record(session, staff.sponsor_id, "staff.second_factor_off", f"staff:{staff.id}", email=staff.email)


# --- who sees which apprentice ---------------------------------------------------------------

def _assigned(staff_id: int):
    return select(Assignment.apprentice_id).where(Assignment.staff_id == staff_id)


def visible_apprentice(session: Session, viewer: StaffView, apprentice_id: str) -> Apprentice | None:
    """The apprentice if the viewer may see them: same sponsor, and assigned to a journeyworker.
    Anything else is None, which the web layer answers as 404 (not even existence leaks)."""
    apprentice = session.get(Apprentice, apprentice_id) if len(apprentice_id or "") <= 36 else None
    if apprentice is None or apprentice.sponsor_id != viewer.sponsor_id:
        return None
    if viewer.role == "journeyworker" and session.scalar(select(func.count()).select_from(Assignment).where(
            Assignment.staff_id == viewer.id, Assignment.apprentice_id == apprentice.id)) == 0:
        return None
    return apprentice


PAGE_SIZE = 50


def search_apprentices(session: Session, viewer: StaffView, text: str = "", program: str = "", cohort: str = "",
                       page: int = 1) -> tuple[list[tuple[Apprentice, list[Enrollment]]], bool]:
    """(apprentices with their enrollments, whether there is a next page), by name, email or
    the sponsor's own id, program and cohort."""
    query = select(Apprentice).where(Apprentice.sponsor_id == viewer.sponsor_id)
    if viewer.role == "journeyworker":
        query = query.where(Apprentice.id.in_(_assigned(viewer.id)))
    if text.strip():
        like = f"%{text.strip().lower()[:100]}%"
        query = query.where(or_(func.lower(Apprentice.name).like(like), func.lower(Apprentice.email).like(like),
                                func.lower(Apprentice.external_id).like(like)))
    if program or cohort:
        enrolled = select(Enrollment.apprentice_id)
        if program:
            enrolled = enrolled.where(Enrollment.program_id == program)
        if cohort:
            enrolled = enrolled.where(Enrollment.cohort == cohort)
        query = query.where(Apprentice.id.in_(enrolled))
    rows = list(session.scalars(query.order_by(Apprentice.name, Apprentice.id)
                                .offset((max(page, 1) - 1) * PAGE_SIZE).limit(PAGE_SIZE + 1)))
    enrollments = enrollments_of(session, [a.id for a in rows[:PAGE_SIZE]])
    return [(a, enrollments.get(a.id, [])) for a in rows[:PAGE_SIZE]], len(rows) > PAGE_SIZE


def enrollments_of(session: Session, apprentice_ids: list[str]) -> dict[str, list[Enrollment]]:
    out: dict[str, list[Enrollment]] = {}
    if apprentice_ids:
        for e in session.scalars(select(Enrollment).where(Enrollment.apprentice_id.in_(apprentice_ids))
                                 .order_by(Enrollment.id)):
            out.setdefault(e.apprentice_id, []).append(e)
    return out


def cohorts(session: Session, sponsor_id: int) -> list[str]:
    return sorted(c for c in session.scalars(
        select(Enrollment.cohort).distinct().join(Apprentice, Apprentice.id == Enrollment.apprentice_id)
        .where(Apprentice.sponsor_id == sponsor_id, Enrollment.cohort.is_not(None))) if c)


def journeyworkers(session: Session, sponsor_id: int) -> list[StaffAccount]:
    return list(session.scalars(select(StaffAccount).where(
        StaffAccount.sponsor_id == sponsor_id, StaffAccount.role == "journeyworker",
        StaffAccount.active.is_(True)).order_by(StaffAccount.name)))


def assigned_journeyworkers(session: Session, apprentice: Apprentice) -> list[StaffAccount]:
    return list(session.scalars(select(StaffAccount).join(Assignment, Assignment.staff_id == StaffAccount.id)
                                .where(Assignment.apprentice_id == apprentice.id).order_by(StaffAccount.name)))


def assign(session: Session, actor: StaffView, apprentice: Apprentice, staff_id: int, on: bool) -> None:
    staff = staff_of(session, actor.sponsor_id, staff_id)
    if staff.role != "journeyworker":
        raise PortalError("only journeyworkers are assigned to apprentices", field="staff")
    row = session.scalars(select(Assignment).where(Assignment.staff_id == staff.id,
                                                   Assignment.apprentice_id == apprentice.id)).first()
    if on and row is None:
        session.add(Assignment(sponsor_id=actor.sponsor_id, staff_id=staff.id, apprentice_id=apprentice.id))
    elif not on and row is not None:
        session.delete(row)
    else:
        return
    session.flush()
    audit.record(session, actor.sponsor_id, "assignment.added" if on else "assignment.removed",
                 f"apprentice:{apprentice.id}", journeyworker=staff.email)


# --- progress laid out for people ----------------------------------------------------------

@dataclass
class StatementRow:
    id: str
    text: str
    signed: SignOff | None           # the attainment that counts (date, signed_off_by), once attained


@dataclass
class LevelRow:
    key: str
    label: str
    title: str
    earned: bool
    statements: list[StatementRow]

    @property
    def done(self) -> int:
        return sum(1 for s in self.statements if s.signed)

    @property
    def remaining(self) -> list[StatementRow]:
        return [s for s in self.statements if not s.signed]


@dataclass
class CompetencyRow:
    id: str
    category: str | None
    text: str
    level: str | None
    signed: SignOff | None           # the sign-off at `level` that counts
    higher: tuple[str, ...]          # the levels it can still be signed off at


@dataclass
class ProgramProgress:
    enrollment: Enrollment
    program: dict
    achievements: tuple
    levels: list[LevelRow] = field(default_factory=list)
    competencies: list[CompetencyRow] = field(default_factory=list)
    competency_levels: tuple[str, ...] = ()
    totals: dict = field(default_factory=dict)
    frameworks: list[dict] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.program["title"]

    @property
    def occupation(self):
        return next((a for a in self.achievements if a.kind == OCCUPATION), None)

    @property
    def competencies_left(self) -> list[CompetencyRow]:
        top = self.competency_levels[-1] if self.competency_levels else None
        return [c for c in self.competencies if c.level != top]

    @property
    def can_sign_off(self) -> bool:
        return bool(self.levels or self.competencies)


def program_progress(session: Session, enrollment: Enrollment) -> ProgramProgress:
    program, frameworks, progress = progress_of(session, enrollment)
    document = program.document
    by_key = {a.key: a for a in progress.achievements}
    levels = []
    for framework in frameworks:
        for level in sorted(framework["levels"], key=lambda lvl: lvl["order"]):
            status = by_key.get(f"level:{framework['id']}:{level['id']}")
            evidence = status.evidence if status else None
            levels.append(LevelRow(
                key=status.key if status else level["id"], label=level["label"],
                title=status.title if status else level["label"], earned=bool(status and status.earned),
                statements=[StatementRow(s["id"], s["text"], evidence.signoff_of(s["id"]) if evidence else None)
                            for s in level["statements"]]))
    competency_levels = tuple(document.get("competency_levels") or ())
    occupation = by_key.get("occupation")
    signed = occupation.evidence if occupation else None    # each competency's sign-offs
    competencies = []
    if competency_levels:
        for c in document.get("competencies") or []:
            found = signed.competency(c["id"]) if signed else None
            best = found.best if found else None
            level = best.level if best else None
            rank = competency_levels.index(level) if level in competency_levels else -1
            competencies.append(CompetencyRow(c["id"], c.get("category"), c["text"], level, best,
                                              competency_levels[rank + 1:]))
    return ProgramProgress(enrollment, document, progress.achievements, levels, competencies, competency_levels,
                           progress.totals, frameworks)


def enrollment_of(session: Session, apprentice: Apprentice, enrollment_id: int | str | None) -> Enrollment | None:
    try:
        wanted = int(enrollment_id) if enrollment_id not in (None, "") else None
    except (TypeError, ValueError):
        return None
    rows = list(session.scalars(select(Enrollment).where(Enrollment.apprentice_id == apprentice.id)
                                .order_by(Enrollment.id)))
    if wanted is None:
        return rows[0] if len(rows) == 1 else None
    return next((e for e in rows if e.id == wanted), None)


# --- sign-offs -------------------------------------------------------------------------------

@dataclass
class SignOffOutcome:
    recorded: list[str] = field(default_factory=list)
    issued: list[IssuedCredential] = field(default_factory=list)
    entries: list[int] = field(default_factory=list)     # the ledger entries made (for an undo)


def sign_off(session: Session, ctx: IssuanceContext, actor: StaffView, apprentice: Apprentice,
             enrollment: Enrollment, *, statements: list[str], competencies: list[tuple[str, str]],
             on: date, today: date | None = None) -> SignOffOutcome:
    """Record the journeyworker's attestations: each statement attained, each competency at a
    level, dated `on`, signed off by "Name (Journeyworker)". Credentials they complete are
    issued in the same transaction (record_entry). Signing off what is already signed off is
    refused, so a double tap never records twice."""
    if not actor.can("sign_off"):
        raise PortalError("only journeyworkers sign off", status=403)
    if enrollment.apprentice_id != apprentice.id:
        raise PortalError("no such enrollment", status=404)
    if not statements and not competencies:
        raise PortalError("choose what to sign off", field="item")
    layout = program_progress(session, enrollment)
    open_statements = {s.id for level in layout.levels for s in level.statements if not s.signed}
    known_statements = {s.id for level in layout.levels for s in level.statements}
    rows = {c.id: c for c in layout.competencies}
    entries = []
    for sid in dict.fromkeys(statements):
        if sid not in known_statements:
            raise PortalError(f"{sid} is not a statement of {layout.title}", field="item")
        if sid not in open_statements:
            raise PortalError(f"{sid} is signed off already", status=409, field="item")
        entries.append((STATEMENT, sid, ATTAINED))
    for cid, level in competencies:
        row = rows.get(cid)
        if row is None:
            raise PortalError(f"{cid} is not a competency of {layout.title}", field="item")
        if level not in row.higher:
            raise PortalError(f"{cid} is at {row.level or 'no level'} already; sign off a higher level",
                              status=409, field="item")
        entries.append((COMPETENCY, cid, level))
    outcome = SignOffOutcome()
    for entry_type, item, value in entries:
        try:
            result = record_entry(session, ctx, enrollment, entry_type=entry_type, item=item, value=value,
                                  entry_date=on, signed_off_by=actor.attestation,
                                  recorded_by=f"portal:{actor.email}", source="portal sign-off", today=today)
        except ProgressError as exc:
            raise PortalError(exc.message, field=exc.field) from None
        if result.entry is None:
            # The ledger keeps one entry per item, value, date and journeyworker: this one was
            # signed off and undone today, and the same sign-off again would be taken for a repeat.
            raise PortalError(f"{item} was signed off on {on.isoformat()} and undone; sign it off with another "
                              "date, or ask a coordinator to correct the ledger", status=409, field="item")
        if result.entry is not None:
            outcome.recorded.append(item)
            outcome.entries.append(result.entry.id)
            outcome.issued.extend(result.issuance.issued)
    return outcome


# --- apprentices' sign-in --------------------------------------------------------------------

def magic_links(session: Session, email: str, ip: str | None) -> list[tuple[Apprentice, Sponsor, str]]:
    """One sign-in link per apprentice record with this email (one per sponsor), at most
    MAGIC_LINKS_PER_HOUR requests an hour per address so nobody is flooded with mail."""
    try:
        email = normalise_email(email)
    except PortalError:
        return []
    if security.recent_count(session, "magic", email, security.FAILURE_WINDOW * 4) >= security.MAGIC_LINKS_PER_HOUR:
        return []
    security.note_attempt(session, "magic", email, ip, True)
    out = []
    for apprentice in session.scalars(select(Apprentice).where(func.lower(Apprentice.email) == email)):
        token = security.issue_link_token(session, "apprentice", security.MAGIC_LINK_LIFETIME,
                                          apprentice_id=apprentice.id)
        out.append((apprentice, session.get(Sponsor, apprentice.sponsor_id), token))
    return out


def apprentice_label(apprentice: Apprentice) -> str:
    """Who an apprentice is in the audit log."""
    return f"apprentice {apprentice.name} <{apprentice.email or apprentice.external_id}>"


def magic_link_message(config, *, to: str, apprentice: str, sponsor: str, url: str, minutes: int) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"] = mail.sender(config), to
    message["Subject"] = f"Your sign-in link for {sponsor}"
    message.set_content("\n".join([
        f"Hello {apprentice},", "",
        f"Open this link to see your apprenticeship progress and credentials with {sponsor}:", url, "",
        f"It works once, within {minutes} minutes. If you did not ask for it, ignore this message."]))
    return message


def apprentice_signed_in(session: Session, token: str, ip: str | None) -> tuple[str, Apprentice] | None:
    row = security.use_link_token(session, "apprentice", token)
    apprentice = session.get(Apprentice, row.apprentice_id) if row else None
    if apprentice is None:
        return None
    audit.record(session, apprentice.sponsor_id, "apprentice.signed_in", f"apprentice:{apprentice.id}",
                 by=audit.Actor(apprentice_label(apprentice), ip))
    return security.start_session(session, sponsor_id=apprentice.sponsor_id, apprentice_id=apprentice.id,
                                  ip=ip), apprentice


def credentials_of(session: Session, apprentice: Apprentice) -> list[IssuedCredential]:
    return list(session.scalars(select(IssuedCredential).where(IssuedCredential.apprentice_id == apprentice.id)
                                .order_by(IssuedCredential.issued_at)))


def sponsor_credentials(session: Session, viewer: StaffView) -> list[tuple[IssuedCredential, Apprentice]]:
    """The sponsor's credentials, newest first (a journeyworker's: their apprentices' only)."""
    query = (select(IssuedCredential, Apprentice).join(Apprentice, Apprentice.id == IssuedCredential.apprentice_id)
             .where(IssuedCredential.sponsor_id == viewer.sponsor_id))
    if viewer.role == "journeyworker":
        query = query.where(Apprentice.id.in_(_assigned(viewer.id)))
    return [(c, a) for c, a in session.execute(query.order_by(IssuedCredential.issued_at.desc()).limit(500))]


def claimed(session: Session, credential_id: str) -> bool:
    """Whether a copy is in the apprentice's wallet: one was handed out (delivery records each)
    and the wallet has not since reported it failed or deleted (OpenID4VCI notifications)."""
    return session.scalar(select(func.count()).select_from(Delivery).where(
        Delivery.credential_id == credential_id,
        or_(Delivery.wallet_event.is_(None), Delivery.wallet_event == "credential_accepted"))) > 0


def percent(done, needed) -> int:
    if not needed:
        return 100
    return max(0, min(100, int(Decimal(str(done)) * 100 / Decimal(str(needed)))))


def number(value) -> str:
    """Hours and counts as people write them: 8.5, 300 (never 3E+2 or 8.50)."""
    return format_hours(value) if isinstance(value, Decimal) else str(value)


def when(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return security.aware(value).strftime("%Y-%m-%d %H:%M UTC")
    return value.isoformat()

