"""Stage 6b, cover: the metadata of an edition -> a cover image (PNG bytes, Pillow).

The cover is typeset from the title, subtitle, editors and edition language on a colour
chosen per edition, 1600 x 2400 px. Fonts are found with fontconfig; without it Pillow's
built-in font is used and a warning says so.
"""

from __future__ import annotations

import hashlib
import io
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageFont

from ..errors import Diagnostic, warning

WIDTH, HEIGHT = 1600, 2400
MARGIN = 140
EDITION_COLOURS = {"id": (122, 28, 36), "en": (22, 48, 92)}
INK = (250, 246, 236)
ACCENT = (226, 184, 92)


@dataclass(frozen=True)
class CoverText:
    title: str
    subtitle: str
    editors: str  # "Edited by A and B"
    edition: str  # "Indonesian edition"
    publisher: str
    lang: str


@dataclass(frozen=True)
class Cover:
    png: bytes
    width: int
    height: int
    diagnostics: tuple[Diagnostic, ...] = ()


def edition_colour(lang: str) -> tuple[int, int, int]:
    if lang in EDITION_COLOURS:
        return EDITION_COLOURS[lang]
    digest = hashlib.sha256(lang.encode()).digest()
    return (40 + digest[0] % 90, 40 + digest[1] % 90, 40 + digest[2] % 90)


@lru_cache(maxsize=8)
def font_file(pattern: str) -> str | None:
    """The font file fontconfig picks for `pattern` (e.g. 'Noto Sans:bold'), if any."""
    if not shutil.which("fc-match"):
        return None
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}", pattern], capture_output=True,
                             text=True, timeout=20, check=True).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return out or None


def _font(pattern: str, size: int, missing: list[str]) -> ImageFont.ImageFont:
    path = font_file(pattern)
    if path:
        try:
            return ImageFont.truetype(path, size)
        except OSError:
            pass
    missing.append(pattern)
    return ImageFont.load_default(size=size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.ImageFont,
          width: int) -> list[str]:
    lines: list[str] = []
    for word in text.split():
        candidate = f"{lines[-1]} {word}" if lines else word
        if lines and draw.textlength(candidate, font=font) <= width:
            lines[-1] = candidate
        else:
            lines.append(word)
    return lines


def _block(draw: ImageDraw.ImageDraw, y: int, text: str, font: ImageFont.ImageFont,
           fill: tuple[int, int, int], leading: float) -> int:
    size = getattr(font, "size", 40)
    for line in _wrap(draw, text, font, WIDTH - 2 * MARGIN):
        draw.text((MARGIN, y), line, font=font, fill=fill)
        y += int(size * leading)
    return y


def make_cover(text: CoverText) -> Cover:
    missing: list[str] = []
    bold = lambda size: _font("Noto Sans:bold", size, missing)  # noqa: E731
    regular = lambda size: _font("Noto Sans", size, missing)  # noqa: E731
    image = Image.new("RGB", (WIDTH, HEIGHT), edition_colour(text.lang))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 36), fill=ACCENT)
    draw.rectangle((MARGIN, 300, MARGIN + 220, 312), fill=ACCENT)
    y = _block(draw, 380, text.title, bold(124 if len(text.title) < 50 else 100), INK, 1.18)
    if text.subtitle:
        y = _block(draw, y + 60, text.subtitle, regular(56), INK, 1.35)
    _block(draw, max(y + 120, HEIGHT - 760), text.editors, regular(58), ACCENT, 1.35)
    draw.rectangle((0, HEIGHT - 300, WIDTH, HEIGHT), fill=INK)
    dark = edition_colour(text.lang)
    draw.text((MARGIN, HEIGHT - 230), text.edition, font=bold(54), fill=dark)
    draw.text((MARGIN, HEIGHT - 150), text.publisher, font=regular(46), fill=dark)
    buf = io.BytesIO()
    image.save(buf, format="PNG", optimize=True)
    diags = tuple(warning("cover", 0, "cover-font",
                          f"fontconfig found no font for '{p}'; the cover uses Pillow's "
                          "built-in font") for p in dict.fromkeys(missing))
    return Cover(buf.getvalue(), WIDTH, HEIGHT, diags)
