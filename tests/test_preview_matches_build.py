"""The preview is the build: what a preview page shows for a chapter (labels from the
book's own catalogs, cross-references and their diagnostics) is what the build renders."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

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
