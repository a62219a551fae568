"""The terminology engine on book/: glosses in the PDF text, index page numbers that point
to pages really containing the term, sorted glossaries, and the EPUB glossary and index.
Reads the built outputs back with pdftotext, pypdf and lxml."""

from __future__ import annotations

import re
import subprocess
import unicodedata
import zipfile
from collections import Counter
from functools import lru_cache
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from bookforge.model import Term
from bookforge.source.load import load_book
from bookforge.transform import transform_edition

from .conftest import BOOK

LANGS = ("id", "en")
XHTML = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
LOCATOR_RE = r"(?:[ivxlc]+|\d+)(?:–(?:[ivxlc]+|\d+))?"
ENTRY_RE = re.compile(rf"^(?P<term>\D+?) (?P<locs>{LOCATOR_RE}(?:, {LOCATOR_RE})*)$")
ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}

book, _ = load_book(BOOK)


def norm(text: str) -> str:
    text = re.sub(r"[-‐]\n\s*", "", text)  # hyphenated at a line end
    return re.sub(r"\s+", " ", text).casefold()


@lru_cache(maxsize=4)
def pdf_pages(path: Path) -> tuple[str, ...]:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return tuple(out.split("\f"))


def outline_pages(path: Path) -> dict[str, int]:
    reader = PdfReader(path)
    found: dict[str, int] = {}

    def walk(items: list) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                title = re.sub(r"\s+", " ", item.title).strip()
                found.setdefault(title, reader.get_destination_page_number(item))

    walk(reader.outline)
    return found


def roman_value(s: str) -> int:
    values = [ROMAN[c] for c in s]
    return sum(-v if i + 1 < len(values) and v < values[i + 1] else v
               for i, v in enumerate(values))


def roman(n: int) -> str:
    out = ""
    for value, sym in ((100, "c"), (90, "xc"), (50, "l"), (40, "xl"), (10, "x"), (9, "ix"),
                       (5, "v"), (4, "iv"), (1, "i")):
        while n >= value:
            out, n = out + sym, n - value
    return out


def folio_pages(pages: tuple[str, ...]) -> dict[str, int]:
    """Printed page number -> physical page index, read from the folios on the pages:
    the most common offset between a page's printed number and its index, separately for
    the roman front matter and the arabic body."""
    offsets: dict[bool, Counter[int]] = {True: Counter(), False: Counter()}
    for i, text in enumerate(pages):
        lines = [x.strip() for x in text.splitlines() if x.strip()]
        for line in lines[:1] + lines[-1:]:
            if line.isdigit():
                offsets[False][i - int(line)] += 1
            elif re.fullmatch(r"[ivxlc]+", line):
                offsets[True][i - roman_value(line)] += 1
    out: dict[str, int] = {}
    for is_roman, counter in offsets.items():
        if not counter:
            continue
        offset = counter.most_common(1)[0][0]
        for n in range(1, len(pages) - offset):
            out[roman(n) if is_roman else str(n)] = n + offset
    return out


def term_pattern(term: Term, lang: str) -> re.Pattern[str]:
    """The term's forms as pdftotext may print them. A compound broken at its own hyphen
    at a line end ("awig-" / "awig") comes out joined ("awigawig"): pdftotext takes a
    hyphen-minus ending a line for a hyphenation and drops it, so that hyphen is optional."""
    forms = sorted({term.forms[lang], *term.variants[lang]}, key=len, reverse=True)
    return re.compile("|".join(re.escape(f.casefold()).replace(r"\ ", " ").replace(r"\-", "-?")
                               for f in forms))


def glossed_pattern(term: Term) -> str:
    """'modal sosial (social capital)' as pdftotext prints the id edition's gloss."""
    counterpart = re.escape(term.forms["en"].casefold()).replace(r"\ ", " ")
    return rf"(?:{term_pattern(term, 'id').pattern}) \({counterpart}\)"


def split_across(forms: list[str], page: str, next_page: str) -> bool:
    """A use hyphenated at the foot of `page` ("mo-") and ending on the next ("dal sosial")."""
    ends = [norm(line).rstrip("-‐ ") for line in page.splitlines() if line.strip()]
    for form in (f.casefold() for f in forms):
        for k in range(2, len(form)):
            if any(e.endswith(form[:k]) for e in ends) and form[k:].strip() in next_page:
                return True
    return False


def pdf_path(built: Path, lang: str, fmt: str = "pdf") -> Path:
    return built / f"{book.config.slug}-{lang}.{fmt}"


def index_entries(path: Path, lang: str) -> list[tuple[str, list[str]]]:
    """(term, locators) read from the index pages: from the index's outline entry to the
    next one (back matter may follow the index) or the end of the PDF."""
    pages = pdf_pages(path)
    title = "Indeks" if lang == "id" else "Index"
    outline = outline_pages(path)
    start = outline[title]
    end = min((p for p in outline.values() if p > start), default=len(pages))
    lines: list[str] = []
    for text in pages[start:end]:
        for line in text.splitlines():
            line = line.strip()
            if lines and lines[-1].endswith((",", "–")):
                lines[-1] += ("" if lines[-1].endswith("–") else " ") + line
            elif line:
                lines.append(line)
    # a long term may wrap before its locators ("peningkatan kekayaan secara tidak" / "sah
    # 31, 37"): the lines without locators just before an entry may begin its term
    known = {t.forms[lang].casefold() for t in book.glossary.terms if lang in t.forms}
    out = []
    pending: list[str] = []
    for line in lines:
        m = ENTRY_RE.match(line)
        if not m:
            pending.append(line)
            continue
        for k in range(len(pending), 0, -1):
            joined = ENTRY_RE.match(" ".join([*pending[-k:], line]))
            if joined and joined["term"].casefold() in known:
                m = joined
                break
        pending = []
        out.append((m["term"], m["locs"].split(", ")))
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_index_page_numbers_point_to_the_term(built_book: Path, lang: str) -> None:
    path = pdf_path(built_book, lang)
    raw = pdf_pages(path)
    pages = [norm(p) for p in raw]
    folios = folio_pages(raw)
    terms = {t.forms[lang].casefold(): t for t in book.glossary.terms}
    entries = index_entries(path, lang)
    assert len(entries) >= 20, entries
    checked = 0
    for name, locators in entries:
        term = terms[name.casefold()]
        pattern = term_pattern(term, lang)
        for locator in locators:
            for number in locator.split("–"):
                physical = folios[number]
                forms = [term.forms[lang], *term.variants[lang]]
                assert (pattern.search(pages[physical])
                        or split_across(forms, raw[physical], pages[physical + 1])), \
                    f"{name}: page {number} lacks the term"
                checked += 1
    assert checked >= 100
    ranges = [loc for _, locs in entries for loc in locs if "–" in loc]
    assert ranges, "no merged page ranges"
    for r in ranges:
        a, b = r.split("–")
        if a.isdigit():
            assert int(a) < int(b)


def test_id_pdf_glosses_a_first_use_in_every_chapter(built_book: Path) -> None:
    path = pdf_path(built_book, "id")
    pages = [norm(p) for p in pdf_pages(path)]
    outline = outline_pages(path)
    content = transform_edition(book, "id")
    terms = book.glossary.by_key()
    starts = sorted(outline[re.sub(r"\s+", " ", d.source.title)] for d in content.chapters())
    for d in content.chapters():
        start = outline[re.sub(r"\s+", " ", d.source.title)]
        end = next((s for s in starts if s > start), len(pages))
        text = " ".join(pages[start:end])
        glossed = [terms[u.key] for u in d.term_uses if u.glossed]
        assert glossed, f"{d.doc_id}: no glossed term"
        hits = [t.key for t in glossed if re.search(glossed_pattern(t), text)]
        assert hits, f"{d.doc_id}: no 'term (counterpart)' in the PDF text"


def base(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text)
                   if not unicodedata.combining(c)).casefold()


def epub_doc(path: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(path) as z:
        member = next(n for n in z.namelist() if n.endswith("/" + name) or n == name)
        return etree.fromstring(z.read(member))


@pytest.mark.parametrize("lang", LANGS)
def test_glossary_sorted_and_grouped(built_book: Path, lang: str) -> None:
    path = pdf_path(built_book, lang, "epub")
    root = epub_doc(path, "glossary.xhtml")
    section = root.find(".//x:section[@epub:type='glossary']", XHTML)
    assert section is not None and section.get("role") == "doc-glossary"
    terms = ["".join(d.itertext()) for d in section.iterfind(".//x:dt/x:dfn", XHTML)]
    assert len(terms) == len(book.glossary.terms)
    assert [base(t) for t in terms] == sorted(base(t) for t in terms)
    expected = {t.forms[lang] for t in book.glossary.terms}
    assert set(terms) == expected
    letters = ["".join(h.itertext()) for h in section.iterfind("x:h2", XHTML)]
    assert letters == sorted(set(base(t)[0].upper() for t in terms))
    for dl, letter in zip(section.iterfind("x:dl", XHTML), letters, strict=True):
        assert all(base("".join(d.itertext()))[0].upper() == letter
                   for d in dl.iterfind("x:dt/x:dfn", XHTML))
    used = section.findall(".//x:dd[@class='used-in']/x:a", XHTML)
    assert used and all(a.get("href").endswith(".xhtml") for a in used)


@pytest.mark.parametrize("lang", LANGS)
def test_epub_index_links_to_uses(built_book: Path, lang: str) -> None:
    path = pdf_path(built_book, lang, "epub")
    nav = epub_doc(path, "nav.xhtml")
    assert nav.find(".//x:a[@epub:type='index']", XHTML) is not None
    assert nav.find(".//x:a[@epub:type='glossary']", XHTML) is not None
    index = epub_doc(path, "index.xhtml")
    assert index.find(".//x:section[@role='doc-index']", XHTML) is not None
    links = [a.get("href") for a in index.iterfind(".//x:a[@epub:type='index-locator']", XHTML)]
    assert len(links) >= 200
    targets: dict[str, set[str]] = {}
    for href in links:
        name, frag = href.split("#")
        if name not in targets:
            doc = epub_doc(path, name)
            targets[name] = {e.get("id") for e in doc.iter() if e.get("id")}
        assert frag in targets[name], href
    chapter = epub_doc(path, links[0].split("#")[0])
    use = chapter.find(f".//x:a[@id='{links[0].split('#')[1]}']", XHTML)
    assert use.get("role") == "doc-glossref" and use.get("href").startswith("glossary.xhtml#")
