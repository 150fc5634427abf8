"""The apprenticeship record's transcript page in headless Chromium at phone and desktop widths,
checked with axe-core: a superseded version (pointing to the newest) and the current one."""

from __future__ import annotations

from playwright.sync_api import expect

from issuer.db import session_scope
from issuer.issuance import records

from browser_support import PHONE, browser  # noqa: F401 (a fixture)
from records_support import almost  # noqa: F401 (a fixture)
from test_pages_browser import shot
from test_portal_browser import DESKTOP, accessible, fits, person, server  # noqa: F401 (fixtures)


def test_record_pages_read_well_on_a_phone_and_a_desktop(almost, app, services, server, person):
    key, enrollment_id, entry, _ = almost
    response = app.test_client().post("/api/v1/apprentices/A-100/entries", json=entry,
                                      headers={"Authorization": f"Bearer {key}"})
    assert response.status_code == 201
    with session_scope(services.sessions) as session:
        first, second = (v.id for v in records.versions(session, enrollment_id))
    for label, viewport in (("phone", PHONE), ("desktop", DESKTOP)):
        page = person(viewport)
        page.goto(f"{server}/records/{first}")
        expect(page.locator("#record-state")).to_contain_text("A newer version of this record exists: version 2")
        fits(page, viewport["width"])
        accessible(page)
        shot(page, f"record-superseded-{label}")
        page.get_by_role("link", name="See the current version").click()
        expect(page).to_have_url(f"{server}/records/{second}")
        expect(page.locator("#record-state")).to_contain_text("This is the current version of the record: version 2")
        expect(page.get_by_role("heading", name="Completed apprenticeship", exact=True)).to_be_visible()
        fits(page, viewport["width"])
        accessible(page)
        shot(page, f"record-current-{label}")
