"""The badge image a credential is baked into: SVG from templates/badge.svg, PNG drawn with Pillow.

Both are laid out here, once: every line of text is measured (DejaVu Sans when installed, as
the PDFs use; Pillow's own font otherwise), wrapped and shrunk until it lies inside the inner
ring at its height, so that a long achievement or sponsor name never spills over the ring. The
SVG pins each line to its measured width (`textLength`), so a browser drawing it with another
font still keeps it inside.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from issuer.delivery.render import render
from issuer.delivery.view import CredentialView

SIZE = 512
CENTRE = SIZE / 2
TEXT_RADIUS = 196       # inside the white ring (r=210) with a margin
NAVY, GOLD, WHITE = (18, 53, 91), (242, 183, 5), (255, 255, 255)
FONT_DIRS = ("/usr/share/fonts/truetype/dejavu", "/usr/local/share/fonts/dejavu", "/Library/Fonts")
LEADING = 1.25
GAP = 0.6               # between the three blocks, in lines of the name
SCALES = [1 - i * 0.05 for i in range(10)]      # 100% down to 55%
MAX_NAME_LINES, MAX_SPONSOR_LINES = 4, 2


@lru_cache(maxsize=64)
def _font(size: int, bold: bool):
    for folder in FONT_DIRS:
        path = Path(folder) / ("DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf")
        if path.exists():
            return ImageFont.truetype(str(path), size)
    # Pillow's bundled scalable font: no system font needed.
    return ImageFont.load_default(size=size)


def _width(text: str, size: int, bold: bool, spacing: float = 0) -> float:
    return _font(size, bold).getlength(text) + spacing * max(len(text) - 1, 0)


@dataclass(frozen=True)
class Line:
    text: str
    y: float            # baseline
    size: int
    bold: bool
    colour: tuple[int, int, int]
    width: float
    spacing: float = 0

    @property
    def hex(self) -> str:
        return "#%02x%02x%02x" % self.colour


def _chord(top: float, bottom: float) -> float:
    """The width of the circle of TEXT_RADIUS over a band of text from `top` to `bottom`."""
    far = max(abs(top - CENTRE), abs(bottom - CENTRE))
    return 2 * math.sqrt(max(TEXT_RADIUS ** 2 - far ** 2, 0))


def _wrap(text: str, size: int, bold: bool, limit: float) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        if lines and _width(f"{lines[-1]} {word}", size, bold) <= limit:
            lines[-1] = f"{lines[-1]} {word}"
        else:
            lines.append(word)
    return lines or [""]


def _ellipsis(text: str, size: int, bold: bool, limit: float) -> str:
    while text and _width(text + "…", size, bold) > limit:
        text = text[:-1]
    return text.rstrip() + "…"


def _try(view: CredentialView, scale: float, force: bool) -> list[Line] | None:
    name_size, sponsor_size = round(32 * scale), round(22 * scale)
    kind = view.kind.upper()
    # The small label over the name shrinks on its own ("COMPLETED APPRENTICESHIP" is long), so
    # that it does not make the name small: it fits the chord 150 px above the centre.
    kind_size = next((s for s in range(round(20 * scale), 10, -1)
                      if _width(kind, s, False, 2 * scale) <= _chord(CENTRE - 150, CENTRE)), 10)
    # The widest the name may be: the chord at the top of a four-line name, conservatively.
    name_lines = _wrap(view.name, name_size, True, _chord(CENTRE - 2.2 * name_size * LEADING, CENTRE))
    sponsor_lines = _wrap(view.sponsor, sponsor_size, False, _chord(CENTRE, CENTRE + 3.5 * name_size * LEADING))
    if len(name_lines) > MAX_NAME_LINES or len(sponsor_lines) > MAX_SPONSOR_LINES:
        if not force:
            return None
        name_lines = name_lines[:MAX_NAME_LINES]
        sponsor_lines = sponsor_lines[:MAX_SPONSOR_LINES]
    blocks = [[(kind, kind_size, False, GOLD, 2 * scale)]] if kind else []
    blocks.append([(t, name_size, True, WHITE, 0) for t in name_lines])
    if view.sponsor:
        blocks.append([(t, sponsor_size, False, GOLD, 0) for t in sponsor_lines])
    height = sum(size * LEADING for block in blocks for _, size, *_ in block) + GAP * name_size * (len(blocks) - 1)
    y = CENTRE - height / 2
    placed = []
    for block in blocks:
        for text, size, bold, colour, spacing in block:
            top, y = y, y + size * LEADING
            limit = _chord(top, y)
            if _width(text, size, bold, spacing) > limit:
                if not force:
                    return None
                text = _ellipsis(text, size, bold, limit - spacing * len(text))
            # Baseline about a fifth of the line above its bottom.
            placed.append(Line(text, y - size * (LEADING - 1) / 2 - size * 0.2, size, bold, colour,
                               _width(text, size, bold, spacing), spacing))
        y += GAP * name_size
    return placed


def layout(view: CredentialView) -> list[Line]:
    """The badge's lines at the largest size at which all of them fit inside the ring."""
    for scale in SCALES:
        lines = _try(view, scale, force=False)
        if lines is not None:
            return lines
    return _try(view, SCALES[-1], force=True)


def svg(config, view: CredentialView) -> str:
    return render(config, "badge.svg", view=view, lines=layout(view), centre=CENTRE)


def png(view: CredentialView) -> bytes:
    image = Image.new("RGBA", (SIZE, SIZE), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.ellipse((8, 8, SIZE - 8, SIZE - 8), fill=NAVY, outline=GOLD, width=14)
    draw.ellipse((44, 44, SIZE - 44, SIZE - 44), outline=WHITE, width=3)
    for line in layout(view):
        font = _font(line.size, line.bold)
        if line.spacing:
            x = CENTRE - line.width / 2
            for char in line.text:
                draw.text((x, line.y), char, font=font, fill=line.colour, anchor="ls")
                x += font.getlength(char) + line.spacing
        else:
            draw.text((CENTRE, line.y), line.text, font=font, fill=line.colour, anchor="ms")
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()
