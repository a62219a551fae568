"""Fenced code (render/code.py): highlighting from the info string only, a theme whose
colours meet WCAG AA, the stylesheets' rules in sync with it, and code that stays inside
the text block of the PDF (read back with `pdftotext -bbox`)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from lxml import etree
from pygments.token import STANDARD_TYPES

from bookforge.files import styles_dir
from bookforge.preview.engine import PreviewEngine
from bookforge.preview.page import default_request, render_page
from bookforge.render import render_epub, render_print
from bookforge.render.code import PrintStyle, code_block, with_style_rules
from bookforge.source.load import load_book
from bookforge.transform import transform_edition

from .conftest import FIXTURES

MM = 72 / 25.4


def luminance(hex_colour: str) -> float:
    rgb = [int(hex_colour.lstrip("#")[i: i + 2], 16) / 255 for i in (0, 2, 4)]
    lin = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
    return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]


def contrast(a: str, b: str) -> float:
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_contrast_formula() -> None:
    assert contrast("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast("#777777", "#ffffff") == pytest.approx(4.48, abs=0.01)


def test_every_token_colour_meets_wcag_aa() -> None:
    background = PrintStyle.background_color
    for token in STANDARD_TYPES:
        colour = PrintStyle.style_for_token(token)["color"]
        if colour:
            assert contrast("#" + colour, background) >= 4.5, (token, colour)


@pytest.mark.parametrize("name", ["print.css", "epub.css"])
def test_stylesheets_carry_the_theme_with_aa_contrast(name: str) -> None:
    css = (styles_dir() / name).read_text(encoding="utf-8")
    assert with_style_rules(css) == css, "run: python -m bookforge.render.code"
    box = re.search(r"pre\.code \{[^}]*background: (#[0-9a-fA-F]{6})", css)
    assert box, "pre.code sets its own background"
    colours = re.findall(r"pre\.code \.[\w-]+ \{[^}]*color: (#[0-9A-Fa-f]{6})", css)
    assert len(colours) > 40
    text = re.search(r"pre\.code \{[^}]*?[^-]color: (#[0-9a-fA-F]{6})", css)
    assert text is not None
    for colour in [*colours, text.group(1)]:
        assert contrast(colour, box.group(1)) >= 4.5, colour
    rule = re.search(r"pre\.code \{([^}]*)\}", css).group(1)  # type: ignore[union-attr]
    assert "hyphens: manual" in rule and "text-align: left" in rule
    assert "white-space: pre-wrap" in css and "overflow-wrap: anywhere" in rule


def test_language_from_the_info_string_only() -> None:
    python = code_block("def f(x):\n    return x\n", "python")
    assert '<code class="language-python">' in python and '<span class="k">def</span>' in python
    for info in ("", "no-such-language", "   "):
        plain = code_block("def f(x):\n    return x\n", info)
        assert '<span class="k">' not in plain and "language-" not in plain
    assert code_block("a < b", "") == (
        '<pre class="code"><code><span class="line">a &lt; b</span></code></pre>\n')


def test_one_balanced_line_element_per_source_line() -> None:
    src = 'x = """one\ntwo\n\nthree"""\ny = 1\n'
    html = code_block(src, "python")
    assert html.count('<span class="line">') == 5
    root = etree.fromstring(html)  # every line closes its own spans
    lines = root.xpath("//span[@class='line']")
    assert ["".join(line.itertext()) for line in lines] == src.rstrip("\n").split("\n")


def test_print_epub_and_preview_are_highlighted() -> None:
    book, _ = load_book(FIXTURES / "foreign")
    content = transform_edition(book, "en")
    marker = '<span class="nf">summarise</span>'  # the Rust function's name
    assert marker in render_print(content)
    assert any(marker in p.xhtml for p in render_epub(content))
    engine = PreviewEngine(FIXTURES / "foreign")
    snap = engine.refresh()
    request = default_request(snap, "en", "getting-started")
    status, page = render_page(snap, request, None, "")
    assert status == 200 and marker in page and "/styles/epub.css" in page


def test_code_is_never_glossed(minimal: Path) -> None:
    path = minimal / "parts/01-alpha/01-trust.en.md"
    path.write_text(path.read_text().replace(
        "Social capital grows from trust.",
        "```text\nsocial capital and trust in code\n```\n\nSocial capital grows from trust."))
    book, _ = load_book(minimal)
    html = render_print(transform_edition(book, "en"))
    block = html.split('<pre class="code">', 1)[1].split("</pre>", 1)[0]
    assert "social capital and trust in code" in block and "term" not in block


def words_outside_text_block(pdf: Path) -> list[str]:
    """Words of `pdf` that reach into the outer 16 mm margin (either side) or off the page."""
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                         check=True).stdout
    root = etree.fromstring(xml)
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    outside = []
    for n, page in enumerate(root.iterfind(".//x:page", ns), 1):
        width, height = float(page.get("width")), float(page.get("height"))
        for w in page.iterfind("x:word", ns):
            x0, x1 = float(w.get("xMin")), float(w.get("xMax"))
            y0, y1 = float(w.get("yMin")), float(w.get("yMax"))
            if x0 < 16 * MM - 1 or x1 > width - 16 * MM + 1 or y0 < 0 or y1 > height:
                outside.append(f"page {n}: {w.text} ({x0:.1f}-{x1:.1f} of {width:.1f})")
    return outside


@pytest.mark.parametrize("lang", ["id", "en"])
def test_no_word_outside_the_text_block(built_foreign: Path, lang: str) -> None:
    pdf = built_foreign / f"foreign-{lang}.pdf"
    assert words_outside_text_block(pdf) == []
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    flat = re.sub(r"\s+", "", text)
    # the long lines are all there, wrapped rather than cut, and never hyphenated
    for piece in ("compile_every_chapter(source_folder,output_folder,",
                  "timeoutSeconds:90});", "collect::<Vec<_>>()",
                  "keeps/going/and/going/without/any/break/at/all/index.html"):
        assert piece in flat, piece
    assert "\u2010" not in text.split("def build", 1)[1].split("console.log", 1)[0]
