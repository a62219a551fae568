"""Stage 4, transform: a `Book` and an edition language -> `EditionContent`.

Parses every document the edition prints, then runs the token transforms in this order:
structure (ids, figures, tables, footnotes, sections) -> resources (images) ->
glossary terms (first-use glosses, per chapter or per volume) -> cross-references
(which need every label of the book). Returns new values; the `Book`
is never modified.
"""

from __future__ import annotations

from ..errors import Diagnostic, error
from ..model import Book, Chapter, Part
from ..parse import parse_source
from .glossary import apply_glossary
from .model import Document, EditionContent, Label, TermUse
from .resources import resolve_images
from .structure import structure
from .xref import resolve_xrefs

__all__ = ["Document", "EditionContent", "Label", "TermUse", "transform_edition"]


def transform_edition(book: Book, lang: str) -> EditionContent:
    allow_html = book.config.allow_html
    docs: list[Document] = []
    diags: list[Diagnostic] = []
    labels: dict[str, Label] = {}

    def add(chapter: Chapter, part: Part | None, number: int | None) -> None:
        source = chapter.version(lang)
        parsed = parse_source(source, allow_html)
        doc, found = structure(parsed, chapter, part, number, diags)
        for label in found:
            if label.id in labels:
                diags.append(_dup(doc, label, labels[label.id]))
            else:
                labels[label.id] = label
        resolve_images(doc, book.root, diags)
        docs.append(doc)

    for chapter in book.front:
        add(chapter, None, None)
    number = 0
    for part in book.parts:
        for chapter in part.chapters:
            number += 1
            add(chapter, part, number)
    apply_glossary(docs, book.glossary, book.config.gloss, diags)
    for doc in docs:
        resolve_xrefs(doc, labels, diags)
    return EditionContent(lang=lang, book=book, documents=tuple(docs), labels=labels,
                          diagnostics=tuple(sorted(set(diags))))


def _dup(doc: Document, label: Label, first: Label) -> Diagnostic:
    return error(doc.source.rel_path, label.line, "duplicate-id",
                 f"id '{label.id}' is already used in {first.path}:{first.line}")
