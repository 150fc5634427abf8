"""Sessions and sign-in: `next` normalised before it is checked, other sessions ended by a
password change or by turning the second factor off, a sign-in throttle that holds under
concurrency, and staff creation that says nothing of another sponsor's account."""

from __future__ import annotations

import re
import threading

import pyotp
import pytest
from sqlalchemy import func, select

from issuer.db import session_scope
from issuer.portal import signin
from issuer.portal.models import LoginAttempt
from issuer.portal.security import FREE_FAILURES

from portal_support import PASSWORD, Signed, csrf_of, make_tenant


@pytest.mark.parametrize("next_", ["/%09/evil.example", "/%0a/evil.example", "/%0d%0a/evil.example",
                                   "%09//evil.example", "/%00/evil.example", "/%7f/evil.example",
                                   "//evil.example", "/\\evil.example", "https://evil.example/"])
def test_next_is_normalised_before_it_is_checked(app, services, next_):
    tenant = make_tenant(services)
    client = app.test_client()
    page = client.get(f"/portal/login?next={next_}")
    if page.status_code == 400:
        # Line breaks, NUL and DEL are refused at the edge (issuer.api.edge) before the page: as
        # safe as a normalised `next`, and said on the console's HTML error page.
        assert re.search(r"%0[ad]|%00|%7f", next_) and "text/html" in page.content_type
        return
    assert page.status_code == 200
    response = client.post(f"/portal/login?next={next_}", data={"csrf_token": csrf_of(page),
                                                                 "email": tenant.administrator, "password": PASSWORD})
    assert response.status_code == 303
    location = response.headers["Location"]
    assert "evil.example" not in location.split("?")[0] or location.startswith("/portal/")
    assert not re.match(r"^[\x00-\x20]*(/[\x00-\x20]*[/\\]|[a-z]+:)", location), location


def test_a_local_next_survives_with_its_control_characters_gone(app, services):
    tenant = make_tenant(services)
    client = app.test_client()
    page = client.get("/portal/login")
    response = client.post("/portal/login?next=/portal/staff%09", data={
        "csrf_token": csrf_of(page), "email": tenant.administrator, "password": PASSWORD})
    assert response.headers["Location"] == "/portal/staff"


def _still_signed_in(signed: Signed) -> bool:
    return signed.get("/portal/account").status_code == 200


def test_a_password_change_ends_the_accounts_other_sessions(app, services):
    tenant = make_tenant(services)
    here, elsewhere = Signed(app, tenant.administrator), Signed(app, tenant.administrator)
    other_person = Signed(app, make_tenant(services).administrator)
    new = "another long enough passphrase"
    response = here.post("/portal/account/password", {"current": PASSWORD, "password": new, "again": new})
    assert response.status_code == 303, response.get_data(as_text=True)
    assert _still_signed_in(here) and not _still_signed_in(elsewhere) and _still_signed_in(other_person)
    Signed(app, tenant.administrator, new)


def test_turning_the_second_factor_off_ends_the_accounts_other_sessions(app, services):
    tenant = make_tenant(services)
    here = Signed(app, tenant.administrator)
    secret = re.search(r'id="totp-secret">([A-Z2-7]+)<',
                       here.get("/portal/account?setup=totp").get_data(as_text=True)).group(1)
    assert here.post("/portal/account/totp", {"change": "on", "code": pyotp.TOTP(secret).now()}).status_code == 303
    # A second session, through the second factor too.
    elsewhere = app.test_client()
    page = elsewhere.get("/portal/login")
    elsewhere.post("/portal/login", data={"csrf_token": csrf_of(page), "email": tenant.administrator,
                                          "password": PASSWORD})
    code_page = elsewhere.get("/portal/login/code")
    import time
    step_code = pyotp.TOTP(secret).at(time.time() + 30)
    assert elsewhere.post("/portal/login/code", data={"csrf_token": csrf_of(code_page),
                                                      "code": step_code}).status_code == 303
    assert elsewhere.get("/portal/account").status_code == 200
    assert here.post("/portal/account/totp", {"change": "off", "password": PASSWORD}).status_code == 303
    assert _still_signed_in(here) and elsewhere.get("/portal/account").status_code != 200


def test_the_sign_in_throttle_holds_under_concurrency(services):
    """30 parallel wrong passwords for one account: at most FREE_FAILURES are checked; the
    others are told to wait (PostgreSQL in CI: a row lock, not a read-then-write race)."""
    tenant = make_tenant(services)
    barrier, outcomes = threading.Barrier(30), []

    def attempt(n):
        barrier.wait()
        with session_scope(services.sessions) as session:
            result = signin.authenticate(session, tenant.administrator, f"wrong password {n}", f"10.0.0.{n}")
            outcomes.append(result.wait)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 30
    with session_scope(services.sessions) as session:
        checked = session.scalar(select(func.count()).select_from(LoginAttempt).where(
            LoginAttempt.account == tenant.administrator, LoginAttempt.succeeded.is_(False)))
    assert checked == FREE_FAILURES == sum(1 for w in outcomes if w == 0)


def test_creating_staff_with_another_sponsors_email_says_nothing_of_that_account(app, services):
    a, b = make_tenant(services), make_tenant(services)
    admin_b = Signed(app, b.administrator)
    taken_elsewhere = admin_b.post("/portal/staff", {"name": "Someone", "email": a.administrator,
                                                     "role": "viewer"})
    own = admin_b.post("/portal/staff", {"name": "Someone", "email": b.administrator, "role": "viewer"})
    assert taken_elsewhere.status_code == own.status_code == 409
    text = taken_elsewhere.get_data(as_text=True)
    assert a.name not in text and a.administrator not in text.split('<div class="error"')[1].split("</div>")[0]

    def message(response):
        return re.search(r'class="error"[^>]*>(.*?)<', response.get_data(as_text=True), re.S).group(1)
    assert message(taken_elsewhere) == message(own)      # whoever holds the address, the same answer
