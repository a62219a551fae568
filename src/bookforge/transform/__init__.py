"""Stage 4, transform: a `Book` and an edition language -> `EditionContent`.

Parses every document the edition prints, then runs the token transforms in this order:
structure (ids, figures, tables, footnotes, sections) -> resources (images) ->
citations (CSL-formatted, a reference list per chapter) -> glossary terms (first-use
glosses, per chapter or per volume) -> cross-references (which need every label of the
book). Returns new values; the `Book`
is never modified.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from ..errors import Diagnostic, error
from ..model import Book, Chapter, Part
from .citations import apply_citations
from .glossary import apply_glossary
from .model import Document, EditionContent, Label, TermUse
from .parse import parse_source
from .resources import resolve_images
from .structure import structure
from .xref import resolve_xrefs

__all__ = ["Document", "EditionContent", "Label", "TermUse", "documents", "merge_labels",
           "transform_document", "transform_edition"]


def documents(book: Book) -> Iterator[tuple[Chapter, Part | None, int | None]]:
    """Every document an edition prints, in order, with its chapter number."""
    for chapter in book.front:
        yield chapter, None, None
    number = 0
    for part in book.parts:
        for chapter in part.chapters:
            number += 1
            yield chapter, part, number


def transform_document(book: Book, lang: str, chapter: Chapter, part: Part | None,
                       number: int | None, diags: list[Diagnostic]
                       ) -> tuple[Document, list[Label]]:
    """The per-document steps: parse, structure, images (glossary and xrefs come after)."""
    parsed = parse_source(chapter.version(lang), book.config.allow_html)
    doc, labels = structure(parsed, chapter, part, number, diags)
    resolve_images(doc, book.root, diags)
    return doc, labels


def merge_labels(found: Iterable[Label], labels: dict[str, Label],
                 diags: list[Diagnostic]) -> None:
    """Add `found` to the book's labels; a second use of an id is an error."""
    for label in found:
        first = labels.setdefault(label.id, label)
        if first is not label:
            diags.append(error(label.path, label.line, "duplicate-id",
                               f"id '{label.id}' is already used in {first.path}:{first.line}"))


def transform_edition(book: Book, lang: str) -> EditionContent:
    docs: list[Document] = []
    diags: list[Diagnostic] = []
    labels: dict[str, Label] = {}
    for chapter, part, number in documents(book):
        doc, found = transform_document(book, lang, chapter, part, number, diags)
        merge_labels(found, labels, diags)
        docs.append(doc)
    apply_citations(book, docs, diags)
    apply_glossary(docs, book.glossary, book.config.gloss, diags)
    for doc in docs:
        resolve_xrefs(doc, labels, diags)
    return EditionContent(lang=lang, book=book, documents=tuple(docs), labels=labels,
                          diagnostics=tuple(sorted(set(diags))))
