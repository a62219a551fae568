"""The EPUB read back like a library would: DAISY Ace, the OPF metadata, the page-list
against the PDF of the same edition, and pandoc as a reader. (EPUBCheck of both editions
and of the fixture is in test_outputs.py.)"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from bookforge.source.load import load_book

from .conftest import BOOK, ROOT, run_cli
from .test_outputs import epubcheck_messages

LANGS = ("id", "en")
ACE = ROOT / ".tools" / "ace" / "node_modules" / ".bin" / "ace-puppeteer"
NS = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/",
      "x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}
EPUB_TYPE = "{http://www.idpf.org/2007/ops}type"


def book_file(out: Path, lang: str, ext: str) -> Path:
    book, _ = load_book(BOOK)
    return out / f"{book.config.slug}-{lang}.{ext}"


def opf(epub: Path) -> etree._Element:
    with zipfile.ZipFile(epub) as z:
        return etree.fromstring(z.read("EPUB/content.opf"))


def xhtml(epub: Path, name: str) -> etree._Element:
    with zipfile.ZipFile(epub) as z:
        return etree.fromstring(z.read(f"EPUB/{name}"))


def metas(root: etree._Element, prop: str) -> list[str]:
    return [m.text or "" for m in root.iterfind(f".//opf:meta[@property='{prop}']", NS)]


def words(text: str) -> list[str]:
    # words hyphenated across lines (the hyphenation character, U+2010) are whole again;
    # a compound broken at its own hyphen ("Undang-|Undang") stays two words
    text = re.sub(r"[\u2010\u00ad]\n\s*", "", text)
    return re.findall(r"\w+", text.casefold())


# -- DAISY Ace ------------------------------------------------------------------------------

def ace_violations(epub: Path, out: Path) -> list[str]:
    assert ACE.exists(), "DAISY Ace is not installed: run `make ace` (make test does)"
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    env = {**os.environ, "PUPPETEER_EXECUTABLE_PATH": chromium}
    # Ace exits 1 only when it could not check (its browser failed to start or a page did not
    # load); what it finds is in report.json with exit 0. Such a failure was seen once in CI
    # with no cause printed, so a failed run is repeated once, verbosely, and the second
    # run's error lines are the assertion message when it fails too.
    for attempt in ("-s", "--verbose"):
        run = subprocess.run([str(ACE), "-f", attempt, "-o", str(out), str(epub)], env=env,
                             capture_output=True, text=True, timeout=600)
        if run.returncode == 0:
            break
    errors = [line for line in (run.stdout + run.stderr).splitlines() if "error" in line]
    assert run.returncode == 0, "\n".join(errors[-20:]) or run.stdout + run.stderr
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    found = [f"{doc['earl:testSubject']['url']}: {a['earl:test']['dct:title']} "
             f"({a['earl:test']['earl:impact']})"
             for doc in report["assertions"] for a in doc["assertions"]]
    if report["earl:result"]["earl:outcome"] != "pass":
        found.append("outcome: " + report["earl:result"]["earl:outcome"])
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_book_epub_passes_ace(built_book: Path, lang: str, tmp_path: Path) -> None:
    assert ace_violations(book_file(built_book, lang, "epub"), tmp_path / "ace") == []


def test_minimal_epub_passes_ace(built_minimal: Path, tmp_path: Path) -> None:
    assert ace_violations(built_minimal / "minimal-en.epub", tmp_path / "ace") == []


# -- package metadata -----------------------------------------------------------------------

def test_minimal_opf_metadata(built_minimal: Path) -> None:
    root = opf(built_minimal / "minimal-id.epub")
    md = root.find("opf:metadata", NS)
    titles = {t.get("id"): t.text for t in md.iterfind("dc:title", NS)}
    assert titles == {"title": "Buku Uji Minimal", "subtitle": "Perlengkapan uji bookforge"}
    refines = {(m.get("refines"), m.get("property")): m.text for m in md.iterfind("opf:meta", NS)}
    assert refines[("#title", "title-type")] == "main"
    assert refines[("#subtitle", "title-type")] == "subtitle"
    creators = md.findall("dc:creator", NS)
    assert [c.text for c in creators] == ["Ayu Rekaan", "Budi Contoh"]
    contributors = md.findall("dc:contributor", NS)
    assert {c.text for c in contributors} == {"Siti Rekaan", "Nguyễn Thị Hư Cấu",
                                              "Maria Kathang-isip"}
    ids = [e.get("id") for e in md if e.get("id")]
    assert len(ids) == len(set(ids))
    for c in creators:
        assert refines[("#" + c.get("id"), "role")] == "edt"
    for c in contributors:
        assert refines[("#" + c.get("id"), "role")] == "aut"
    assert root.get("{http://www.w3.org/XML/1998/namespace}lang") == "id"
    assert md.findtext("dc:language", namespaces=NS) == "id"
    assert md.findtext("dc:identifier", namespaces=NS).startswith("urn:uuid:")
    assert md.findtext("dc:publisher", namespaces=NS) == "Penerbit Contoh Rekaan"
    assert md.findtext("dc:date", namespaces=NS) == "2025-11-28"
    assert "CC BY 4.0" in md.findtext("dc:rights", namespaces=NS)
    assert {s.text for s in md.iterfind("dc:subject", NS)} == {"kepercayaan", "modal sosial"}
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", metas(root, "dcterms:modified")[0])
    # accessibility, derived from the content: the fixture has a figure and a glossary
    assert set(metas(root, "schema:accessMode")) == {"textual", "visual"}
    features = set(metas(root, "schema:accessibilityFeature"))
    assert {"tableOfContents", "structuralNavigation", "alternativeText", "pageBreakMarkers",
            "printPageNumbers", "displayTransformability"} <= features
    assert metas(root, "schema:accessibilityHazard") == ["none"]
    assert "WCAG" in metas(root, "schema:accessibilitySummary")[0]
    assert "Publikasi" in metas(root, "schema:accessibilitySummary")[0]  # localised
    assert metas(root, "dcterms:conformsTo") == ["EPUB Accessibility 1.1 - WCAG 2.2 Level AA"]
    spine = root.findall("opf:spine/opf:itemref", NS)
    assert all(i.get("linear") == "yes" for i in spine)
    assert spine[0].get("idref") == "cover"


def test_cover_image_and_page(built_minimal: Path) -> None:
    from PIL import Image

    epub = built_minimal / "minimal-en.epub"
    root = opf(epub)
    cover = root.find("opf:manifest/opf:item[@properties='cover-image']", NS)
    assert cover is not None and cover.get("media-type") == "image/png"
    with zipfile.ZipFile(epub) as z, z.open("EPUB/" + cover.get("href")) as fh:
        image = Image.open(fh)
        assert image.height >= 1600
        colour_en = image.getpixel((image.width // 2, image.height // 3))
    with zipfile.ZipFile(built_minimal / "minimal-id.epub") as z, \
            z.open("EPUB/" + cover.get("href")) as fh:
        assert Image.open(fh).getpixel((image.width // 2, image.height // 3)) != colour_en
    page = xhtml(epub, "cover.xhtml")
    img = page.find(".//x:img", NS)
    assert img.get(EPUB_TYPE) == "cover" and img.get("role") == "doc-cover"
    assert "A Minimal Test Book" in img.get("alt")
    nav = xhtml(epub, "nav.xhtml")
    landmarks = {a.get(EPUB_TYPE): a.get("href")
                 for a in nav.iterfind(".//x:nav[@id='landmarks']//x:a", NS)}
    assert landmarks["cover"] == "cover.xhtml"
    assert {"toc", "bodymatter", "glossary", "backmatter"} <= set(landmarks)


def test_series_orcid_isbn_and_cached_page_map(minimal: Path, tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    toml = minimal / "book.toml"
    toml.write_text(toml.read_text(encoding="utf-8") + (
        '\n[series]\ntitle = { id = "Seri Uji", en = "Test Series" }\nnumber = 2\n'
        '\n[isbn]\nen = { pdf = "978-0-306-40615-7", epub = "9783161484100" }\n'),
        encoding="utf-8")
    chapter = minimal / "parts" / "01-alpha" / "01-trust.en.md"
    chapter.write_text(chapter.read_text(encoding="utf-8").replace(
        '  - name: "Siti Rekaan"\n', '  - name: "Siti Rekaan"\n    orcid: "0000-0002-1825-0097"\n',
        1), encoding="utf-8")
    out = tmp_path / "out"
    args = ("build", str(minimal), "--out", str(out), "--edition", "en", "--format", "epub")
    first = run_cli(*args)
    assert first.returncode == 0, first.stderr
    assert "fresh print layout" in first.stderr
    second = run_cli(*args)
    assert "cached page map" in second.stderr
    epub = out / "minimal-en.epub"
    assert epubcheck_messages(epub) == []
    root = opf(epub)
    md = root.find("opf:metadata", NS)
    assert md.findtext("dc:identifier", namespaces=NS) == "urn:isbn:9783161484100"
    assert metas(root, "pageBreakSource") == ["urn:isbn:9780306406157"]
    series = md.find("opf:meta[@property='belongs-to-collection']", NS)
    assert series.text == "Test Series"
    refines = {(m.get("refines"), m.get("property")): m.text for m in md.iterfind("opf:meta", NS)}
    assert refines[("#" + series.get("id"), "group-position")] == "2"
    siti = next(c for c in md.iterfind("dc:contributor", NS) if c.text == "Siti Rekaan")
    assert refines[("#" + siti.get("id"), "dcterms:identifier")] \
        == "https://orcid.org/0000-0002-1825-0097"


def test_identifier_is_stable(built_minimal: Path, minimal: Path, tmp_path: Path) -> None:
    result = run_cli("build", str(minimal), "--out", str(tmp_path), "--edition", "id",
                     "--format", "epub", "-q")
    assert result.returncode == 0, result.stderr
    ident = "dc:identifier"
    again = opf(tmp_path / "minimal-id.epub").find(f"opf:metadata/{ident}", NS).text
    assert again == opf(built_minimal / "minimal-id.epub").find(f"opf:metadata/{ident}", NS).text
    other = opf(built_minimal / "minimal-en.epub").find(f"opf:metadata/{ident}", NS).text
    assert again != other


# -- page-list against the PDF --------------------------------------------------------------

def page_list(epub: Path) -> list[tuple[str, str]]:
    nav = xhtml(epub, "nav.xhtml")
    return [(a.get("href"), a.text) for a in
            nav.iterfind(".//x:nav[@id='page-list']//x:a", NS)]


def words_after_marker(epub: Path, href: str, n: int = 4) -> list[str]:
    name, frag = href.split("#")
    doc = xhtml(epub, name)
    marker = doc.find(f".//*[@id='{frag}']")
    assert marker is not None, href
    assert marker.get(EPUB_TYPE) == "pagebreak" and marker.get("role") == "doc-pagebreak"
    following = marker.xpath("following::text()[not(ancestor::x:aside)]"
                             "[not(ancestor::x:a[@epub:type='noteref'])]", namespaces=NS)
    return words(" ".join(following))[:n]


def pdf_page_words(pdf: Path, number: int) -> list[str]:
    text = subprocess.run(["pdftotext", "-f", str(number), "-l", str(number), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout
    return words(text)


def contains(haystack: list[str], needle: list[str]) -> bool:
    """`needle` on the page, compared without spaces (pdftotext splits letter-spaced words,
    "PA R T I"); its first word may have begun on the page before (hyphenated), and the
    number of a footnote call may stand between two words ("evaluation 2 what": the EPUB's
    text leaves noterefs out)."""
    if not needle:
        return True
    hay = "".join(haystack)
    for k in range(max(len(needle[0]) - 1, 1)):
        words = [needle[0][k:], *needle[1:]]
        if re.search(r"(?:\d{1,3})?".join(map(re.escape, words)), hay):
            return True
    return False


def check_page_list(epub: Path, pdf: Path) -> None:
    entries = page_list(epub)
    reader = PdfReader(pdf)
    assert [label for _, label in entries] == list(reader.page_labels)
    misplaced = []
    for number, (href, label) in enumerate(entries, 1):
        page = pdf_page_words(pdf, number)
        after = words_after_marker(epub, href, 3 if len(page) > 8 else 2)
        if not page or href.startswith("nav.xhtml"):  # blank page; contents (top of nav)
            continue
        if href.startswith("index.xhtml"):  # locators differ: pages in print, chapters here
            assert contains(page, after[:1]) or contains(page, ["index"]) \
                or contains(page, ["indeks"]), (label, after)
            continue
        if not contains(page, after):
            misplaced.append(f"page {label} -> {href}: {after} not on the PDF page")
    assert misplaced == []


@pytest.mark.parametrize("lang", LANGS)
def test_book_page_list_matches_pdf(built_book: Path, lang: str) -> None:
    check_page_list(book_file(built_book, lang, "epub"), book_file(built_book, lang, "pdf"))


@pytest.mark.parametrize("lang", LANGS)
def test_minimal_page_list_matches_pdf(built_minimal: Path, lang: str) -> None:
    check_page_list(built_minimal / f"minimal-{lang}.epub", built_minimal / f"minimal-{lang}.pdf")


# -- a real reader reads it back ------------------------------------------------------------

def markdown_words(body: str) -> list[str]:
    body = re.sub(r"<!--.*?-->", " ", body, flags=re.S)
    body = re.sub(r"\]\([^)]*\)", "] ", body)  # link and image destinations
    body = re.sub(r"\{[#.][^}]*\}|\{\.\w+[^}]*\}", " ", body)  # attributes
    body = re.sub(r"\[\^[^\]]+\]:?", " ", body)  # footnote references and labels
    body = re.sub(r"^Table:", " ", body, flags=re.M)
    return words(body)


@pytest.mark.parametrize("lang", LANGS)
def test_pandoc_reads_every_chapter(built_book: Path, lang: str) -> None:
    book, _ = load_book(BOOK)
    plain = subprocess.run(["pandoc", "-f", "epub", "-t", "plain", "--wrap=none",
                            str(book_file(built_book, lang, "epub"))],
                           capture_output=True, text=True, check=True, timeout=300).stdout
    text = " ".join(words(plain))
    got = Counter(words(plain))
    for chapter in book.chapters():
        assert " ".join(words(chapter.version(lang).title)) in text
    wanted = Counter(w for c in (*book.front, *book.chapters())
                     for w in markdown_words(c.version(lang).body))
    found = sum(min(n, got[w]) for w, n in wanted.items())
    assert found / sum(wanted.values()) >= 0.98, found / sum(wanted.values())


# -- semantics ------------------------------------------------------------------------------

ROLES = {"noteref": "doc-noteref", "footnote": "doc-footnote", "chapter": "doc-chapter",
         "part": "doc-part", "abstract": "doc-abstract", "bibliography": "doc-bibliography",
         "pagebreak": "doc-pagebreak", "cover": "doc-cover", "toc": "doc-toc",
         "page-list": "doc-pagelist", "endnotes": "doc-endnotes"}


def content_documents(epub: Path) -> dict[str, etree._Element]:
    with zipfile.ZipFile(epub) as z:
        return {n.removeprefix("EPUB/"): etree.fromstring(z.read(n)) for n in z.namelist()
                if n.endswith(".xhtml")}


@pytest.mark.parametrize("lang", LANGS)
def test_book_epub_semantics(built_book: Path, lang: str) -> None:
    docs = content_documents(book_file(built_book, lang, "epub"))
    problems: list[str] = []
    notes = 0
    for name, root in docs.items():
        for el in root.iter("{*}*"):
            for kind in (el.get(EPUB_TYPE) or "").split():
                in_landmarks = el.xpath("ancestor::x:nav[@id='landmarks']", namespaces=NS)
                if kind in ROLES and not in_landmarks and el.get("role") != ROLES[kind]:
                    problems.append(f"{name}: epub:type {kind} without role {ROLES[kind]}")
        for img in root.iterfind(".//x:img", NS):
            if not (img.get("alt") or "").strip():
                problems.append(f"{name}: image without alt text")
        for fig in root.iterfind(".//x:figure", NS):
            if fig.find("x:figcaption", NS) is None:
                problems.append(f"{name}: figure without figcaption")
        for table in root.iterfind(".//x:table", NS):
            if table.find("x:caption", NS) is None or table.find(".//x:th", NS) is None:
                problems.append(f"{name}: table without caption or header cells")
        levels = [int(h.tag[-1]) for h in root.iter() if isinstance(h.tag, str)
                  and re.fullmatch(r"\{.*\}h[1-6]", h.tag)]
        skips = any(b > a + 1 for a, b in zip(levels, levels[1:], strict=False))
        if levels and (levels[0] != 1 or skips):
            problems.append(f"{name}: heading levels {levels} skip a level")
        for ref in root.xpath(".//x:a[@epub:type='noteref']", namespaces=NS):
            notes += 1
            target = root.find(f".//*[@id='{ref.get('href').lstrip('#')}']")
            if target is None or target.get(EPUB_TYPE) != "footnote":
                problems.append(f"{name}: noteref {ref.get('href')} has no footnote")
                continue
            back = target.find(".//x:a[@role='doc-backlink']", NS)
            if back is None or root.find(f".//*[@id='{back.get('href').lstrip('#')}']") is None:
                problems.append(f"{name}: footnote {target.get('id')} has no working back-link")
        for dl in root.xpath(".//x:section[@epub:type='glossary']//x:dl", namespaces=NS):
            if any(dt.find(".//x:dfn", NS) is None for dt in dl.iterfind("x:dt", NS)):
                problems.append(f"{name}: glossary term without dfn")
    assert notes > 0
    assert problems == []


def test_contributors_document_and_landmark(built_minimal: Path) -> None:
    epub = built_minimal / "minimal-id.epub"
    nav = xhtml(epub, "nav.xhtml")
    landmarks = {a.get(EPUB_TYPE): a.get("href")
                 for a in nav.iterfind(".//x:nav[@id='landmarks']//x:a", NS)}
    assert landmarks["contributors"] == "contributors.xhtml"
    page = xhtml(epub, "contributors.xhtml")
    assert page.find(".//x:h1", NS).text == "Daftar Kontributor"
    names = [s.text for s in page.iterfind(".//x:span[@class='author-name']", NS)]
    # by surname: Cấu (no surname given), Kathang-isip, Rekaan
    assert names == ["Nguyễn Thị Hư Cấu", "Maria Kathang-isip", "Siti Rekaan"]
    links = [a.get("href") for a in page.iterfind(".//x:ul[@class='contributor-chapters']//x:a",
                                                  NS)]
    assert links and all(re.fullmatch(r"[\w-]+\.xhtml", h) and h != "contributors.xhtml"
                         for h in links)
