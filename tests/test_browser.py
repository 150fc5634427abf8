"""What a person sees, in headless Chromium (Debian's, driven by Playwright): the claim page on a
phone, with both wallet QR codes readable from the screen, keyboard access and no accessibility
violations (axe-core); the public credential page in its valid, suspended, revoked and expired
states. The app runs on 127.0.0.1 in a thread.

Skipped only where Chromium is absent *and* CI is not set; under CI a missing browser fails.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image

from issuer.db import session_scope
from issuer.credentials.baked import extract_png
from issuer.issuance import signing
from issuer.issuance.models import IssuedCredential

from browser_support import PHONE, browser, server  # noqa: F401 (fixtures)
from delivery_support import issue_one, republish_status_lists
from verify_support import make_legacy



@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


def _axe_violations(page) -> list[str]:
    from axe_playwright_python.sync_playwright import Axe
    results = Axe().run(page)
    return [f"{v['id']}: {v['help']}" for v in results.response["violations"]
            if v.get("impact") in ("serious", "critical")]


def _decode_qr(locator) -> str:
    codes = zxingcpp.read_barcodes(Image.open(io.BytesIO(locator.screenshot())), formats=zxingcpp.BarcodeFormat.QRCode)
    # zxing may report one symbol more than once (seen in CI): what counts is that there is one text.
    texts = {code.text for code in codes}
    assert len(texts) == 1, f"the screenshot shows {len(texts)} different QR codes: {texts}"
    return texts.pop()


def test_claim_page_on_a_phone(client, services, server, page, tmp_path):
    issued = issue_one(client, services, name="Ana Lopez")
    made = client.post(f"/api/v1/credentials/{issued.id}/offer", json={}, headers=issued.auth).get_json()
    claim_path = urlsplit(made["claim_url"]).path
    page.goto(server + claim_path)

    assert page.get_by_role("heading", name="Claim your credential").is_visible()
    assert page.get_by_text("Ana Lopez").first.is_visible()
    # The wallet codes are made when asked for (opening the link writes nothing).
    page.get_by_role("button", name="Show wallet codes").click()
    oid4vci = page.get_by_role("link", name="Open in my wallet")
    lcw = page.get_by_role("link", name="Open in Learner Credential Wallet")
    assert oid4vci.get_attribute("href").startswith("openid-credential-offer://?credential_offer_uri=")
    lcw_href = lcw.get_attribute("href")
    request = json.loads(parse_qs(urlsplit(lcw_href).query)["request"][0])
    assert lcw_href.startswith("https://lcw.app/request?request=") and "vcapi" in request["protocols"]

    # The QR codes as the phone camera sees them on screen carry the same links.
    offer_qr = page.get_by_role("img", name="QR code for an OpenID4VCI wallet")
    lcw_qr = page.get_by_role("img", name="QR code for the Learner Credential Wallet")
    assert _decode_qr(offer_qr) == oid4vci.get_attribute("href")
    assert _decode_qr(lcw_qr) == lcw_href

    # Fits a phone: nothing scrolls sideways, the QR code is large enough to scan.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert offer_qr.bounding_box()["width"] >= 180

    # Keyboard: the first Tab lands on the skip link, and the wallet link is reachable.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "oid4vci-link":
            break
    else:
        pytest.fail("the wallet link cannot be reached with the keyboard")

    with page.expect_download() as download:
        page.get_by_role("link", name="Badge image, PNG").click()
    baked = Path(download.value.path()).read_bytes()
    assert json.loads(extract_png(baked))["id"] == issued.document["id"]

    assert _axe_violations(page) == []
    page.screenshot(path=str(tmp_path / "claim.png"), full_page=True)


def _status(page) -> tuple[str, str]:
    banner = page.get_by_role("status")
    return banner.get_attribute("data-state"), banner.inner_text()


def test_credential_page_valid_suspended_revoked(client, services, server, page, tmp_path):
    # Suspension shows only on a credential whose entry can carry it: one issued with the message entry.
    issued = make_legacy(services, issue_one(client, services, name="Ana Lopez"))
    republish_status_lists(services, issued.id)
    url = f"{server}/credentials/{issued.id}"
    page.goto(url)
    assert page.get_by_role("heading", level=1).inner_text() == "Work process A: Workplace Orientation"
    state, text = _status(page)
    assert state == "valid" and text.startswith("Verified"), text
    details = page.locator("dl.facts").inner_text()
    for fact in ("Ana Lopez", "Customer Service Representative", "O*NET-SOC code", "43-4051.00", "Hours", "100"):
        assert fact in details, fact
    assert page.get_by_role("heading", name="Aligned to").is_visible()
    linkedin = page.get_by_role("link", name="Add to LinkedIn profile")
    assert linkedin.get_attribute("href").startswith("https://www.linkedin.com/profile/add?")
    assert page.get_by_role("link", name="Download certificate (PDF)").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    assert _axe_violations(page) == []
    page.screenshot(path=str(tmp_path / "credential.png"), full_page=True)

    change = client.post(f"/api/v1/credentials/{issued.id}/suspend", json={"reason": "under review"},
                         headers=issued.auth)
    assert change.status_code == 200, change.get_json()
    page.reload()
    state, text = _status(page)
    assert state == "suspended" and text.startswith("Suspended"), text

    change = client.post(f"/api/v1/credentials/{issued.id}/revoke", json={"reason": "issued in error"},
                         headers=issued.auth)
    assert change.status_code == 200, change.get_json()
    page.reload()
    state, text = _status(page)
    assert state == "revoked" and text.startswith("Revoked"), text
    assert _axe_violations(page) == []


def test_credential_page_expired(client, services, server, page):
    issued = issue_one(client, services, name="Ana Lopez")
    # A credential whose validity ended: the stored one, given a past validUntil and re-signed.
    with session_scope(services.sessions) as session:
        row = session.get(IssuedCredential, issued.id)
        unsecured = {k: v for k, v in row.document.items() if k != "proof"}
        unsecured["validUntil"] = "2025-01-01T00:00:00Z"
        unsecured["validFrom"] = "2024-03-05T00:00:00Z"
        row.document = signing.with_proof(session, services.keys, unsecured, loader=services.loader)
    republish_status_lists(services, issued.id)
    page.goto(f"{server}/credentials/{issued.id}")
    state, text = _status(page)
    assert state == "expired" and text.startswith("Expired"), text
    assert "January 1, 2025" in page.locator("dl.facts").inner_text()
