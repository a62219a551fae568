"""The preview's incremental engine: only saved documents are re-transformed, and what it
renders is what the full build's `transform_edition` renders."""

from __future__ import annotations

from pathlib import Path

from bookforge.preview.engine import PreviewEngine
from bookforge.preview.page import PageRequest, default_request, render_page
from bookforge.render import render_epub
from bookforge.source.load import load_book
from bookforge.transform import transform_edition

from .conftest import BOOK


def _pages(content) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {p.file_name: p.xhtml for p in render_epub(content)}


def assert_same_as_full_build(engine: PreviewEngine, book_dir: Path) -> None:
    snap = engine.snapshot
    book, _ = load_book(book_dir)
    for lang in book.config.languages:
        full = transform_edition(book, lang)
        mine = snap.editions[lang]
        assert _pages(mine) == _pages(full), lang
        assert {k: v.number for k, v in mine.labels.items()} == \
            {k: v.number for k, v in full.labels.items()}
        assert set(mine.diagnostics) == set(full.diagnostics)


def test_engine_retransforms_only_the_saved_chapter(minimal: Path) -> None:
    engine = PreviewEngine(minimal)
    first = engine.refresh()
    assert first.errors == () and len(first.rebuilt) == 6  # 3 documents x 2 editions
    assert engine.refresh().rebuilt == ()
    chapter = minimal / "parts/01-alpha/01-trust.en.md"
    chapter.write_text(chapter.read_text().replace("tested every day", "tested at noon"))
    snap = engine.refresh({chapter})
    assert set(snap.rebuilt) == {"en:01-alpha-01-trust"}
    doc = next(d for d in snap.editions["en"].documents if d.doc_id == "01-alpha-01-trust")
    assert "tested at noon" in doc.source.body
    labels = snap.editions["en"].labels
    assert labels["fig-alpha-1"].number == "1.1"  # numbered within the whole book
    styles = engine.refresh({minimal.parent / "styles" / "epub.css"})  # outside the book
    assert styles.version == snap.version + 1 and styles.editions is snap.editions
    assert styles.styles == snap.styles + 1


def test_source_errors_are_kept_until_their_file_is_fixed(minimal: Path) -> None:
    engine = PreviewEngine(minimal)
    good = engine.refresh()
    chapter = minimal / "parts/01-alpha/01-trust.en.md"
    other = minimal / "parts/01-alpha/01-trust.id.md"
    text = chapter.read_text()
    chapter.write_text("---\ntitle: [\n---\n")
    broken = engine.refresh({chapter})
    assert [d.path for d in broken.errors] == ["parts/01-alpha/01-trust.en.md"]
    assert broken.book is good.book  # the last good book stays on show
    other.write_text(other.read_text() + "\nMore.\n")
    assert engine.refresh({other}).errors == broken.errors  # still broken
    chapter.write_text(text)
    fixed = engine.refresh({chapter})
    assert fixed.errors == () and fixed.book is not good.book


def test_incremental_output_equals_the_full_build(minimal: Path) -> None:
    engine = PreviewEngine(minimal)
    engine.refresh()
    assert_same_as_full_build(engine, minimal)
    chapter = minimal / "parts/01-alpha/01-trust.en.md"
    text = chapter.read_text()
    chapter.write_text(text.replace("## Framework {#alpha-framework}",
                                    "## Intro\n\nTrust again.\n\n## Framework {#alpha-framework}"))
    engine.refresh({chapter})  # only this file read again
    assert_same_as_full_build(engine, minimal)
    glossary = minimal / "glossary.csv"
    glossary.write_text(glossary.read_text().replace("honestly", "honestly and fairly"))
    engine.refresh({glossary})  # not a chapter: the whole book is loaded again
    assert_same_as_full_build(engine, minimal)


def test_incremental_output_equals_the_full_build_for_the_sample_book() -> None:
    engine = PreviewEngine(BOOK)
    engine.refresh()
    assert_same_as_full_build(engine, BOOK)


def test_a_book_broken_from_the_start_shows_the_overlay_then_recovers(minimal: Path) -> None:
    toml = minimal / "book.toml"
    good = toml.read_text()
    toml.write_text(good.replace('languages = ["id", "en"]', "languages = [\n"))
    engine = PreviewEngine(minimal)
    snap = engine.refresh()
    assert snap.book is None and snap.errors
    status, html = render_page(snap, default_request(snap, None, None), None, "")
    assert status == 200 and 'id="preview-overlay"' in html and "book.toml:" in html
    toml.write_text(good)
    snap = engine.refresh({toml})
    assert snap.errors == () and snap.book is not None
    status, html = render_page(snap, default_request(snap, None, None), None, "")
    assert status == 200 and "preview-overlay" not in html
    assert "Kepercayaan dan Modal Sosial" in html
    status, html = render_page(snap, PageRequest("en", "no-such-doc"), None, "")
    assert status == 404 and "preview-toc" in html


def test_a_broken_image_is_an_overlay_line_with_its_source_line(minimal: Path) -> None:
    engine = PreviewEngine(minimal)
    engine.refresh()
    chapter = minimal / "parts/01-alpha/01-trust.en.md"
    lines = chapter.read_text().splitlines()
    at = lines.index("## Framework {#alpha-framework}") + 2
    lines.insert(at, "![A missing picture](../../assets/missing.png)\n")
    chapter.write_text("\n".join(lines) + "\n")
    snap = engine.refresh({chapter})
    status, html = render_page(snap, PageRequest("en", "01-alpha-01-trust"), None, "")
    assert status == 200 and 'id="preview-overlay"' in html
    assert f"parts/01-alpha/01-trust.en.md:{at + 1}:1: error[resource-missing]" in html
