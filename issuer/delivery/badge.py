"""The badge image a credential is baked into: SVG from templates/badge.svg, PNG drawn with Pillow."""

from __future__ import annotations

import io
import textwrap
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from issuer.delivery.render import render
from issuer.delivery.view import CredentialView

SIZE = 512
NAVY, GOLD, WHITE = (18, 53, 91), (242, 183, 5), (255, 255, 255)


def _lines(text: str, width: int, limit: int) -> list[str]:
    lines = textwrap.wrap(text, width=width) or [""]
    if len(lines) > limit:
        lines = lines[:limit]
        lines[-1] = lines[-1][: max(width - 1, 1)].rstrip() + "…"
    return lines


def svg(config, view: CredentialView) -> str:
    return render(config, "badge.svg", view=view, name_lines=_lines(view.name, 22, 4),
                  sponsor_lines=_lines(view.sponsor, 30, 2))


@lru_cache(maxsize=8)
def _font(size: int):
    # Pillow's bundled scalable font: no system font needed for the badge.
    return ImageFont.load_default(size=size)


def png(view: CredentialView) -> bytes:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, SIZE - 8, SIZE - 8), fill=NAVY, outline=GOLD, width=14)
    draw.ellipse((44, 44, SIZE - 44, SIZE - 44), outline=WHITE, width=3)
    y = 130
    draw.text((SIZE / 2, 100), view.kind.upper(), font=_font(20), fill=GOLD, anchor="mm")
    for line in _lines(view.name, 22, 4):
        draw.text((SIZE / 2, y + 20), line, font=_font(32), fill=WHITE, anchor="mm")
        y += 44
    for line in _lines(view.sponsor, 30, 2):
        draw.text((SIZE / 2, y + 40), line, font=_font(22), fill=GOLD, anchor="mm")
        y += 30
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
