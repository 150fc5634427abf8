"""The printable certificate: templates/certificate.html laid out by fpdf2 (pure Python, no system
libraries), with a QR code that leads to the credential's public page."""

from __future__ import annotations

from pathlib import Path

from fpdf import FPDF
from fpdf.fonts import FontFace

from issuer.delivery import qr
from issuer.delivery.render import render
from issuer.delivery.view import CredentialView
from issuer.issuance.content import ATTESTATION

# DejaVu covers Latin, Greek, Cyrillic and Vietnamese names; Debian's fonts-dejavu-core installs it.
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/local/share/fonts/dejavu", "/Library/Fonts")
NAVY = (18, 53, 91)


def _font(pdf: FPDF) -> str:
    for folder in FONT_DIRS:
        regular, bold = Path(folder) / "DejaVuSans.ttf", Path(folder) / "DejaVuSans-Bold.ttf"
        if regular.exists() and bold.exists():
            pdf.add_font("DejaVu", "", str(regular))
            pdf.add_font("DejaVu", "B", str(bold))
            pdf.add_font("DejaVu", "I", str(regular))
            return "DejaVu"
    return "helvetica"


def render_pdf(config, html: str, *, title: str, author: str, orientation: str, margins: tuple[float, float],
               font_size: float, headings: dict[str, tuple[tuple[int, int, int], float]], frame: bool = False) -> bytes:
    """HTML laid out on Letter pages by fpdf2, with DejaVu when installed; shared by every PDF we make.

    `headings` maps h1/h2/h3 to (colour, size in points)."""
    pdf = FPDF(orientation=orientation, unit="mm", format="Letter")
    pdf.set_title(title)
    pdf.set_author(author)
    pdf.set_creator(config.service_name)
    pdf.set_margins(margins[0], margins[1], margins[0])
    pdf.set_auto_page_break(auto=True, margin=margins[1])
    pdf.add_page()
    family = _font(pdf)
    pdf.set_font(family, size=font_size)
    if frame:
        pdf.set_draw_color(*NAVY)
        pdf.set_line_width(1.2)
        pdf.rect(8, 8, pdf.w - 16, pdf.h - 16)
    if family == "helvetica":
        # The core fonts are Latin-1 only; without DejaVu, other characters print as '?'.
        html = html.encode("latin-1", "replace").decode("latin-1")
    pdf.write_html(html, tag_styles={tag: FontFace(family=family, emphasis="B", color=colour, size_pt=size)
                                     for tag, (colour, size) in headings.items()})
    return bytes(pdf.output())


def alignment_groups(view: CredentialView) -> list[tuple[str, list[str]]]:
    """The credential's alignments by framework, each named by its code (or its name when it has
    none): short enough that every one of them is printed, none cut off."""
    groups: dict[str, list[str]] = {}
    for a in view.alignments:
        groups.setdefault(a.framework or "Aligned to", []).append(a.code or a.name)
    return list(groups.items())


def certificate(config, view: CredentialView, page_url: str) -> bytes:
    html = render(config, "certificate.html", view=view, page_url=page_url, qr_uri=qr.png_data_uri(page_url),
                  attestation=ATTESTATION, alignment_groups=alignment_groups(view))
    return render_pdf(config, html, title=f"{view.name}: {view.apprentice}", author=view.sponsor, orientation="L",
                      margins=(18, 14), font_size=11, frame=True,
                      headings={"h1": (NAVY, 30), "h2": ((0, 0, 0), 26), "h3": (NAVY, 18)})
