"""Preview stage, incremental build: the book folder -> `Snapshot` (a loaded `Book`, its
transformed documents per edition, and the diagnostics to show).

The whole book is loaded on every refresh (front matter only: cheap), but a document is
re-parsed and re-transformed only when its source, position or the glossary changed;
cross-references are then resolved against the labels of the whole book, so numbers
match the full build. A source error never raises: it is kept in the snapshot and the
previous good book stays on show.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import BookforgeError, Diagnostic, error
from ..load import load_book
from ..model import Book, Chapter, Glossary, Part, Source
from ..parse import parse_source
from ..transform import Document, EditionContent, Label
from ..transform.resources import resolve_images
from ..transform.structure import structure
from ..transform.xref import resolve_xrefs


@dataclass(frozen=True)
class DocKey:
    """What a transformed document depends on besides the rest of the book's labels."""

    doc_id: str
    source: Source  # the version this edition prints
    part_slug: str
    number: int | None
    glossary: Glossary


@dataclass
class CachedDoc:
    key: DocKey
    document: Document
    labels: list[Label]
    diagnostics: list[Diagnostic]


@dataclass(frozen=True)
class Snapshot:
    """One consistent state of the preview: what the server renders from."""

    version: int
    book: Book | None
    editions: dict[str, EditionContent] = field(default_factory=dict)
    errors: tuple[Diagnostic, ...] = ()  # source errors: shown as the overlay
    warnings: tuple[Diagnostic, ...] = ()
    rebuilt: tuple[str, ...] = ()  # "lang:doc_id" re-transformed by this refresh


class PreviewEngine:
    """Keeps the last good book and a per-document transform cache; thread-safe."""

    def __init__(self, book_dir: Path) -> None:
        self.book_dir = book_dir.resolve()
        self.lock = threading.RLock()  # held while refreshing and while rendering
        self._cache: dict[tuple[str, str], CachedDoc] = {}
        self._snapshot = Snapshot(version=0, book=None)

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def refresh(self) -> Snapshot:
        """Reload the book and re-transform only the documents that changed."""
        with self.lock:
            previous = self._snapshot
            try:
                book, warnings = load_book(self.book_dir)
            except BookforgeError as exc:
                errors = tuple(sorted(set(exc.diagnostics))) or (
                    error("book.toml", 0, "preview-load", str(exc)),)
                self._snapshot = Snapshot(previous.version + 1, previous.book,
                                          previous.editions, errors, previous.warnings)
                return self._snapshot
            editions: dict[str, EditionContent] = {}
            rebuilt: list[str] = []
            diags: list[Diagnostic] = list(warnings)
            for lang in book.config.languages:
                content, fresh = self._edition(book, lang)
                editions[lang] = content
                rebuilt += [f"{lang}:{d}" for d in fresh]
                diags += content.diagnostics
            unique = sorted(set(diags))
            self._snapshot = Snapshot(
                previous.version + 1, book, editions,
                errors=tuple(d for d in unique if d.is_error),
                warnings=tuple(d for d in unique if not d.is_error), rebuilt=tuple(rebuilt))
            return self._snapshot

    def _edition(self, book: Book, lang: str) -> tuple[EditionContent, list[str]]:
        """Like `transform_edition`, reusing every cached document whose inputs are equal."""
        docs: list[Document] = []
        labels: dict[str, Label] = {}
        diags: list[Diagnostic] = []
        fresh: list[str] = []
        for chapter, part, number in _documents(book):
            key = DocKey(chapter.doc_id, chapter.version(lang), part.slug if part else "", number,
                         book.glossary)
            cached = self._cache.get((lang, chapter.doc_id))
            if cached is None or cached.key != key:
                cached = _transform_one(book, lang, chapter, part, key)
                self._cache[(lang, chapter.doc_id)] = cached
                fresh.append(chapter.doc_id)
            cached.document.chapter, cached.document.part = chapter, part  # this book's objects
            docs.append(cached.document)
            diags += cached.diagnostics
            for label in cached.labels:
                if label.id in labels:
                    first = labels[label.id]
                    diags.append(error(label.path, label.line, "duplicate-id",
                                       f"id '{label.id}' is already used in "
                                       f"{first.path}:{first.line}"))
                else:
                    labels[label.id] = label
        for doc in docs:
            resolve_xrefs(doc, labels, diags)
        live = {(lang, c.doc_id) for c, _, _ in _documents(book)}
        for stale in [k for k in self._cache if k[0] == lang and k not in live]:
            del self._cache[stale]
        return EditionContent(lang=lang, book=book, documents=tuple(docs), labels=labels,
                              diagnostics=tuple(sorted(set(diags)))), fresh


def _documents(book: Book) -> Iterator[tuple[Chapter, Part | None, int | None]]:
    """Every document an edition prints, in order, with its chapter number."""
    for chapter in book.front:
        yield chapter, None, None
    number = 0
    for part in book.parts:
        for chapter in part.chapters:
            number += 1
            yield chapter, part, number


def _transform_one(book: Book, lang: str, chapter: Chapter, part: Part | None,
                   key: DocKey) -> CachedDoc:
    diags: list[Diagnostic] = []
    parsed = parse_source(chapter.version(lang), book.config.allow_html)
    doc, labels = structure(parsed, chapter, part, key.number, diags)
    resolve_images(doc, book.root, diags)
    return CachedDoc(key, doc, labels, diags)
