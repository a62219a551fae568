"""Check stage, language versions: a `Book` -> warnings about its chapters' translations.

A chapter missing in one of the book's languages is printed in its original language in
that edition (with a note), which `check` reports. A translation whose structure differs
from its original (sections, footnotes, figures, tables) is reported with both files and
the first point where the two diverge.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..errors import Diagnostic, warning
from ..model import Book, Chapter, Source
from ..transform.parse import parse_source
from ..transform.structure import sole_image

KINDS = ("section", "footnote", "figure", "table")


@dataclass(frozen=True)
class Landmark:
    """A structural element of a chapter, in reading order."""

    kind: str  # one of KINDS
    line: int
    text: str = ""

    def describe(self) -> str:
        return f"{self.kind} '{self.text}'" if self.text else self.kind


def landmarks(source: Source, allow_html: str = "none") -> list[Landmark]:
    """Sections (## and ###), footnotes (at their first reference), figures and tables."""
    parsed = parse_source(source, allow_html)
    tokens = parsed.tokens
    found: list[Landmark] = []
    seen_notes: set[int] = set()
    in_notes = False
    for i, tok in enumerate(tokens):
        if tok.type == "footnote_block_open":
            in_notes = True
        if in_notes:
            continue
        line = parsed.line_of(tok)
        if tok.type == "heading_open" and tok.tag in ("h2", "h3"):
            found.append(Landmark("section", line, tokens[i + 1].content.split("{")[0].strip()))
        elif tok.type == "table_open":
            found.append(Landmark("table", line))
        elif tok.type == "inline":
            if tokens[i - 1].type == "paragraph_open" and sole_image(tok) is not None:
                found.append(Landmark("figure", line))
            for child in tok.children or []:
                if child.type == "footnote_ref" and child.meta["id"] not in seen_notes:
                    seen_notes.add(child.meta["id"])
                    found.append(Landmark("footnote", line))
    return found


def _summary(marks: list[Landmark]) -> str:
    counts = Counter(m.kind for m in marks)
    return ", ".join(f"{k}s: {counts[k]}" for k in KINDS)


def compare(original: Source, translation: Source, allow_html: str = "none"
            ) -> Diagnostic | None:
    """A warning on `translation` when its structure differs from `original`'s."""
    a, b = landmarks(original, allow_html), landmarks(translation, allow_html)
    if [m.kind for m in a] == [m.kind for m in b]:
        return None
    n = next((i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x.kind != y.kind),
             min(len(a), len(b)))
    here = f"line {b[n].line} ({b[n].describe()})" if n < len(b) else "the end of the file"
    there = f"{original.rel_path}:{a[n].line} ({a[n].describe()})" if n < len(a) \
        else f"the end of {original.rel_path}"
    line = b[n].line if n < len(b) else (b[-1].line if b else translation.body_line)
    return warning(translation.rel_path, line, "translation-structure",
                   f"structure differs from {original.rel_path} (here {_summary(b)}; "
                   f"there {_summary(a)}); first divergence at item {n + 1}: "
                   f"{here} vs {there}")


def check_versions(book: Book) -> list[Diagnostic]:
    """Warnings for chapters missing in a language and translations that diverge."""
    languages = book.config.languages
    diags: list[Diagnostic] = []
    for chapter in book.chapters():
        diags += _missing(chapter, languages)
        codes = [lang for lang in languages if lang in chapter.versions]
        if len(codes) > 1:
            first = chapter.versions[codes[0]]
            for lang in codes[1:]:
                d = compare(first, chapter.versions[lang], book.config.allow_html)
                if d:
                    diags.append(d)
    return diags


def _missing(chapter: Chapter, languages: tuple[str, ...]) -> list[Diagnostic]:
    out = []
    original = next(iter(chapter.versions.values()))
    for lang in languages:
        if lang in chapter.versions:
            continue
        where = f"its title and abstract come from translations.{lang}" \
            if lang in original.translations \
            else f"add translations.{lang} (title, abstract, keywords) to its front matter"
        out.append(warning(original.rel_path, 1, "chapter-missing-lang",
                           f"chapter has no '{lang}' version ({chapter.slug}.{lang}.md); the "
                           f"'{lang}' edition prints it in '{original.lang}'; {where}"))
    return out
