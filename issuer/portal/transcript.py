"""The apprentice's transcript of progress as PDF: templates/portal/transcript.html laid out by
fpdf2, the same way (and with the same font) as delivery's certificates."""

from __future__ import annotations

from issuer.delivery.pdf import NAVY, render_pdf
from issuer.delivery.render import render
from issuer.portal.security import utcnow
from issuer.portal.progress_view import number, when


def transcript(config, apprentice, sponsor, layouts, credentials) -> bytes:
    html = render(config, "portal/transcript.html", apprentice=apprentice, sponsor=sponsor, layouts=layouts,
                  credentials=credentials, generated=when(utcnow()), base_url=config.base_url, when=when,
                  number=number)
    return render_pdf(config, html, title=f"Transcript of progress: {apprentice.name}", author=sponsor.name,
                      orientation="P", margins=(16, 14), font_size=10,
                      headings={"h1": (NAVY, 20), "h2": (NAVY, 15), "h3": ((0, 0, 0), 12)})
