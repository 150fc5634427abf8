"""The claim page's downloads and the public credential page over HTTP: content negotiation,
baked images that verify, the certificate PDF as a person sees it (rendered to an image: the
apprentice's name read back by OCR, the QR code decoded to the page URL), LinkedIn link."""

from __future__ import annotations

import io
import json
import re
import subprocess
from urllib.parse import parse_qs, urlsplit

import pytest
import zxingcpp
from PIL import Image

from issuer.credentials.baked import extract_png, extract_svg
from issuer.verify import verify_credential

from conftest import require_tools
from delivery_support import issue_one

BASE = "https://issuer.example"


def _claim(client, issued) -> str:
    made = client.post(f"/api/v1/credentials/{issued.id}/offer", json={}, headers=issued.auth).get_json()
    return made["claim_url"][len(BASE):]


def test_downloads_are_the_credential_and_verify(client, services, issued):
    claim = _claim(client, issued)
    resolver = services.identity.resolver()
    as_json = client.get(f"{claim}/credential.json")
    assert as_json.mimetype == "application/ld+json" and "attachment" in as_json.headers["Content-Disposition"]
    assert json.loads(as_json.data) == issued.document
    as_jwt = client.get(f"{claim}/credential.jwt")
    assert as_jwt.mimetype == "application/vc+jwt"
    assert verify_credential(as_jwt.get_data(as_text=True), resolver=resolver).check("proof").passed

    png = client.get(f"{claim}/badge.png")
    assert png.mimetype == "image/png" and Image.open(io.BytesIO(png.data)).size == (512, 512)
    assert json.loads(extract_png(png.data)) == issued.document
    assert verify_credential(extract_png(png.data), resolver=resolver).check("proof").passed
    svg = client.get(f"{claim}/badge.svg")
    assert svg.mimetype == "image/svg+xml" and b"Workplace Orientation" in svg.data
    assert json.loads(extract_svg(svg.data)) == issued.document
    assert client.get("/claim/not-a-token").status_code == 404
    assert client.get("/claim/not-a-token/badge.png").status_code == 404
    for response in (client.get(claim), as_json, png):
        assert response.headers["Cache-Control"] == "no-store"
        assert response.headers["Referrer-Policy"] == "no-referrer"


def test_credential_page_negotiates(client, issued):
    for accept in ("application/json", "application/ld+json"):
        response = client.get(f"/credentials/{issued.id}", headers={"Accept": accept})
        assert response.status_code == 200 and response.mimetype == accept
        assert response.get_json() == issued.document and response.headers["Vary"] == "Accept"
    html = client.get(f"/credentials/{issued.id}", headers={"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"})
    assert html.mimetype == "text/html"
    text = html.get_data(as_text=True)
    for fact in ("Ana Lopez", "Work process A: Workplace Orientation", "Customer Service Representative",
                 "43-4051.00", "100", "O*NET-SOC"):
        assert fact in text, fact
    assert "script" not in html.headers["Content-Security-Policy"] or "'none'" in html.headers["Content-Security-Policy"]
    missing = client.get("/credentials/00000000-0000-0000-0000-000000000000", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.mimetype == "application/problem+json"
    assert client.get("/credentials/nope", headers={"Accept": "text/html"}).mimetype == "text/html"


def test_linkedin_link_is_prefilled(client, issued):
    text = client.get(f"/credentials/{issued.id}", headers={"Accept": "text/html"}).get_data(as_text=True)
    href = re.search(r'href="([^"]+)" id="linkedin-link"', text).group(1).replace("&amp;", "&")
    parts = urlsplit(href)
    assert f"{parts.netloc}{parts.path}" == "www.linkedin.com/profile/add"
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    assert query["startTask"] == "CERTIFICATION_NAME" and query["name"] == "Work process A: Workplace Orientation"
    assert query["certUrl"] == f"{BASE}/credentials/{issued.id}" and query["certId"] == issued.id
    assert query["organizationName"].startswith("Acme Contact Centers") and query["issueYear"].isdigit()


def test_certificate_pdf_shows_the_name_and_a_qr_code_to_the_page(client, services, tmp_path):
    require_tools("pdftoppm", "tesseract")
    credential = issue_one(client, services, name="Maria Gonzalez")
    response = client.get(f"/credentials/{credential.id}/certificate.pdf")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    (tmp_path / "certificate.pdf").write_bytes(response.data)
    subprocess.run(["pdftoppm", "-r", "150", "-png", "-singlefile", str(tmp_path / "certificate.pdf"),
                    str(tmp_path / "page")], check=True, timeout=60)
    image = Image.open(tmp_path / "page.png")
    codes = zxingcpp.read_barcodes(image)
    # One QR code on the page, whose link is the credential page (zxing may report it twice).
    assert codes and {c.text for c in codes} == {f"{BASE}/credentials/{credential.id}"}
    ocr = subprocess.run(["tesseract", str(tmp_path / "page.png"), "-", "--psm", "3"], capture_output=True,
                         text=True, check=True, timeout=120).stdout
    assert "Maria Gonzalez" in ocr, ocr
    assert "Certificate of Achievement" in ocr and "Workplace Orientation" in ocr


@pytest.mark.parametrize("name, kind, sponsor", [
    ("Customer Service Representatives skills framework: Emerging", "Competency level", "Acme Contact Centers"),
    ("Customer Service Representative: completed apprenticeship", "Completed apprenticeship",
     "A Very Long Sponsor Name Incorporated of the Americas Holdings and Subsidiaries"),
    ("Supercalifragilisticexpialidocious-Antidisestablishmentarianism", "Work process", "X"),
])
def test_badge_text_stays_inside_its_ring(name, kind, sponsor):
    """Every line of the badge, as measured, lies within the inner ring at its height; the
    longest names shrink, wrap, and at worst end in an ellipsis, never spill over."""
    import math

    from issuer.delivery import badge
    from issuer.delivery.view import CredentialView
    view = CredentialView(id="", credential_id="", name=name, description="", kind=kind, criteria="", apprentice="",
                          sponsor=sponsor, issuer="", program=None, program_version=None)
    lines = badge.layout(view)
    assert lines and lines[0].text == kind.upper()
    for line in lines:
        top, bottom = line.y - line.size, line.y + line.size * 0.25
        far = max(abs(top - badge.CENTRE), abs(bottom - badge.CENTRE))
        assert math.hypot(line.width / 2, far) <= 210, line
    png = Image.open(io.BytesIO(badge.png(view)))
    assert png.size == (512, 512)
