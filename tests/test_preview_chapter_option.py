"""`bookforge preview --chapter`: the slug without its number, `NN-slug`, a file path or
the doc id name a document; anything else is a usage error that lists the chapters."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bookforge.preview.engine import PreviewEngine
from bookforge.preview.page import chapter_problem, default_request, find_chapters
from bookforge.source.load import load_book

from .conftest import run_cli


@pytest.mark.parametrize("chapter,lang,doc_id", [
    ("trust", "id", "01-alpha-01-trust"),  # the slug as the README writes it
    ("only-english", "id", "02-beta-01-only-english"),
    ("01-trust", "id", "01-alpha-01-trust"),
    ("01-alpha-01-trust", "id", "01-alpha-01-trust"),
    ("parts/02-beta/01-only-english.en.md", "en", "02-beta-01-only-english"),
    ("front/preface.en.md", "en", "front-preface"),
    ("preface", "id", "front-preface"),
])
def test_chapter_names(minimal: Path, chapter: str, lang: str, doc_id: str) -> None:
    snapshot = PreviewEngine(minimal).refresh()
    request = default_request(snapshot, None, chapter)
    assert (request.lang, request.doc_id) == (lang, doc_id)
    assert chapter_problem(snapshot.book, chapter) is None  # type: ignore[arg-type]


def test_path_relative_to_the_working_folder(minimal: Path, monkeypatch: pytest.MonkeyPatch
                                             ) -> None:
    book, _ = load_book(minimal)
    monkeypatch.chdir(minimal.parent)
    found = find_chapters(book, f"{minimal.name}/parts/01-alpha/01-trust.en.md")
    assert [(m.doc_id, m.lang) for m in found] == [("01-alpha-01-trust", "en")]
    os.chdir(minimal / "parts")
    found = find_chapters(book, "01-alpha/01-trust.id.md")
    assert [(m.doc_id, m.lang) for m in found] == [("01-alpha-01-trust", "id")]


def test_an_ambiguous_slug_names_both_chapters(minimal: Path) -> None:
    twin = minimal / "parts/02-beta/02-trust.en.md"
    twin.write_text((minimal / "parts/02-beta/01-only-english.en.md").read_text())
    book, _ = load_book(minimal)
    assert [m.doc_id for m in find_chapters(book, "trust")] == \
        ["01-alpha-01-trust", "02-beta-02-trust"]
    problem = chapter_problem(book, "trust")
    assert problem and "more than one" in problem and "02-beta-02-trust" in problem
    assert chapter_problem(book, "02-trust") is None  # NN-slug still tells them apart


def test_unknown_chapter_is_a_usage_error_listing_the_chapters(minimal: Path) -> None:
    result = run_cli("preview", str(minimal), "--chapter", "rule-of-law", "--port", "0")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "error[usage]: --chapter 'rule-of-law' is no chapter of the book" in result.stderr
    for line in ("front-preface  (front/preface.id.md, front/preface.en.md)",
                 "01-alpha-01-trust  (parts/01-alpha/01-trust.id.md, "
                 "parts/01-alpha/01-trust.en.md)",
                 "02-beta-01-only-english  (parts/02-beta/01-only-english.en.md)"):
        assert f"\n  {line}\n" in result.stderr
    assert result.stdout == ""  # it never started serving
