"""Signing in: staff passwords (set by link, changed, checked with a growing delay after
failures), the second factor, and apprentices' single-use magic links."""

from __future__ import annotations

from dataclasses import dataclass, field
from email.message import EmailMessage

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from issuer.delivery import mail
from issuer import audit
from issuer.portal import security
from issuer.portal.models import StaffAccount
from issuer.sealing import PREFIX as SEALED, SecretBox
from issuer.progress.models import Apprentice
from issuer.sponsors.models import Sponsor
from issuer.portal.roles import PortalError, StaffView, normalise_email, staff_label


def set_password_with_link(session: Session, token: str, password: str) -> StaffAccount:
    problem = security.password_problem(password)
    if problem:
        raise PortalError(problem, field="password")
    row = security.use_link_token(session, "password", token)
    staff = session.get(StaffAccount, row.staff_id) if row else None
    if staff is None or not staff.active:
        raise PortalError("this link is not valid any more; ask an administrator for a new one", status=410)
    staff.password_hash = _hashed_for_address(session, staff, password)
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
    staff.password_hash = _hashed_for_address(session, staff, new)
    security.end_staff_sessions(session, staff.id, keep=keep_session)
    audit.record(session, staff.sponsor_id, "staff.password_changed", f"staff:{staff.id}", email=staff.email)


def _address_accounts(session: Session, email: str) -> list[StaffAccount]:
    """Every account of this address, one per sponsor at most (see StaffAccount)."""
    return list(session.scalars(select(StaffAccount).where(StaffAccount.email == email).order_by(StaffAccount.id)))


def _hashed_for_address(session: Session, staff: StaffAccount, password: str) -> str:
    """The new password's hash, salted like the address's other accounts (security.address_salt)."""
    others = [a for a in _address_accounts(session, staff.email) if a.id != staff.id]
    return security.hash_password(password, security.address_salt(others))


@dataclass
class SignInResult:
    staff: StaffAccount | None = None
    wait: int = 0                       # seconds until another attempt is heard
    # The password is that of accounts at several sponsors: the person chooses which to open.
    choices: list[StaffAccount] = field(default_factory=list)


def authenticate(session: Session, email: str, password: str, ip: str | None) -> SignInResult:
    """Check a password against the address's accounts, slowed down after repeated failures for
    the address or the client. The work is the same for an unknown address, one account or
    several (security.matching_accounts), so sign-in tells nobody how many sponsors know it."""
    address = (email or "").strip().lower()[:320]
    accounts = _address_accounts(session, address)
    for account in accounts:
        security.hold_account(session, account)
    wait = security.wait_seconds(session, "password", address, ip)
    if wait:
        return SignInResult(wait=wait)
    matched = [a for a in security.matching_accounts(accounts, password or "") if a.active]
    security.note_attempt(session, "password", address, ip, bool(matched))
    for account in matched:
        security.upgrade_hash_if_needed(account, password)
    if len(matched) > 1:
        return SignInResult(choices=matched)
    return SignInResult(staff=matched[0] if matched else None)


def choice_tokens(session: Session, accounts: list[StaffAccount]) -> list[tuple[Sponsor, str]]:
    """For a password that opens accounts at several sponsors: one single-use, short-lived token
    per account, which the choice page posts back (choose_account) instead of the password."""
    return [(session.get(Sponsor, a.sponsor_id),
             security.issue_link_token(session, "choose", security.CHOICE_LIFETIME, staff_id=a.id)) for a in accounts]


def choose_account(session: Session, token: str) -> StaffAccount | None:
    row = security.use_link_token(session, "choose", token)
    staff = session.get(StaffAccount, row.staff_id) if row else None
    return staff if staff is not None and staff.active else None


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
