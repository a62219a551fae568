"""The front matter in book order (Chicago 1.4: half-title, title, copyright, dedication,
contents, lists of figures and tables, preface, introduction) in the PDF, the EPUB spine
and the navigation; the lists' page numbers and links; titles and labels as words.
Read back with pdftotext, pypdf, lxml and EPUBCheck, on tests/fixtures/frontmatter (an A5
book with a dedication, written for these tests) and on book/."""

from __future__ import annotations

import re
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from bookforge.source.load import load_book
from bookforge.transform import transform_edition

from .conftest import BOOK, FIXTURES, run_cli
from .test_outputs import epubcheck_messages

LANGS = ("id", "en")
NS = {"opf": "http://www.idpf.org/2007/opf", "x": "http://www.w3.org/1999/xhtml"}
ORDER = {
    "id": ["Persembahan", "Daftar Isi", "Daftar Gambar", "Daftar Tabel", "Prakata",
           "Pendahuluan", "Sungai"],
    "en": ["Dedication", "Contents", "List of Figures", "List of Tables", "Preface",
           "Introduction", "Rivers"],
}
LABEL = {"id": ("Gambar", "Tabel", "BAGIAN I"), "en": ("Figure", "Table", "PART I")}


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("frontmatter")
    result = run_cli("build", str(FIXTURES / "frontmatter"), "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    return out


def pages(pdf: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True,
                         text=True, check=True).stdout
    return out.split("\f")[:-1]


def outline(pdf: Path) -> list[tuple[str, int]]:
    reader = PdfReader(pdf)
    return [(item.title, reader.get_destination_page_number(item))
            for item in reader.outline if not isinstance(item, list)]


def list_entries(texts: list[str], word: str,
                 captions: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(number, folio) of each entry "Gambar 1.2 Caption . . . 5" found on the list's pages
    for `captions` ((number, caption) pairs, in order): the label, the caption's words
    however the lines broke, then the leader (or what is left of it) and the folio."""
    flat = " ".join(" ".join(texts).split())
    entries = []
    for number, caption in captions:
        # a compound may break at its own hyphen ("fact-" / "checking")
        words = r"\s+".join(re.escape(w).replace(r"\-", r"-?\s*") for w in caption.split())
        m = re.search(rf"{word} {re.escape(number)}\s+{words}[\s.]*?\s?(\d+|[ivxlc]+)\b", flat)
        if m:
            entries.append((number, m[1]))
    return entries


@pytest.mark.parametrize("lang", LANGS)
def test_pdf_front_matter_in_book_order(built: Path, lang: str) -> None:
    pdf = built / f"frontmatter-{lang}.pdf"
    top = outline(pdf)
    titles = [t for t, _ in top]
    assert titles[: len(ORDER[lang])] == ORDER[lang]
    starts = [p for _, p in top]
    assert starts == sorted(starts)
    text = pages(pdf)
    book, _ = load_book(FIXTURES / "frontmatter")
    title = book.config.title[lang]
    # half-title, title page and copyright page come first, in that order
    assert text[0].split() == title.split(), "half-title: the whole title, unhyphenated"
    assert " ".join(text[2].split()).startswith(title)
    assert "©" in text[3]
    assert starts[0] == 4  # the dedication on the next recto


@pytest.mark.parametrize("lang", LANGS)
def test_lists_give_the_pages_of_their_figures_and_tables(built: Path, lang: str) -> None:
    pdf = built / f"frontmatter-{lang}.pdf"
    labels = PdfReader(pdf).page_labels
    text = pages(pdf)
    top = dict(outline(pdf))
    figure, table, _ = LABEL[lang]
    content = transform_edition(load_book(FIXTURES / "frontmatter")[0], lang)
    captions = {word: [(c.number, c.title) for d in content.documents for c in d.captions
                       if c.kind == kind] for word, kind in ((figure, "figure"),
                                                             (table, "table"))}
    for title, word, expected in ((ORDER[lang][2], figure, ["1.1", "2.1"]),
                                  (ORDER[lang][3], table, ["1.1", "2.1"])):
        entries = list_entries([text[top[title]]], word, captions[word])
        assert [n for n, _ in entries] == expected, text[top[title]]
        for number, folio in entries:
            page = labels.index(folio)
            flat = " ".join(text[page].split())
            assert f"{word} {number}." in flat, f"{word} {number} is not on page {folio}"
    # the contents list the lists, with their folios
    contents = " ".join(text[top[ORDER[lang][1]]].split())
    for title in ORDER[lang][2:4]:
        m = re.search(re.escape(title) + r"[ .]*([ivxlc]+)\b", contents)
        assert m and labels.index(m[1]) == top[title], title


@pytest.mark.parametrize("lang", LANGS)
def test_part_and_chapter_labels_extract_as_words(built: Path, lang: str) -> None:
    pdf = built / f"frontmatter-{lang}.pdf"
    top = dict(outline(pdf))
    opener = pages(pdf)[top[ORDER[lang][6]]]
    first = next(line.strip() for line in opener.splitlines() if line.strip())
    assert first == LABEL[lang][2]  # not "PA R T I"


def opf_spine(epub: Path) -> list[str]:
    with zipfile.ZipFile(epub) as z:
        root = etree.fromstring(z.read("EPUB/content.opf"))
    items = {i.get("id"): i.get("href") for i in root.iterfind(".//opf:item", NS)}
    return [items[r.get("idref")] for r in root.iterfind(".//opf:itemref", NS)]


@pytest.mark.parametrize("lang", LANGS)
def test_epub_spine_and_navigation_in_book_order(built: Path, lang: str) -> None:
    epub = built / f"frontmatter-{lang}.epub"
    assert epubcheck_messages(epub) == []
    spine = opf_spine(epub)
    assert spine[:9] == ["cover.xhtml", "title-page.xhtml", "copyright.xhtml",
                         "front-dedication.xhtml", "nav.xhtml", "list-of-figures.xhtml",
                         "list-of-tables.xhtml", "front-preface.xhtml",
                         "front-introduction.xhtml"]
    with zipfile.ZipFile(epub) as z:
        nav = etree.fromstring(z.read("EPUB/nav.xhtml"))
        toc = [a.text for a in nav.iterfind(".//x:nav[@id='toc']/x:ol/x:li/x:a", NS)]
        assert toc[:5] == ORDER[lang][2:]  # the contents after themselves; no dedication
        landmarks = {a.get("{http://www.idpf.org/2007/ops}type")
                     for a in nav.iterfind(".//x:nav[@id='landmarks']//x:a", NS)}
        assert {"loi", "lot"} <= landmarks
        figure, table, _ = LABEL[lang]
        for name, word in (("list-of-figures.xhtml", figure), ("list-of-tables.xhtml", table)):
            doc = etree.fromstring(z.read(f"EPUB/{name}"))
            links = doc.findall(".//x:ol/x:li/x:a", NS)
            assert [a.findtext("x:span", namespaces=NS) for a in links] == \
                [f"{word}\u00a01.1", f"{word}\u00a02.1"]
            for a in links:  # every link lands on the figure or table it names
                target, frag = a.get("href").split("#")
                element = etree.fromstring(z.read(f"EPUB/{target}")).find(
                    f".//*[@id='{frag}']")
                assert element is not None, a.get("href")
                tag = "figcaption" if word == figure else "caption"
                caption = " ".join("".join(element.find(f".//x:{tag}", NS).itertext()).split())
                number = a.findtext("x:span", namespaces=NS).split("\u00a0")[-1]
                assert caption.startswith(f"{word} {number}."), caption


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
def test_book_has_its_lists_after_the_contents(built_book: Path, lang: str) -> None:
    book, _ = load_book(BOOK)
    pdf = built_book / f"{book.config.slug}-{lang}.pdf"
    titles = [t for t, _ in outline(pdf)]
    contents, figures, tables = ORDER[lang][1:4]
    front = [" ".join(c.version(lang).title.split()) for c in book.front]
    assert titles[: 3 + len(front)] == [contents, figures, tables, *front]
    text = pages(pdf)
    top = dict(outline(pdf))
    figure, table, _ = LABEL[lang]
    labels = PdfReader(pdf).page_labels
    content = transform_edition(book, lang)
    for title, word in ((figures, figure), (tables, table)):
        end = top[tables] if title == figures else top[front[0]]
        kind = "figure" if title == figures else "table"
        captions = [(c.number, c.title) for d in content.documents for c in d.captions
                    if c.kind == kind]
        entries = list_entries(text[top[title]:end], word, captions)
        assert [n for n, _ in entries] == [n for n, _ in captions]
        for number, folio in entries:
            assert f"{word} {number}." in " ".join(text[labels.index(folio)].split())
