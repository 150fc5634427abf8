"""Issue 15, point 2, the employer's side: on /verify the employer asks the apprentice's wallet
for a completed apprenticeship in an O*NET-SOC occupation or any credential of a program; the
request's page says who asks and what for, shows a QR code and a link for each kind of wallet and
the expiry time, waits (polling its state from a script of our own), and says when it expired,
with a button that asks again. Bad choices are a 422 naming the field."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest

from issuer.db import session_scope
from issuer.delivery import qr
from issuer.presentation import service, store
from issuer.presentation.models import PresentationRequest

from employer_support import items, text

BASE = "https://issuer.example"


def ask(client, **form):
    return client.post("/verify/requests", data=form)


def handle_of(response) -> str:
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    location = urlsplit(response.headers["Location"]).path
    assert location.startswith("/verify/requests/")
    return location.rsplit("/", 1)[1]


def test_the_verify_page_offers_both_ways_with_the_catalogs_occupations_and_programs(client):
    page = client.get("/verify").get_data(as_text=True)
    assert "Or ask the apprentice's wallet" in page
    occupations = re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', page)
    assert ("43-4051.00", "43-4051.00: Customer Service Representative") in occupations
    assert ("15-1232.00", "15-1232.00: Customer Service Tech Support") in occupations
    assert ("ny-csr", "Customer Service Representative (ny-csr)") in occupations
    assert ("imec-csr", "Customer Service Representative (imec-csr)") in occupations
    assert 'pattern="[0-9]{2}-[0-9]{4}\\.[0-9]{2}"' in page


@pytest.mark.parametrize("form,field,words", [
    ({"kind": "occupation", "onet_code": "43-4051"}, "onet_code", "NN-NNNN.NN"),
    ({"kind": "occupation", "onet_code": "43-4051.0O"}, "onet_code", "NN-NNNN.NN"),
    ({"kind": "occupation", "onet_code": "٤٣-٤٠٥١.٠٠"}, "onet_code", "NN-NNNN.NN"),
    ({"kind": "occupation", "occupation": "<script>"}, "occupation", "NN-NNNN.NN"),
    ({"kind": "occupation"}, "occupation", "choose an occupation"),
    ({"kind": "program", "program": "no-such-program"}, "program", "choose one of the programs"),
    ({"kind": "everything"}, "kind", "choose what to ask for"),
    ({}, "kind", "choose what to ask for"),
    ({"kind": "occupation", "onet_code": "4" * 101}, "onet_code", "longer than 100"),
])
def test_a_bad_choice_is_a_422_naming_the_field(client, services, form, field, words):
    with session_scope(services.sessions) as session:
        before = session.query(PresentationRequest).count()
    response = ask(client, **form)
    assert response.status_code == 422 and response.mimetype == "text/html"
    html = response.get_data(as_text=True)
    # Named in the alert, linked to the field, and the field marked invalid and described by the message.
    [(_, alert)] = [(a, w) for a, w in items(html, "error") if a.get("id") == "ask-error"]
    assert words in alert
    target = "kind-occupation" if field == "kind" else field
    assert f'href="#{target}"' in html
    if field != "kind":
        assert re.search(rf'id="{field}"[^>]*aria-invalid="true"[^>]*aria-describedby="[^"]*{field}-error', html)
        assert f'id="{field}-error"' in html
    # What was typed is kept, so it can be corrected.
    if form.get("onet_code") and len(form["onet_code"]) < 100:
        assert f'value="{form["onet_code"]}"' in html
    # Programs get the same as problem+json.
    response = client.post("/verify/requests", data=form, headers={"Accept": "application/json"})
    assert response.status_code == 422 and response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["field"] == field and words in body["detail"]
    with session_scope(services.sessions) as session:
        assert session.query(PresentationRequest).count() == before   # nothing was made


def test_the_request_page_names_who_asks_and_what_for_with_both_wallets(client):
    handle = handle_of(ask(client, kind="occupation", occupation="43-4051.00"))
    response = client.get(f"/verify/requests/{handle}")
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Referrer-Policy"] == "no-referrer"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src 'self'" in csp and "'unsafe-inline'" not in csp.split(
        "script-src")[1].split(";")[0]
    html = response.get_data(as_text=True)
    page = text(html)
    assert "Asked by did:web:issuer.example" in page
    assert ("Asking for a completed apprenticeship in O*NET-SOC 43-4051.00 (Customer Service Representative)"
            in page)
    assert "Waiting for the apprentice's wallet to answer." in page and "Expires" in page
    assert re.search(r"Expires \d{1,2} \w+ \d{4}, \d\d:\d\d UTC", page)
    assert '<script src="/verify/requests.js"></script>' in html

    links = dict(re.findall(r'<a class="button" href="([^"]+)">Open in the ([^<]+)</a>', html)[i][::-1] for i in (0, 1))
    openid, lcw = links["OpenID wallet"].replace("&amp;", "&"), links["Learner Credential Wallet"].replace("&amp;", "&")
    assert urlsplit(openid).scheme == "openid4vp"
    assert parse_qs(urlsplit(openid).query)["request_uri"][0].startswith(f"{BASE}/openid4vp/requests/")
    assert openid.startswith("openid4vp://") and lcw.startswith("https://lcw.app/request?request=")
    assert handle not in openid and handle not in lcw       # the wallet never learns the employer's key
    # The QR codes carry exactly the links (decoded from the screen in tests/test_employer_browser.py).
    assert str(qr.svg(openid, label="QR code for an OpenID wallet")) in html
    assert str(qr.svg(lcw, label="QR code for the Learner Credential Wallet")) in html

    # The same, made for a program.
    handle = handle_of(ask(client, kind="program", program="dol-csr-3001cb"))
    page = text(client.get(f"/verify/requests/{handle}").get_data(as_text=True))
    assert "Asking for any credential from the program “Customer Service Representative” (dol-csr-3001cb)" in page


def test_a_typed_code_wins_over_the_list(client, services):
    handle = handle_of(ask(client, kind="occupation", occupation="43-4051.00", onet_code=" 29-2061.00 "))
    with session_scope(services.sessions) as session:
        current = service.view(session, handle)
    assert (current.ask.kind, current.ask.code) == ("occupation", "29-2061.00")
    assert current.ask.label == "a completed apprenticeship in O*NET-SOC 29-2061.00"


def test_state_json_script_and_an_unknown_handle(client):
    handle = handle_of(ask(client, kind="program", program="ny-csr"))
    state = client.get(f"/verify/requests/{handle}/state.json")
    assert state.status_code == 200 and state.get_json()["state"] == "waiting"
    assert state.headers["Cache-Control"] == "no-store"
    script = client.get("/verify/requests.js")
    assert script.status_code == 200 and script.mimetype == "text/javascript"
    assert "data-state-url" in script.get_data(as_text=True)
    # No answer yet: no report.
    report = client.get(f"/verify/requests/{handle}/report.pdf")
    assert report.status_code == 409 and "waiting" in report.get_json()["detail"]

    for path in ("/verify/requests/nope", "/verify/requests/nope/state.json", "/verify/requests/nope/report.pdf"):
        response = client.get(path)
        assert response.status_code == 404, path
    assert "never existed, or it was deleted" in text(client.get("/verify/requests/nope").get_data(as_text=True))


def test_an_expired_request_says_so_and_asks_again(client, monkeypatch):
    handle = handle_of(ask(client, kind="occupation", onet_code="43-4051.00"))
    # The service's clock, past the request's time to live.
    later = store.now_utc() + service.TTL + timedelta(seconds=1)
    monkeypatch.setattr(store, "now_utc", lambda: later)
    assert client.get(f"/verify/requests/{handle}/state.json").get_json()["state"] == "expired"
    response = client.get(f"/verify/requests/{handle}")
    html = response.get_data(as_text=True)
    page = text(html)
    assert response.status_code == 200
    assert "This request expired at" in page and "without an answer" in page
    assert "Open in the" not in page and "<svg" not in html       # no code to scan any more
    assert client.get(f"/verify/requests/{handle}/report.pdf").status_code == 409
    # The button asks for the same again: a new request, waiting.
    form = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]+)">', html))
    assert form == {"kind": "occupation", "onet_code": "43-4051.00"}
    again = handle_of(ask(client, **form))
    assert again != handle
    assert client.get(f"/verify/requests/{again}/state.json").get_json()["state"] == "waiting"


def test_making_requests_is_rate_limited(client, services, monkeypatch):
    from issuer.api.throttle import Throttle
    monkeypatch.setitem(client.application.extensions, "ler_throttle", Throttle("2/minute", 2, "memory://"))
    assert [ask(client, kind="program", program="ny-csr").status_code for _ in range(3)] == [303, 303, 429]
