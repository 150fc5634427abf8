"""QR codes for offers, deep links and page URLs (segno: pure Python, no imaging library needed)."""

from __future__ import annotations

import io

import segno
from markupsafe import Markup, escape

# Level M survives a smudged phone screen or a creased printout; offers by reference keep the
# payload short enough for a version a phone camera reads at arm's length.
ERROR_LEVEL = "m"


def _code(data: str):
    return segno.make(data, error=ERROR_LEVEL, micro=False, boost_error=False)


def svg(data: str, *, label: str, scale: int = 4) -> Markup:
    """Inline SVG for an HTML page, announced to screen readers by `label`. The viewBox lets CSS
    scale it to the screen; the white quiet zone is kept because phone cameras need it."""
    markup = _code(data).svg_inline(scale=scale, border=4, dark="#000", light="#fff", title=label,
                                     svgclass="qr", lineclass=None, omitsize=True)
    return Markup(markup.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))


def png(data: str, *, scale: int = 8) -> bytes:
    out = io.BytesIO()
    _code(data).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()


def png_data_uri(data: str, *, scale: int = 8) -> str:
    return _code(data).png_data_uri(scale=scale, border=4)
