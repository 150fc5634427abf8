"""The console's apprentice page with a long ledger: pages of LEDGER_PAGE entries, newest first,
with links between them, rather than every entry of four years at once."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from sqlalchemy import select

from issuer.api.portal.apprentices import LEDGER_PAGE
from issuer.db import session_scope
from issuer.workflow.importer import run_import
from issuer.progress.models import Apprentice, LedgerEntry, Enrollment
from issuer.sponsors.services import find_sponsor

from portal_support import Signed, enrol, make_staff, make_tenant

ENTRIES = 4000
_ROW = re.compile(r"<tr>\s*<td>(\d+)</td>")


def test_a_4000_entry_ledger_is_shown_a_page_at_a_time_newest_first(app, services):
    tenant = make_tenant(services)
    coordinator = Signed(app, make_staff(services, tenant.name, "coordinator"))
    external_id = f"E-{uuid.uuid4().hex[:8]}"
    apprentice = enrol(coordinator, external_id=external_id, start_date="2014-01-01")
    start = date(2014, 1, 2)
    csv_text = "apprentice_id,apprentice_name,apprentice_email,apprentice_did,program,entry_type,item,value,date," \
               "signed_off_by\n" + "".join(
                   f"{external_id},,,,ny-csr,rti_hours,rti,0.01,{(start + timedelta(days=i)).isoformat()},\n"
                   for i in range(ENTRIES))
    with session_scope(services.sessions) as session:
        sponsor_id = find_sponsor(session, tenant.name).id
    report = run_import(services.sessions, services.issuance, sponsor_id, csv_text, source="test")
    assert report.header_error is None and not report.errors
    with session_scope(services.sessions) as session:
        ids = list(session.scalars(select(LedgerEntry.id).join(Enrollment, Enrollment.id == LedgerEntry.enrollment_id)
                                   .join(Apprentice, Apprentice.id == Enrollment.apprentice_id)
                                   .where(Apprentice.id == apprentice).order_by(LedgerEntry.id.desc())))
        enrollment = session.scalars(select(Enrollment.id).where(Enrollment.apprentice_id == apprentice)).one()
    assert len(ids) == ENTRIES
    pages = -(-ENTRIES // LEDGER_PAGE)

    first = coordinator.get(f"/portal/apprentices/{apprentice}").get_data(as_text=True)
    shown = [int(i) for i in _ROW.findall(first)]
    assert shown == ids[:LEDGER_PAGE]                      # newest first, one page only
    assert f"page 1 of {pages}" in first
    assert f"enrollment={enrollment}&amp;page=2" in first and "Older entries" in first
    assert "Newer entries" not in first
    # The correction form offers the entries of the page, not all four thousand.
    offered = re.findall(r'<option value="(\d+)">#', first)
    assert sorted(map(int, offered), reverse=True) == ids[:LEDGER_PAGE]

    second = coordinator.get(f"/portal/apprentices/{apprentice}?enrollment={enrollment}&page=2")
    assert [int(i) for i in _ROW.findall(second.get_data(as_text=True))] == ids[LEDGER_PAGE:2 * LEDGER_PAGE]
    last = coordinator.get(f"/portal/apprentices/{apprentice}?enrollment={enrollment}&page={pages}")
    body = last.get_data(as_text=True)
    assert [int(i) for i in _ROW.findall(body)] == ids[(pages - 1) * LEDGER_PAGE:]
    assert "Newer entries" in body and "Older entries" not in body
    # A page past the end, or not a number, is the nearest page rather than an error.
    beyond = coordinator.get(f"/portal/apprentices/{apprentice}?enrollment={enrollment}&page=99999")
    assert beyond.status_code == 200 and f"page {pages} of {pages}" in beyond.get_data(as_text=True)
    junk = coordinator.get(f"/portal/apprentices/{apprentice}?enrollment={enrollment}&page=x")
    assert junk.status_code == 200 and [int(i) for i in _ROW.findall(junk.get_data(as_text=True))] == ids[:LEDGER_PAGE]
