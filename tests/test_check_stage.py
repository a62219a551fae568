"""The check stage's own parts: translation structure (`check.versions`), terminology
(`check.terms`) and `check` itself, on small books written for these tests."""

from __future__ import annotations

from pathlib import Path

from bookforge.check import check
from bookforge.check.terms import looks_like_title
from bookforge.check.versions import compare, landmarks
from bookforge.model import Source

ORIGINAL = """Opening paragraph.[^a]

## First section

![A chart of the numbers](chart.svg "Chart")

| a | b |
|---|---|
| 1 | 2 |

## Second section

Closing.[^b] Again.[^a]

[^a]: Note a.
[^b]: Note b.
"""


def source(body: str, lang: str = "id", rel: str = "parts/p/01-x.id.md") -> Source:
    return Source(lang=lang, path=Path("/nowhere") / rel, rel_path=rel, title="T",
                  body=body, body_line=5)


def test_landmarks_in_reading_order() -> None:
    marks = landmarks(source(ORIGINAL))
    assert [(m.kind, m.line, m.text) for m in marks] == [
        ("footnote", 5, ""), ("section", 7, "First section"), ("figure", 9, ""),
        ("table", 11, ""), ("section", 15, "Second section"), ("footnote", 17, "")]


def test_a_translation_with_the_same_structure_passes() -> None:
    translated = ORIGINAL.replace("First section", "Bagian pertama")
    assert compare(source(ORIGINAL), source(translated, "en", "parts/p/01-x.en.md")) is None


def test_a_missing_figure_names_both_files_and_the_first_divergence() -> None:
    translated = ORIGINAL.replace('![A chart of the numbers](chart.svg "Chart")\n', "")
    d = compare(source(ORIGINAL), source(translated, "en", "parts/p/01-x.en.md"))
    assert d is not None and d.code == "translation-structure"
    assert (d.path, d.line) == ("parts/p/01-x.en.md", 10)
    assert "first divergence at item 3: line 10 (table) vs parts/p/01-x.id.md:9 (figure)" \
        in d.message
    assert "here sections: 2, footnotes: 2, figures: 0, tables: 1" in d.message


def test_check_reports_versions_and_terms(minimal: Path) -> None:
    chapter = minimal / "parts/01-alpha/01-trust.id.md"
    text = chapter.read_text()
    chapter.write_text(text.replace("Catatan kedua.", "Warga menjunjung *gotong royong* di "
                                    "desa. Lihat *Tata Kelola yang Baik* (Rekaan, 2020).\n\n"
                                    "Catatan kedua."))
    glossary = minimal / "glossary.csv"
    glossary.write_text(glossary.read_text() + "musyawarah,deliberation,Rembuk.,Talk.,,\n")
    diags = check(minimal)
    codes = {(d.code, d.path) for d in diags}
    assert ("glossary-suggestion", "parts/01-alpha/01-trust.id.md") in codes
    suggestion = next(d for d in diags if d.code == "glossary-suggestion")
    assert "*gotong royong*" in suggestion.message  # a cited title is no suggestion
    assert not any("Tata Kelola" in d.message for d in diags)
    unused = [d for d in diags if d.code == "glossary-unused"]
    assert [(d.path, d.line) for d in unused] == [("glossary.csv", 4)]
    assert ("chapter-missing-lang", "parts/02-beta/01-only-english.en.md") in codes


def test_titles_are_told_from_foreign_words() -> None:
    assert looks_like_title("Tata Kelola yang Baik", "see ", " for more")
    assert looks_like_title("integritas", "as (", ", 2019) shows")
    assert not looks_like_title("gotong royong", "the spirit of ", " in villages")
