"""Issue 15: the employer asks the apprentice's wallet, in headless Chromium (Debian's, driven by
Playwright) at desktop (1280x800) and phone (390x844) widths, every state of the page checked
with axe-core (no violation at all) and for sideways scrolling, screenshots saved under
$LER_TEST_ARTIFACTS/ler-browser (see tests/test_pages_browser.py):

- /verify with both ways in; a bad O*NET-SOC code named next to its field (422);
- the request's page: who asks, what for, the two QR codes (decoded from the screen: they are
  the links the test wallet then follows), the expiry;
- the wallet answers (tests/wallet_support.py, OpenID4VP 1.0) and the waiting page shows the
  verification by itself, the verdict's heading taking the focus; the report PDF downloads;
- a request that expires while the page waits says so, and its button asks again.

Skipped only where Chromium is absent *and* CI is not set; under CI a missing browser fails.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from issuer.presentation import store

from browser_support import PHONE, browser, server  # noqa: F401 (fixtures)
from conftest import require_tools
from test_pages_browser import _decode_qr, shot
from test_portal_browser import fits, person  # noqa: F401 (a fixture)
from wallet_support import held, wallet  # noqa: F401 (fixtures)

DESKTOP = {"width": 1280, "height": 800}
VIEWPORTS = (("desktop", DESKTOP), ("phone", PHONE))


def no_violations(page) -> None:
    """axe-core finds nothing, of any impact."""
    from axe_playwright_python.sync_playwright import Axe
    found = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
             for v in Axe().run(page).response["violations"]]
    assert found == [], f"{page.url}: {found}"


def checked(page, width: int, name: str) -> None:
    fits(page, width)
    no_violations(page)
    shot(page, name)


@pytest.mark.parametrize("label,viewport", VIEWPORTS)
def test_the_employer_asks_the_wallet_and_reads_the_answer(wallet, held, server, person, label, viewport):
    page = person(viewport)
    page.goto(f"{server}/verify")
    expect(page.get_by_role("heading", name="Or ask the apprentice's wallet")).to_be_visible()
    checked(page, viewport["width"], f"employer-verify-{label}")

    # A code in the wrong form is named next to its field (the browser's own pattern check is
    # taken away, as an older browser would not have it, so that the server's answer is seen).
    page.get_by_label("Or type its O*NET-SOC code").fill("43-4051")
    page.locator("#onet_code").evaluate("e => e.removeAttribute('pattern')")
    page.get_by_role("button", name="Create the request").click()
    expect(page.get_by_role("alert")).to_contain_text("O*NET-SOC code: an O*NET-SOC code has the form NN-NNNN.NN")
    expect(page.get_by_label("Or type its O*NET-SOC code")).to_have_attribute("aria-invalid", "true")
    checked(page, viewport["width"], f"employer-ask-error-{label}")

    # Ask for any credential of the New York program.
    page.get_by_label("Or type its O*NET-SOC code").fill("")
    page.get_by_label("Any credential from a program").check()
    page.get_by_label("Program", exact=True).select_option("ny-csr")
    page.get_by_role("button", name="Create the request").click()
    expect(page).to_have_url(re.compile(r"/verify/requests/[A-Za-z0-9_-]{40,}$"))
    facts = page.locator("#request-facts")
    expect(facts).to_contain_text("did:web:issuer.example")
    expect(facts).to_contain_text("any credential from the program “Customer Service Representative” (ny-csr)")
    expect(facts).to_contain_text(re.compile(r"Expires\s*\d{1,2} \w+ \d{4}, \d\d:\d\d UTC"))
    expect(page.get_by_role("status")).to_contain_text("checks every few seconds")   # the script runs
    openid = _decode_qr(page.locator("#openid svg.qr"))
    lcw = _decode_qr(page.locator("#lcw svg.qr"))
    assert openid == page.get_by_role("link", name="Open in the OpenID wallet").get_attribute("href")
    assert lcw == page.get_by_role("link", name="Open in the Learner Credential Wallet").get_attribute("href")
    checked(page, viewport["width"], f"employer-request-waiting-{label}")

    # The apprentice's wallet answers the code it scanned; the page shows the answer by itself.
    _, answer = wallet.answer_openid4vp(openid, [held])
    assert answer.status_code == 200, answer.get_data(as_text=True)
    verdict = page.locator("#verdict")
    expect(verdict).to_contain_text(f"Verified: the holder {wallet.did}", timeout=20000)
    expect(page.locator("#answer-heading")).to_be_focused()
    credential = page.locator("li.held-credential")
    expect(credential).to_have_attribute("data-state", "valid")
    credential.locator("summary").click()
    expect(credential.get_by_role("row", name=re.compile(r"Framework alignment"))).to_contain_text("Passed")
    checked(page, viewport["width"], f"employer-request-answered-{label}")

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the verification report (PDF)").click()
    require_tools("pdftotext")
    printed = subprocess.run(["pdftotext", "-raw", download.value.path(), "-"], capture_output=True,
                             check=True).stdout.decode()
    assert "Verification report" in printed and wallet.did in printed


@pytest.mark.parametrize("label,viewport", VIEWPORTS)
def test_a_request_that_expires_while_waiting_says_so_and_asks_again(server, person, monkeypatch, label, viewport):
    page = person(viewport)
    page.goto(f"{server}/verify")
    page.get_by_label("Occupation", exact=True).select_option("43-4051.00")
    page.get_by_role("button", name="Create the request").click()
    expect(page.locator("#waiting")).to_be_visible()
    first = page.url

    later = store.now_utc() + store.TTL + timedelta(seconds=1)
    monkeypatch.setattr(store, "now_utc", lambda: later)        # the service's clock, past the expiry
    expect(page.locator("#expired")).to_contain_text("without an answer", timeout=20000)
    expect(page.locator("svg.qr")).to_have_count(0)
    checked(page, viewport["width"], f"employer-request-expired-{label}")

    monkeypatch.undo()
    page.get_by_role("button", name="Make a new request for the same").click()
    expect(page.locator("#waiting")).to_be_visible()
    assert page.url != first
    expect(page.locator("#request-facts")).to_contain_text("a completed apprenticeship in O*NET-SOC 43-4051.00")


def test_a_presentation_on_the_verify_page_lists_each_credential(client, services, server, person):
    """Point 3 of the employer's work: what /verify shows of a presentation, in the browser."""
    from verify_support import issue_level, issue_one
    sound, changed = issue_one(client, services).document, issue_level(client, services).document
    changed["credentialSubject"]["achievement"]["name"] = "MASTER level"
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
                    "verifiableCredential": [sound, changed]}
    for label, viewport in VIEWPORTS:
        page = person(viewport)
        page.goto(f"{server}/verify")
        page.get_by_label("Paste it (JSON or JWT)").fill(json.dumps(presentation))
        page.get_by_role("button", name="Verify").click()
        held = page.locator("li.held-credential")
        expect(held).to_have_count(2)
        expect(held.nth(0)).to_have_attribute("data-state", "valid")
        expect(held.nth(0).get_by_role("row", name=re.compile("Signature"))).to_be_hidden()     # folded: it passed
        expect(held.nth(1)).to_have_attribute("data-state", "invalid")
        expect(held.nth(1).locator(".held-name")).to_have_text("2. Not authentic: claims to be “MASTER level”")
        expect(held.nth(1).get_by_role("row", name=re.compile("Signature"))).to_contain_text("Failed")
        checked(page, viewport["width"], f"employer-verify-presentation-{label}")
