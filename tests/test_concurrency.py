"""Eight workers record the same last missing entry at once: exactly one credential."""

from __future__ import annotations

import threading
import uuid
from datetime import date

from sqlalchemy import func, select

from issuer.db import session_scope
from issuer.issuance.models import IssuedCredential
from issuer.progress import services as progress
from issuer.workflow import earning
from issuer.sponsors.services import create_sponsor


def test_concurrent_last_entry_issues_exactly_one_credential(services):
    with session_scope(services.sessions) as session:
        sponsor, _ = create_sponsor(session, f"Concurrent {uuid.uuid4().hex[:8]}", ["ny-csr"])
        apprentice = progress.upsert_apprentice(session, sponsor, "C1", "Ana Lopez", "ana@example.org", None)
        enrollment = progress.enroll(session, sponsor, apprentice, "ny-csr", date(2024, 1, 1))
        for day in range(1, 13):
            earning.record_entry(session, services.issuance, enrollment, entry_type="ojl_hours", item="wp-a",
                                  value="8", entry_date=date(2024, 2, day), signed_off_by="J", recorded_by="t",
                                  source="test")
        enrollment_id, apprentice_id = enrollment.id, apprentice.id

    outcomes, errors = [], []
    barrier = threading.Barrier(8)

    def worker(n):
        try:
            barrier.wait()
            with session_scope(services.sessions) as session:
                from issuer.progress.models import Enrollment
                row = session.get(Enrollment, enrollment_id)
                outcome = earning.record_entry(
                    session, services.issuance, row, entry_type="ojl_hours", item="wp-a", value="4",
                    entry_date=date(2024, 2, 20), signed_off_by="J", recorded_by=f"worker-{n}", source="test")
                outcomes.append(outcome)
        except Exception as exc:  # collected, so a failure in a thread fails the test
            errors.append(exc)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sum(1 for o in outcomes if not o.duplicate) == 1
    assert sum(len(o.issuance.issued) for o in outcomes) == 1
    with session_scope(services.sessions) as session:
        count = session.scalar(select(func.count()).select_from(IssuedCredential)
                               .where(IssuedCredential.apprentice_id == apprentice_id))
    assert count == 1
