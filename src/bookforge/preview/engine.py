"""Preview stage, incremental build: the book folder -> `Snapshot` (a loaded `Book`, its
transformed documents per edition, and the diagnostics to show).

The whole book is loaded on every refresh (front matter only: cheap), but a document is
re-parsed and re-transformed only when its source, position or the glossary changed;
cross-references are then resolved against the labels of the whole book, so numbers
match the full build. Glossary terms are marked per document, as the full build does for
glosses "first-per-chapter"; with "first-per-volume" a gloss depends on every earlier
chapter, so a change re-transforms the whole edition. A source error never raises: it is
kept in the snapshot and the previous good book stays on show.
"""

from __future__ import annotations

import threading
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import BookforgeError, Diagnostic, SourceError, error
from ..model import BibFile, Book, Chapter, Glossary, Part, Source
from ..source.load import load_book, read_source
from ..transform import Document, EditionContent, Label, documents, merge_labels, transform_document
from ..transform.citations import apply_citations
from ..transform.glossary import apply_glossary
from ..transform.xref import resolve_xrefs


@dataclass(frozen=True)
class DocKey:
    """What a transformed document depends on besides the rest of the book's labels."""

    doc_id: str
    source: Source  # the version this edition prints
    part_slug: str
    number: int | None
    glossary: Glossary
    gloss: str  # book.toml [glossary] gloss style
    bibliographies: Mapping[str, BibFile] = field(default_factory=dict)  # and its style:
    citation_style: str = "apa"


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
    styles: int = 0  # counts stylesheet changes, so pages reload them only then


class PreviewEngine:
    """Keeps the last good book and a per-document transform cache; thread-safe."""

    def __init__(self, book_dir: Path) -> None:
        self.book_dir = book_dir.resolve()
        self.lock = threading.RLock()  # held while refreshing and while rendering
        self._cache: dict[tuple[str, str], CachedDoc] = {}
        self._volume_diags: dict[str, list[Diagnostic]] = {}  # glosses "first-per-volume"
        self._load_failed = False
        self._load_warnings: list[Diagnostic] = []
        self._snapshot = Snapshot(version=0, book=None)

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    def refresh(self, changed: Collection[Path] | None = None) -> Snapshot:
        """Reload the book (only the `changed` sources when that is enough) and
        re-transform only the documents that changed."""
        with self.lock:
            previous = self._snapshot
            inside = [p for p in changed or () if p.resolve().is_relative_to(self.book_dir)]
            styles = previous.styles + (1 if len(inside) < len(changed or ()) else 0)
            if changed and not inside and previous.book and not self._load_failed:
                # only stylesheets changed: the page just reloads them
                self._snapshot = replace(previous, version=previous.version + 1, rebuilt=(),
                                         styles=styles)
                return self._snapshot
            try:
                book, warnings = self._load(inside)
            except BookforgeError as exc:
                self._load_failed = True
                errors = tuple(sorted(set(exc.diagnostics))) or (
                    error("book.toml", 0, "preview-load", str(exc)),)
                self._snapshot = replace(previous, version=previous.version + 1, errors=errors,
                                         rebuilt=(), styles=styles)
                return self._snapshot
            self._load_failed, self._load_warnings = False, warnings
            self._snapshot = self._transform(book, warnings, previous.version + 1, styles)
            return self._snapshot

    def _transform(self, book: Book, warnings: list[Diagnostic], version: int,
                   styles: int) -> Snapshot:
        editions: dict[str, EditionContent] = {}
        rebuilt: list[str] = []
        diags: list[Diagnostic] = list(warnings)
        for lang in book.config.languages:
            content, fresh = self._edition(book, lang)
            editions[lang] = content
            rebuilt += [f"{lang}:{d}" for d in fresh]
            diags += content.diagnostics
        unique = sorted(set(diags))
        return Snapshot(version, book, editions, errors=tuple(d for d in unique if d.is_error),
                        warnings=tuple(d for d in unique if not d.is_error),
                        rebuilt=tuple(rebuilt), styles=styles)

    def _load(self, changed: Collection[Path] | None) -> tuple[Book, list[Diagnostic]]:
        """`load_book`, or, when only known sources were saved since a clean load, the
        previous book with just those files read again."""
        book = self._snapshot.book
        if changed and book is not None and not self._load_failed:
            reloaded = reload_sources(book, changed, self._load_warnings)
            if reloaded is not None:
                return reloaded
        return load_book(self.book_dir)

    def _stale(self, lang: str, chapter: Chapter, key: DocKey) -> bool:
        cached = self._cache.get((lang, chapter.doc_id))
        return cached is None or cached.key != key

    def _drop(self, lang: str) -> None:
        for k in [k for k in self._cache if k[0] == lang]:
            del self._cache[k]

    def _edition(self, book: Book, lang: str) -> tuple[EditionContent, list[str]]:
        """Like `transform_edition`, reusing every cached document whose inputs are equal."""
        docs: list[Document] = []
        labels: dict[str, Label] = {}
        diags: list[Diagnostic] = []
        fresh: list[str] = []
        per_volume = book.config.gloss == "first-per-volume"
        keys = [(c, p, DocKey(c.doc_id, c.version(lang), p.slug if p else "", n, book.glossary,
                              book.config.gloss, book.bibliographies,
                              book.config.citation_style)) for c, p, n in documents(book)]
        if per_volume and any(self._stale(lang, c, k) for c, _, k in keys):
            self._drop(lang)
        entries: list[CachedDoc] = []
        for chapter, part, key in keys:
            cached = self._cache.get((lang, chapter.doc_id))
            if cached is None or cached.key != key:
                cached = _transform_one(book, lang, chapter, part, key, not per_volume)
                self._cache[(lang, chapter.doc_id)] = cached
                fresh.append(chapter.doc_id)
            entries.append(cached)
        if per_volume and fresh:
            self._volume_diags[lang] = []
            apply_glossary([e.document for e in entries], book.glossary, book.config.gloss,
                           self._volume_diags[lang])
        diags += self._volume_diags.get(lang, []) if per_volume else []
        for cached, (chapter, part, _) in zip(entries, keys, strict=True):
            cached.document.chapter, cached.document.part = chapter, part  # this book's objects
            docs.append(cached.document)
            diags += cached.diagnostics
            merge_labels(cached.labels, labels, diags)
        for doc in docs:
            resolve_xrefs(doc, labels, diags)
        live = {(lang, c.doc_id) for c, _, _ in documents(book)}
        for stale in [k for k in self._cache if k[0] == lang and k not in live]:
            del self._cache[stale]
        return EditionContent(lang=lang, book=book, documents=tuple(docs), labels=labels,
                              diagnostics=tuple(sorted(set(diags)))), fresh


def reload_sources(book: Book, changed: Collection[Path],
                   warnings: list[Diagnostic]) -> tuple[Book, list[Diagnostic]] | None:
    """The book with the `changed` chapter files read again, and the load warnings updated;
    None when a path is not one of the book's sources (a new, deleted or other file)."""
    sources = {v.path: (c, v) for c in (*book.front, *book.chapters())
               for v in c.versions.values()}
    paths = {p.resolve() for p in changed}
    if not paths or any(p not in sources or not p.is_file() for p in paths):
        return None
    diags: list[Diagnostic] = []
    replaced: dict[Path, Source] = {}
    for path in paths:
        chapter, old = sources[path]
        new = read_source(path, book.root, old.lang, chapter.kind, diags)
        if new is not None:
            replaced[path] = new
    errors = [d for d in diags if d.is_error]
    if errors:
        raise SourceError(sorted(errors))
    rels = {sources[p][1].rel_path for p in paths}
    kept = [w for w in warnings if w.path not in rels]

    def swap(c: Chapter) -> Chapter:
        if not any(v.path in replaced for v in c.versions.values()):
            return c
        return replace(c, versions={k: replaced.get(v.path, v) for k, v in c.versions.items()})

    parts = tuple(replace(p, chapters=tuple(swap(c) for c in p.chapters)) for p in book.parts)
    return replace(book, front=tuple(swap(c) for c in book.front), parts=parts), \
        sorted(kept + diags)


def _transform_one(book: Book, lang: str, chapter: Chapter, part: Part | None,
                   key: DocKey, glossary: bool) -> CachedDoc:
    """Parse and transform one document as `transform_edition` does, but for xrefs."""
    diags: list[Diagnostic] = []
    doc, labels = transform_document(book, lang, chapter, part, key.number, diags)
    apply_citations(book, [doc], diags)
    if glossary:
        apply_glossary([doc], book.glossary, book.config.gloss, diags)
    return CachedDoc(key, doc, labels, diags)
