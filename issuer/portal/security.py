"""Passwords, sessions, sign-in tokens, CSRF tokens, login rate limiting and one-time codes.

CSRF: we use our own synchronizer token rather than Flask-WTF. Flask-WTF keeps its secret in
Flask's cookie session, which needs an application SECRET_KEY that every worker shares and
that an operator must generate and rotate. Our sessions are already server-side with a random
256-bit secret in an HttpOnly cookie, so the token is HMAC(that secret, "csrf"): unguessable
without the cookie, bound to the session (it changes at every sign-in), the same in every
worker, and nothing to store. Before sign-in the same is done with a random pre-session cookie.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

import pyotp
from argon2 import PasswordHasher, extract_parameters
from argon2.exceptions import InvalidHashError, VerificationError
from argon2.low_level import hash_secret
from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from issuer.portal.models import LoginAttempt, PortalSession, SignInToken, StaffAccount

MIN_PASSWORD = 12
# argon2 of a megabyte-long "password" is a cheap way to burn our CPU; nobody types more.
MAX_PASSWORD = 256

STAFF_SESSION = timedelta(hours=12)
STAFF_IDLE = timedelta(hours=2)
APPRENTICE_SESSION = timedelta(days=7)
SECOND_FACTOR_WINDOW = timedelta(minutes=5)
TOUCH_EVERY = timedelta(minutes=1)

MAGIC_LINK_LIFETIME = timedelta(minutes=20)
PASSWORD_LINK_LIFETIME = timedelta(hours=72)
# A password that opens accounts at several sponsors: how long the choice between them stays open.
CHOICE_LIFETIME = timedelta(minutes=5)
MAGIC_LINKS_PER_HOUR = 5

# Failed sign-ins within this window slow the next attempt: after FREE_FAILURES failures for an
# account, each further attempt waits 2, 4, 8, ... seconds after the last failure, up to
# MAX_DELAY; an address gets more rope (it may be a shared office NAT) but the same curve.
FAILURE_WINDOW = timedelta(minutes=15)
FREE_FAILURES = 3
FREE_FAILURES_PER_IP = 10
MAX_DELAY = 900

_hasher = PasswordHasher()  # argon2id, the library's RFC 9106 "low memory" profile
# Unknown accounts are checked against this, so a miss costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def aware(value: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they were written in UTC."""
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)


# --- passwords ---------------------------------------------------------------------------

def password_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD:
        return f"use at least {MIN_PASSWORD} characters"
    if len(password) > MAX_PASSWORD:
        return f"use at most {MAX_PASSWORD} characters"
    return None


def hash_password(password: str, salt: bytes | None = None) -> str:
    """argon2id of the password; `salt` is given to share one with the address's other accounts
    (see `address_salt`)."""
    return _hasher.hash(password, salt=salt)


def _salt(encoded: str) -> bytes:
    field = encoded.split("$")[4]
    return base64.b64decode(field + "=" * (-len(field) % 4))


def address_salt(accounts: list[StaffAccount]) -> bytes | None:
    """The salt an address's accounts share, taken from one that has a password (None: a new one).

    One address may have an account at several sponsors, each with its own password. Signing in
    by address must then check the password against all of them, and the time that takes must
    not tell how many there are (an administrator could otherwise time sign-ins to learn that an
    address they just added is staff elsewhere). With one salt per address the password is
    hashed once, whatever the number of accounts, and compared to each stored hash
    (`matching_accounts`). A shared salt only lets a cracker test one guess against the same
    person's own accounts at once; different people never share one."""
    for account in accounts:
        if account.password_hash:
            try:
                return _salt(account.password_hash)
            except (IndexError, ValueError):
                continue
    return None


def matching_accounts(accounts: list[StaffAccount], password: str) -> list[StaffAccount]:
    """The accounts (of one address) whose password this is, for one argon2 computation per
    salt and parameters in use (one, except across a parameter upgrade): the same work for an
    unknown address, an account without a password, or several accounts."""
    password = password[:MAX_PASSWORD]
    groups: dict[str, list[StaffAccount]] = {}
    for account in accounts:
        if account.password_hash:
            groups.setdefault(account.password_hash.rsplit("$", 1)[0], []).append(account)
    matched = []
    for members in groups.values() or [[]]:
        sample = members[0].password_hash if members else _DUMMY_HASH
        try:
            found = extract_parameters(sample)
            computed = hash_secret(password.encode("utf-8"), _salt(sample), found.time_cost, found.memory_cost,
                                   found.parallelism, found.hash_len, found.type, found.version).decode("ascii")
        except (InvalidHashError, ValueError, IndexError):
            continue
        matched += [a for a in members if hmac.compare_digest(a.password_hash.encode(), computed.encode())]
    return matched


def check_password(account: StaffAccount | None, password: str) -> bool:
    """Constant work whether or not the account exists or has a password yet."""
    stored = account.password_hash if account is not None and account.password_hash else _DUMMY_HASH
    try:
        ok = _hasher.verify(stored, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return False
    return ok and stored is not _DUMMY_HASH


def upgrade_hash_if_needed(account: StaffAccount, password: str) -> None:
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password, salt=_salt(account.password_hash))  # the address's salt


# --- where to go after signing in ----------------------------------------------------------

def local_path(target: str | None) -> str | None:
    """`target` as a path on this site, or None. Control characters are stripped first, as
    browsers strip them from a Location (WHATWG URL parser): checked raw, `/\t/evil.example`
    passes as a path and then lands on //evil.example. An open redirect would turn our sign-in
    page into a phishing aid."""
    if not target:
        return None
    cleaned = "".join(ch for ch in target[:2000] if unicodedata.category(ch) != "Cc")
    if cleaned.startswith("/") and not cleaned.startswith("//") and "\\" not in cleaned:
        return cleaned
    return None


# --- CSRF --------------------------------------------------------------------------------

def csrf_token(secret: str) -> str:
    return hmac.new(secret.encode("utf-8"), b"ler-portal-csrf", hashlib.sha256).hexdigest()


def csrf_ok(secret: str | None, presented: str | None) -> bool:
    return bool(secret and presented) and hmac.compare_digest(csrf_token(secret), presented)


# --- rate limiting -----------------------------------------------------------------------

def hold_account(session: Session, staff: StaffAccount | None) -> None:
    """Lock the account's row until the transaction ends, so concurrent sign-in attempts for it
    are counted and checked one at a time: without it, 30 parallel attempts would all read "no
    failures yet" and all have a password checked. (PostgreSQL: SELECT ... FOR UPDATE; SQLite
    already runs one writing transaction at a time.) Unknown accounts have no password to guess."""
    if staff is not None:
        session.execute(select(StaffAccount.id).where(StaffAccount.id == staff.id).with_for_update())


def _delay(failures: int, free: int) -> int:
    return 0 if failures < free else min(2 ** (failures - free + 1), MAX_DELAY)


def wait_seconds(session: Session, kind: str, account: str, ip: str | None, now: datetime | None = None) -> int:
    """Seconds before another attempt is heard for this account (and address); 0 when free."""
    now = now or utcnow()
    since = now - FAILURE_WINDOW
    waits = []
    for column, value, free in ((LoginAttempt.account, account, FREE_FAILURES),
                                (LoginAttempt.ip, ip, FREE_FAILURES_PER_IP)):
        if value is None:
            continue
        last_success = session.scalar(select(func.max(LoginAttempt.created_at)).where(
            LoginAttempt.kind == kind, column == value, LoginAttempt.succeeded.is_(True)))
        start = max(since, aware(last_success)) if last_success else since
        failures, last_failure = session.execute(select(func.count(), func.max(LoginAttempt.created_at)).where(
            LoginAttempt.kind == kind, column == value, LoginAttempt.succeeded.is_(False),
            LoginAttempt.created_at > start)).one()
        delay = _delay(failures, free)
        if delay and last_failure is not None:
            waits.append((aware(last_failure) + timedelta(seconds=delay) - now).total_seconds())
    return max(0, int(max(waits, default=0) + 0.999))


def note_attempt(session: Session, kind: str, account: str, ip: str | None, succeeded: bool,
                 now: datetime | None = None) -> None:
    session.add(LoginAttempt(kind=kind, account=account, ip=ip, succeeded=succeeded, created_at=now or utcnow()))
    session.flush()


def recent_count(session: Session, kind: str, account: str, within: timedelta) -> int:
    return session.scalar(select(func.count()).where(LoginAttempt.kind == kind, LoginAttempt.account == account,
                                                     LoginAttempt.created_at > utcnow() - within))


def prune(session: Session, now: datetime | None = None) -> None:
    """Forget what no longer matters: attempts past every window, sessions and links long over."""
    cutoff = (now or utcnow()) - timedelta(days=2)
    session.execute(delete(LoginAttempt).where(LoginAttempt.created_at < cutoff))
    session.execute(delete(PortalSession).where(PortalSession.expires_at < cutoff))
    session.execute(delete(SignInToken).where(SignInToken.expires_at < cutoff))


# --- sessions ----------------------------------------------------------------------------

@dataclass(frozen=True)
class Signed:
    """A live session as a request sees it (plain values; the ORM row stays in its transaction)."""
    id: int
    sponsor_id: int
    staff_id: int | None
    apprentice_id: str | None
    second_factor_pending: bool


def start_session(session: Session, *, sponsor_id: int, ip: str | None, staff_id: int | None = None,
                  apprentice_id: str | None = None, second_factor_pending: bool = False) -> str:
    """A new session (always a new secret: signing in never reuses a cookie, so no fixation)."""
    token = new_secret()
    now = utcnow()
    if second_factor_pending:
        lifetime = SECOND_FACTOR_WINDOW
    else:
        lifetime = STAFF_SESSION if staff_id is not None else APPRENTICE_SESSION
    session.add(PortalSession(token_hash=digest(token), sponsor_id=sponsor_id, staff_id=staff_id,
                              apprentice_id=apprentice_id, second_factor_pending=second_factor_pending,
                              created_at=now, last_seen_at=now, expires_at=now + lifetime, ip=ip))
    session.flush()
    return token


def find_session(session: Session, token: str | None) -> Signed | None:
    if not token or len(token) > 100:
        return None
    row = session.scalars(select(PortalSession).where(PortalSession.token_hash == digest(token))).first()
    now = utcnow()
    if row is None or row.ended_at is not None or aware(row.expires_at) <= now:
        return None
    if row.staff_id is not None:
        if now - aware(row.last_seen_at) > STAFF_IDLE:
            return None
        staff = session.get(StaffAccount, row.staff_id)
        if staff is None or not staff.active:
            return None
    if now - aware(row.last_seen_at) > TOUCH_EVERY:
        row.last_seen_at = now
    return Signed(row.id, row.sponsor_id, row.staff_id, row.apprentice_id, row.second_factor_pending)


def end_session(session: Session, session_id: int) -> None:
    session.execute(update(PortalSession).where(PortalSession.id == session_id, PortalSession.ended_at.is_(None))
                    .values(ended_at=utcnow()))


def end_staff_sessions(session: Session, staff_id: int, keep: int | None = None) -> None:
    """Signs a staff member out everywhere (disabled, role changed, password changed, second
    factor turned off), except in the session `keep` that made the change."""
    session.execute(update(PortalSession).where(PortalSession.staff_id == staff_id, PortalSession.ended_at.is_(None),
                                                PortalSession.id != (keep if keep is not None else -1))
                    .values(ended_at=utcnow()))


# --- single-use links ----------------------------------------------------------------------

def issue_link_token(session: Session, purpose: str, lifetime: timedelta, *, staff_id: int | None = None,
                     apprentice_id: str | None = None) -> str:
    token = new_secret()
    now = utcnow()
    session.add(SignInToken(purpose=purpose, token_hash=digest(token), staff_id=staff_id,
                            apprentice_id=apprentice_id, created_at=now, expires_at=now + lifetime))
    session.flush()
    return token


def peek_link_token(session: Session, purpose: str, token: str) -> SignInToken | None:
    """The token's row if it is still usable, without using it (the confirmation page)."""
    if not token or len(token) > 100:
        return None
    row = session.scalars(select(SignInToken).where(SignInToken.token_hash == digest(token),
                                                    SignInToken.purpose == purpose)).first()
    if row is None or row.used_at is not None or aware(row.expires_at) <= utcnow():
        return None
    return row


def use_link_token(session: Session, purpose: str, token: str) -> SignInToken | None:
    """Marks the token used and returns its row, or None if it is unknown, used or expired.

    A conditional UPDATE, not a read then a write: of two requests racing with one link,
    exactly one sees its row updated.
    """
    row = peek_link_token(session, purpose, token)
    if row is None:
        return None
    result = session.execute(update(SignInToken).where(SignInToken.id == row.id, SignInToken.used_at.is_(None))
                             .values(used_at=utcnow()))
    return row if result.rowcount == 1 else None


# --- one-time codes (TOTP, RFC 6238) -------------------------------------------------------

def new_totp_secret() -> str:
    return pyotp.random_base32()


def totp_uri(secret: str, email: str, issuer: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=email, issuer_name=issuer)


def totp_step(secret: str, code: str, last_step: int | None, now: datetime | None = None) -> int | None:
    """The time step `code` belongs to (this one or either neighbour, for clock drift), if it is
    right and later than the last code accepted; None otherwise."""
    code = "".join(ch for ch in (code or "") if ch.isdigit())
    if len(code) != 6:
        return None
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now or utcnow())
    for step in (current - 1, current, current + 1):
        if hmac.compare_digest(totp.generate_otp(step), code) and (last_step is None or step > last_step):
            return step
    return None
