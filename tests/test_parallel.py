"""The parallel edition (id+en): alignment, the two-column PDF read back with poppler and
pikepdf, the EPUB read back with EPUBCheck, DAISY Ace and pandoc. The fixture book
tests/fixtures/parallel has a chapter translated block for block, one whose translation
has an extra paragraph and lacks a section, and one written in Indonesian only."""

from __future__ import annotations

import re
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import feedparser
import onixcheck
import pikepdf
import pymarc
import pytest
from lxml import etree
from playwright.sync_api import expect
from pypdf import PdfReader

from bookforge.errors import ConfigError
from bookforge.source.config import load_config
from bookforge.source.load import load_book
from bookforge.transform import transform_edition
from bookforge.transform.align import align, blocks

from .conftest import BOOK, FIXTURES, run_cli
from .preview_support import preview_server
from .test_epub import (
    ace_violations,
    markdown_words,
    page_list,
    pdf_page_words,
    words,
    words_after_marker,
)
from .test_outputs import epubcheck_messages
from .test_preview_browser import browser  # noqa: F401  (the module's browser fixture)

FIXTURE = FIXTURES / "parallel"
OPF = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


@pytest.fixture(scope="session")
def built_parallel(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """The fixture built with --edition all: id, en and the id+en book.toml lists."""
    out = tmp_path_factory.mktemp("build-parallel")
    result = run_cli("build", str(FIXTURE), "--out", str(out))
    assert result.returncode == 0, result.stderr
    return out, result.stderr


@pytest.fixture(scope="session")
def built_parallel_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build-parallel-book")
    result = run_cli("build", str(BOOK), "--edition", "id+en", "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    return out


MM = 72 / 25.4  # points per millimetre


def column_texts(pdf: Path, trim_mm: float = 155) -> list[tuple[str, str]]:
    """Each page's (left column, right column) words, casefolded and joined without
    spaces. The columns split at the middle of the text block, whose margins alternate
    (styles/print.css: 22 mm inside, 16 mm outside; the first page is a recto)."""
    count = len(PdfReader(pdf).pages)
    halves: dict[tuple[int, int], list[str]] = {}
    for parity, inner in ((1, 22), (0, 16)):  # rectos (odd page numbers), versos
        middle = (inner + (trim_mm - 38) / 2) * MM
        for side, (x, width) in enumerate(((0, middle), (middle, trim_mm * MM - middle))):
            text = subprocess.run(
                ["pdftotext", "-x", str(int(x)), "-y", "0", "-W", str(int(width)),
                 "-H", "2000", str(pdf), "-"],
                capture_output=True, text=True, check=True).stdout
            halves[(parity, side)] = text.split("\f")
    return [tuple("".join(words(halves[(n % 2, side)][n - 1])) for side in (0, 1))
            for n in range(1, count + 1)]  # type: ignore[misc]


# inline tokens whose printed text is not in the source (cross-references, note calls)
OPAQUE = {"footnote_ref", "image"}


def first_words(tokens: list, block, n: int = 7) -> str | None:  # type: ignore[no-untyped-def]
    """The block's first `n` words as printed, joined; None when something generated (a
    cross-reference, a note call) comes first."""
    inline = next(t for t in tokens[block.start:block.end] if t.type == "inline")
    text = []
    for child in inline.children or []:
        if child.type in OPAQUE or (child.type == "link_open" and "xref" in child.meta):
            break
        if child.type in ("text", "code_inline"):
            text.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            text.append(" ")
    found = words("".join(text))
    return "".join(found[:n]) if len(found) >= n else None


def pair_pages(book_dir: Path, pdf: Path) -> list[tuple[str, str, int | None, int | None]]:
    """(chapter, part, page of the id block, page of the en block) for every aligned pair
    of paragraphs whose first words are plain text: the id block searched in the left
    column, the en block in the right one, forward in reading order."""
    book, _ = load_book(book_dir)
    left, right = transform_edition(book, "id"), transform_edition(book, "en")
    pages = column_texts(pdf)
    found = []
    at = 0
    for a, b in zip(left.chapters(), right.chapters(), strict=True):
        if a.lang == b.lang:
            continue
        for row in align(a.tokens, b.tokens):
            if row.by != "block" or row.left[0].kind != "paragraph":
                continue
            snippets = first_words(a.tokens, row.left[0]), first_words(b.tokens, row.right[0])
            if None in snippets:
                continue
            where = [next((i for i in range(at, len(pages)) if snippet in pages[i][side]),
                          None) for side, snippet in enumerate(snippets)]
            if where[0] is not None:
                at = where[0]
            found.append((a.doc_id, a.part.slug if a.part else "", where[0], where[1]))
    return found


def page_texts(pdf: Path) -> list[str]:
    """Each page's words, casefolded and joined without spaces (hyphenation undone)."""
    count = len(PdfReader(pdf).pages)
    out = []
    for n in range(1, count + 1):
        text = subprocess.run(["pdftotext", "-f", str(n), "-l", str(n), str(pdf), "-"],
                              capture_output=True, text=True, check=True).stdout
        out.append("".join(words(text)))
    return out


def structure_roots(doc: pikepdf.Pdf) -> list[str]:
    """The types of the structure tree's top elements: one Document for one tree."""
    kids = doc.Root.StructTreeRoot.K
    return [str(k.S) for k in (kids if isinstance(kids, pikepdf.Array) else [kids])]


# -- alignment --------------------------------------------------------------------------

def _docs(doc_id: str) -> tuple:
    book, _ = load_book(FIXTURE)
    docs = [next(d for d in transform_edition(book, lang).documents if d.doc_id == doc_id)
            for lang in ("id", "en")]
    return docs[0], docs[1]


def _row_text(doc, row_blocks) -> str:  # type: ignore[no-untyped-def]
    return " ".join(b.text for b in row_blocks)


def test_parallel_chapter_aligns_block_for_block() -> None:
    a, b = _docs("01-harbour-01-tide")
    rows = align(a.tokens, b.tokens)
    assert {r.by for r in rows} == {"block"}
    assert len(rows) == len(blocks(a.tokens)) == len(blocks(b.tokens))
    kinds = [(r.left[0].kind, r.right[0].kind) for r in rows]
    assert all(x == y for x, y in kinds)
    assert {"figure", "table", "bullet_list", "blockquote", "heading"} <= {k for k, _ in kinds}


def test_divergent_translation_aligns_by_section() -> None:
    a, b = _docs("02-market-01-ledger")
    rows = align(a.tokens, b.tokens)
    texts = [(r.by, _row_text(a, r.left), _row_text(b, r.right)) for r in rows]
    # the section with the extra paragraph: its heading pairs, the rest is one row
    assert ("block", "Harga Pagi", "Morning Prices") in texts
    section = next(t for t in texts if t[0] == "section")
    assert "lelang singkat" in section[1] and "chalkboard price means" in section[2]
    # the section the translation lacks has no counterpart; the next one pairs again
    unpaired = next(t for t in texts if t[0] == "unpaired")
    assert unpaired[1].startswith("Utang Pedagang") and unpaired[2] == ""
    assert ("block", "Pelajaran", "Lessons") in texts
    assert texts[-1][1].startswith("Buku besar") and texts[-1][2].startswith("A ledger")


def test_parallel_key_is_validated(tmp_path: Path) -> None:
    book = tmp_path / "book"
    book.mkdir()
    text = (FIXTURE / "book.toml").read_text(encoding="utf-8")
    (book / "book.toml").write_text(text.replace('parallel = ["id+en"]',
                                                 'parallel = ["id+fr", "en+en"]'),
                                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(book)
    found = [d.format() for d in err.value.diagnostics]
    assert len(found) == 2 and all("error[config-parallel]" in f for f in found)
    assert found[0].startswith("book.toml:5:") and "'id+fr'" in found[0]
    assert load_config(FIXTURE).parallel == (("id", "en"),)


def test_unknown_edition_is_refused(tmp_path: Path) -> None:
    result = run_cli("build", str(FIXTURE), "--edition", "id+fr", "--out", str(tmp_path))
    assert result.returncode == 1
    assert "error[edition-unknown]" in result.stderr
    assert not list(tmp_path.iterdir())


# -- the fixture book's parallel edition --------------------------------------------------

def test_all_builds_the_parallel_edition_with_the_warning(built_parallel: tuple[Path, str]
                                                         ) -> None:
    out, stderr = built_parallel
    assert sorted(p.name for p in out.iterdir() if p.suffix in (".pdf", ".epub")) == sorted(
        f"pelabuhan-{e}.{f}" for e in ("en", "id", "id+en") for f in ("epub", "pdf"))
    warning = next(line for line in stderr.splitlines() if "translation-structure" in line)
    assert warning.startswith("parts/02-market/01-ledger.en.md:")
    assert "first divergence" in warning and "Pelajaran" in warning


def test_fixture_pairs_start_on_one_page(built_parallel: tuple[Path, str]) -> None:
    out, _ = built_parallel
    found = pair_pages(FIXTURE, out / "pelabuhan-id+en.pdf")
    assert len(found) >= 5
    assert [f for f in found if f[2] is None or f[2] != f[3]] == []


def test_glosses_are_off_in_the_parallel_edition(built_parallel: tuple[Path, str],
                                                  fixture_book, tmp_path: Path  # type: ignore[no-untyped-def]
                                                  ) -> None:
    out, _ = built_parallel

    def text(pdf: Path) -> str:
        return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout

    assert "(cooperative)" in text(out / "pelabuhan-id.pdf")  # the single edition glosses
    assert "(cooperative)" not in text(out / "pelabuhan-id+en.pdf")
    book = fixture_book("parallel")  # book.toml turns them on
    toml = book / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8")
                    + '\n[glossary]\nparallel_gloss = "first-per-chapter"\n', encoding="utf-8")
    result = run_cli("build", str(book), "--edition", "id+en", "--format", "pdf",
                     "--out", str(tmp_path), "-q")
    assert result.returncode == 0, result.stderr
    assert "(cooperative)" in text(tmp_path / "pelabuhan-id+en.pdf")


def test_fixture_pdf_is_tagged_and_reads_id_then_en(built_parallel: tuple[Path, str]) -> None:
    out, _ = built_parallel
    pdf = out / "pelabuhan-id+en.pdf"
    with pikepdf.open(pdf) as doc:
        assert doc.Root.MarkInfo.Marked is True
        assert structure_roots(doc) == ["/Document"]
        assert str(doc.Root.Lang) == "id"
    struct = subprocess.run(["pdfinfo", "-struct-text", str(pdf)], capture_output=True,
                            text=True, check=True).stdout
    text = " ".join(struct.replace('"', " ").split())
    for id_text, en_text in [("Pada tahun pertama", "In its first year"),
                             ("Para anggota sepakat", "The members agreed"),
                             ("Setiap harga ditulis", "Every price is written"),
                             ("Buku besar yang dibaca", "A ledger read together")]:
        i, e = text.index(id_text), text.index(en_text)
        assert i < e, (id_text, en_text)
        # nothing of the next pair comes between the two sides of this one
        assert e - i < 900


def test_fixture_pdf_has_both_languages_and_one_glossary(built_parallel: tuple[Path, str]
                                                        ) -> None:
    out, _ = built_parallel
    pdf = out / "pelabuhan-id+en.pdf"
    text = " ".join(page_texts(pdf))
    plain = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                           check=True).stdout
    assert plain.count("Glosarium") == 2  # contents and the glossary's own title
    assert "Koperasi Nelayan di Teluk Rekaan" in plain
    assert "Fishing Cooperatives on an Imagined Bay" in plain
    # the chapter written only in Indonesian is printed once
    assert text.count("".join(words("hanya ditulis dalam bahasa Indonesia"))) == 1
    labels = PdfReader(pdf).page_labels
    assert labels[0] == "i" and "1" in labels


def test_fixture_epub_is_valid_and_bilingual(built_parallel: tuple[Path, str],
                                             tmp_path: Path) -> None:
    out, _ = built_parallel
    epub = out / "pelabuhan-id+en.epub"
    assert epubcheck_messages(epub) == []
    assert ace_violations(epub, tmp_path / "ace") == []
    with zipfile.ZipFile(epub) as z:
        opf = etree.fromstring(z.read("EPUB/content.opf"))
        chapter = etree.fromstring(z.read("EPUB/02-market-01-ledger.xhtml"))
        nav = z.read("EPUB/nav.xhtml").decode("utf-8")
    assert opf.xpath("//dc:language/text()", namespaces=OPF) == ["id", "en"]
    with zipfile.ZipFile(out / "pelabuhan-id.epub") as z:
        single = etree.fromstring(z.read("EPUB/content.opf"))
    ident = opf.xpath("//dc:identifier/text()", namespaces=OPF)
    assert ident and ident != single.xpath("//dc:identifier/text()", namespaces=OPF)
    sides = chapter.xpath("//*[@class='pair by-block']/*/@lang")
    assert sides[:4] == ["id", "en", "id", "en"]
    assert "Buku Besar di Pasar Ikan / The Ledger at the Fish Market" in nav
    assert 'epub:type="page-list"' in nav


def misplaced_page_markers(epub: Path, pdf: Path) -> list[str]:
    """Page-list entries whose next words are not on that PDF page. Words, not a phrase:
    poppler reads the two column heads of a chapter opener line by line across the page."""
    entries = page_list(epub)
    assert [label for _, label in entries] == list(PdfReader(pdf).page_labels)
    out = []
    for number, (href, label) in enumerate(entries, 1):
        page = pdf_page_words(pdf, number)
        if not page or href.startswith(("nav.xhtml", "index.xhtml")):
            continue  # a blank page; the contents; the index (chapters here, pages there)
        after = words_after_marker(epub, href, 3)
        # the first word may have begun on the page before (hyphenated): its end is here
        first = not after or any(after[0][k:] in "".join(page)
                                 for k in range(max(len(after[0]) - 1, 1)))
        # each word somewhere on the page: poppler joins a compound broken at its own
        # hyphen at a line's end ("Undang-|Undang" reads "UndangUndang")
        joined = "".join(page)
        if not (first and all(w in joined for w in after[1:])):
            out.append(f"page {label} -> {href}: {after}")
    return out


def test_fixture_page_list_follows_the_parallel_pdf(built_parallel: tuple[Path, str]) -> None:
    out, _ = built_parallel
    assert misplaced_page_markers(out / "pelabuhan-id+en.epub",
                                  out / "pelabuhan-id+en.pdf") == []


# -- the sample book's parallel edition (slow) -----------------------------------------------

@pytest.mark.slow
def test_book_pairs_start_on_one_page(built_parallel_book: Path) -> None:
    pdf = built_parallel_book / "integritas-asean-id+en.pdf"
    found = pair_pages(BOOK, pdf)
    labels = PdfReader(pdf).page_labels
    located = [f for f in found if f[2] is not None and f[3] is not None]
    per_part = Counter(f[1] for f in located)
    assert len(per_part) == 6 and min(per_part.values()) >= 5, per_part
    assert len(located) >= 0.98 * len(found), (len(located), len(found))
    apart = [(doc, labels[i], labels[e]) for doc, _, i, e in located if i != e]
    assert apart == []


@pytest.mark.slow
def test_book_pdf_has_both_languages_words(built_parallel_book: Path) -> None:
    plain = subprocess.run(["pdftotext", str(built_parallel_book / "integritas-asean-id+en.pdf"),
                            "-"], capture_output=True, text=True, check=True).stdout
    got = Counter(words(plain))
    book, _ = load_book(BOOK)
    for lang in ("id", "en"):
        wanted = Counter(w for c in (*book.front, *book.chapters())
                         for w in markdown_words(c.version(lang).body))
        found = sum(min(n, got[w]) for w, n in wanted.items())
        assert found / sum(wanted.values()) >= 0.98, (lang, found / sum(wanted.values()))


@pytest.mark.slow
def test_book_epub_valid_and_read_back_by_pandoc(built_parallel_book: Path,
                                                 tmp_path: Path) -> None:
    epub = built_parallel_book / "integritas-asean-id+en.epub"
    assert epubcheck_messages(epub) == []
    assert ace_violations(epub, tmp_path / "ace") == []
    plain = subprocess.run(["pandoc", "-f", "epub", "-t", "plain", "--wrap=none", str(epub)],
                           capture_output=True, text=True, check=True, timeout=300).stdout
    got = Counter(words(plain))
    book, _ = load_book(BOOK)
    for lang in ("id", "en"):
        wanted = Counter(w for c in (*book.front, *book.chapters())
                         for w in markdown_words(c.version(lang).body))
        found = sum(min(n, got[w]) for w, n in wanted.items())
        assert found / sum(wanted.values()) >= 0.98, (lang, found / sum(wanted.values()))


@pytest.mark.slow
def test_book_page_list_follows_the_parallel_pdf(built_parallel_book: Path) -> None:
    out = built_parallel_book
    assert misplaced_page_markers(out / "integritas-asean-id+en.epub",
                                  out / "integritas-asean-id+en.pdf") == []


@pytest.mark.slow
def test_book_pdf_one_structure_tree(built_parallel_book: Path) -> None:
    with pikepdf.open(built_parallel_book / "integritas-asean-id+en.pdf") as doc:
        assert doc.Root.MarkInfo.Marked is True
        assert structure_roots(doc) == ["/Document"]


# -- the preview's side-by-side view uses the same alignment ------------------------------

def test_preview_side_by_side_is_aligned(browser, fixture_book) -> None:  # type: ignore[no-untyped-def]  # noqa: F811
    book = fixture_book("parallel")
    with preview_server(book, "--chapter", "02-market-01-ledger") as server:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(server.url)
        page.get_by_role("link", name=re.compile("Berdampingan|Side by side")).click()
        expect(page.locator("h1.chapter-title")).to_have_text(
            ["Buku Besar di Pasar Ikan", "The Ledger at the Fish Market"])
        page.wait_for_load_state("load")  # the columns come from preview.css: measure
        # once it has loaded (on a loaded machine the text came first, the sides stacked)
        rows = page.locator(".preview-pair.by-block")
        assert rows.count() >= 4
        for n in range(rows.count()):
            left, right = (rows.nth(n).locator(".preview-side").nth(k).bounding_box()
                           for k in (0, 1))
            assert left and right and abs(left["y"] - right["y"]) < 1  # the pair starts level
            assert right["x"] > left["x"] + left["width"] - 1
        unpaired = page.locator(".preview-pair.by-unpaired")
        expect(unpaired.locator(".preview-side").nth(0)).to_contain_text("Utang Pedagang")
        expect(unpaired.locator(".preview-side").nth(1)).to_have_text("")
        assert page.locator(".preview-pair.by-section").count() == 1
        page.close()


# -- publish: the site, the feeds and the records offer the parallel edition ---------------

def test_publish_offers_the_parallel_edition(tmp_path: Path) -> None:
    site = tmp_path / "site"
    result = run_cli("publish", str(FIXTURE), "--build-dir", str(tmp_path / "build"),
                     "--out", str(site), "--base-url", "https://example.org/bay/", "-q")
    assert result.returncode == 0, result.stderr
    landing = (site / "id" / "index.html").read_text(encoding="utf-8")
    assert 'href="https://example.org/bay/files/pelabuhan-id+en.pdf"' in landing
    assert 'href="https://example.org/bay/files/pelabuhan-id+en.epub"' in landing
    assert "Indonesia – Inggris" in landing and 'id="edition-id-en"' in landing
    assert len(re.findall(r'id="edition-id"', landing)) == 1
    atom = {"a": "http://www.w3.org/2005/Atom", "dc": "http://purl.org/dc/terms/"}
    feed = etree.parse(str(site / "opds.xml"))
    entries = feed.findall("a:entry", atom)
    assert [[x.text for x in e.findall("dc:language", atom)] for e in entries] == [
        ["id"], ["en"], ["id", "en"]]
    ids = [e.findtext("a:id", namespaces=atom) for e in entries]
    assert len(set(ids)) == 3
    links = entries[2].xpath("a:link[@rel='http://opds-spec.org/acquisition/open-access']/@href",
                             namespaces=atom)
    assert sorted(links) == ["https://example.org/bay/files/pelabuhan-id+en.epub",
                             "https://example.org/bay/files/pelabuhan-id+en.pdf"]
    dc = etree.parse(str(site / "records" / "pelabuhan-id+en.oai_dc.xml"))
    assert dc.xpath("//dc:language/text()", namespaces=OPF) == ["ind", "eng"]
    assert onixcheck.validate(str(site / "records" / "pelabuhan-id+en.onix.xml")) == []
    marc = pymarc.parse_xml_to_array(str(site / "records" / "pelabuhan-id+en.marc.xml"))[0]
    assert marc["041"].get_subfields("a") == ["ind", "eng"]
    assert marc["001"].data == "pelabuhan-id+en"
    assert feedparser.parse(str(site / "opds.xml")).bozo == 0
    with zipfile.ZipFile(site / "files" / "pelabuhan-id+en.epub") as z:
        opf = etree.fromstring(z.read("EPUB/content.opf"))
    assert ids[2] == opf.xpath("//dc:identifier/text()", namespaces=OPF)[0]
