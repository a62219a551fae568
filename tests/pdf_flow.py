"""The text of a PDF as a reader follows it: the body's lines page after page, the
footnotes apart. pdftotext reads a page's last body line and its first footnote line as one
line when they sit at the same height, and a sentence that runs over a page break has the
page's footnotes in the middle of it; poppler's word boxes (`-bbox-layout`) say which lines
are set in the body's size."""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path

from lxml import etree

# A line shorter than this share of the body's line height is a footnote's (or a running
# head's, which is left out with them): print.css sets notes at 8.5pt against 10.5pt.
SMALL = 0.9
HYPHENS = ("\u2010", "\u00ad")


def _lines(pdf: Path) -> list[list[tuple[float, str]]]:
    """Per page, (line height, line text) in poppler's reading order."""
    xml = subprocess.run(["pdftotext", "-bbox-layout", str(pdf), "-"], capture_output=True,
                         check=True).stdout
    tree = etree.fromstring(re.sub(rb"<!DOCTYPE[^>]*>", b"", xml),
                            etree.XMLParser(recover=True, huge_tree=True))
    pages = []
    for page in tree.iter("{*}page"):
        lines = []
        for line in page.iter("{*}line"):
            words = [w.text or "" for w in line.iter("{*}word")]
            height = float(line.get("yMax")) - float(line.get("yMin"))
            lines.append((height, " ".join(words)))
        pages.append(lines)
    return pages


def _joined(lines: list[str]) -> str:
    """Lines as running text: a word hyphenated at a line's end is whole again, a compound
    broken at its own hyphen keeps it."""
    out = ""
    for line in lines:
        if out.endswith(HYPHENS):
            out = out[:-1] + line
        elif out.endswith("-"):
            out += line
        else:
            out += (" " if out else "") + line
    return " ".join(out.split())


def flow_text(pdf: Path) -> tuple[str, str]:
    """(the body text of the whole PDF, its footnotes and other small print)."""
    pages = _lines(pdf)
    body_height = Counter(round(h, 1) for page in pages for h, _ in page).most_common(1)[0][0]
    body = [t for page in pages for h, t in page if h >= SMALL * body_height]
    small = [t for page in pages for h, t in page if h < SMALL * body_height]
    return _joined(body), _joined(small)
