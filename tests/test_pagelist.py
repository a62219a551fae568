"""The EPUB page-list stage (epub/pagelist.py) on small layouts: where a printed page
begins, read from WeasyPrint's boxes, and the marker put at the same words in the EPUB."""

from __future__ import annotations

from pathlib import Path

import pytest
import weasyprint
from lxml import etree

from bookforge.epub.pagelist import (
    XHTML_NS,
    insert_markers,
    normalise,
    page_lines,
    page_map_from_lines,
)

from .conftest import run_cli

DEJAVU = "/usr/share/fonts/truetype/dejavu"
TEX_GYRE = "/usr/share/texmf/fonts/opentype/public/tex-gyre"  # Debian fonts-texgyre
NOTO = "/usr/share/fonts/truetype/noto"  # Debian fonts-noto-core

PRINT = """<html><head><style>@page { size: 120mm 80mm; margin: 10mm; }
.footnote { float: footnote; }</style></head><body>
<section id="ch"><p>Volunteers who overstep their competence need written roles.</p>
<p style="break-before: page">their evaluation.<a class="fn-call" href="#n2">\u20602</a>\u2060<span
class="footnote" id="n2">The law devotes a chapter to it.</span> What is missing is an
obligation to respond.</p></section></body></html>"""

EPUB = f"""<html xmlns="{XHTML_NS}" xmlns:epub="http://www.idpf.org/2007/ops"><body>
<section><p>Volunteers who overstep their competence need written roles.</p>
<p>their evaluation.<a epub:type="noteref" href="#n2">2</a> What is missing is an
obligation to respond.</p></section></body></html>"""


def test_a_page_beginning_with_a_footnote_call_is_found_after_it() -> None:
    """A page whose first line carries a footnote call: the call's number is no word of
    the EPUB text, so the page's first words must leave it out. With it ("evaluation.2")
    the marker went to the first "their" of the chapter, a page too early."""
    document = weasyprint.HTML(string=PRINT).render()
    assert len(document.pages) == 2
    pmap = page_map_from_lines(page_lines(document, frozenset({"ch"})), ["1", "2"], "test",
                               "layout")
    assert normalise(pmap.pages[1].text).startswith("their evaluation. what is missing")
    docs, markers = insert_markers({"ch.xhtml": EPUB}, pmap, {"ch": "ch.xhtml"})
    assert [m.label for m in markers] == ["1", "2"]
    root = etree.fromstring(docs["ch.xhtml"].encode())
    marker = root.find(f".//{{{XHTML_NS}}}span[@id='page-2']")
    assert marker is not None
    assert (marker.tail or "").startswith("their evaluation.")


def font_conf(path: Path, *dirs: str) -> str:
    path.write_text('<?xml version="1.0"?>\n<fontconfig>'
                    + "".join(f"<dir>{d}</dir>" for d in dirs)
                    + f"<cachedir>{path.parent / 'fc-cache'}</cachedir></fontconfig>\n",
                    encoding="utf-8")
    return str(path)


def test_a_cached_page_map_is_not_reused_with_other_faces(
        minimal: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page breaks depend on the faces: after the designed fonts disappear, an
    EPUB-only build lays the print edition out again instead of taking the old map."""
    designed = [d for d in (TEX_GYRE, NOTO) if Path(d).is_dir()]
    if len(designed) < 2:
        pytest.skip("the designed faces (fonts-texgyre, fonts-noto-core) are not installed")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setenv("FONTCONFIG_FILE", font_conf(tmp_path / "designed.conf", DEJAVU,
                                                    *designed))
    args = ("build", str(minimal), "--out", str(tmp_path / "out"), "--edition", "en",
            "--format", "epub")
    first = run_cli(*args)
    assert first.returncode == 0 and "fresh print layout" in first.stderr, first.stderr
    assert "cached page map" in run_cli(*args).stderr
    monkeypatch.setenv("FONTCONFIG_FILE", font_conf(tmp_path / "dejavu.conf", DEJAVU))
    other_faces = run_cli(*args)
    assert other_faces.returncode == 0, other_faces.stderr
    assert "fresh print layout" in other_faces.stderr
