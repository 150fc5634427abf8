"""The apprentice takes their record to a wallet, in headless Chromium at phone and desktop widths:
signed in by a sign-in link, they press the record's wallet button on their page and get the two
QR codes and links; the page fits the screen and passes axe-core."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import expect

from browser_support import PHONE, browser  # noqa: F401 (a fixture)
from issuer.db import session_scope
from issuer.portal import security
from test_pages_browser import shot
from test_portal_browser import DESKTOP, accessible, fits, person, server  # noqa: F401 (fixtures)


def test_the_record_wallet_codes_read_well_on_a_phone_and_a_desktop(services, issued, server, person):
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        with session_scope(services.sessions) as session:
            token = security.issue_link_token(session, "apprentice", timedelta(minutes=5),
                                              apprentice_id=issued.apprentice_id)
        page = person(viewport)
        page.goto(f"{server}/me/login/{token}")
        page.get_by_role("button", name="Sign in").click()
        expect(page.get_by_role("heading", name="Your apprenticeship record")).to_be_visible()
        accessible(page)   # the apprentice's page, with the button
        page.get_by_role("button", name="Add my apprenticeship record to my wallet").click()
        expect(page.get_by_role("heading", name="Add your record to your wallet")).to_be_visible()
        expect(page.get_by_role("img", name="QR code for an OpenID4VCI wallet")).to_be_visible()
        expect(page.get_by_role("img", name="QR code for the Learner Credential Wallet")).to_be_visible()
        offer = page.get_by_role("link", name="Open in my wallet").get_attribute("href")
        assert offer.startswith("openid-credential-offer://?credential_offer_uri=")
        lcw = page.get_by_role("link", name="Open in Learner Credential Wallet").get_attribute("href")
        assert lcw.startswith("https://lcw.app/request?request=")
        fits(page, viewport["width"])
        accessible(page)
        shot(page, f"record-wallet-{label}")
