"""The terminology engine, second round: terms wrapped across source lines, terms in
footnotes, title-like italics left out of the suggestions, the language of English terms in
an edition the glossary lacks (ms), the compiled matcher cache, and an index entry for a
term used 500 times in one chapter (laid out in seconds, not minutes)."""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path

from lxml import etree
from lxml import html as lxml_html

from bookforge.check import check
from bookforge.render import glossary_view, render_epub, render_print
from bookforge.render.backmatter import page_ranges
from bookforge.source.load import load_book
from bookforge.transform import transform_edition
from bookforge.transform.glossary import lookup_key, matcher
from bookforge.transform.model import TermUse

from .conftest import FIXTURES, run_cli
from .test_glossary_engine import TERMS, doc, edition, html, linked

WRAP = TERMS / "parts/01-rules/03-wrap.id.md"
XHTML = {"x": "http://www.w3.org/1999/xhtml"}
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


def line_of(path: Path, text: str) -> int:
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_term_wrapped_across_a_line_is_matched_and_glossed() -> None:
    content = edition(TERMS, "id")
    d = doc(content, "03-wrap")
    page = html(content, d)
    assert ('>modal\nsosial</a><span class="gloss"> (<i lang="en">social capital</i>)'
            in page)
    assert ('>Kepercayaan\npublik</a><span class="gloss"> (<i lang="en">public trust</i>)'
            in page)  # the longer term, not "Kepercayaan" + "publik"
    running = [u for u in d.term_uses if u.line < line_of(WRAP, "[^awal]:")]
    assert [(u.key, u.line) for u in running] == [
        ("modal sosial", line_of(WRAP, "istilahnya: modal")),
        ("kepercayaan publik", line_of(WRAP, "dan Kepercayaan")),
        ("modal sosial", line_of(WRAP, "Modal sosial kini"))]
    # a wrapped link text and a term cut by an emphasis stay unmarked
    assert "tata\nkelola" not in "".join(linked(page)) and "tata kelola" not in [
        u.key for u in d.term_uses]
    assert '<a href="https://example.org">ke tata\nkelola</a>' in page


def test_footnote_uses_link_without_a_gloss() -> None:
    content = edition(TERMS, "id")
    d = doc(content, "03-wrap")
    note_line = line_of(WRAP, "[^awal]:")
    in_note = [u for u in d.term_uses if u.line >= note_line]
    assert [(u.key, u.glossed) for u in in_note] == [("modal sosial", False),
                                                     ("kepercayaan", False)]
    # reading order: the note is referenced before the running text's first use
    assert d.term_uses[0] is in_note[0]
    glossed = [u for u in d.term_uses if u.glossed]
    assert [u.key for u in glossed] == ["modal sosial", "kepercayaan publik"]
    assert glossed[0].line == line_of(WRAP, "istilahnya: modal")
    page = html(content, d)
    note = re.search(r'<span class="footnote"[^>]*>(.*?)</span> Penulis', page, re.S)
    assert note is not None
    for use in in_note:
        assert f'id="{use.id}"' in note.group(1)
    assert "gloss" not in note.group(1)
    epub = html(content, d, "epub")
    aside = re.search(r"<aside[^>]*>(.*?)</aside>", epub, re.S)
    assert aside is not None and f'id="{in_note[1].id}"' in aside.group(1)


def test_index_lists_footnote_uses() -> None:
    content = edition(TERMS, "id")
    d = doc(content, "03-wrap")
    note_use = next(u for u in d.term_uses if u.key == "kepercayaan")
    pages = render_epub(content)
    index = next(p for p in pages if p.kind == "index").xhtml
    assert f"01-rules-03-wrap.xhtml#{note_use.id}" in index


def test_italic_suggestions_skip_titles_and_references() -> None:
    diags = [d for d in check(TERMS) if d.code == "glossary-suggestion"
             and d.path.endswith("03-wrap.id.md")]
    named = {d.message.split("*")[1] for d in diags}
    assert {"good governance", "ad hoc"} <= named
    assert not named & {"Bowling Alone", "Making democracy work", "Trust in society",
                        "Bowling alone: the collapse"}
    good = next(d for d in diags if "good governance" in d.message)
    assert good.line == line_of(WRAP, "*good")  # the line the emphasis starts on


def test_malay_edition_tags_english_terms() -> None:
    book, _ = load_book(FIXTURES / "trilingual")
    content = transform_edition(book, "ms")
    tree = lxml_html.document_fromstring(render_print(content).encode())
    dfns = tree.xpath("//section[@id='glossary']//dfn")
    assert [(d.text, d.get("lang")) for d in dfns] == [("social capital", "en"),
                                                       ("trust", "en")]
    terms = tree.xpath("//section[@id='book-index']//span[@class='index-term']")
    assert terms and all(t.get("lang") == "en" for t in terms)
    pages = {p.kind: p.xhtml for p in render_epub(content)}
    glossary = etree.fromstring(pages["glossary"].encode())
    for dfn in glossary.iterfind(".//x:dfn", XHTML):
        assert dfn.get("lang") == "en" and dfn.get(XML_LANG) == "en"
    index = etree.fromstring(pages["index"].encode())
    spans = index.findall(".//x:span[@class='index-term']", XHTML)
    assert spans and all(s.get("lang") == "en" for s in spans)
    # the preview's glossary (tooltips) agrees: English term, Indonesian counterpart
    views = glossary_view(book, "ms")
    assert [(v.term, v.term_lang, v.counterpart, v.other_lang) for v in views] == [
        ("social capital", "en", "modal sosial", "id"), ("trust", "en", "kepercayaan", "id")]
    # the Indonesian edition's own terms carry no lang of their own
    own = lxml_html.document_fromstring(render_print(transform_edition(book, "id")).encode())
    assert all(d.get("lang") is None for d in own.xpath("//section[@id='glossary']//dfn"))


def test_matcher_is_compiled_once_per_glossary_and_language() -> None:
    book, _ = load_book(TERMS)
    assert matcher(book.glossary, "id") is matcher(book.glossary, "id")
    assert matcher(book.glossary, "en") is not matcher(book.glossary, "id")
    again, _ = load_book(TERMS)
    assert matcher(again.glossary, "id") is not matcher(book.glossary, "id")
    assert lookup_key(book.glossary, "Public  Trust") == "kepercayaan publik"
    found = matcher(book.glossary, "id").find("ekonomi-nya, perekonomian, ekonomi.")
    assert [k for _, _, k in found] == ["ekonomi"]


def test_first_layout_index_has_one_locator_per_chapter() -> None:
    uses = [TermUse("k", f"a{n}", "ch-a", 1) for n in range(480)]
    uses += [TermUse("k", "b0", "ch-b", 1), TermUse("k", "a-late", "ch-a", 1)]
    first = page_ranges(uses, {})
    assert [loc.href for loc in first] == ["#a0", "#b0"]
    pages = {u.id: 3 + n // 40 for n, u in enumerate(uses)}
    assert [(loc.href, loc.end_href) for loc in page_ranges(uses, pages)] == [
        ("#a0", "#a-late")]


def pdf_text(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return out.split("\f")


def folio(page: str) -> int | None:
    """The printed page number: in the running head (first lines) or at the foot."""
    lines = [x.strip() for x in page.splitlines() if x.strip()]
    return next((int(x) for x in lines[:2] + lines[-1:] if x.isdigit()), None)


def test_index_of_a_term_used_500_times(minimal: Path, tmp_path: Path) -> None:
    """One locator per use made the first layout's index entry 501 links long and the
    build take minutes; it must stay quick and the index must cover every page."""
    paragraphs = [" ".join(f"Kalimat {n}-{k} tentang kepercayaan warga." for k in range(5))
                  for n in range(100)]
    chapter = minimal / "parts/01-alpha/02-many.id.md"
    chapter.write_text('---\ntitle: "Banyak"\nabstract: "Uji."\nkeywords: [uji]\n'
                       'authors:\n  - name: "Siti Rekaan"\n---\n\n'
                       + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    start = time.perf_counter()
    result = run_cli("build", str(minimal), "--edition", "id", "--format", "pdf",
                     "--out", str(tmp_path), "-q")
    seconds = time.perf_counter() - start
    print(f"build with a term used 500 times: {seconds:.1f} s")
    assert result.returncode == 0, result.stderr
    assert seconds < 60  # a hang guard only; see bench/bench_glossary.py
    pages = pdf_text(tmp_path / "minimal-id.pdf")
    entry = next(m for p in pages if (m := re.search(r"^kepercayaan ([\divx–, ]+)$", p, re.M)))
    locators = entry.group(1).split(", ")
    assert len(locators) <= 4, locators
    covered: set[int] = set()
    for loc in locators:
        if loc.isdigit() or "–" in loc:
            a, _, b = loc.partition("–")
            covered |= set(range(int(a), int(b or a) + 1))
    folios = {folio(p) for p in pages if "Kalimat" in p} - {None}
    assert len(folios) >= 5 and folios <= covered, (folios, locators)
