"""Issue 13, points 4 to 8, as people meet them in headless Chromium (Debian's, driven by
Playwright), at phone (390x844) and desktop widths, every page checked with axe-core, and a
screenshot of each saved under $LER_TEST_ARTIFACTS (default: the system's temporary folder),
in ler-browser/.

- apprentices: badges (completed occupation first), the claim page's wallet button and LinkedIn,
  a revoked credential marked on the claim page, the public page and their own page;
- sponsor staff: delivering by mail and by QR code, ids as the CSV takes them, batch errors by
  cause with approval disabled, a progress bar that follows the batch, the cohort chart, and a
  confirmation before revoking;
- journeyworkers on a phone: sign-off without a reload, undo, nothing covering the checklist,
  no word broken in the apprentice list;
- employers: a tampered credential's claims are not shown as facts;
- documents: the certificate PDF rendered to an image, the badge's text inside its ring.

Skipped only where Chromium is absent *and* CI is not set; under CI a missing browser fails.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image
from playwright.sync_api import expect
from sqlalchemy import select

from issuer.db import session_scope
from issuer.portal.models import StaffAccount
from issuer.progress.models import LedgerEntry

from browser_support import PHONE, browser  # noqa: F401 (a fixture)
from portal_support import Signed, make_staff, make_tenant
from test_portal_browser import DESKTOP, accessible, fits, inbox, person, server, sign_in  # noqa: F401 (fixtures)

ARTIFACTS = Path(os.environ.get("LER_TEST_ARTIFACTS") or tempfile.gettempdir()) / "ler-browser"
HEADER = ("apprentice_id,apprentice_name,apprentice_email,apprentice_did,program,entry_type,item,value,date,"
          "signed_off_by")


def shot(page, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=full_page, timeout=60000)


def both(person, server, email, path, name, check=None):
    """The page at phone and desktop widths: it fits, passes axe, and is saved."""
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = person(viewport)
        if email:
            sign_in(page, server, email)
        page.goto(server + path)
        if check:
            check(page)
        fits(page, viewport["width"])
        accessible(page)
        shot(page, f"{name}-{label}")


def _decode_qr(locator) -> str:
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(locator.screenshot())), formats=zxingcpp.BarcodeFormat.QRCode)
    texts = {code.text for code in codes}
    assert len(texts) == 1, texts
    return texts.pop()


def _enrol_with_credential(app, tenant, *, name="Ana Lopez", email=None) -> tuple[str, str, str]:
    """(apprentice id, their external id, the work process A credential) through the sponsor API."""
    client = app.test_client()
    external = f"E-{uuid.uuid4().hex[:6]}"
    email = email or f"ana-{uuid.uuid4().hex[:6]}@example.org"
    made = client.post("/api/v1/apprentices", headers=tenant.api, json={
        "external_id": external, "name": name, "email": email, "program": "ny-csr", "start_date": "2024-01-02"})
    assert made.status_code == 201, made.get_json()
    apprentice = made.get_json()["id"]
    issued = []
    for day in range(1, 6):
        response = client.post(f"/api/v1/apprentices/{apprentice}/entries", headers=tenant.api, json={
            "entry_type": "ojl_hours", "item": "wp-a", "value": "20", "date": f"2024-03-{day:02d}"})
        issued += response.get_json()["issued"]
    return apprentice, external, issued[0]["id"]


def _upload(page, server, name: str, text: str, kind: str = "") -> None:
    page.goto(f"{server}/portal/batches")
    page.get_by_label("CSV or JSON file").set_input_files(
        {"name": name, "mimeType": "text/csv", "buffer": text.encode()})
    if kind:
        page.get_by_label("Kind").select_option(kind)
    page.get_by_role("button", name="Upload and validate").click()


def _badge_loaded(page) -> None:
    image = page.locator("img.badge-image").first
    expect(image).to_be_visible()
    assert image.evaluate("i => i.complete && i.naturalWidth > 0"), "the badge image did not load"


def test_staff_deliver_batches_cohort_and_revoke(app, services, server, inbox, person):
    tenant = make_tenant(services, ["ny-csr"])
    apprentice, external, credential = _enrol_with_credential(app, tenant)

    # Point 5: ids as the CSV takes them, and delivery from the apprentice's page.
    admin = person()
    sign_in(admin, server, tenant.administrator)
    admin.goto(f"{server}/portal/apprentices/{apprentice}")
    _badge_loaded(admin)
    assert "wp-a (A): Workplace Orientation" in admin.locator("select[name=item]").first.inner_text()
    admin.get_by_role("button", name="Email the claim link").first.click()
    expect(admin.get_by_text("The claim link is on its way to the apprentice.")).to_be_visible()
    [claim_link] = inbox.links(f"{server}/claim/")
    admin.get_by_role("button", name="Show a QR code to scan").first.click()
    expect(admin.get_by_role("heading", name="Scan to claim: Work process A: Workplace Orientation")).to_be_visible()
    scanned = _decode_qr(admin.locator("svg.qr"))
    assert scanned == admin.locator("#claim-link").get_attribute("href") and scanned.startswith(f"{server}/claim/")
    accessible(admin)
    shot(admin, "staff-deliver-qr-desktop")
    both(person, server, tenant.administrator, f"/portal/apprentices/{apprentice}", "staff-apprentice",
         check=_badge_loaded)
    both(person, server, tenant.administrator, "/portal/programs/ny-csr", "staff-program-ids",
         check=lambda p: expect(p.get_by_role("cell", name="wp-a", exact=True)).to_be_visible())

    # Batch errors by cause, approval disabled when nothing is valid.
    bad = "\n".join([HEADER] + [f"G-{i},Gil {i},gil{i}@example.org,,ny-csr,ojl_hours,A,8,2024-03-01,"
                                for i in range(30)]) + "\n"
    _upload(admin, server, "bad.csv", bad)
    expect(admin.get_by_role("cell", name="30 rows")).to_be_visible()
    expect(admin.get_by_text("did you mean wp-a?")).to_have_count(1)
    expect(admin.get_by_role("button", name="Approve and run")).to_be_disabled()
    accessible(admin)
    shot(admin, "staff-batch-errors-desktop")
    both(person, server, tenant.administrator, admin.url.replace(server, ""), "staff-batch-errors")

    # A good batch: the progress bar follows it to the end without a reload by hand.
    good = "\n".join([HEADER] + [f"{external},Ana Lopez,,,ny-csr,ojl_hours,wp-b,8,2024-04-{d:02d},"
                                 for d in range(1, 21)]) + "\n"
    _upload(admin, server, "good.csv", good)
    admin.get_by_role("button", name="Approve and run").click()
    admin.evaluate("window.__stayed = true")       # gone if the page were reloaded by hand...
    expect(admin.locator("#batch-state")).to_have_text("done", timeout=60000)
    bar = admin.locator("#batch-bar")
    assert bar.get_attribute("value") == bar.get_attribute("max") == "20"
    accessible(admin)
    shot(admin, "staff-batch-done-desktop")

    # The cohort batch's achievement ids are listed where it is uploaded; award the occupation.
    admin.goto(f"{server}/portal/batches")
    admin.locator("summary", has_text="(ny-csr)").click()
    expect(admin.get_by_text("occupation", exact=True)).to_be_visible()
    _upload(admin, server, "cohort.csv", f"apprentice_id,program,achievement\n{external},ny-csr,occupation\n", "cohort")
    # 160 of 2,000 hours: the ledger contradicts the award, so the sponsor must attest anyway.
    admin.get_by_label("Attest anyway", exact=False).check()
    admin.get_by_role("button", name="Approve and run").click()
    expect(admin.locator("#batch-state")).to_have_text("done", timeout=60000)

    # The cohort chart.
    def chart(page):
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name="Ana Lopez"))
        expect(row).to_be_visible()
        expect(row.get_by_text("Completed")).to_be_visible()
        assert row.locator(".bar").count() >= 3
    both(person, server, tenant.administrator, "/portal/programs/ny-csr/cohort", "staff-cohort-chart", check=chart)

    # Revoking asks first.
    admin.goto(f"{server}/portal/credentials/{credential}")
    admin.get_by_label("Revoke (permanent)").check()
    admin.get_by_label("Reason").fill("issued in error")
    admin.get_by_role("button", name="Apply").click()
    expect(admin.get_by_role("heading", name="Revoke this credential?")).to_be_visible()
    accessible(admin)
    shot(admin, "staff-revoke-confirm-desktop")
    admin.get_by_role("button", name="Yes, revoke it").click()
    expect(admin.get_by_text("Revoked", exact=True).first).to_be_visible()

    # Point 4: the revoked credential marked on the claim page and the public page, not offered.
    def revoked_claim(page):
        expect(page.locator("#standing")).to_have_attribute("data-state", "revoked")
        expect(page.get_by_role("button", name="Show wallet codes")).to_have_count(0)
        _badge_loaded(page)
    both(person, server, None, claim_link.replace(server, ""), "claim-revoked", check=revoked_claim)

    def revoked_public(page):
        expect(page.locator("#verification")).to_have_attribute("data-state", "revoked")
        _badge_loaded(page)
    both(person, server, None, f"/credentials/{credential}", "public-revoked", check=revoked_public)


def test_apprentice_claim_page_badges_and_own_page(app, services, server, inbox, person):
    tenant = make_tenant(services, ["ny-csr"])
    email = f"ana-{uuid.uuid4().hex[:6]}@example.org"
    apprentice, external, credential = _enrol_with_credential(app, tenant, email=email)
    coordinator = Signed(app, tenant.administrator)
    # The occupation, awarded by a cohort batch, and one more credential, revoked.
    batch = coordinator.post("/portal/batches", {"file": (io.BytesIO(
        f"apprentice_id,program,achievement\n{external},ny-csr,occupation\n".encode()), "c.csv")},
        content_type="multipart/form-data")
    # The ledger holds a few hours only, so the award needs "attest anyway" (tests/test_attest_anyway.py).
    assert coordinator.post(f"{batch.location.split('?')[0]}/approve", {"attest_anyway": "yes"}).status_code == 303
    for _ in range(300):
        if coordinator.get(f"{batch.location.split('?')[0]}/progress.json").get_json()["state"] == "done":
            break
    made = app.test_client().post(f"/api/v1/credentials/{credential}/offer", json={}, headers=tenant.api).get_json()
    claim = made["claim_url"].replace("https://issuer.example", "")
    claim = claim[claim.index("/claim/"):]

    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = person(viewport)
        page.goto(server + claim)
        _badge_loaded(page)
        linkedin = page.get_by_role("link", name="Add to LinkedIn profile")
        assert linkedin.get_attribute("href").startswith("https://www.linkedin.com/profile/add?")
        fits(page, viewport["width"])
        accessible(page)
        shot(page, f"claim-{label}")
        page.get_by_role("button", name="Show wallet codes").click()
        expect(page.get_by_role("link", name="Open in my wallet")).to_be_visible()
        fits(page, viewport["width"])
        accessible(page)
        shot(page, f"claim-wallet-codes-{label}")

    # The apprentice's own page: badges, the completed occupation first, a revoked one marked.
    Signed(app, tenant.administrator).post(f"/portal/credentials/{credential}/status", {
        "action": "revoke", "reason": "issued in error", "confirm": "yes"})
    me = person(PHONE)
    me.goto(f"{server}/me/login")
    me.get_by_label("Your email address").fill(email)
    me.get_by_role("button", name="Email me a sign-in link").click()
    [link] = inbox.links(f"{server}/me/login/")
    me.goto(link)
    me.get_by_role("button", name="Sign in").click()
    cards = me.locator("li.credential")
    expect(cards.first.get_by_role("heading")).to_have_text("Customer Service Representative: completed apprenticeship")
    revoked = cards.filter(has_text="Work process A")
    expect(revoked.get_by_text("Revoked", exact=True)).to_be_visible()
    expect(revoked.get_by_role("button", name="Add to my wallet or download")).to_have_count(0)
    assert me.locator("img.badge-image").count() == 2
    for image in me.locator("img.badge-image").all():
        assert image.evaluate("i => i.complete && i.naturalWidth > 0")
    fits(me, PHONE["width"])
    accessible(me)
    shot(me, "apprentice-me-phone")
    me.set_viewport_size(DESKTOP)
    accessible(me)
    shot(me, "apprentice-me-desktop")


def _journeyworker(app, services, tenant, apprentice) -> str:
    email = make_staff(services, tenant.name, "journeyworker", name="Jo Rivera")
    with session_scope(services.sessions) as session:
        staff_id = session.scalars(select(StaffAccount.id).where(StaffAccount.email == email)).one()
    Signed(app, tenant.administrator).post(f"/portal/apprentices/{apprentice}/assignments",
                                           {"staff": str(staff_id), "assign": "on"})
    return email


# Words may wrap at a hyphen, a dot or an @ (an email address must, on a phone), never inside.
WORDS_WHOLE = """() => Array.from(document.querySelectorAll('table td, table th')).flatMap(cell => {
    const broken = [];
    const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) {
      const node = walker.currentNode;
      for (const m of node.textContent.matchAll(/[\\p{L}\\p{N}]+/gu)) {
        const range = document.createRange();
        range.setStart(node, m.index); range.setEnd(node, m.index + m[0].length);
        const tops = new Set(Array.from(range.getClientRects()).map(r => Math.round(r.top)));
        if (tops.size > 1) broken.push(m[0]);
      }
    }
    return broken;
  })"""


def test_journeyworker_signs_off_on_a_phone_without_reload_and_undoes(app, services, server, person):
    tenant = make_tenant(services, ["ny-csr"])
    apprentice, _, _ = _enrol_with_credential(app, tenant, name="Maximiliano Castellanos-Rodríguez",
                                              email="maximiliano.castellanos-rodriguez@construction-example.org")
    jw_email = _journeyworker(app, services, tenant, apprentice)
    jw = person(PHONE)
    sign_in(jw, server, jw_email)
    expect(jw.get_by_role("heading", name="My apprentices")).to_be_visible()
    assert jw.evaluate(WORDS_WHOLE) == [], "a word is broken across lines in the apprentice list"
    fits(jw, PHONE["width"])
    accessible(jw)
    shot(jw, "journeyworker-list-phone")

    jw.get_by_role("link", name="Checklist for Maximiliano Castellanos-Rodríguez").click()
    jw.evaluate("window.__stayed = true")
    # Nothing covers the checklist: the first button is what a finger lands on, scrolled or not.
    for scroll in (0, 600):
        jw.evaluate(f"window.scrollTo(0, {scroll})")
        uncovered = jw.evaluate("""() => Array.from(document.querySelectorAll('.checklist button'))
            .filter(b => { const r = b.getBoundingClientRect(); return r.top > 0 && r.bottom < innerHeight; })
            .every(b => { const r = b.getBoundingClientRect();
                          const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                          return b.contains(hit); })""")
        assert uncovered, f"something covers the checklist at scroll {scroll}"
    button = jw.get_by_role("button", name="Sign off emerging-01", exact=True)
    button.tap()
    row = jw.locator("#" + jw.locator("li", has=jw.get_by_text("emerging-01:", exact=False)).first.get_attribute("id"))
    expect(row.get_by_text("Signed off")).to_be_visible()
    undo = row.get_by_role("button", name="Undo")
    expect(undo).to_be_visible()
    assert jw.evaluate("window.__stayed === true"), "signing off reloaded the page"
    expect(jw.get_by_role("status").filter(has_text="Signed off emerging-01")).to_be_visible()
    fits(jw, PHONE["width"])
    accessible(jw)
    shot(jw, "journeyworker-signed-undo-phone")
    undo.tap()
    expect(jw.get_by_role("button", name="Sign off emerging-01", exact=True)).to_be_visible()
    expect(jw.get_by_role("status").filter(has_text="Undone")).to_be_visible()
    assert jw.evaluate("window.__stayed === true")
    with session_scope(services.sessions) as session:
        actions = [e.action for e in session.scalars(select(LedgerEntry).where(LedgerEntry.item == "emerging-01"))
                   .all() if e.recorded_by == f"portal:{jw_email}"]
    assert actions == ["record", "reverse"]
    # The same sign-off again the same day is refused with a reason (the ledger would take it for a
    # repeat of the undone one), and the page says so.
    jw.get_by_role("button", name="Sign off emerging-01", exact=True).tap()
    expect(jw.get_by_role("status").filter(has_text="was signed off on")).to_be_visible()
    jw.get_by_role("button", name="Sign off emerging-02", exact=True).tap()
    expect(jw.locator("li", has=jw.get_by_text("emerging-02:")).get_by_role("button", name="Undo")).to_be_visible()
    jw.set_viewport_size(DESKTOP)
    accessible(jw)
    shot(jw, "journeyworker-checklist-desktop")


def test_employer_sees_no_tampered_claim_as_fact(app, services, server, person):
    tenant = make_tenant(services, ["ny-csr"])
    _, _, credential = _enrol_with_credential(app, tenant)
    document = app.test_client().get(f"/credentials/{credential}", headers={"Accept": "application/ld+json"}).get_json()
    document["credentialSubject"]["achievement"]["name"] = "MASTER level"
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = person(viewport)
        page.goto(f"{server}/verify")
        page.get_by_label("Paste it (JSON or JWT)").fill(json.dumps(document))
        page.get_by_role("button", name="Verify").click()
        expect(page.locator("#unverified")).to_be_visible()
        expect(page.get_by_text("Claims: MASTER level")).to_be_hidden()
        expect(page.locator("dl.facts:not(.unverified)")).to_have_count(0)
        fits(page, viewport["width"])
        accessible(page)
        shot(page, f"verify-tampered-{label}")


def test_certificate_and_badge_lay_out_every_line(app, services, server, person):
    tenant = make_tenant(services, ["ny-csr"])
    _, _, credential = _enrol_with_credential(app, tenant)
    pdf = app.test_client().get(f"/credentials/{credential}/certificate.pdf").data
    if shutil.which("pdftoppm") or os.environ.get("CI"):
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        (ARTIFACTS / "certificate.pdf").write_bytes(pdf)
        subprocess.run(["pdftoppm", "-r", "70", "-png", "-singlefile", str(ARTIFACTS / "certificate.pdf"),
                        str(ARTIFACTS / "certificate")], check=True)
        text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf, capture_output=True, check=True).stdout
        assert "…".encode() not in text and b"..." not in text, "a line of the certificate is cut short"
    # The badge, drawn by the browser: every line of text inside the white ring (r=210).
    page = person(DESKTOP)
    page.goto(f"{server}/credentials/{credential}/badge.svg")
    outside = page.evaluate("""() => Array.from(document.querySelectorAll('text')).filter(t => {
        const b = t.getBBox();
        return [[b.x, b.y], [b.x + b.width, b.y], [b.x, b.y + b.height], [b.x + b.width, b.y + b.height]]
          .some(([x, y]) => Math.hypot(x - 256, y - 256) > 210);
      }).map(t => t.textContent)""")
    assert outside == [], f"badge text outside its ring: {outside}"
    shot(page, "badge-svg", full_page=False)
