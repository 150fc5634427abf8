"""The portals as people use them, in headless Chromium (Debian's, driven by Playwright) against the
app served on 127.0.0.1 in a thread, with a real SMTP server (aiosmtpd) for the magic link.

An administrator adds a coordinator and a journeyworker; the coordinator enrols an apprentice and
assigns the journeyworker; the journeyworker, on a phone-sized screen, signs off the statements of
the first framework level, the last one issuing the level's credential; the apprentice signs in by
the emailed link and sees that credential and the next level's remaining statements. Every page
on the way passes axe-core with no serious or critical violation.

Skipped only where Chromium is absent *and* CI is not set; under CI a missing browser fails.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from datetime import date
from pathlib import Path

import pyotp
import pytest
from playwright.sync_api import expect
from werkzeug.serving import make_server

from browser_support import PHONE, browser  # noqa: F401 (a fixture)
from portal_support import PASSWORD, make_tenant, smtp_server

DESKTOP = {"width": 1280, "height": 900}
EMERGING = [f"emerging-{i:02d}" for i in range(1, 11)]


@pytest.fixture
def server(app, services, monkeypatch):
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{httpd.server_port}"
    # Links in mail and on screen must lead to this server.
    monkeypatch.setattr(services.config, "base_url", url)
    yield url
    httpd.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def inbox(services, monkeypatch):
    inbox, controller, url = smtp_server()
    controller.start()
    monkeypatch.setattr(services.config, "smtp_url", url)
    monkeypatch.setattr(services.config, "mail_from", "portal@issuer.example")
    yield inbox
    controller.stop()


@pytest.fixture
def person(browser):
    """A new browser profile per person (own cookies), on a desktop or a phone screen."""
    contexts = []

    def make(viewport=DESKTOP):
        phone = viewport == PHONE
        context = browser.new_context(viewport=viewport, accept_downloads=True, has_touch=phone, is_mobile=phone)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15000)
        return page

    yield make
    for context in contexts:
        context.close()


def accessible(page) -> None:
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page)
    serious = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
               for v in results.response["violations"] if v.get("impact") in ("serious", "critical")]
    assert serious == [], f"{page.url}: {serious}"


def fits(page, width: int) -> None:
    """Nothing on the page makes a phone scroll sideways (tables and the console's row of links scroll
    inside their own box)."""
    wide = page.evaluate("""w => Array.from(document.querySelectorAll('body *'))
        .filter(e => e.getBoundingClientRect().right > w + 1 && !e.closest('.table-wrap, nav.portal-nav ul'))
        .map(e => e.tagName + '.' + e.className + ': ' + (e.textContent || '').trim().slice(0, 40))""", width)
    assert page.evaluate("document.documentElement.scrollWidth") <= width and not wide, f"{page.url}: {wide}"


def sign_in(page, server, email, password=PASSWORD):
    page.goto(f"{server}/portal/login")
    accessible(page)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def add_staff(page, name, email, role) -> str:
    page.get_by_role("link", name="Staff", exact=True).click()
    page.get_by_label("Full name").fill(name)
    page.get_by_label("Email address").fill(email)
    page.get_by_label("Role", exact=True).select_option(label=role)
    page.get_by_role("button", name="Add", exact=True).click()
    accessible(page)
    return page.locator("#password-link").inner_text().strip()


def set_password(page, link):
    page.goto(link)
    accessible(page)
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_role("button", name="Set password").click()
    expect(page.get_by_text("Your password is changed.")).to_be_visible()


def test_staff_enrol_sign_off_on_a_phone_and_the_apprentice_sees_it(services, server, inbox, person):
    tenant = make_tenant(services, ["ny-csr"])
    suffix = uuid.uuid4().hex[:6]
    coordinator_email, jw_email = f"cora-{suffix}@example.org", f"jo-{suffix}@example.org"
    apprentice_email = f"ana-{suffix}@example.org"

    # The administrator adds a coordinator and a journeyworker, and looks around.
    admin = person()
    sign_in(admin, server, tenant.administrator)
    expect(admin.get_by_role("heading", name="Apprentices")).to_be_visible()
    accessible(admin)
    admin.keyboard.press("Tab")
    assert admin.evaluate("document.activeElement.textContent") == "Skip to content"
    coordinator_link = add_staff(admin, "Cora Coordinator", coordinator_email, "Coordinator")
    jw_link = add_staff(admin, "Jo Rivera", jw_email, "Journeyworker")
    assert coordinator_link.startswith(f"{server}/portal/password/")
    for name in ("Programs", "Credentials", "Batches", "API keys", "Audit log", "My account"):
        admin.get_by_role("link", name=name, exact=True).click()
        accessible(admin)
    admin.get_by_role("link", name="Programs", exact=True).click()
    admin.get_by_role("link", name="Customer Service Representative").first.click()
    expect(admin.get_by_role("heading", name="Level 1: Emerging")).to_be_visible()
    accessible(admin)
    admin.get_by_role("link", name="API keys", exact=True).click()
    admin.get_by_label("Name of the new key").fill("HR system")
    admin.get_by_role("button", name="Create key").click()
    assert admin.locator("#new-key").inner_text().startswith("ler_")
    accessible(admin)
    admin.goto(f"{server}/portal/apprentices/{uuid.uuid4()}")
    expect(admin.get_by_role("heading", name="Not found")).to_be_visible()
    accessible(admin)

    # The coordinator sets a password, signs in, enrols the apprentice and assigns Jo.
    coordinator = person()
    set_password(coordinator, coordinator_link)
    sign_in(coordinator, server, coordinator_email)
    coordinator.get_by_role("link", name="Enrol an apprentice").click()
    accessible(coordinator)
    coordinator.get_by_label("Full name").fill("Ana Lopez")
    coordinator.get_by_label("Email address").fill(apprentice_email)
    coordinator.get_by_label("Start date").fill("2024-01-02")
    coordinator.get_by_label("Cohort (optional)").fill("2024 spring")
    coordinator.get_by_role("button", name="Enrol").click()
    expect(coordinator.get_by_text("The apprentice is enrolled.")).to_be_visible()
    expect(coordinator.get_by_role("heading", name="Ana Lopez")).to_be_visible()
    accessible(coordinator)
    coordinator.get_by_label("Journeyworker", exact=True).select_option(label=f"Jo Rivera ({jw_email})")
    coordinator.get_by_role("button", name="Save").click()
    expect(coordinator.get_by_text("Assignments updated.")).to_be_visible()
    coordinator.get_by_label("Hours", exact=True).fill("8")
    coordinator.get_by_role("button", name="Record", exact=True).click()
    expect(coordinator.get_by_text("The entry is recorded.")).to_be_visible()
    accessible(coordinator)
    coordinator.get_by_role("link", name="All apprentices").click()
    coordinator.get_by_label("Cohort").select_option("2024 spring")
    coordinator.get_by_role("button", name="Find").click()
    expect(coordinator.get_by_role("link", name="Ana Lopez")).to_be_visible()
    accessible(coordinator)

    # The journeyworker, on a phone on the shop floor, signs off the Emerging statements.
    jw = person(PHONE)
    set_password(jw, jw_link)
    sign_in(jw, server, jw_email)
    expect(jw.get_by_role("heading", name="My apprentices")).to_be_visible()
    fits(jw, PHONE["width"])
    accessible(jw)
    jw.get_by_role("link", name="Checklist for Ana Lopez").click()
    expect(jw.get_by_role("heading", name="Sign-off checklist: Ana Lopez")).to_be_visible()
    fits(jw, PHONE["width"])
    accessible(jw)
    for statement in EMERGING[:-1]:
        button = jw.get_by_role("button", name=f"Sign off {statement}", exact=True)
        button.tap()
        expect(button).to_have_count(0)
    last = jw.get_by_role("button", name=f"Sign off {EMERGING[-1]}", exact=True)
    last.scroll_into_view_if_needed()
    box = last.bounding_box()
    assert box["height"] >= 44 and box["x"] + box["width"] <= PHONE["width"]
    last.tap()
    expect(jw.get_by_role("status").filter(has_text="New credential issued")).to_contain_text(
        "Customer Service Representatives skills framework: Emerging")
    expect(jw.get_by_text(f"Signed off {date.today().isoformat()} by Jo Rivera (Journeyworker)")).to_have_count(10)
    expect(jw.get_by_role("button", name="Sign off developing-01", exact=True)).to_be_visible()
    fits(jw, PHONE["width"])
    accessible(jw)
    jw.screenshot(path=str(Path(os.environ.get("LER_SCREENSHOTS", "/tmp")) / "portal-signoff-phone.png"))

    # The apprentice asks for a sign-in link, takes it from the mail, and sees the credential.
    me = person(PHONE)
    me.goto(f"{server}/me/login")
    accessible(me)
    me.get_by_label("Your email address").fill(apprentice_email)
    me.get_by_role("button", name="Email me a sign-in link").click()
    expect(me.get_by_text("a sign-in link is on its way")).to_be_visible()
    [link] = inbox.links(f"{server}/me/login/")
    me.goto(link)
    accessible(me)
    me.get_by_role("button", name="Sign in").click()
    expect(me.get_by_role("heading", name="Hello, Ana Lopez")).to_be_visible()
    credential = me.get_by_role("heading", name="Customer Service Representatives skills framework: Emerging",
                                exact=True)
    expect(credential).to_be_visible()
    developing = me.locator(".card", has=me.get_by_role("heading", name="Customer Service Representatives skills "
                                                                          "framework: Developing"))
    expect(developing.get_by_text("10 statements left")).to_be_visible()
    expect(developing.get_by_text("developing-01")).to_be_visible()
    fits(me, PHONE["width"])
    accessible(me)
    me.screenshot(path=str(Path(os.environ.get("LER_SCREENSHOTS", "/tmp")) / "portal-me-phone.png"), full_page=True)
    with me.expect_download() as download:
        me.get_by_role("link", name="Download my transcript (PDF)").click()
    assert Path(download.value.path()).read_bytes().startswith(b"%PDF")
    me.get_by_role("button", name="Add to my wallet or download").click()
    expect(me.get_by_role("heading", name="Claim your credential")).to_be_visible()

    # Back at the console: the credential, and the audit trail of all of it.
    admin.get_by_role("link", name="Credentials", exact=True).click()
    admin.get_by_role("link", name="Customer Service Representatives skills framework: Emerging").click()
    expect(admin.get_by_role("heading", name="Change its status")).to_be_visible()
    accessible(admin)
    admin.get_by_role("link", name="Audit log", exact=True).click()
    for action in ("staff.created", "apprentice.enrolled", "assignment.added", "signoff.record",
                   "credential.issued", "apprentice.signed_in"):
        expect(admin.get_by_role("cell", name=action, exact=True).first).to_be_visible()
    accessible(admin)


def test_two_step_sign_in_in_the_browser(services, server, person):
    tenant = make_tenant(services)
    admin = person()
    sign_in(admin, server, tenant.administrator)
    admin.get_by_role("link", name="My account", exact=True).click()
    admin.get_by_role("link", name="Set up two-step sign-in").click()
    accessible(admin)
    totp = pyotp.TOTP(admin.locator("#totp-secret").inner_text().strip())
    admin.get_by_label("The code the app shows").fill(totp.now())
    admin.get_by_role("button", name="Turn on").click()
    expect(admin.get_by_role("status")).to_contain_text("Two-step sign-in is on")
    admin.get_by_role("button", name="Sign out").click()

    sign_in(admin, server, tenant.administrator)
    expect(admin.get_by_role("heading", name="Enter your one-time code")).to_be_visible()
    accessible(admin)
    admin.get_by_label("Six-digit code").fill(totp.at(time.time() + 30))
    admin.get_by_role("button", name="Continue").click()
    expect(admin.get_by_role("heading", name="Apprentices")).to_be_visible()


def test_batch_upload_report_and_approval_pages(services, server, person, tmp_path):
    tenant = make_tenant(services)
    admin = person()
    sign_in(admin, server, tenant.administrator)
    admin.get_by_role("link", name="Batches", exact=True).click()
    rows = ["apprentice_id,apprentice_name,apprentice_email,apprentice_did,program,entry_type,item,value,date,"
            "signed_off_by", "P-1,Pat Park,pat@example.org,,ny-csr,ojl_hours,wp-a,8,2024-03-01,",
            "P-1,Pat Park,pat@example.org,,ny-csr,ojl_hours,wp-a,eight,2024-03-02,"]
    upload = tmp_path / f"progress-{uuid.uuid4().hex[:6]}.csv"
    upload.write_text("\n".join(rows) + "\n", encoding="utf-8")
    admin.get_by_label("CSV or JSON file").set_input_files(str(upload))
    admin.get_by_role("button", name="Upload and validate").click()
    expect(admin.get_by_role("heading", name=f"Batch: {upload.name}")).to_be_visible()
    expect(admin.get_by_role("cell", name="value", exact=True)).to_be_visible()
    accessible(admin)
    admin.get_by_role("button", name="Approve and run").click()
    expect(admin.get_by_role("status")).to_contain_text("The batch is approved")
    accessible(admin)
    admin.get_by_role("link", name="All batches").click()
    expect(admin.get_by_role("link", name=upload.name)).to_be_visible()
    accessible(admin)
