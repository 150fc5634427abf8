"""Issue 15, point 2, once the wallet answers (tests/wallet_support.py plays it, through
OpenID4VP 1.0 and through the VC-API exchange as the Learner Credential Wallet does): the request's
page shows the verification, holder binding and request checks, and each credential with its
own checks (signature, issuer, dates, status, framework alignment), in words and colours; the
report PDF says the same, read back with pdftotext. A wrong answer fails by a named check."""

from __future__ import annotations

import json
import re
import subprocess
import uuid
from urllib.parse import urlsplit

import pytest

from issuer.credentials.openbadge import IssuerProfile, Recipient
from issuer.credentials import clr
from issuer.presentation import openid4vp, store

from conftest import require_tools
from employer_support import items, text
from test_clr import _earned, _identity
from test_programs_e2e import _csv, _rows_to_complete
from verify_support import sign
from wallet_support import Wallet, held, wallet  # noqa: F401 (fixtures)

PROGRAM = {"kind": "program", "program": "ny-csr"}
OCCUPATION = {"kind": "occupation", "occupation": "43-4051.00"}


def make_request(client, form=PROGRAM) -> tuple[str, str, str]:
    """(handle, OpenID4VP link, LCW link) of a request made on the page, links read off the page."""
    response = client.post("/verify/requests", data=form)
    assert response.status_code == 303
    handle = urlsplit(response.headers["Location"]).path.rsplit("/", 1)[1]
    html = client.get(f"/verify/requests/{handle}").get_data(as_text=True)
    links = {name: href.replace("&amp;", "&")
             for href, name in re.findall(r'<a class="button" href="([^"]+)">Open in the ([^<]+)</a>', html)}
    return handle, links["OpenID wallet"], links["Learner Credential Wallet"]


def answered(client, handle) -> tuple[str, str]:
    """(the page's html, its words) once answered."""
    assert client.get(f"/verify/requests/{handle}/state.json").get_json()["state"] == "answered"
    response = client.get(f"/verify/requests/{handle}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    return html, text(html)


def pdf_text(client, handle) -> str:
    require_tools("pdftotext")
    response = client.get(f"/verify/requests/{handle}/report.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert re.fullmatch(r'attachment; filename="verification-report-\d{4}-\d\d-\d\d.pdf"',
                        response.headers["Content-Disposition"])
    # Reading order (-raw): a check's name and words stay together however its cells wrap.
    printed = subprocess.run(["pdftotext", "-raw", "-", "-"], input=response.data, capture_output=True,
                             check=True).stdout.decode()
    return re.sub(r"\s+", " ", printed)


@pytest.mark.parametrize("protocol", ["openid4vp", "vcapi"])
def test_an_answer_is_shown_verified_with_holder_binding_and_each_credentials_checks(client, wallet, held, protocol):
    handle, openid, lcw = make_request(client)
    if protocol == "openid4vp":
        _, response = wallet.answer_openid4vp(openid, [held])
    else:
        _, response = wallet.answer_vcapi(lcw, [held])
    assert response.status_code == 200, response.get_data(as_text=True)
    html, page = answered(client, handle)

    assert ("Verified: the holder " + wallet.did + " presented any credential from the program "
            "“Customer Service Representative” (ny-csr), signed by the holder for this request, "
            "and every credential verified.") in page
    assert re.search(r'<p class="status valid" id="verdict">', html)
    assert f"Presented by {wallet.did}" in page
    assert ("Through OpenID4VP 1.0" if protocol == "openid4vp" else "Through VC-API exchange") in page
    assert "Open in the" not in page           # the codes are gone once answered
    for check in ("Answered in time (expiry)", "Answered once (replay)", "Nonce (this request's) (nonce)",
                  "Domain (this verifier) (domain)", "Holder binding: signed by the holder (holder)",
                  "Holder binding: issued to the holder (subject)", "What was asked for (asked)"):
        assert f"Passed {check}" in page, check
    [(attrs, words)] = items(html, "held-credential")
    assert attrs["data-state"] == "valid"
    assert words.startswith("Verified 1. Work process A: Workplace Orientation")
    assert "Awarded to Ana Lopez" in words and "O*NET-SOC code 43-4051.00" in words
    for check in ("Signature (proof)", "issuer", "dates", "Not revoked or suspended (status)",
                  "Framework alignment (framework)"):
        assert f"Passed {check}" in words, check
    assert "Stored by this service: only this verification result" in page and "Not stored: the presentation" in page
    assert f'href="/verify/requests/{handle}/report.pdf"' in html

    printed = pdf_text(client, handle)
    assert "Verification report" in printed
    assert "Asked by did:web:issuer.example, the verify page of" in printed
    assert "Asked for any credential from the program “Customer Service Representative” (ny-csr)" in printed
    assert re.search(r"Asked \d{1,2} \w+ \d{4}, \d\d:\d\d:\d\d UTC", printed)
    assert re.search(r"Answered \d{1,2} \w+ \d{4}, \d\d:\d\d:\d\d UTC, through "
                     + ("OpenID4VP 1.0" if protocol == "openid4vp" else "VC-API exchange"), printed)
    assert f"Holder (DID) {wallet.did}" in printed
    assert re.search(r"Report generated \d{1,2} \w+ \d{4}, \d\d:\d\d:\d\d UTC", printed)
    assert "Passed Holder binding: signed by the holder (holder)" in printed
    assert "1. Work process A: Workplace Orientation: Verified" in printed
    for check in ("Signature (proof)", "issuer", "dates", "Not revoked or suspended (status)",
                  "Framework alignment (framework)"):
        assert f"Passed {check}" in printed, check
    assert "What was stored" in printed and "Not stored: the presentation, the credentials in it" in printed
    # The handle (the key to the result) is not printed in a report made to be passed on.
    assert handle not in printed


def test_a_wrong_answer_fails_by_a_named_check_on_the_page_and_in_the_report(client, wallet, held):
    # Asked for a completed apprenticeship, shown a work process: only "asked" fails.
    handle, openid, _ = make_request(client, OCCUPATION)
    wallet.answer_openid4vp(openid, [held])
    html, page = answered(client, handle)
    assert ("Not verified: What was asked for: no presented credential is a completed apprenticeship in "
            "O*NET-SOC 43-4051.00 (Customer Service Representative)") in page
    assert re.search(r'<p class="status invalid" id="verdict">', html)
    assert "Failed What was asked for (asked)" in page
    [(attrs, _)] = items(html, "held-credential")
    assert attrs["data-state"] == "valid"          # the credential itself is sound
    printed = pdf_text(client, handle)
    assert "Not verified: What was asked for" in printed and "Failed What was asked for (asked)" in printed

    # Signed for another request's nonce: the nonce fails, by name.
    handle, openid, _ = make_request(client)
    wallet.answer_openid4vp(openid, [held], nonce="the-nonce-of-another-request")
    _, page = answered(client, handle)
    assert "Failed Nonce (this request's) (nonce)" in page and "Not verified:" in page


def test_another_holders_credential_fails_the_binding(client, services, issued, wallet):
    someone = Wallet(client)
    theirs = someone.receive(issued)
    handle, openid, _ = make_request(client)
    wallet.answer_openid4vp(openid, [theirs])
    _, page = answered(client, handle)
    assert "Failed Holder binding: issued to the holder (subject)" in page and someone.did in page
    assert "Not verified: Holder binding: issued to the holder:" in page


def test_a_replayed_answer_changes_nothing(client, wallet, held):
    handle, openid, _ = make_request(client)
    claims, first = wallet.answer_openid4vp(openid, [held])
    _, before = answered(client, handle)
    again = wallet.post_response(claims, {"vp_token": wallet.vp_token(claims, [held], nonce="other"),
                                          "state": claims["state"]})
    assert again.status_code == 400
    _, after = answered(client, handle)
    assert after == before and "Verified: the holder" in after


def test_a_presented_record_lists_its_credentials_inside_it(client, cli, services, tmp_path, wallet):
    """A CLR record issued to the wallet's DID: the page lists it, and inside it each credential it
    holds, each with its own checks; so does the report."""
    name = f"Acme Contact Centers {uuid.uuid4().hex[:8]}"
    assert cli("sponsors", "create", name).exit_code == 0
    program = json.loads(cli("programs", "show", "ny-csr", "--json").output)
    rows = [[wallet.did if cell == "did:example:ana" else cell for cell in row] for row in _rows_to_complete(program)]
    (tmp_path / "ny.csv").write_text(_csv(rows))
    assert cli("import", tmp_path / "ny.csv", "--json", "--sponsor", name).exit_code == 0
    credentials = [json.loads(line) for line in cli("credentials", "list", "--json", "--sponsor", name).output.splitlines()]
    issuer = credentials[0]["issuer"]
    record = sign(services, clr.build_clr(
        issuer=IssuerProfile(issuer["id"], issuer["name"], url=issuer.get("url")),
        recipient=Recipient(id=wallet.did, email="ana.lopez@example.org", name="Ana Lopez"),
        program=_identity(program), earned=_earned(program, credentials), valid_from="2026-01-05T00:00:00Z"),
        loader=services.loader)
    handle, openid, _ = make_request(client, OCCUPATION)
    _, response = wallet.answer_openid4vp(openid, [record])
    assert response.status_code == 200
    html, page = answered(client, handle)
    held = items(html, "held-credential")
    outer, inner = held[0], held[1:]
    assert outer[0]["data-state"] == "valid" and outer[1].startswith(f"Verified 1. {record['name']}")
    assert "Verified: the holder" in page
    assert len(inner) == len(credentials)
    names = [c["credentialSubject"]["achievement"]["name"] for c in record["credentialSubject"]["verifiableCredential"]]
    for position, ((attrs, words), name) in enumerate(zip(inner, names), 1):
        assert attrs["data-state"] == "valid" and name in words and "Passed Signature (proof)" in words
    assert f"The {len(credentials)} credential(s) in this record" in page
    printed = pdf_text(client, handle)
    assert f"The {len(credentials)} credential(s) in this record" in printed
    assert "1.1. " in printed and f"1.{len(credentials)}. " in printed
    # Each of the record's credentials that passed everything has its checks on one line.
    assert printed.count("Passed: parse, structure, contexts, jsonld, schema, Signature, issuer, dates, "
                         "Not revoked or suspended, Framework alignment") == len(credentials)


def test_downloading_reports_is_rate_limited(client, wallet, held, monkeypatch):
    """A report is laid out on each download: downloads count against the verification limit."""
    from issuer.api.throttle import Throttle
    handle, openid, _ = make_request(client)
    wallet.answer_openid4vp(openid, [held])
    monkeypatch.setitem(client.application.extensions, "ler_throttle", Throttle("2/minute", 2, "memory://"))
    statuses = [client.get(f"/verify/requests/{handle}/report.pdf").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert client.get(f"/verify/requests/{handle}").status_code == 200      # the page itself is not limited


def test_a_wallet_that_declines_is_shown_and_reported(client, wallet):
    handle, openid, _ = make_request(client)
    claims = wallet.authorization_request(openid)
    assert wallet.post_response(claims, {"error": "access_denied", "state": claims["state"]}).status_code == 200
    html, page = answered(client, handle)
    assert "Not verified: The wallet's answer:" in page and "Failed The wallet's answer (wallet)" in page
    assert "The wallet presented no credential." in page and items(html, "held-credential") == []
    printed = pdf_text(client, handle)
    assert "Failed The wallet's answer (wallet)" in printed and "The wallet presented no credential." in printed
