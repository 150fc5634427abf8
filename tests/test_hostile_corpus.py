"""A hostile-input corpus: hundreds of bad requests across every door of the service (sponsor
API, VC-API, wallet, portal, apprentice pages, public pages, CSV batch upload). Each must get a
4xx (a problem+json naming the field for programs, an OAuth error body on the OpenID4VCI
endpoints, an HTML page in the portals), never a 5xx and never a traceback, on SQLite and on
PostgreSQL alike (CI runs this file against both)."""

from __future__ import annotations

import io
import json
import uuid
from dataclasses import dataclass, field

import pytest

from issuer.app import create_app
from issuer.composition import build_services
from issuer.config import Config
from issuer.db import session_scope
from issuer.delivery import exchanges

from conftest import PASSPHRASE as KEY_PASSPHRASE
from delivery_support import issue_one
from portal_support import Signed, enrol, make_tenant

V2 = "https://www.w3.org/ns/credentials/v2"
NUL = "a\x00b"
HUGE_INT = 10 ** 25
LONG = "x" * 100_000


def deep(depth: int) -> bytes:
    return b'{"a":' * depth + b"1" + b"}" * depth


def deep_list(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


@dataclass
class Case:
    """One hostile request. `door` says who sends it (and what an error looks like there)."""
    name: str
    method: str
    path: str
    door: str                      # sponsor | public | wallet | oauth | portal | me
    json: object = None
    raw: bytes | None = None
    form: dict | None = None
    query: dict | None = None
    files: dict | None = None
    content_type: str | None = None
    field_named: str | None = None  # the field the error must name
    statuses: tuple = ()            # expected 4xx statuses (any 4xx when empty)
    extra: dict = field(default_factory=dict)


def _json_families(prefix: str, method: str, path: str, door: str, base: dict, fields: dict) -> list[Case]:
    """The same hostile families against one JSON endpoint: its fields with wrong types, huge
    numbers, NUL, 100k strings, and the body itself too deep, not an object, not UTF-8."""
    cases = [
        Case(f"{prefix}-deep-3000", method, path, door, raw=deep(3000)),
        Case(f"{prefix}-deep-list-100k", method, path, door, raw=deep_list(100_000)),
        Case(f"{prefix}-deep-200-in-field", method, path, door, raw=json.dumps(
            {**base, next(iter(fields)): json.loads(deep(200))}).encode()),
        Case(f"{prefix}-array", method, path, door, json=[base]),
        Case(f"{prefix}-string", method, path, door, json="hello"),
        Case(f"{prefix}-not-utf8", method, path, door, raw=b'{"a": "\xff\xfe"}'),
        Case(f"{prefix}-truncated", method, path, door, raw=json.dumps(base).encode()[:-3]),
        Case(f"{prefix}-nul-key", method, path, door, json={**base, "\x00": 1}),
    ]
    for name, kind in fields.items():
        hostile = {"object": {"$gt": ""}, "list": [1, [2]], "huge-int": HUGE_INT, "nul": NUL, "long": LONG,
                   "negative": -1, "float": 1e308, "bool": True}
        for label, value in hostile.items():
            if (kind == "str" and label in ("negative", "float")) or (kind == "obj" and label == "object"):
                continue
            if kind == "int" and label in ("nul", "long"):
                value = "9" * 25 if label == "long" else value
            cases.append(Case(f"{prefix}-{name}-{label}", method, path, door, json={**base, name: value},
                              field_named=name if door != "oauth" else None))
    return cases


def corpus() -> list[Case]:
    cases: list[Case] = []
    # --- the sponsor API ------------------------------------------------------------------------
    apprentice = {"external_id": "X-1", "name": "N", "email": "n@example.org", "program": "ny-csr",
                  "start_date": "2024-01-02"}
    cases += _json_families("api-apprentice", "POST", "/api/v1/apprentices", "sponsor", apprentice, {
        "external_id": "str", "name": "str", "email": "str", "did": "str", "program": "str", "cohort": "str",
        "start_date": "str"})
    entry = {"entry_type": "ojl_hours", "item": "wp-a", "value": "2", "date": "2024-03-01"}
    cases += _json_families("api-entry", "POST", "/api/v1/apprentices/{apprentice}/entries", "sponsor", entry, {
        "signed_off_by": "str", "corrects": "int", "reason": "str", "program": "str", "entry_type": "str",
        "item": "str", "value": "str", "date": "str", "action": "str", "entry_ref": "str"})
    for label, ident in (("nul", "a%00b"), ("long", "x" * 5000), ("huge", "9" * 25), ("ctrl", "a%0Ab")):
        cases += [
            Case(f"api-apprentice-id-{label}", "GET", f"/api/v1/apprentices/{ident}", "sponsor"),
            Case(f"api-progress-id-{label}", "GET", f"/api/v1/apprentices/{ident}/progress", "sponsor"),
            Case(f"api-entries-id-{label}", "POST", f"/api/v1/apprentices/{ident}/entries", "sponsor", json=entry),
            Case(f"api-credential-id-{label}", "GET", f"/api/v1/credentials/{ident}", "sponsor"),
            Case(f"api-credentials-filter-{label}", "GET", "/api/v1/credentials", "sponsor",
                 query={"apprentice": ident.replace("%00", "\x00").replace("%0A", "\n")}),
            Case(f"api-batch-id-{label}", "GET", f"/api/v1/batches/{ident}", "sponsor"),
            Case(f"api-status-id-{label}", "GET", f"/api/v1/credentials/{ident}/status", "sponsor"),
            Case(f"public-credential-{label}", "GET", f"/credentials/{ident}", "public"),
            Case(f"public-certificate-{label}", "GET", f"/credentials/{ident}/certificate.pdf", "public"),
            Case(f"public-sponsor-did-{label}", "GET", f"/sponsors/{ident}/did.json", "public"),
            Case(f"public-claim-{label}", "GET", f"/claim/{ident}", "public"),
            Case(f"public-framework-{label}", "GET", f"/frameworks/{ident}", "public"),
            Case(f"public-program-{label}", "GET", f"/programs/{ident}/1", "public"),
            Case(f"public-status-{label}", "GET", f"/status/{ident}/revocation", "public"),
            Case(f"wallet-offer-{label}", "GET", f"/oid4vci/offers/{ident}", "public"),
            Case(f"wallet-exchange-{label}", "POST", f"/workflows/claim/exchanges/{ident}", "public", json={}),
        ]
    # --- CSV (and JSON) batch upload -----------------------------------------------------------
    progress = "apprentice_id,apprentice_name,apprentice_email,apprentice_did,program,entry_type,item,value,date," \
               "signed_off_by\n"
    good = "E1,Ana,a@example.org,,ny-csr,ojl_hours,wp-a,2,2024-03-01,J\n"
    cohort = "apprentice_id,program,achievement,completed_on\n"
    for label, content, named, statuses in (
            ("field-over-csv-limit", progress + good + "E1," + "n" * 200_000 + ",a@example.org,,ny-csr,ojl_hours,"
             "wp-a,2,2024-03-01,J\n", "line 3", (422,)),
            ("cohort-field-over-csv-limit", cohort + "E" * 200_000 + ",ny-csr,occupation,\n", "line 2", (422,)),
            # A NUL refuses its row (issuer.progress.rows), naming the column; the file is taken.
            ("nul-in-field", progress + good + "E1,A\x00B,a@example.org,,ny-csr,ojl_hours,wp-a,2,2024-03-01,J\n",
             "apprentice_name", (201,)),
            ("cohort-nul-in-id", cohort + "E1\x00,ny-csr,occupation,\n", "apprentice_id", (201,)),
            ("long-fields", progress + good + ",".join(c * 5000 for c in "ENedptivds") + "\n", None, (201, 422)),
            ("cohort-long-fields", cohort + ",".join(c * 5000 for c in "Epad") + "\n", None, (201, 422)),
            ("huge-numbers", progress + "E1,Ana,a@example.org,,ny-csr,ojl_hours,wp-a," + "9" * 400 +
             ",2024-03-01,J\n", None, (201, 422)),
            ("not-utf8", progress + "E1,\xff\xfe,a@example.org,,ny-csr,ojl_hours,wp-a,2,2024-03-01,J\n", "UTF-8",
             (422,)),
            ("header-only-garbage", "\x00\x00\x00", None, (400, 422)),
            ("quote-never-closed", progress + 'E1,"unterminated,a@example.org,,ny-csr,ojl_hours,wp-a,2,2024-03-01\n',
             None, (201, 422)),
            ("huge-header", ",".join(f"c{i}" for i in range(20_000)) + "\n", None, (400, 422))):
        data = content.encode("latin-1") if label == "not-utf8" else content.encode("utf-8")
        cases.append(Case(f"csv-api-{label}", "POST", "/api/v1/batches", "sponsor", raw=data, content_type="text/csv",
                          field_named=named, statuses=statuses))
        cases.append(Case(f"csv-portal-{label}", "POST", "/portal/batches", "portal",
                          files={"file": (data, f"{label}.csv")}, field_named=named,
                          statuses=tuple(303 if s == 201 else s for s in statuses)))
    cases += [Case("json-batch-nul", "POST", "/api/v1/batches", "sponsor", json={"kind": "cohort", "rows": [
                  {"apprentice_id": "E\x00", "program": "ny-csr", "achievement": "occupation"}]},
                   field_named="apprentice_id", statuses=(201,)),
              Case("json-batch-deep", "POST", "/api/v1/batches", "sponsor", raw=deep(3000), statuses=(400, 422))]
    # --- the VC-API -----------------------------------------------------------------------------
    credential = {"@context": [V2], "type": ["VerifiableCredential"], "issuer": "{did}",
                  "credentialSubject": {"id": "did:example:x"}}
    cases += _json_families("vc-issue", "POST", "/credentials/issue", "sponsor", {"credential": credential},
                            {"credential": "obj", "options": "obj"})
    cases += _json_families("vc-verify", "POST", "/credentials/verify", "public",
                            {"verifiableCredential": credential}, {"verifiableCredential": "obj", "options": "obj"})
    cases += _json_families("vp-verify", "POST", "/presentations/verify", "public",
                            {"verifiablePresentation": {"@context": [V2], "type": ["VerifiablePresentation"]}},
                            {"verifiablePresentation": "obj", "options": "obj"})
    cases += _json_families("vc-status", "POST", "/credentials/status", "sponsor",
                            {"credentialId": "urn:x", "credentialStatus": [{"type": "BitstringStatusListEntry",
                                                                            "statusPurpose": "revocation"}]},
                            {"credentialId": "str", "reason": "str", "credentialStatus": "obj"})
    # --- the wallet: OpenID4VCI (OAuth-style errors) and VC-API exchanges ------------------------
    form_ct = "application/x-www-form-urlencoded"
    grant = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
    for label, value in (("nul", NUL), ("long", LONG), ("huge", "9" * 25), ("newline", "a\r\nb")):
        cases += [
            Case(f"oauth-token-code-{label}", "POST", "/oid4vci/token", "oauth",
                 form={"grant_type": grant, "pre-authorized_code": value}),
            Case(f"oauth-token-tx-{label}", "POST", "/oid4vci/token", "oauth",
                 form={"grant_type": grant, "pre-authorized_code": "abc", "tx_code": value}),
            Case(f"oauth-token-grant-{label}", "POST", "/oid4vci/token", "oauth", form={"grant_type": value}),
            Case(f"oauth-credential-bearer-{label}", "POST", "/oid4vci/credential", "oauth",
                 json={"format": "ldp_vc"}, extra={"Authorization": "Bearer " + value.replace("\r\n", "")}),
            Case(f"oauth-notification-bearer-{label}", "POST", "/oid4vci/notification", "oauth",
                 json={"notification_id": "x", "event": "credential_accepted"},
                 extra={"Authorization": "Bearer " + value.replace("\r\n", "")}),
        ]
    cases += _json_families("oauth-credential", "POST", "/oid4vci/credential", "oauth",
                            {"credential_configuration_id": "OpenBadgeCredential_ldp_vc",
                             "proof": {"proof_type": "jwt", "jwt": "a.b.c"}},
                            {"credential_configuration_id": "str", "proof": "obj", "proofs": "obj"})
    cases += _json_families("oauth-notification", "POST", "/oid4vci/notification", "oauth",
                            {"notification_id": "x", "event": "credential_accepted"},
                            {"notification_id": "str", "event": "str", "event_description": "str"})
    cases += [Case("oauth-token-deep-json", "POST", "/oid4vci/token", "oauth", raw=deep(3000),
                   content_type="application/json"),
              Case("oauth-nonce-deep", "POST", "/oid4vci/nonce", "oauth", raw=deep(3000),
                   content_type="application/json", statuses=(400, 200))]
    cases += _json_families("exchange", "POST", "/workflows/claim/exchanges/{exchange}", "public",
                            {"verifiablePresentation": {"@context": [V2], "type": ["VerifiablePresentation"]}},
                            {"verifiablePresentation": "obj"})
    # --- the sponsor console and the apprentice pages (HTML errors) -----------------------------
    portal_forms = [
        ("/portal/apprentices/{apprentice}/corrections", {"enrollment": "{enrollment}", "entry": "9" * 25,
                                                          "action": "reverse"}, "entry"),
        ("/portal/apprentices/{apprentice}/corrections", {"enrollment": "9" * 25, "entry": "1",
                                                          "action": "reverse"}, "enrollment"),
        ("/portal/apprentices/{apprentice}/entries", {"enrollment": "{enrollment}", "item": "ojl_hours:wp-a",
                                                      "hours": "2", "date": "2024-03-01",
                                                      "signed_off_by": NUL}, "signed_off_by"),
        ("/portal/apprentices/{apprentice}/entries", {"enrollment": "{enrollment}", "item": "ojl_hours:" + LONG,
                                                      "hours": "9" * 25, "date": "2024-03-01"}, None),
        ("/portal/apprentices/{apprentice}/assignments", {"staff": "9" * 25, "assign": "on"}, "staff"),
        ("/portal/apprentices/new", {"name": NUL, "email": "a@example.org", "program": "ny-csr"}, "name"),
        ("/portal/apprentices/new", {"name": "A", "email": "a@example.org", "program": NUL}, "program"),
        ("/portal/apprentices/new", {"name": LONG, "email": LONG, "external_id": LONG, "program": LONG,
                                     "cohort": LONG, "start_date": LONG}, None),
        ("/portal/staff", {"name": NUL, "email": "s@example.org", "role": "clerk"}, "name"),
        ("/portal/staff/" + "9" * 25, {"change": "disable"}, None),
        ("/portal/keys", {"name": NUL}, "name"),
        ("/portal/keys/" + "9" * 25 + "/revoke", {}, None),
        ("/portal/credentials/{credential}/status", {"action": "suspend", "reason": NUL}, "reason"),
        ("/portal/credentials/{credential}/status", {"action": "suspend", "reason": LONG}, "reason"),
        ("/portal/account/password", {"current": NUL, "password": LONG, "again": LONG}, None),
        ("/portal/account/totp", {"change": "on", "code": NUL}, "code"),
        ("/portal/apprentices/{apprentice}/signoff", {"enrollment": "{enrollment}", "date": "2024-03-01",
                                                      "statement": [NUL, LONG]}, None),
    ]
    cases += [Case(f"portal-form-{i}", "POST", path, "portal", form=form, field_named=named)
              for i, (path, form, named) in enumerate(portal_forms)]
    for query, named in ((("page", "9" * 25), "page"), (("page", "-5"), None), (("q", NUL), "q"),
                         (("program", LONG), None), (("cohort", NUL), "cohort")):
        cases.append(Case(f"portal-apprentices-{query[0]}-{query[1][:4]}", "GET", "/portal/apprentices", "portal",
                          query=dict([query]), field_named=named, statuses=(200, 400, 422)))
    for query in (("before", "9" * 25), ("before", NUL), ("before", "-1")):
        cases.append(Case(f"portal-audit-{query[1][:4]}", "GET", "/portal/audit", "portal", query=dict([query]),
                          statuses=(200, 400, 422)))
    for ident in ("a%00b", "9" * 25, "x" * 5000):
        for path in ("/portal/apprentices/{}", "/portal/credentials/{}", "/portal/batches/{}",
                     "/portal/programs/{}", "/portal/apprentices/{}/signoff", "/me/credentials/{}/claim",
                     "/portal/password/{}", "/me/login/{}"):
            cases.append(Case(f"portal-path-{path}-{ident[:5]}", "POST" if "claim" in path else "GET",
                              path.format(ident), "portal" if path.startswith("/portal") else "me"))
    for label, value in (("newline", "/x\nSet-Cookie: a=b"), ("crlf", "/x\r\nLocation: //evil"), ("nul", "/a\x00b"),
                         ("long", "/" + "x" * 100_000), ("tab", "/\t/evil.example")):
        cases.append(Case(f"portal-login-next-{label}", "GET", "/portal/login", "public", query={"next": value},
                          statuses=(200, 400)))
        cases.append(Case(f"portal-login-post-next-{label}", "POST", "/portal/login", "public",
                          form={"email": "nobody@example.org", "password": "x", "next": value},
                          statuses=(400, 401)))
    cases += [Case("portal-login-email-nul", "POST", "/portal/login", "public",
                   form={"email": NUL, "password": "x"}, statuses=(400, 401)),
              Case("me-login-email-nul", "POST", "/me/login", "public", form={"email": NUL}, statuses=(400, 503, 200)),
              Case("verify-page-nul", "POST", "/verify", "public", form={"credential": NUL},
                   statuses=(400, 422)),
              Case("verify-page-deep", "POST", "/verify", "public", form={"credential": deep(3000).decode()},
                   statuses=(400, 422))]
    return cases


CORPUS = corpus()


@pytest.fixture(scope="module")
def world(tmp_path_factory, database_url):
    """One service with a sponsor, an apprentice with a credential, a signed-in administrator, an
    open exchange: what the corpus's paths name."""
    tmp = tmp_path_factory.mktemp("hostile")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in {"LER_KEYS_DIR": str(tmp / "keys"), "LER_INSTANCE_DIR": str(tmp / "instance"),
                           "LER_KEY_PASSPHRASE": KEY_PASSPHRASE, "LER_DATABASE_URL": database_url,
                           "LER_BASE_URL": "https://issuer.example"}.items():
            patch.setenv(key, value)
        config = Config.from_env(testing=True)
        services = build_services(config)
        app = create_app(config, services)
        client = app.test_client()
        issued = issue_one(client, services)
        tenant = make_tenant(services, ["ny-csr"])
        admin = Signed(app, tenant.administrator)
        apprentice = enrol(admin)
        page = admin.get(f"/portal/apprentices/{apprentice}").get_data(as_text=True)
        enrollment = page.split('name="enrollment" value="', 1)[1].split('"', 1)[0]
        with session_scope(services.sessions) as session:
            handle = exchanges.create_exchange(session, issued.id)
        values = {"apprentice": issued.apprentice_id, "credential": issued.id, "exchange": handle,
                  "enrollment": enrollment, "did": services.identity.sponsor_did("x")}
        portal_values = {**values, "apprentice": apprentice}
        yield dict(app=app, client=client, auth=issued.auth, admin=admin, values=values,
                   portal_values=portal_values)
        services.engine.dispose()


def _fill(value, values):
    if isinstance(value, str):
        for key, replacement in values.items():
            value = value.replace("{" + key + "}", replacement)
        return value
    if isinstance(value, dict):
        return {k: _fill(v, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, values) for v in value]
    return value


def send(world, case: Case):
    portal = case.door in ("portal",)
    values = world["portal_values"] if portal else world["values"]
    path = _fill(case.path, values)
    headers = dict(world["auth"]) if case.door == "sponsor" else {}
    headers.update(case.extra)
    kwargs: dict = {"headers": headers, "query_string": case.query}
    if case.raw is not None:
        kwargs.update(data=case.raw, content_type=case.content_type or "application/json")
    elif case.json is not None:
        kwargs.update(data=json.dumps(_fill(case.json, values)), content_type="application/json")
    elif case.files is not None:
        kwargs.update(data={name: (io.BytesIO(data), filename) for name, (data, filename) in case.files.items()},
                      content_type="multipart/form-data")
    elif case.form is not None:
        kwargs.update(data=_fill(case.form, values))
    if portal:
        signed = world["admin"]
        if case.method == "POST":
            data = kwargs.pop("data", None) or {}
            return signed.client.post(path, data={"csrf_token": signed.token, **data}, **{
                k: v for k, v in kwargs.items() if k != "content_type"},
                content_type=kwargs.get("content_type") or "multipart/form-data")
        return signed.client.open(path, method=case.method, **kwargs)
    return world["client"].open(path, method=case.method, **kwargs)


def test_the_corpus_is_large_and_covers_every_door():
    assert len(CORPUS) >= 150
    assert len({c.name for c in CORPUS}) == len(CORPUS)
    assert {c.door for c in CORPUS} == {"sponsor", "public", "oauth", "portal", "me"}


@pytest.mark.parametrize("case", CORPUS, ids=[c.name for c in CORPUS])
def test_hostile_input_gets_a_clear_4xx(world, case):
    response = send(world, case)
    body = response.get_data(as_text=True)
    assert response.status_code < 500, body[:500]
    assert "Traceback" not in body and 'File "' not in body
    if case.statuses:
        assert response.status_code in case.statuses, (response.status_code, body[:300])
    else:
        assert 400 <= response.status_code < 500, (response.status_code, body[:300])
    if response.status_code < 400:
        return
    if case.path.startswith("/verify"):
        assert response.mimetype == "text/html"
    elif case.door in ("sponsor", "public") and not case.path.startswith(("/portal", "/me")):
        if response.mimetype == "application/json":  # a verification result: refused, saying why
            assert response.get_json()["verified"] is False and case.path.endswith("/verify"), body[:300]
            return
        assert response.mimetype == "application/problem+json", (response.mimetype, body[:300])
    elif case.door == "oauth":
        assert response.get_json() and "error" in response.get_json(), body[:300]
    else:
        assert response.mimetype == "text/html", (response.mimetype, body[:300])
    if case.field_named:
        assert case.field_named in body, body[:500]


def test_well_formed_requests_pass_the_edge(world):
    """The models refuse only what is wrong: an entry with the sponsor's own reference (entry_ref,
    up to 200 characters) and hours as a JSON number is recorded."""
    client, auth, apprentice = world["client"], world["auth"], world["values"]["apprentice"]
    response = client.post(f"/api/v1/apprentices/{apprentice}/entries", headers=auth, json={
        "entry_type": "ojl_hours", "item": "wp-b", "value": 3, "date": "2024-04-01", "signed_off_by": "J. Rivera",
        "entry_ref": "R" * 200})
    assert response.status_code == 201, response.get_json()
    too_long = client.post(f"/api/v1/apprentices/{apprentice}/entries", headers=auth, json={
        "entry_type": "ojl_hours", "item": "wp-b", "value": 3, "date": "2024-04-02", "entry_ref": "R" * 201})
    assert too_long.status_code == 400 and too_long.get_json()["field"] == "entry_ref"
