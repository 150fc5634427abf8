"""The consoles' forms and query strings (/portal for staff, /me for apprentices). Row ids and
page numbers must fit the database's INTEGER; text fields their columns."""

from __future__ import annotations

from pydantic import Field

from issuer.api.models.fields import Form, FormId, Route, line, text
from issuer.api.models.sponsor import ApprenticeIn

MAX_PAGE = 100_000


class NextTarget(Form):
    # Where to go after signing in: a path on this site, on one line.
    next: line(2000) | None = None


class LoginForm(NextTarget):
    email: line(320) | None = None
    password: text(1000) | None = None


class CodeForm(NextTarget):
    code: line(20) | None = None


class ApprenticeSearch(Form):
    q: line(100) | None = None
    program: line(100) | None = None
    cohort: line(100) | None = None
    page: int | None = Field(None, ge=1, le=MAX_PAGE)


class AuditQuery(Form):
    before: int | None = Field(None, ge=0, le=2 ** 31 - 1)


class EntryForm(Form):
    enrollment: FormId | None = None
    item: line(200) | None = None
    hours: line(20) | None = None
    date: line(40) | None = None
    signed_off_by: line(200) | None = None


class CorrectionForm(Form):
    enrollment: FormId | None = None
    entry: FormId | None = None
    action: line(10) | None = None
    value: line(20) | None = None
    date: line(40) | None = None
    reason: text(2000) | None = None


class AssignmentForm(Form):
    staff: FormId | None = None
    assign: line(5) | None = None


class SignoffForm(Form):
    enrollment: FormId | None = None
    date: line(40) | None = None
    statement: list[line(200)] = Field(default_factory=list, max_length=100)
    competency: list[line(200)] = Field(default_factory=list, max_length=100)


class StaffForm(Form):
    name: line(200) | None = None
    email: line(320) | None = None
    role: line(40) | None = None
    change: line(20) | None = None


class KeyForm(Form):
    name: line(200) | None = None


class StatusForm(Form):
    action: line(20) | None = None
    reason: text(2000) | None = None


class PasswordForm(Form):
    current: text(1000) | None = None
    password: text(1000) | None = None
    again: text(1000) | None = None
    change: line(10) | None = None
    code: line(20) | None = None


class EmailForm(Form):
    email: line(320) | None = None


ROUTES = {
    "portal.login": Route(form=LoginForm, query=NextTarget),
    "portal.login_code": Route(form=CodeForm, query=NextTarget),
    "portal.set_password": Route(form=PasswordForm),
    "portal.apprentices": Route(query=ApprenticeSearch),
    "portal.audit_log": Route(query=AuditQuery),
    "portal.enrol": Route(form=ApprenticeIn),  # the sponsor API's enrolment fields
    "portal.record": Route(form=EntryForm),
    "portal.correct": Route(form=CorrectionForm),
    "portal.assignments": Route(form=AssignmentForm),
    "portal.signoff": Route(form=SignoffForm),
    "portal.staff": Route(form=StaffForm),
    "portal.staff_member": Route(form=StaffForm),
    "portal.keys": Route(form=KeyForm),
    "portal.credential_status": Route(form=StatusForm),
    "portal.account_password": Route(form=PasswordForm),
    "portal.account_totp": Route(form=PasswordForm),
    "me.login": Route(form=EmailForm),
}
