"""Stage 4, transform: a `Book` and an edition language -> `EditionContent`.

Parses every document the edition prints, then runs the token transforms in this order:
structure (ids, figures, tables, footnotes, sections) -> raw HTML (sanitize) ->
resources (images) -> citations (CSL-formatted, a reference list per chapter) ->
glossary terms (first-use glosses, per chapter or per volume) ->
cross-references (which need every label of the book) -> links between documents. Every
pass returns new values; the `Book`, and any `Document` an earlier run made, are never
modified.

The build and the preview run the same path, `transform_edition`: the preview passes a
`TransformCache` it keeps between rebuilds, so a document is parsed and transformed again
only when what it reads changed (`DocKey`), and glosses "first-per-volume" are marked
again when any document changed; cross-references and label numbers are resolved afresh
on every run, against the labels of the whole book.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import Diagnostic, error
from ..model import BibFile, Book, Chapter, Glossary, Part, Source
from .citations import CitationPlan, apply_citations, plan_citations
from .csl import CitationJob, Formatted, run_job
from .glossary import apply_glossary
from .limits import within_limits
from .links import resolve_links
from .model import Document, EditionContent, Label, TermUse
from .parse import parse_source
from .resources import resolve_images
from .sanitize import sanitize_document
from .structure import structure
from .xref import resolve_xrefs

__all__ = ["CitationFormatter", "DocKey", "Document", "EditionContent", "Label", "TermUse",
           "TransformCache", "documents", "format_here", "merge_labels", "transform_document",
           "transform_edition"]

# Formats the citation jobs of an edition's documents, in order (`format_here`, or the
# build's worker processes with its cache).
CitationFormatter = Callable[[Sequence["CitationJob"]], list["Formatted"]]


def documents(book: Book) -> Iterator[tuple[Chapter, Part | None, int | None]]:
    """Every document an edition prints, in order, with its chapter number."""
    for chapter in book.front:
        yield chapter, None, None
    number = 0
    for part in book.parts:
        for chapter in part.chapters:
            number += 1
            yield chapter, part, number


def prepare_document(book: Book, lang: str, chapter: Chapter, part: Part | None,
                     number: int | None, diags: list[Diagnostic]
                     ) -> tuple[CitationPlan, list[Label]]:
    """The per-document steps up to the citations: parse, structure, raw HTML, images, and
    the citations found (formatted later, every document's at once). Structure, raw HTML
    and images edit the tokens the parser just made, which nothing else holds."""
    source = within_limits(chapter.version(lang), diags)
    parsed = parse_source(source, book.config.allow_html)
    doc, labels = structure(parsed, chapter, part, number, diags)
    sanitize_document(doc, book.config.allow_html, diags)
    doc = resolve_images(doc, book.root, diags)
    return plan_citations(book, doc, diags), labels


def transform_document(book: Book, lang: str, chapter: Chapter, part: Part | None,
                       number: int | None, diags: list[Diagnostic]
                       ) -> tuple[Document, list[Label]]:
    """The per-document steps: parse, structure, raw HTML, images, citations (glossary,
    xrefs and links come after)."""
    plan, labels = prepare_document(book, lang, chapter, part, number, diags)
    return apply_citations(book, plan, run_job(plan.job) if plan.job else None), labels


def format_here(jobs: Sequence[CitationJob]) -> list[Formatted]:
    """Citation jobs formatted one after the other in this process."""
    return [run_job(j) for j in jobs]


def merge_labels(found: Iterable[Label], labels: dict[str, Label],
                 diags: list[Diagnostic]) -> None:
    """Add `found` to the book's labels; a second use of an id is an error."""
    for label in found:
        first = labels.setdefault(label.id, label)
        if first is not label:
            diags.append(error(label.path, label.line, "duplicate-id",
                               f"id '{label.id}' is already used in {first.path}:{first.line}"))


@dataclass(frozen=True)
class DocKey:
    """Everything a document's transform up to its cross-references reads."""

    doc_id: str
    source: Source  # the version this edition prints
    number: int | None
    root: Path  # images are resolved against it
    allow_html: str
    glossary: Glossary
    gloss: str  # book.toml [glossary] gloss style
    bibliographies: Mapping[str, BibFile]  # every bibliography file of the book, and
    citation_style: str  # the style citations are formatted in


@dataclass(frozen=True)
class _Entry:
    """One document transformed but for cross-references (`glossed`: with its glossary
    terms marked on its own, as glosses other than "first-per-volume" are)."""

    key: DocKey
    document: Document
    glossed: Document
    labels: tuple[Label, ...]
    diagnostics: tuple[Diagnostic, ...]


@dataclass
class TransformCache:
    """Transformed documents kept between runs of `transform_edition` (the preview keeps
    one; a build uses a fresh one). It holds only documents no pass edits later."""

    docs: dict[tuple[str, str], _Entry] = field(default_factory=dict)
    # lang -> (keys of every document, the documents glossed "first-per-volume", diags)
    volumes: dict[str, tuple[tuple[DocKey, ...], tuple[Document, ...],
                             tuple[Diagnostic, ...]]] = field(default_factory=dict)
    rebuilt: dict[str, tuple[str, ...]] = field(default_factory=dict)  # lang -> doc ids
    # re-transformed (or re-glossed) by the last run


def _key(book: Book, lang: str, chapter: Chapter, number: int | None) -> DocKey:
    cfg = book.config
    return DocKey(chapter.doc_id, chapter.version(lang), number, book.root, cfg.allow_html,
                  book.glossary, cfg.gloss, book.bibliographies, cfg.citation_style)


def _entries(book: Book, lang: str, todo: Sequence[tuple[Chapter, Part | None, DocKey]],
             formatter: CitationFormatter) -> list[_Entry]:
    """The documents of `todo` transformed; their citations formatted by one call of
    `formatter` (the build gives them to its worker processes, and caches them)."""
    prepared = []
    for chapter, part, key in todo:
        diags: list[Diagnostic] = []
        plan, labels = prepare_document(book, lang, chapter, part, key.number, diags)
        prepared.append((key, plan, labels, diags))
    jobs = [plan.job for _, plan, _, _ in prepared if plan.job is not None]
    formatted = iter(formatter(jobs) if jobs else [])
    out = []
    for key, plan, labels, diags in prepared:
        doc = apply_citations(book, plan, next(formatted) if plan.job is not None else None)
        glossed = doc
        if book.config.gloss != "first-per-volume":
            glossed = apply_glossary([doc], book.glossary, book.config.gloss, diags)[0]
        out.append(_Entry(key, doc, glossed, tuple(labels), tuple(diags)))
    return out


def _glossed(book: Book, lang: str, entries: list[_Entry], cache: TransformCache
             ) -> tuple[tuple[Document, ...], tuple[Diagnostic, ...], bool]:
    """Each document with its terms marked, the glossary's diagnostics, and whether they
    were marked again by this run (a gloss "first-per-volume" depends on every earlier
    document, so any change marks the whole edition again)."""
    if book.config.gloss != "first-per-volume":
        return tuple(e.glossed for e in entries), (), False
    keys = tuple(e.key for e in entries)
    hit = cache.volumes.get(lang)
    if hit is not None and hit[0] == keys:
        return hit[1], hit[2], False
    diags: list[Diagnostic] = []
    docs = apply_glossary([e.document for e in entries], book.glossary, book.config.gloss,
                          diags)
    cache.volumes[lang] = (keys, docs, tuple(diags))
    return docs, tuple(diags), True


def transform_edition(book: Book, lang: str, cache: TransformCache | None = None,
                      formatter: CitationFormatter = format_here) -> EditionContent:
    """The `lang` edition of `book`, reusing every document of `cache` whose inputs are
    equal (the cache is updated; without one, everything is transformed). `formatter`
    formats the citation jobs of the documents transformed."""
    cache = cache if cache is not None else TransformCache()
    placed = list(documents(book))
    todo = []
    for chapter, part, number in placed:
        key = _key(book, lang, chapter, number)
        entry = cache.docs.get((lang, chapter.doc_id))
        if entry is None or entry.key != key:
            todo.append((chapter, part, key))
    for entry in _entries(book, lang, todo, formatter):
        cache.docs[(lang, entry.key.doc_id)] = entry
    fresh = [key.doc_id for _, _, key in todo]
    entries = [cache.docs[(lang, c.doc_id)] for c, _, _ in placed]
    live = {(lang, c.doc_id) for c, _, _ in placed}
    for gone in [k for k in cache.docs if k[0] == lang and k not in live]:
        del cache.docs[gone]
    glossed, diags_glossary, reglossed = _glossed(book, lang, entries, cache)
    cache.rebuilt[lang] = tuple(c.doc_id for c, _, _ in placed) if reglossed else tuple(fresh)
    diags: list[Diagnostic] = list(diags_glossary)
    labels: dict[str, Label] = {}
    for entry in entries:
        diags += entry.diagnostics
        merge_labels(entry.labels, labels, diags)
    docs = []
    for doc, (chapter, part, _) in zip(glossed, placed, strict=True):
        if doc.chapter is not chapter or doc.part is not part:  # cached from an earlier load
            doc = replace(doc, chapter=chapter, part=part)
        docs.append(resolve_xrefs(doc, labels, diags))
    docs = list(resolve_links(docs, book, diags))
    return EditionContent(lang=lang, book=book, documents=tuple(docs), labels=labels,
                          diagnostics=tuple(sorted(set(diags))))
