"""The sponsor console and the apprentice's pages over HTTP: sign-in, cookies, CSRF, rate limiting,
the second factor, roles and tenancy, sign-off attestations in credentials, corrections, API keys,
the audit log, magic links through a real SMTP server, the transcript PDF and `ler staff`."""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
import subprocess
import time
import uuid
from datetime import timedelta

import pyotp
import pytest
from sqlalchemy import select, text

from issuer.app import create_app
from issuer.db import session_scope
from issuer.issuance import slots as credential_slots
from issuer.issuance.models import IssuedCredential
from issuer.portal import security
from issuer.portal.models import StaffAccount
from issuer.progress.models import Enrollment, LedgerEntry
from issuer.sponsors.models import ApiKey
from issuer.status import services as status

from portal_support import PASSWORD, Signed, csrf_of, enrol, make_staff, make_tenant, smtp_server

EMERGING = [f"emerging-{i:02d}" for i in range(1, 11)]


def staff_id(services, email: str) -> int:
    with session_scope(services.sessions) as session:
        return session.scalars(select(StaffAccount.id).where(StaffAccount.email == email)).one()


def ledger_of(session, apprentice_id: str) -> list[LedgerEntry]:
    return list(session.scalars(select(LedgerEntry).join(Enrollment, Enrollment.id == LedgerEntry.enrollment_id)
                                .where(Enrollment.apprentice_id == apprentice_id).order_by(LedgerEntry.id)))


def cookie(response, name: str) -> str:
    [value] = [c for c in response.headers.getlist("Set-Cookie") if c.startswith(name + "=")]
    return value


def login(client, email, password):
    page = client.get("/portal/login")
    return client.post("/portal/login", data={"csrf_token": csrf_of(page), "email": email, "password": password})


def issue_work_process(client, tenant) -> str:
    """A credential through the sponsor API (100 OJL hours in work process A)."""
    body = {"external_id": f"E-{uuid.uuid4().hex[:6]}", "name": "Ben Ortiz", "email": "ben@example.org",
            "program": "ny-csr", "start_date": "2024-01-02"}
    apprentice = client.post("/api/v1/apprentices", json=body, headers=tenant.api).get_json()["id"]
    issued = []
    for day in range(1, 6):
        response = client.post(f"/api/v1/apprentices/{apprentice}/entries", headers=tenant.api, json={
            "entry_type": "ojl_hours", "item": "wp-a", "value": "20", "date": f"2024-03-{day:02d}"})
        issued += response.get_json()["issued"]
    return issued[0]["id"]


# --- sign-in, cookies, CSRF, rate limits, second factor ------------------------------------------

def test_sign_in_sets_http_only_same_site_secure_cookies(app, services):
    tenant = make_tenant(services)
    client = app.test_client()
    assert client.get("/portal/apprentices").status_code == 302  # not signed in: to the sign-in page
    response = login(client, tenant.administrator, PASSWORD)
    assert response.status_code == 303
    session_cookie = cookie(response, "ler_staff")
    for flag in ("HttpOnly", "SameSite=Lax", "Secure", "Path=/portal"):
        assert flag in session_cookie
    assert client.get("/portal/apprentices").status_code == 200
    page = client.get("/portal/apprentices")
    assert page.headers["Cache-Control"] == "no-store" and "frame-ancestors 'none'" in page.headers[
        "Content-Security-Policy"]
    response = client.post("/portal/logout", data={"csrf_token": csrf_of(page)})
    assert response.status_code == 303
    assert client.get("/portal/apprentices").status_code == 302


def test_cookies_are_secure_behind_a_tls_proxy(config, services, monkeypatch):
    tenant = make_tenant(services)
    monkeypatch.setattr(services.config, "base_url", "http://issuer.internal")
    config.proxy_hops = 1
    client = create_app(config, services).test_client()
    plain = client.get("/portal/login")
    assert "Secure" not in cookie(plain, "ler_staff_pre")
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    client = create_app(config, services).test_client()
    page = client.get("/portal/login", headers=forwarded)
    response = client.post("/portal/login", headers=forwarded, data={
        "csrf_token": csrf_of(page), "email": tenant.administrator, "password": PASSWORD})
    assert "Secure" in cookie(response, "ler_staff") and "HttpOnly" in cookie(response, "ler_staff")


def test_forms_without_their_csrf_token_are_refused(app, services):
    tenant = make_tenant(services)
    admin = Signed(app, tenant.administrator)
    new = {"name": "Vic Viewer", "email": f"vic-{uuid.uuid4().hex[:6]}@example.org", "role": "viewer"}
    assert admin.client.post("/portal/staff", data=new).status_code == 400
    assert admin.client.post("/portal/staff", data={**new, "csrf_token": "0" * 64}).status_code == 400
    # A token is bound to its session: another signed-in session's token does not pass.
    other = Signed(app, make_staff(services, tenant.name, "administrator"))
    assert admin.client.post("/portal/staff", data={**new, "csrf_token": other.token}).status_code == 400
    assert new["email"] not in admin.get("/portal/staff").get_data(as_text=True)
    # The sign-in form too (login CSRF), and the apprentice's forms.
    response = app.test_client().post("/portal/login", data={"email": tenant.administrator, "password": PASSWORD})
    assert response.status_code == 400
    assert app.test_client().post("/me/login", data={"email": "x@example.org"}).status_code == 400
    assert admin.post("/portal/staff", new).status_code == 200


def test_repeated_failed_logins_are_slowed(app, services):
    tenant = make_tenant(services)
    client = app.test_client()
    for _ in range(security.FREE_FAILURES):
        assert login(client, tenant.administrator, "wrong password!").status_code == 401
    # Now even the right password waits: the delay is stated, and grows with each failure.
    response = login(client, tenant.administrator, PASSWORD)
    assert response.status_code == 429 and response.headers["Retry-After"] == "2"
    assert "Wait 2 seconds" in response.get_data(as_text=True)

    account, start = f"probe-{uuid.uuid4().hex[:6]}@example.org", security.utcnow()
    waits = []
    with session_scope(services.sessions) as session:
        for n in range(1, 8):
            security.note_attempt(session, "password", account, None, False, now=start + timedelta(seconds=n))
            waits.append(security.wait_seconds(session, "password", account, None,
                                               now=start + timedelta(seconds=n)))
    assert waits == [0, 0, 2, 4, 8, 16, 32]
    # Once the delay has passed the account may try again, and a success clears the count.
    with session_scope(services.sessions) as session:
        later = start + timedelta(seconds=7 + 33)
        assert security.wait_seconds(session, "password", account, None, now=later) == 0
        security.note_attempt(session, "password", account, None, True, now=later)
        assert security.wait_seconds(session, "password", account, None, now=later) == 0


def test_second_factor_is_asked_for_and_codes_work_once(app, services):
    tenant = make_tenant(services)
    admin = Signed(app, tenant.administrator)
    page = admin.get("/portal/account?setup=totp").get_data(as_text=True)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<', page).group(1)
    totp = pyotp.TOTP(secret)
    assert admin.post("/portal/account/totp", {"change": "on", "code": "000000" if totp.now() != "000000"
                                               else "111111"}).status_code == 422
    assert admin.post("/portal/account/totp", {"change": "on", "code": totp.now()}).status_code == 303

    client = app.test_client()
    response = login(client, tenant.administrator, PASSWORD)
    assert response.status_code == 303 and "/portal/login/code" in response.location
    assert "/portal/login/code" in client.get("/portal/apprentices").location  # nothing else opens yet
    form = client.get("/portal/login/code")
    assert client.post("/portal/login/code", data={"csrf_token": csrf_of(form), "code": "12345"}).status_code == 401
    code = totp.at(time.time() + 30)  # the next step: the current one was used to switch it on
    response = client.post("/portal/login/code", data={"csrf_token": csrf_of(form), "code": code})
    assert response.status_code == 303
    assert client.get("/portal/apprentices").status_code == 200

    replay = app.test_client()
    login(replay, tenant.administrator, PASSWORD)
    form = replay.get("/portal/login/code")
    assert replay.post("/portal/login/code", data={"csrf_token": csrf_of(form), "code": code}).status_code == 401

    # At rest the secret is sealed with the key passphrase: the database never shows it.
    with session_scope(services.sessions) as session:
        stored = session.get(StaffAccount, staff_id(services, tenant.administrator)).totp_secret
    assert secret not in stored and stored.startswith("sealed:v1:")
    assert services.secrets.open(stored) == secret


def test_a_second_factor_set_before_sealing_still_works_and_is_sealed(app, services):
    tenant = make_tenant(services)
    secret = pyotp.random_base32()
    with session_scope(services.sessions) as session:     # as a row from before sealing holds it
        session.get(StaffAccount, staff_id(services, tenant.administrator)).totp_secret = secret
    client = app.test_client()
    assert "/portal/login/code" in login(client, tenant.administrator, PASSWORD).location
    form = client.get("/portal/login/code")
    response = client.post("/portal/login/code", data={"csrf_token": csrf_of(form), "code": pyotp.TOTP(secret).now()})
    assert response.status_code == 303
    with session_scope(services.sessions) as session:
        stored = session.get(StaffAccount, staff_id(services, tenant.administrator)).totp_secret
    assert stored.startswith("sealed:v1:") and services.secrets.open(stored) == secret
    # Under another passphrase the sealed secret cannot be opened: the sign-in fails loudly, not open.
    from issuer.sealing import SealingError, SecretBox
    with pytest.raises(SealingError):
        SecretBox(b"another passphrase", services.identity.did).open(stored)


# --- tenancy and roles -------------------------------------------------------------------------------

def test_another_sponsors_apprentice_answers_404(app, services):
    mine, theirs = make_tenant(services), make_tenant(services)
    admin = Signed(app, mine.administrator)
    apprentice = enrol(admin)
    assert admin.get(f"/portal/apprentices/{apprentice}").status_code == 200
    other = Signed(app, theirs.administrator)
    assert other.get(f"/portal/apprentices/{apprentice}").status_code == 404
    assert other.get(f"/portal/apprentices/{apprentice}/signoff").status_code == 404
    assert other.post(f"/portal/apprentices/{apprentice}/entries", {
        "item": "ojl_hours:wp-a", "hours": "8", "date": "2024-02-01"}).status_code == 404
    assert "Ana Lopez" not in other.get("/portal/apprentices?q=Ana").get_data(as_text=True)
    credential = issue_work_process(app.test_client(), mine)
    assert other.get(f"/portal/credentials/{credential}").status_code == 404
    assert other.post(f"/portal/credentials/{credential}/status", {"action": "revoke",
                                                                    "reason": "x"}).status_code == 404


def test_journeyworker_signs_off_assigned_apprentices_only_as_an_attestation(app, services):
    tenant = make_tenant(services)
    admin = Signed(app, tenant.administrator)
    jw_email = make_staff(services, tenant.name, "journeyworker", name="Jo Rivera")
    jw = Signed(app, jw_email)
    apprentice = enrol(admin)
    # Not assigned: not even visible.
    assert jw.get(f"/portal/apprentices/{apprentice}/signoff").status_code == 404
    assert jw.post(f"/portal/apprentices/{apprentice}/signoff", {
        "statement": "emerging-01", "date": "2024-02-01"}).status_code == 404
    assert "Ana Lopez" not in jw.get("/portal/apprentices").get_data(as_text=True)

    assert admin.post(f"/portal/apprentices/{apprentice}/assignments", {
        "staff": staff_id(services, jw_email), "assign": "on"}).status_code == 303
    checklist = jw.get(f"/portal/apprentices/{apprentice}/signoff").get_data(as_text=True)
    assert "emerging-01" in checklist and 'value="emerging-01"' in checklist
    response = jw.post(f"/portal/apprentices/{apprentice}/signoff", {"statement": EMERGING[:-1],
                                                                      "date": "2024-02-01"})
    assert response.status_code == 303
    # A double tap records nothing twice.
    assert jw.post(f"/portal/apprentices/{apprentice}/signoff", {
        "statement": "emerging-01", "date": "2024-02-01"}).status_code == 409
    # Coordinators and administrators record hours; only journeyworkers attest.
    assert admin.post(f"/portal/apprentices/{apprentice}/signoff", {
        "statement": EMERGING[-1], "date": "2024-02-02"}).status_code == 403

    response = jw.post(f"/portal/apprentices/{apprentice}/signoff", {"statement": EMERGING[-1],
                                                                      "date": "2024-02-02"})
    assert response.status_code == 303 and "issued=" in response.location
    with session_scope(services.sessions) as session:
        entries = ledger_of(session, apprentice)
        assert {e.signed_off_by for e in entries} == {"Jo Rivera (Journeyworker)"}
        assert {e.recorded_by for e in entries} == {f"portal:{jw_email}"}
        [credential] = session.scalars(select(IssuedCredential).where(
            IssuedCredential.apprentice_id == apprentice, IssuedCredential.achievement_key.like("level:%")))
        narrative = credential.document["evidence"][0]["narrative"]
    assert "emerging-10: attained on 2024-02-02, signed off by Jo Rivera (Journeyworker)" in narrative
    assert narrative.count("Jo Rivera (Journeyworker)") == 10
    page = jw.get(f"/portal/apprentices/{apprentice}/signoff").get_data(as_text=True)
    assert "Signed off 2024-02-02 by Jo Rivera (Journeyworker)" in page and 'value="developing-01"' in page

    # Unassigned again: gone.
    admin.post(f"/portal/apprentices/{apprentice}/assignments", {
        "staff": staff_id(services, jw_email), "assign": "off"})
    assert jw.get(f"/portal/apprentices/{apprentice}/signoff").status_code == 404


def test_viewers_and_coordinators_cannot_revoke_administrators_can(app, client, services):
    tenant = make_tenant(services)
    credential = issue_work_process(client, tenant)
    viewer = Signed(app, make_staff(services, tenant.name, "viewer"))
    coordinator = Signed(app, make_staff(services, tenant.name, "coordinator"))
    admin = Signed(app, tenant.administrator)
    assert viewer.get(f"/portal/credentials/{credential}").status_code == 200
    assert "Change its status" not in viewer.get(f"/portal/credentials/{credential}").get_data(as_text=True)
    for who in (viewer, coordinator):
        response = who.post(f"/portal/credentials/{credential}/status", {"action": "revoke", "reason": "test"})
        assert response.status_code == 403
    # Viewers read, they change nothing.
    assert viewer.post("/portal/staff", {"name": "X", "email": "x@example.org", "role": "viewer"}).status_code == 403
    assert viewer.post("/portal/apprentices/new", {"name": "X", "program": "ny-csr"}).status_code == 403
    assert viewer.get("/portal/audit").status_code == 403 and viewer.get("/portal/keys").status_code == 403

    assert admin.post(f"/portal/credentials/{credential}/status", {"action": "revoke", "reason": ""}).status_code == 422
    # An Open Badge carries one revocation entry: suspension is not offered, and says why.
    form = admin.get(f"/portal/credentials/{credential}").get_data(as_text=True)
    assert 'value="suspend"' not in form and "revoked but not suspended" in form
    refused = admin.post(f"/portal/credentials/{credential}/status", {"action": "suspend", "reason": "under review"})
    assert refused.status_code == 409 and "revoked but not suspended" in refused.get_data(as_text=True)
    with session_scope(services.sessions) as session:
        slots = credential_slots.find_slots(session, None, credential)
        assert status.current(session, slots[0]) == (False, False)
    # Revoking asks first: the first post shows a confirmation and changes nothing.
    asked = admin.post(f"/portal/credentials/{credential}/status", {"action": "revoke", "reason": "issued in error"})
    assert asked.status_code == 200 and "Revoke this credential?" in asked.get_data(as_text=True)
    with session_scope(services.sessions) as session:
        assert status.current(session, credential_slots.find_slots(session, None, credential)[0]) == (False, False)
    assert admin.post(f"/portal/credentials/{credential}/status", {
        "action": "revoke", "reason": "issued in error", "confirm": "yes"}).status_code == 303
    assert "issued in error" in admin.get(f"/portal/credentials/{credential}").get_data(as_text=True)
    assert "Revoked" in admin.get("/portal/credentials?state=revoked").get_data(as_text=True)


def test_role_changes_sign_out_and_the_last_administrator_stays(app, services):
    tenant = make_tenant(services)
    admin = Signed(app, tenant.administrator)
    coordinator_email = make_staff(services, tenant.name, "coordinator")
    coordinator = Signed(app, coordinator_email)
    assert coordinator.get("/portal/apprentices/new").status_code == 200
    assert admin.post(f"/portal/staff/{staff_id(services, coordinator_email)}", {
        "change": "role", "role": "viewer"}).status_code == 303
    assert coordinator.get("/portal/apprentices").status_code == 302  # signed out everywhere
    assert Signed(app, coordinator_email).get("/portal/apprentices/new").status_code == 403
    # The only administrator cannot demote or disable themselves.
    me = staff_id(services, tenant.administrator)
    assert admin.post(f"/portal/staff/{me}", {"change": "role", "role": "viewer"}).status_code == 409
    assert admin.post(f"/portal/staff/{me}", {"change": "disable"}).status_code == 409
    # With a second administrator they can be disabled: signed out, and sign-in refused.
    other_admin = Signed(app, make_staff(services, tenant.name, "administrator"))
    assert other_admin.post(f"/portal/staff/{me}", {"change": "disable"}).status_code == 303
    assert admin.get("/portal/apprentices").status_code == 302
    assert login(app.test_client(), tenant.administrator, PASSWORD).status_code == 401


# --- ledger, keys, audit -------------------------------------------------------------------------------

def test_hours_and_corrections_with_a_reason_nothing_edited(app, services):
    tenant = make_tenant(services)
    coordinator = Signed(app, make_staff(services, tenant.name, "coordinator"))
    apprentice = enrol(coordinator)
    assert coordinator.post(f"/portal/apprentices/{apprentice}/entries", {
        "item": "ojl_hours:wp-a", "hours": "8", "date": "2024-02-01"}).status_code == 303
    assert coordinator.post(f"/portal/apprentices/{apprentice}/entries", {
        "item": "ojl_hours:wp-a", "hours": "30", "date": "2024-02-01"}).status_code == 422
    with session_scope(services.sessions) as session:
        [entry] = [e.id for e in ledger_of(session, apprentice)]
    page = coordinator.post(f"/portal/apprentices/{apprentice}/corrections", {
        "entry": entry, "action": "amend", "value": "7.5", "reason": ""})
    assert page.status_code == 422 and "a correction needs a reason" in page.get_data(as_text=True)
    assert coordinator.post(f"/portal/apprentices/{apprentice}/corrections", {
        "entry": entry, "action": "amend", "value": "7.5", "reason": "time sheet said 7.5"}).status_code == 303
    ledger = coordinator.get(f"/portal/apprentices/{apprentice}").get_data(as_text=True)
    assert "amends #" in ledger and "time sheet said 7.5" in ledger and "7.5 of 100 hours" in ledger


def test_api_keys_are_shown_once_and_revocable(app, client, services):
    tenant = make_tenant(services)
    admin = Signed(app, tenant.administrator)
    page = admin.post("/portal/keys", {"name": "HR system"}).get_data(as_text=True)
    key = re.search(r'id="new-key">(ler_[A-Za-z0-9_-]+)<', page).group(1)
    auth = {"Authorization": f"Bearer {key}"}
    assert client.get("/api/v1/programs", headers=auth).status_code == 200
    listing = admin.get("/portal/keys").get_data(as_text=True)
    assert "HR system" in listing and key not in listing
    with session_scope(services.sessions) as session:
        key_id = session.scalars(select(ApiKey.id).where(ApiKey.name == "HR system").order_by(ApiKey.id.desc())).first()
    assert admin.post(f"/portal/keys/{key_id}/revoke").status_code == 303
    assert client.get("/api/v1/programs", headers=auth).status_code == 401
    other = Signed(app, make_tenant(services).administrator)
    assert other.post(f"/portal/keys/{key_id}/revoke").status_code == 404


def test_every_change_is_in_the_append_only_audit_log_and_its_csv(app, client, services):
    tenant = make_tenant(services)
    admin = Signed(app, tenant.administrator)
    coordinator_email = make_staff(services, tenant.name, "coordinator")
    admin.post("/portal/staff", {"name": "Jo Rivera", "email": f"jo-{uuid.uuid4().hex[:6]}@example.org",
                                 "role": "journeyworker"})
    admin.post("/portal/keys", {"name": "payroll"})
    coordinator = Signed(app, coordinator_email)
    apprentice = enrol(coordinator)
    for day in range(1, 6):
        coordinator.post(f"/portal/apprentices/{apprentice}/entries", {
            "item": "ojl_hours:wp-a", "hours": "20", "date": f"2024-03-{day:02d}"})
    credential = issue_work_process(client, tenant)
    admin.post(f"/portal/credentials/{credential}/status", {"action": "revoke", "reason": "duplicate record",
                                                             "confirm": "yes"})

    assert coordinator.get("/portal/audit.csv").status_code == 403
    response = admin.get("/portal/audit.csv")
    assert response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))
    actions = [r["action"] for r in rows]
    for action in ("api_key.created", "staff.created", "staff.password_set", "staff.signed_in",
                   "apprentice.enrolled", "ledger.record", "credential.issued", "credential.revoke"):
        assert action in actions, action
    by_coordinator = [r for r in rows if r["action"] == "ledger.record" and coordinator_email in r["actor"]]
    assert len(by_coordinator) == 5 and by_coordinator[0]["ip"] == "127.0.0.1"
    revoked = next(r for r in rows if r["action"] == "credential.revoke")
    assert tenant.administrator in revoked["actor"] and "duplicate record" in revoked["detail"]
    assert "api_key.created" in admin.get("/portal/audit").get_data(as_text=True)
    # Another sponsor's log holds none of this.
    other = Signed(app, make_tenant(services).administrator)
    assert coordinator_email not in other.get("/portal/audit.csv").get_data(as_text=True)

    with services.engine.connect() as connection:
        for statement in ("UPDATE portal_audit_events SET action = 'x'", "DELETE FROM portal_audit_events"):
            with pytest.raises(Exception, match="append-only"):
                with connection.begin():
                    connection.execute(text(statement))


def test_audit_rows_roll_back_with_their_change(app, services):
    tenant = make_tenant(services)
    coordinator = Signed(app, make_staff(services, tenant.name, "coordinator"))
    admin = Signed(app, tenant.administrator)
    apprentice = enrol(coordinator)
    before = admin.get("/portal/audit.csv").get_data(as_text=True).count("ledger.record")
    # Refused (more than 24 hours in a day): no ledger row, and no audit row either.
    assert coordinator.post(f"/portal/apprentices/{apprentice}/entries", {
        "item": "ojl_hours:wp-a", "hours": "25", "date": "2024-02-01"}).status_code == 422
    assert admin.get("/portal/audit.csv").get_data(as_text=True).count("ledger.record") == before
    assert coordinator.post(f"/portal/apprentices/{apprentice}/entries", {
        "item": "ojl_hours:wp-a", "hours": "5", "date": "2024-02-01"}).status_code == 303
    assert admin.get("/portal/audit.csv").get_data(as_text=True).count("ledger.record") == before + 1


def test_batches_upload_report_and_approve_in_the_console(app, services):
    tenant = make_tenant(services)
    coordinator = Signed(app, make_staff(services, tenant.name, "coordinator"))
    header = "apprentice_id,apprentice_name,apprentice_email,apprentice_did,program,entry_type,item,value,date,signed_off_by"
    lines = [header] + [f"B-1,Bo Batch,bo@example.org,,ny-csr,ojl_hours,wp-a,20,2024-03-0{d},J. Rivera"
                        for d in range(1, 6)] + ["B-1,Bo Batch,bo@example.org,,ny-csr,ojl_hours,wp-zz,8,2024-03-09,"]
    upload = (io.BytesIO(("\n".join(lines) + "\n").encode()), f"cohort-{uuid.uuid4().hex[:6]}.csv")
    response = coordinator.post("/portal/batches", {"file": upload}, content_type="multipart/form-data")
    assert response.status_code == 303
    page = coordinator.get(response.location).get_data(as_text=True)
    assert "validated" in page and "wp-zz" in page and "Approve and run" in page
    batch_path = response.location.split("?")[0]
    assert coordinator.post(f"{batch_path}/approve").status_code == 303
    deadline = time.time() + 60
    while coordinator.get(f"{batch_path}/progress.json").get_json()["state"] != "done":
        assert time.time() < deadline, "the batch did not finish"
        time.sleep(0.2)
    assert 'id="batch-state">done' in coordinator.get(batch_path).get_data(as_text=True)
    assert coordinator.get(f"{batch_path}/progress.json").get_json()["rows"]["done"] == 5
    report = coordinator.get(f"{batch_path}/report.csv").get_data(as_text=True)
    assert report.count(",recorded,") == 5 and ",invalid," in report
    assert Signed(app, make_staff(services, tenant.name, "viewer")).get(batch_path).status_code == 403
    assert Signed(app, make_tenant(services).administrator).get(batch_path).status_code == 404


def test_batch_errors_grouped_by_cause_and_nothing_valid_cannot_be_approved(app, services):
    """268 rows naming work process "A" read as one cause, with the id the program takes."""
    tenant = make_tenant(services)
    coordinator = Signed(app, make_staff(services, tenant.name, "coordinator"))
    template = coordinator.get("/portal/programs/ny-csr/template.csv?kind=progress")
    assert template.mimetype == "text/csv" and "attachment" in template.headers["Content-Disposition"]
    header, *examples = template.get_data(as_text=True).splitlines()
    assert header.startswith("apprentice_id,") and any(",wp-a," in row for row in examples)
    cohort = coordinator.get("/portal/programs/ny-csr/template.csv?kind=cohort").get_data(as_text=True)
    assert cohort.startswith("apprentice_id,program,achievement")
    assert "work-process:" in coordinator.get("/portal/batches").get_data(as_text=True) or \
        "occupation" in coordinator.get("/portal/batches").get_data(as_text=True)

    lines = [header] + [f"G-{i},Gil {i},gil{i}@example.org,,ny-csr,ojl_hours,A,8,2024-03-01," for i in range(268)]
    upload = (io.BytesIO(("\n".join(lines) + "\n").encode()), f"grouped-{uuid.uuid4().hex[:6]}.csv")
    response = coordinator.post("/portal/batches", {"file": upload}, content_type="multipart/form-data")
    page = coordinator.get(response.location).get_data(as_text=True)
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))
    assert "268 rows" in text and "did you mean wp-a?" in text, text[text.find("by cause"):][:500]
    assert text.count("did you mean wp-a?") == 1, "one line per cause, not one per row"
    assert re.search(r"<button type=\"submit\" disabled[^>]*>Approve and run", page)
    batch_path = response.location.split("?")[0]
    assert coordinator.post(f"{batch_path}/approve").status_code >= 400
    # Messages naming each row's own value are one cause too.
    lines = [header] + [f"H-{i},Hal {i},,,ny-csr,ojl_hours,wp-a,8,2024-03-01," for i in range(5)]
    upload = (io.BytesIO(("\n".join(lines) + "\n").encode()), f"grouped-{uuid.uuid4().hex[:6]}.csv")
    response = coordinator.post("/portal/batches", {"file": upload}, content_type="multipart/form-data")
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", coordinator.get(response.location).get_data(as_text=True)))
    assert "5 rows" in text and "and the same for other values" in text


# --- apprentices ------------------------------------------------------------------------------------------

@pytest.fixture
def inbox(services, monkeypatch):
    inbox, controller, url = smtp_server()
    controller.start()
    monkeypatch.setattr(services.config, "smtp_url", url)
    monkeypatch.setattr(services.config, "mail_from", "portal@issuer.example")
    yield inbox
    controller.stop()


def test_magic_link_signs_an_apprentice_in_once(app, services, inbox):
    tenant = make_tenant(services)
    email = f"ana-{uuid.uuid4().hex[:6]}@example.org"
    apprentice = enrol(Signed(app, tenant.administrator), email=email)
    client = app.test_client()
    form = client.get("/me/login")
    for address in (email.upper(), "nobody@example.org"):
        response = client.post("/me/login", data={"csrf_token": csrf_of(form), "email": address})
        assert response.status_code == 200 and "a sign-in link is on its way" in response.get_data(as_text=True)
    [link] = inbox.links("https://issuer.example/me/login/")
    assert inbox.messages[0]["To"] == email
    path = link[len("https://issuer.example"):]

    assert client.get(path).status_code == 200  # a mail scanner's GET uses nothing up
    assert client.get("/me/").status_code == 302
    response = client.post(path, data={"csrf_token": csrf_of(client.get(path))})
    assert response.status_code == 303
    assert "HttpOnly" in cookie(response, "ler_apprentice") and "Path=/me" in cookie(response, "ler_apprentice")
    page = client.get("/me/").get_data(as_text=True)
    assert "Hello, Ana Lopez" in page and "10 statements left" in page
    # Single use.
    again = app.test_client()
    assert again.get(path).status_code == 410
    assert again.post(path, data={"csrf_token": csrf_of(again.get("/me/login"))}).status_code == 410
    # Staff pages are not opened by an apprentice's session, nor the other way round.
    assert client.get("/portal/apprentices").status_code == 302
    pdf = client.get("/me/transcript.pdf")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    if shutil.which("pdftotext") or os.environ.get("CI"):
        printed = subprocess.run(["pdftotext", "-", "-"], input=pdf.data, capture_output=True, check=True).stdout
        assert b"Transcript of progress" in printed and b"Ana Lopez" in printed
    with session_scope(services.sessions) as session:
        assert security.use_link_token(session, "apprentice", path.rsplit("/", 1)[1]) is None
    assert apprentice


def test_magic_link_requests_are_limited(app, services, inbox):
    tenant = make_tenant(services)
    email = f"ana-{uuid.uuid4().hex[:6]}@example.org"
    enrol(Signed(app, tenant.administrator), email=email)
    client = app.test_client()
    form = client.get("/me/login")
    for _ in range(security.MAGIC_LINKS_PER_HOUR + 2):
        client.post("/me/login", data={"csrf_token": csrf_of(form), "email": email})
    assert len(inbox.messages) == security.MAGIC_LINKS_PER_HOUR


def test_expired_magic_link_is_refused(app, services):
    tenant = make_tenant(services)
    apprentice = enrol(Signed(app, tenant.administrator))
    with session_scope(services.sessions) as session:
        token = security.issue_link_token(session, "apprentice", timedelta(seconds=-1), apprentice_id=apprentice)
    assert app.test_client().get(f"/me/login/{token}").status_code == 410


# --- command line ------------------------------------------------------------------------------------------

def test_ler_staff_create_bootstraps_the_first_administrator(cli, app):
    sponsor = f"Cli Sponsor {uuid.uuid4().hex[:6]}"
    assert cli("sponsors", "create", sponsor).exit_code == 0
    email = f"boss-{uuid.uuid4().hex[:6]}@example.org"
    result = cli("staff", "create", "--sponsor", sponsor, "--email", email, "--role", "administrator",
                 "--name", "Bo Boss")
    assert result.exit_code == 0, result.output
    link = re.search(r"https://issuer\.example(/portal/password/\S+)", result.output).group(1)
    client = app.test_client()
    form = client.get(link)
    assert "Welcome, Bo Boss" in form.get_data(as_text=True)
    response = client.post(link, data={"csrf_token": csrf_of(form), "password": PASSWORD, "again": PASSWORD})
    assert response.status_code == 303
    assert login(client, email, PASSWORD).status_code == 303
    assert "Staff" in client.get("/portal/staff").get_data(as_text=True)
    assert cli("staff", "create", "--sponsor", sponsor, "--email", email, "--role", "viewer").exit_code == 1
    assert cli("staff", "password-link", "--email", email).exit_code == 0


def test_every_command_line_change_names_the_operator_in_the_audit_log(cli, services):
    import getpass

    from issuer.audit.models import AuditEvent
    from issuer.sponsors.services import find_sponsor
    sponsor = f"Audited Sponsor {uuid.uuid4().hex[:6]}"
    assert cli("sponsors", "create", sponsor).exit_code == 0
    with session_scope(services.sessions) as session:
        sponsor_id = find_sponsor(session, sponsor).id
        actors = {e.action: e.actor for e in session.scalars(select(AuditEvent).where(AuditEvent.sponsor_id == sponsor_id))}
    assert actors == {"api_key.created": f"command line ({getpass.getuser()})",
                      "sponsor_key.created": f"command line ({getpass.getuser()})"}
