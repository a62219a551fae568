"""Render and transform as plain functions: what render reads from `EditionMeta`, the pages
an edition renders to, and transform passes that leave earlier results untouched."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from bookforge.i18n import localizer
from bookforge.render import abstract_views, common_values, render_epub
from bookforge.source.load import load_book
from bookforge.transform import TransformCache, transform_edition

from .conftest import FIXTURES


def test_common_values_come_from_the_edition_meta() -> None:
    book, _ = load_book(FIXTURES / "minimal")
    content = transform_edition(book, "en")
    values = common_values(content, localizer(book, "en"))
    assert values["meta"] is content.meta  # derived once per edition
    assert (values["title"], values["subtitle"]) == ("A Minimal Test Book",
                                                     "A bookforge test fixture")
    assert values["keywords"] == "language, social capital, trust"  # en chapters, sorted
    assert values["editor_names"] == "Ayu Rekaan and Budi Contoh"
    assert content.meta.identifiers["epub"].startswith("urn:uuid:")
    assert [a.name for a in content.meta.contributors] == [
        "Siti Rekaan", "Nguyễn Thị Hư Cấu", "Maria Kathang-isip"]
    id_values = common_values(transform_edition(book, "id"), localizer(book, "id"))
    assert id_values["keywords"] == "kepercayaan, modal sosial"  # only chapters written in id
    assert id_values["date_long"] == "Jumat, 28 November 2025"


def test_an_edition_renders_its_pages_in_reading_order() -> None:
    book, _ = load_book(FIXTURES / "minimal")
    pages = render_epub(transform_edition(book, "id"))
    assert [(p.kind, p.doc_id, p.lang) for p in pages] == [
        ("title", "title-page", "id"), ("copyright", "copyright", "id"),
        ("front", "front-preface", "id"), ("part", "part-01-alpha", "id"),
        ("chapter", "01-alpha-01-trust", "id"), ("part", "part-02-beta", "id"),
        ("chapter", "02-beta-01-only-english", "en"),  # printed in its only language
        ("glossary", "glossary", "id"), ("index", "index", "id"),
        ("contributors", "contributors", "id")]


def test_abstracts_own_language_first_with_the_book_catalog() -> None:
    book, _ = load_book(FIXTURES / "trilingual")
    content = transform_edition(book, "ms")
    doc = next(d for d in content.documents if d.doc_id == "01-alpha-02-only-english")
    views = abstract_views(doc, localizer(book, "ms"), "ms")
    assert [(v.lang, v.heading) for v in views] == [
        ("ms", "Abstrak"), ("en", "Abstrak dalam bahasa Inggeris"),
        ("id", "Abstrak dalam bahasa Indonesia")]


def test_a_later_run_leaves_the_earlier_documents_as_they_were(
        fixture_book: Callable[[str], Path]) -> None:
    book_dir = fixture_book("minimal")
    cache = TransformCache()
    book, _ = load_book(book_dir)
    first = transform_edition(book, "en", cache)
    figure = book_dir / "parts/01-alpha/01-trust.en.md"
    figure.write_text(figure.read_text().replace("{#fig-alpha-1}", ""))
    book, _ = load_book(book_dir)
    second = transform_edition(book, "en", cache)
    assert cache.rebuilt["en"] == ("01-alpha-01-trust",)

    def xref_meta(content) -> list[dict]:  # type: ignore[no-untyped-def]
        doc = next(d for d in content.documents if d.doc_id == "02-beta-01-only-english")
        return [c.meta for t in doc.tokens for c in t.children or []
                if c.type == "link_open" and str(c.attrGet("href")).startswith("#")]

    assert [m.get("xref").id for m in xref_meta(first)] == ["fig-alpha-1"]
    assert [(m.get("xref"), m.get("xref_missing")) for m in xref_meta(second)] == \
        [(None, "fig-alpha-1")]
    assert xref_meta(first)[0]["xref"].number == "1.1"  # untouched by the second run
