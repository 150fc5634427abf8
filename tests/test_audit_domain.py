"""The audit log is a domain of its own: who acts is a context variable the HTTP and CLI edges
set, so nothing outside issuer/app.py and issuer/api/ needs Flask."""

from __future__ import annotations

import ast
import threading
import uuid
from pathlib import Path

from sqlalchemy import select

from issuer import audit
from issuer.audit.models import AuditEvent
from issuer.db import session_scope

from portal_support import Signed, make_tenant

PACKAGE = Path(__file__).resolve().parents[1] / "issuer"


def test_only_the_http_edge_imports_flask():
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        relative = path.relative_to(PACKAGE).as_posix()
        if relative == "app.py" or relative.startswith("api/"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{relative}: {n}" for n in names if n == "flask" or n.startswith("flask.")]
    assert offenders == []


def _actors(services, sponsor_name) -> dict[str, str]:
    from issuer.sponsors.services import find_sponsor
    with session_scope(services.sessions) as session:
        sponsor_id = find_sponsor(session, sponsor_name).id
        return {e.action: e.actor for e in session.scalars(
            select(AuditEvent).where(AuditEvent.sponsor_id == sponsor_id).order_by(AuditEvent.id))}


def test_each_request_names_its_own_caller_and_forgets_it(app, services):
    tenant = make_tenant(services, ["ny-csr"])
    client = app.test_client()
    response = client.post("/api/v1/apprentices", headers=tenant.api, json={
        "external_id": f"X-{uuid.uuid4().hex[:6]}", "name": "Ana Lopez", "email": "ana@example.org",
        "program": "ny-csr", "start_date": "2024-01-02"})
    assert response.status_code == 201
    assert _actors(services, tenant.name)["apprentice.enrolled"] == f"API key of {tenant.name}"
    # The request is over: this thread (the test's, which served it) names nobody any more.
    assert audit.current_actor() == audit.SYSTEM
    admin = Signed(app, tenant.administrator)
    admin.post("/portal/staff", {"name": "New Viewer", "email": f"v-{uuid.uuid4().hex[:6]}@example.org",
                                 "role": "viewer"})
    assert _actors(services, tenant.name)["staff.created"].startswith("Administrator Person")
    assert audit.current_actor() == audit.SYSTEM


def test_the_actor_is_per_thread_of_work(services):
    seen = {}

    def work(name):
        with audit.acting_as(audit.Actor(name)):
            barrier.wait()
            seen[name] = audit.current_actor().label

    barrier = threading.Barrier(2)
    threads = [threading.Thread(target=work, args=(n,)) for n in ("one", "two")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == {"one": "one", "two": "two"} and audit.current_actor() == audit.SYSTEM
