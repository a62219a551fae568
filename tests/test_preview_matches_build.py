"""The preview is the build: what a preview page shows for a chapter (labels from the
book's own catalogs, cross-references and their diagnostics) is what the build renders."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from pathlib import Path

from markupsafe import escape

from bookforge.preview.engine import PreviewEngine
from bookforge.preview.page import PageRequest, render_page
from bookforge.render import render_epub
from bookforge.source.load import load_book
from bookforge.transform import transform_edition

CHAPTER = "01-alpha-02-only-english"


def _preview(book_dir: Path, lang: str, doc_id: str) -> tuple[PreviewEngine, str]:
    engine = PreviewEngine(book_dir)
    engine.refresh()
    status, html = render_page(engine.snapshot, PageRequest(lang, doc_id), None, "")
    assert status == 200
    return engine, html


def _built_page(book_dir: Path, lang: str, doc_id: str) -> str:
    book, _ = load_book(book_dir)
    pages = render_epub(transform_edition(book, lang))
    return next(p.xhtml for p in pages if p.doc_id == doc_id)


def _headings(html: str) -> list[str]:
    """The abstract labels and the "written in" note: every catalog label of the page."""
    return re.findall(r'<p class="(?:abstract-title|original-language)"[^>]*>([^<]*)</p>', html)


def test_book_catalog_labels_in_preview_equal_the_build(
        fixture_book: Callable[[str], Path]) -> None:
    book_dir = fixture_book("trilingual")
    built = _headings(_built_page(book_dir, "ms", CHAPTER))
    assert built and "Abstrak" in built  # the book's own ms catalog, not English
    _, page = _preview(book_dir, "ms", CHAPTER)
    assert _headings(page) == built


CITING = "02-beta-01-only-english"
FIGURE_FILE = "parts/01-alpha/01-trust.en.md"


def _chapter_html(html: str) -> list[str]:
    """The chapter's paragraphs as a page shows them, links' targets left out (the preview
    links to its own pages, the EPUB to its files)."""
    start = html.index('<section class="chapter"')
    return re.findall(r"<p>.*?</p>", re.sub(r' href="[^"]*"', "", html[start:]), re.S)


def test_deleting_a_cited_figure_id_unresolves_the_citing_chapter(minimal: Path) -> None:
    engine, before = _preview(minimal, "en", CITING)
    assert 'class="xref"' in before and "??fig-alpha-1" not in before
    figure = minimal / FIGURE_FILE
    figure.write_text(figure.read_text().replace("{#fig-alpha-1}", ""))
    snap = engine.refresh({figure})
    assert "en:" + CITING not in snap.rebuilt  # the citing chapter itself did not change
    _, page = render_page(snap, PageRequest("en", CITING), None, "")
    built = _built_page(minimal, "en", CITING)
    assert '<a class="xref missing">??fig-alpha-1</a>' in built
    assert _chapter_html(page) == _chapter_html(built)
    assert '<a class="xref missing">??fig-alpha-1</a>' in _chapter_html(page)[1]
    unknown = [d for d in snap.errors if d.code == "xref-unknown"
               and d.path == "parts/02-beta/01-only-english.en.md"]
    assert len(unknown) == 1
    assert str(escape(unknown[0].format())) in page  # the build reports it too
    book, _ = load_book(minimal)
    assert set(snap.editions["en"].diagnostics) == \
        set(transform_edition(book, "en").diagnostics)
    figure.write_text(figure.read_text().replace('"Two boxes")', '"Two boxes"){#fig-alpha-1}'))
    snap = engine.refresh({figure})
    _, page = render_page(snap, PageRequest("en", CITING), None, "")
    assert "??fig-alpha-1" not in page and not snap.errors  # and back again


def test_first_per_volume_glosses_move_when_an_earlier_document_changes(minimal: Path
                                                                        ) -> None:
    toml = minimal / "book.toml"
    toml.write_text(toml.read_text() + '\n[glossary]\ngloss = "first-per-volume"\n')
    engine = PreviewEngine(minimal)
    engine.refresh()

    def glossed(doc_id: str) -> list[str]:
        doc = next(d for d in engine.snapshot.editions["en"].documents if d.doc_id == doc_id)
        return [u.key for u in doc.term_uses if u.glossed]

    assert "kepercayaan" in glossed("01-alpha-01-trust")
    preface = minimal / "front/preface.en.md"
    preface.write_text(preface.read_text() + "\nTrust comes first here.\n")
    snap = engine.refresh({preface})
    assert "kepercayaan" in glossed("front-preface")
    assert "kepercayaan" not in glossed("01-alpha-01-trust")  # its source did not change
    book, _ = load_book(minimal)
    built = {p.doc_id: p.xhtml for p in render_epub(transform_edition(book, "en"))}
    preview = {p.doc_id: p.xhtml for p in render_epub(snap.editions["en"])}
    assert preview == built


def test_running_server_shows_the_unresolved_reference(minimal: Path) -> None:
    """The same through `bookforge preview`: its watcher sees the save, and the citing
    chapter's page (and the ms labels) come from the rebuilt state."""
    from .preview_support import preview_server
    from .test_preview_http import get

    path = f"/?edition=en&doc={CITING}"
    with preview_server(minimal, "--chapter", "only-english") as server:
        status, body, _ = get(server.url, path)
        assert status == 200 and b"??fig-alpha-1" not in body
        figure = minimal / FIGURE_FILE
        figure.write_text(figure.read_text().replace("{#fig-alpha-1}", ""))
        deadline = time.monotonic() + 30
        while b"??fig-alpha-1" not in body and time.monotonic() < deadline:
            time.sleep(0.2)
            status, body, _ = get(server.url, path)
        page = body.decode()
    built = _built_page(minimal, "en", CITING)
    assert _chapter_html(page) == _chapter_html(built)
    assert "error[xref-unknown]: cross-reference to unknown id &#39;fig-alpha-1&#39;" in page
