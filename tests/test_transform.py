from pathlib import Path

from bookforge.render import render_epub, render_print
from bookforge.source.load import load_book
from bookforge.transform import transform_edition


def test_numbering_and_cross_references(minimal: Path) -> None:
    book, _ = load_book(minimal)
    content = transform_edition(book, "id")
    assert not [d for d in content.diagnostics if d.is_error]
    assert content.labels["fig-alpha-1"].number == "1.1"
    assert content.labels["tbl-alpha-1"].number == "1.1"
    html = render_print(content)
    assert "Lihat <a class=\"xref\" href=\"#fig-alpha-1\">Gambar\u00a01.1</a>" in html
    assert "Tabel\u00a01.1</a>" in html  # no-break space: never split at a line end
    assert '<caption><span class="caption-label">Tabel 1.1.</span> Dua bentuk modal sosial' in html
    # the English-only chapter refers to the figure of chapter 1, numbered in this edition
    # ... tagged as Indonesian inside the English text
    assert ("refers back to <a class=\"xref\" href=\"#fig-alpha-1\">"
            "<span lang=\"id\">Gambar\u00a01.1</span></a>") in html


def test_english_edition_labels(minimal: Path) -> None:
    book, _ = load_book(minimal)
    html = render_print(transform_edition(book, "en"))
    assert "Figure\u00a01.1" in html and "Gambar" not in html


def test_footnotes_print_and_epub(minimal: Path) -> None:
    book, _ = load_book(minimal)
    content = transform_edition(book, "id")
    html = render_print(content)
    assert '<span class="footnote" id="01-alpha-01-trust-fn-1">Catatan kaki pertama.</span>' in html
    pages = render_epub(transform_edition(book, "id"))
    chapter = next(p for p in pages if p.doc_id == "01-alpha-01-trust")
    assert 'epub:type="noteref" role="doc-noteref"' in chapter.xhtml
    aside = '<aside epub:type="footnote" role="doc-footnote" id="01-alpha-01-trust-fn-2"'
    assert aside in chapter.xhtml


def test_unknown_cross_reference_is_an_error_with_line(minimal: Path) -> None:
    path = minimal / "parts/01-alpha/01-trust.en.md"
    path.write_text(path.read_text().replace("See [](#fig-alpha-1)", "See [](#fig-nope)"))
    book, _ = load_book(minimal)
    diags = transform_edition(book, "en").diagnostics
    (d,) = [d for d in diags if d.code == "xref-unknown"]
    assert d.path == "parts/01-alpha/01-trust.en.md" and d.line == 17


def test_chapter_in_one_language_keeps_its_language(minimal: Path) -> None:
    book, _ = load_book(minimal)
    html = render_print(transform_edition(book, "id"))
    assert '<article class="chapter" id="02-beta-01-only-english" lang="en">' in html
    assert "Artikel ini ditulis dalam" in html


def test_raw_html_escaped_when_none(minimal: Path) -> None:
    # "none" is what the default was before the "safe" mode (issue 14)
    toml = minimal / "book.toml"
    toml.write_text(toml.read_text() + '\n[markdown]\nallow_html = "none"\n')
    path = minimal / "parts/01-alpha/01-trust.en.md"
    path.write_text(path.read_text() + '\n<script>alert(1)</script>\n\nA <b onclick="x()">b</b>\n')
    book, _ = load_book(minimal)
    html = render_print(transform_edition(book, "en"))
    assert "<script>" not in html and "&lt;script&gt;" in html


def test_raw_html_sanitised_when_allowed(minimal: Path) -> None:
    toml = minimal / "book.toml"
    toml.write_text(toml.read_text() + "\n[markdown]\nallow_html = true\n")
    path = minimal / "parts/01-alpha/01-trust.en.md"
    path.write_text(path.read_text() + '\n<div class="box" onmouseover="x()">ok</div>\n\n'
                    '<script>alert(1)</script>\n\n<iframe src="https://example.org"></iframe>\n\n'
                    'A <a href="javascript:alert(1)">link</a> and <b>bold</b>.\n')
    book, _ = load_book(minimal)
    html = render_print(transform_edition(book, "en"))
    assert '<div class="box">ok</div>' in html
    assert "<b>bold</b>" in html
    for bad in ("<script", "alert(1)", "<iframe", "onmouseover", "javascript:"):
        assert bad not in html


def test_terms_in_table_cells_link_but_are_not_glossed(minimal: Path) -> None:
    path = minimal / "parts/01-alpha/01-trust.id.md"
    text = path.read_text().replace(
        "Modal sosial tumbuh dari kepercayaan.",
        "| Konsep |\n|--------|\n| modal sosial |\n\nModal sosial tumbuh dari kepercayaan.")
    path.write_text(text)
    book, _ = load_book(minimal)
    html = render_print(transform_edition(book, "id"))
    cell = html.split("<td>", 1)[1].split("</td>", 1)[0]
    assert 'href="#term-modal-sosial"' in cell and "social capital" not in cell
    prose = html.split("</table>", 1)[1]
    assert "social capital" in prose.split("</p>", 1)[0]  # glossed at the first use in prose


def test_term_spelt_alike_in_both_languages_is_not_glossed(minimal: Path) -> None:
    with (minimal / "glossary.csv").open("a", encoding="utf-8") as fh:
        fh.write("dharma,dharma,Kewajiban moral.,Moral duty.,,\n")
    path = minimal / "parts/01-alpha/01-trust.id.md"
    path.write_text(path.read_text().replace(
        "Modal sosial tumbuh dari kepercayaan.",
        "Dharma mengikat. Modal sosial tumbuh dari kepercayaan."))
    book, _ = load_book(minimal)
    html = render_print(transform_edition(book, "id"))
    assert 'href="#term-dharma">Dharma</a> mengikat' in html  # linked, no gloss span
    assert 'href="#term-modal-sosial">Modal sosial</a><span class="gloss">' in html


def test_unused_footnote_is_a_warning_with_its_line(minimal: Path) -> None:
    # found by tests/test_fuzz.py: a footnote whose call was inside an HTML block vanished
    path = minimal / "parts/01-alpha/01-trust.en.md"
    before = path.read_text()
    path.write_text(before + "\n<div>\nA call [^lost] in HTML.\n</div>\n\n[^lost]: Never shown.\n")
    book, _ = load_book(minimal)
    diags = [d for d in transform_edition(book, "en").diagnostics if d.code == "footnote-unused"]
    assert [(d.path, d.line) for d in diags] == [
        ("parts/01-alpha/01-trust.en.md", before.count("\n") + 6)]


def test_heading_id_used_twice_is_an_error_and_stays_unique(minimal: Path) -> None:
    # found by tests/test_fuzz.py: the EPUB got two elements with one id
    path = minimal / "parts/02-beta/01-only-english.en.md"
    path.write_text(path.read_text() + "\n#### One {#same}\n\n#### Two {#same}\n")
    book, _ = load_book(minimal)
    content = transform_edition(book, "en")
    assert [d.code for d in content.diagnostics if "'same'" in d.message] == ["duplicate-id"]
    from bookforge.render import render_epub

    page = next(p for p in render_epub(content) if p.doc_id == "02-beta-01-only-english")
    assert page.xhtml.count('id="same"') == 1
