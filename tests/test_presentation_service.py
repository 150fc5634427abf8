"""The employer's side of asking a wallet (issuer.presentation.service): a request is made with
its two links, waits, expires after TTL, and is gone (report and all) after RETENTION."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from urllib.parse import parse_qs, urlsplit

import pytest

from issuer.db import session_scope
from issuer.presentation import service
from issuer.presentation.service import Ask, AskError

BASE = "https://issuer.example"
ASK = Ask("occupation", "43-4051.00", "a completed apprenticeship in O*NET-SOC 43-4051.00")
T0 = datetime(2026, 12, 6, 9, 0, tzinfo=timezone.utc)


def test_a_request_waits_then_expires_and_names_the_verifier(services):
    with session_scope(services.sessions) as session:
        created = service.create(session, BASE, ASK, now=T0)
    assert created.expires_at == T0 + service.TTL
    link = urlsplit(created.oid4vp_uri)
    assert link.scheme == "openid4vp"
    query = parse_qs(link.query)
    assert query["client_id"] == ["decentralized_identifier:did:web:issuer.example"]
    assert query["request_uri"][0].startswith(f"{BASE}/openid4vp/requests/")
    lcw = urlsplit(created.lcw_uri)
    request = json.loads(parse_qs(lcw.query)["request"][0])
    assert request["credentialRequestOrigin"] == BASE
    assert request["protocols"]["vcapi"].startswith(f"{BASE}/workflows/verify/exchanges/")
    # The wallet's links never carry the employer's handle, which gives them again.
    assert created.handle not in created.oid4vp_uri and created.handle not in created.lcw_uri
    assert service.wallet_links(BASE, created.handle) == (created.oid4vp_uri, created.lcw_uri)

    with session_scope(services.sessions) as session:
        waiting = service.view(session, created.handle, now=T0 + timedelta(minutes=1))
        expired = service.view(session, created.handle, now=T0 + service.TTL)
        assert service.view(session, "not-a-handle", now=T0) is None
    assert (waiting.state, waiting.ask, waiting.report) == ("waiting", ASK, None)
    assert waiting.verifier == "did:web:issuer.example"
    assert expired.state == "expired"


def test_requests_are_deleted_after_the_retention(services):
    with session_scope(services.sessions) as session:
        old = service.create(session, BASE, ASK, now=T0)
    later = T0 + service.RETENTION + timedelta(seconds=1)
    with session_scope(services.sessions) as session:
        assert service.view(session, old.handle, now=later) is None
        service.create(session, BASE, ASK, now=later)   # sweeps
    with session_scope(services.sessions) as session:
        assert service.view(session, old.handle, now=T0) is None


@pytest.mark.parametrize("kind, code, label, field", [
    ("degree", "43-4051.00", "x", "kind"),
    ("occupation", "43-4051", "x", "code"),
    ("program", "NY CSR; drop", "x", "code"),
    ("program", "ny-csr", "", "label"),
    ("program", "ny-csr", "x" * 301, "label"),
])
def test_a_bad_ask_names_its_field(kind, code, label, field):
    with pytest.raises(AskError) as caught:
        Ask(kind, code, label)
    assert caught.value.field == field
