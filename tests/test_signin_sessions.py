"""Sessions and sign-in: `next` normalised before it is checked, other sessions ended by a
password change or by turning the second factor off, a sign-in throttle that holds under
concurrency, and staff creation that says nothing of another sponsor's account (accounts are per
sponsor; one password at two sponsors asks which console)."""

from __future__ import annotations

import re
import statistics
import threading
import time
import uuid

import pyotp
import pytest
from sqlalchemy import func, select

from issuer.db import session_scope
from issuer.portal import signin
from issuer.portal.models import LoginAttempt
from issuer.portal.security import FREE_FAILURES

from portal_support import PASSWORD, Signed, csrf_of, make_staff, make_tenant


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


def _staff_page_normalised(response, tenant, address: str) -> str:
    """The staff page with what differs by sponsor or by chance (names, addresses, the one-time
    token, the form token, ids, sign-in times) replaced, to compare two answers."""
    text = response.get_data(as_text=True)
    for value, mark in ((tenant.name, "SPONSOR"), (tenant.administrator, "ADMIN"), (address, "ADDRESS")):
        text = text.replace(value, mark)
    text = re.sub(r"/portal/password/[\w-]+", "/portal/password/TOKEN", text)
    text = re.sub(r'name="csrf_token" value="[^"]+"', "CSRF", text)
    text = re.sub(r'(\w+=")([^"]*)(")', lambda m: m.group(1) + re.sub(r"\d+", "N", m.group(2)) + m.group(3),
                  text)                                  # ids in element ids, form actions, values
    return re.sub(r"Last sign-in [^<]+", "Last sign-in WHEN", text)


def _create(admin, address: str):
    started = time.perf_counter()
    response = admin.post("/portal/staff", {"name": "Someone", "email": address, "role": "viewer"})
    return response, time.perf_counter() - started


def test_creating_staff_with_another_sponsors_email_says_nothing_of_that_account(app, services):
    """Accounts are each sponsor's own: an address with an account at sponsor A is added at
    sponsor B exactly as a new address is at sponsor C (same status, same page, same work), and
    the person signs in to either with that account's own password."""
    a, b, c = make_tenant(services), make_tenant(services), make_tenant(services)
    used = a.administrator
    fresh = f"new-{uuid.uuid4().hex[:8]}@example.org"
    admin_b, admin_c = Signed(app, b.administrator), Signed(app, c.administrator)
    taken_elsewhere, _ = _create(admin_b, used)
    unused, _ = _create(admin_c, fresh)
    assert taken_elsewhere.status_code == unused.status_code == 200
    assert _staff_page_normalised(taken_elsewhere, b, used) == _staff_page_normalised(unused, c, fresh)
    assert a.name not in taken_elsewhere.get_data(as_text=True)
    # Only the sponsor's own staff count: the same address twice at B is refused, naming B's list.
    again = admin_b.post("/portal/staff", {"name": "Someone", "email": used, "role": "viewer"})
    assert again.status_code == 409 and "on your staff already" in again.get_data(as_text=True)

    # The same work either way: addresses with accounts elsewhere and new ones, interleaved.
    elsewhere = [make_staff(services, a.name, "viewer") for _ in range(5)]
    times = {"used": [], "unused": []}
    for address in elsewhere:
        for kind, email in (("used", address), ("unused", f"n-{uuid.uuid4().hex[:8]}@example.org")):
            response, seconds = _create(admin_b, email)
            assert response.status_code == 200
            times[kind].append(seconds)
    used_median, unused_median = (statistics.median(times[k]) for k in ("used", "unused"))
    assert 0.5 < used_median / unused_median < 2, times

    # Each account has its own password: A's still opens A; B's, once set, opens B.
    link = re.search(r"/portal/password/[\w-]+", taken_elsewhere.get_data(as_text=True)).group(0)
    client = app.test_client()
    form = client.get(link)
    other_password = "another long passphrase"
    assert client.post(link, data={"csrf_token": csrf_of(form), "password": other_password,
                                   "again": other_password}).status_code == 303
    for password, sponsor in ((PASSWORD, a.name), (other_password, b.name)):
        signed = app.test_client()
        page = signed.get("/portal/login")
        response = signed.post("/portal/login", data={"csrf_token": csrf_of(page), "email": used,
                                                      "password": password})
        assert response.status_code == 303, response.get_data(as_text=True)
        assert f"Staff of {sponsor}" in signed.get("/portal/staff").get_data(as_text=True) or \
            sponsor in signed.get("/portal/apprentices").get_data(as_text=True)


def test_one_password_for_two_sponsors_asks_which_console(app, services):
    """The same person, the same password at two sponsors: after the password, a choice of the
    two (no one else sees it: it follows the right password), each choice usable once."""
    a, b = make_tenant(services), make_tenant(services)
    admin_b = Signed(app, b.administrator)
    created = admin_b.post("/portal/staff", {"name": "Ada Admin", "email": a.administrator, "role": "coordinator"})
    link = re.search(r"/portal/password/[\w-]+", created.get_data(as_text=True)).group(0)
    client = app.test_client()
    form = client.get(link)
    assert client.post(link, data={"csrf_token": csrf_of(form), "password": PASSWORD,
                                   "again": PASSWORD}).status_code == 303

    page = client.get("/portal/login")
    choice = client.post("/portal/login", data={"csrf_token": csrf_of(page), "email": a.administrator,
                                                "password": PASSWORD})
    text = choice.get_data(as_text=True)
    assert choice.status_code == 200 and a.name in text and b.name in text
    tokens = dict(re.findall(r'name="choice" value="([^"]+)">\s*<button type="submit">([^<]+)<', text))
    token_b = next(token for token, name in tokens.items() if name == b.name)
    chosen = client.post("/portal/login/choose", data={"csrf_token": csrf_of(choice), "choice": token_b})
    assert chosen.status_code == 303
    assert "Coordinator" in client.get("/portal/account").get_data(as_text=True)
    assert b.name in client.get("/portal/apprentices").get_data(as_text=True)
    replay = app.test_client()
    page = replay.get("/portal/login")
    assert replay.post("/portal/login/choose", data={"csrf_token": csrf_of(page),
                                                     "choice": token_b}).status_code == 410
    # A wrong password shows no choice, and names no sponsor.
    wrong = app.test_client()
    page = wrong.get("/portal/login")
    refused = wrong.post("/portal/login", data={"csrf_token": csrf_of(page), "email": a.administrator,
                                                "password": "not the password at all"})
    assert refused.status_code == 401 and a.name not in refused.get_data(as_text=True) \
        and b.name not in refused.get_data(as_text=True)


def test_ler_staff_create_takes_an_address_used_at_another_sponsor(cli, services):
    a = make_tenant(services)
    sponsor = f"Cli Sponsor {uuid.uuid4().hex[:6]}"
    assert cli("sponsors", "create", sponsor).exit_code == 0
    fresh = f"new-{uuid.uuid4().hex[:8]}@example.org"
    outputs = []
    for address in (a.administrator, fresh):
        result = cli("staff", "create", "--sponsor", sponsor, "--email", address, "--role", "viewer")
        assert result.exit_code == 0, result.output
        outputs.append(re.sub(r"/portal/password/\S+", "TOKEN", result.output.replace(address, "ADDRESS")))
    assert outputs[0] == outputs[1]
    assert cli("staff", "create", "--sponsor", sponsor, "--email", fresh, "--role", "viewer").exit_code == 1
    # The operator, who sees every sponsor, names the one whose account gets a new link.
    ambiguous = cli("staff", "password-link", "--email", a.administrator)
    assert ambiguous.exit_code == 1 and "--sponsor" in ambiguous.output
    assert cli("staff", "password-link", "--email", a.administrator, "--sponsor", sponsor).exit_code == 0
    assert cli("staff", "password-link", "--email", fresh).exit_code == 0


