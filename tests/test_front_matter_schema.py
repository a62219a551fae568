"""Front matter is checked by the same declarative schema mechanism as book.toml and
part.toml: every problem at once, each with its key, code and line."""

from __future__ import annotations

from pathlib import Path

import pytest

from bookforge.errors import SourceError
from bookforge.source.load import load_book

CHAPTER = "parts/02-beta/01-only-english.en.md"
FRONT = """---
title: "A Chapter in English Only"
authors:
  - name: "Maria Kathang-isip"
    affiliation: 7
    twitter: "@nobody"
  - affiliation: "No Name University"
abstract: [not, a, string]
keywords: [language]
subtitle: "not a key"
translations:
  english: {title: "x"}
  en: {title: "Same language"}
  id: {title: "Judul", colour: "merah"}
---

Body.
"""


def _problems(book: Path) -> list[tuple[str, int, str]]:
    with pytest.raises(SourceError) as exc:
        load_book(book)
    return sorted((d.code, d.line, d.message) for d in exc.value.diagnostics
                  if d.path == CHAPTER)


def test_every_front_matter_problem_at_once(minimal: Path) -> None:
    (minimal / CHAPTER).write_text(FRONT)
    problems = _problems(minimal)
    assert problems == sorted([
        ("front-matter-authors", 3, "'authors[0].affiliation' must be a string"),
        ("front-matter-authors", 3, "unknown key 'authors[0].twitter' (known keys: "
                                    "affiliation, email, name, orcid, surname)"),
        ("front-matter-authors", 3, "'authors[1].name' is required"),
        ("front-matter-type", 8, "'abstract' must be a string"),
        ("front-matter-key", 10, "unknown key 'subtitle' (known keys: abstract, authors, "
                                 "bibliography, keywords, short_title, title, translations)"),
        ("front-matter-translations", 11, "'translations' key 'english' must be a "
                                          "language code"),
        ("front-matter-translations", 11, "unknown key 'translations.id.colour' (known "
                                          "keys: abstract, keywords, short_title, title)"),
    ])


def test_rules_beyond_the_schema(minimal: Path) -> None:
    text = FRONT.replace("    affiliation: 7\n    twitter: \"@nobody\"\n", "    surname: Tran\n")
    text = text.replace('  - affiliation: "No Name University"\n', "")
    text = text.replace("abstract: [not, a, string]\n", "").replace('subtitle: "not a key"\n', "")
    text = text.replace('  english: {title: "x"}\n', "").replace(', colour: "merah"', "")
    (minimal / CHAPTER).write_text(text)
    assert _problems(minimal) == [
        ("front-matter-authors", 3, "author 1: surname 'Tran' is not part of the name "
                                    "'Maria Kathang-isip'"),
        ("front-matter-translations", 7, "'translations' key 'en' must be a language other "
                                         "than the file's own ('en')"),
    ]


def test_chapter_needs_authors_front_matter_does_not(minimal: Path) -> None:
    text = (minimal / CHAPTER).read_text()
    start, end = text.index("authors:"), text.index("abstract:")
    (minimal / CHAPTER).write_text(text[:start] + text[end:])
    assert _problems(minimal) == [("front-matter-authors", 2, "'authors' is required")]
    preface = minimal / "front/preface.en.md"
    assert "authors:" not in preface.read_text()  # a front-matter text may have none
