"""Citations, the transform pass: the citation tokens of each document (parsed by
citation_syntax.py) -> formatted HTML and the document's reference list, in the book's CSL
style.

The pass runs per document: keys resolve against the chapter's own bibliography files,
then book.toml's; the locale is the document's language (a chapter printed in its
original language keeps its own). A document with a hand-typed `{.references}` section
keeps it and gets no generated list (its citations are not linked).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from markdown_it.token import Token

from ..errors import Diagnostic, error, warning
from ..i18n import localizer
from ..model import BibEntry, Book, Chapter, Source
from ..text import slugify
from .csl import CitationJob, Cluster, Formatted, StyleError, csl_locale, run_job, style_path
from .model import Document, Reference, Section


def has_handwritten_references(doc: Document) -> Token | None:
    return next((t for t in doc.tokens if t.type == "heading_open"
                 and "references" in str(t.attrGet("class") or "")), None)


def _citation_tokens(doc: Document) -> list[tuple[Token, int]]:
    """Every citation token of a document with its file line, text before footnotes."""
    found = []
    blocks = [*doc.tokens, *(t for body in doc.footnotes.values() for t in body)]
    for block in blocks:
        for child in block.children or []:
            if child.type == "citation":
                found.append((child, doc.parsed.line_of(block) + child.meta["line_offset"]))
    return found


def reference_id(doc: Document, key: str) -> str:
    return f"{doc.doc_id}-ref-{slugify(key) or 'x'}"


def _entries_for(book: Book, doc: Document) -> Mapping[str, BibEntry]:
    return entries_for(book, doc.source)


def entries_for(book: Book, source: Source) -> Mapping[str, BibEntry]:
    """The bibliography a document sees: its own files first, then book.toml's."""
    out: dict[str, BibEntry] = {}
    paths = (*source.bibliography, *book.config.bibliography)
    for path in reversed(paths):  # earlier files win
        if path in book.bibliographies:
            out.update((e.key, e) for e in book.bibliographies[path].entries)
    return out


def resolve_style(book: Book, diags: list[Diagnostic]) -> Path | None:
    try:
        return style_path(book.config.citation_style, book.root)
    except StyleError as exc:
        diags.append(error("book.toml", 1, "citation-style", str(exc)))
        return None


@dataclass(frozen=True)
class CitationPlan:
    """A document's citations found and checked, not formatted yet: `job` is what the CSL
    engine formats (None when there is nothing to format), `apply_citations` puts the
    result in."""

    doc: Document
    clusters: tuple[tuple[Token, Cluster], ...] = ()
    job: CitationJob | None = None
    with_list: bool = True


def cite_document(book: Book, doc: Document, diags: list[Diagnostic]) -> Document:
    """`doc` with its citations formatted (token meta "html", on the tokens the parser just
    made) and, when it cites anything, its reference list: a new `Document`."""
    plan = plan_citations(book, doc, diags)
    return apply_citations(book, plan, run_job(plan.job) if plan.job else None)


def plan_citations(book: Book, doc: Document, diags: list[Diagnostic]) -> CitationPlan:
    """The citations of `doc` resolved against its bibliography (unknown keys reported)."""
    tokens = _citation_tokens(doc)
    handwritten = has_handwritten_references(doc)
    if handwritten is not None and doc.kind == "chapter":
        diags.append(warning(doc.source.rel_path, doc.parsed.line_of(handwritten),
                             "references-handwritten",
                             "hand-typed reference list: put its works in the "
                             "bibliography and cite them with [@key] to have the list "
                             "generated and checked"))
    if not tokens:
        return CitationPlan(doc)
    return _plan(book, doc, tokens, resolve_style(book, diags), handwritten is None, diags)


def _plan(book: Book, doc: Document, tokens: list[tuple[Token, int]], style: Path | None,
          with_list: bool, diags: list[Diagnostic]) -> CitationPlan:
    entries = _entries_for(book, doc)
    rel = doc.source.rel_path
    cited: dict[str, BibEntry] = {}
    cited_keys: list[str] = []
    clusters: list[tuple[Token, Cluster]] = []
    for token, line in tokens:
        cluster: Cluster = token.meta["cluster"]
        known = tuple(c for c in cluster.cites if c.key in entries)
        for cite in cluster.cites:
            if cite.key not in entries:
                diags.append(error(rel, line, "citation-unknown",
                                   f"unknown citation key '{cite.key}' (not in "
                                   f"{_bib_names(book, doc)})"))
            else:
                cited.setdefault(cite.key, entries[cite.key])
                cited_keys.append(cite.key)
        if known:
            clusters.append((token, Cluster(known, cluster.narrative)))
        token.meta["missing"] = [c.key for c in cluster.cites if c.key not in entries]
    doc = replace(doc, cited_keys=tuple(cited_keys))
    locale = csl_locale(doc.lang)
    if locale is None:
        diags.append(warning(rel, 0, "citation-locale",
                             f"no CSL locale for '{doc.lang}': citations use en-US terms"))
        locale = "en-US"
    if style is None or not cited:
        return CitationPlan(doc)
    hrefs = tuple((k, "#" + reference_id(doc, k) if with_list else "") for k in cited)
    job = CitationJob(json.dumps([[k, e.csl] for k, e in cited.items()], sort_keys=True,
                                 ensure_ascii=False),
                      tuple(c for _, c in clusters), str(style), locale, hrefs)
    return CitationPlan(doc, tuple(clusters), job, with_list)


def apply_citations(book: Book, plan: CitationPlan, result: Formatted | None) -> Document:
    """The planned document with `result` (the job's formatted citations) in it."""
    doc = plan.doc
    if plan.job is None or result is None:
        return doc
    for (token, _), html in zip(plan.clusters, result.citations, strict=True):
        token.meta["html"] = html if plan.with_list else re.sub(r"</?a\b[^>]*>", "", html)
    if not plan.with_list:
        return doc
    heading = localizer(book, doc.lang).gettext("References")
    return replace(doc, references=tuple(Reference(key, reference_id(doc, key), html)
                                         for key, html in result.entries),
                   references_heading=heading,
                   sections=(*doc.sections, Section(2, f"{doc.doc_id}-references", heading)))


def _bib_names(book: Book, doc: Document) -> str:
    paths = (*doc.source.bibliography, *book.config.bibliography)
    return ", ".join(paths) if paths else "any bibliography: book.toml names none"


def unused_entries(book: Book, cited: set[str]) -> list[Diagnostic]:
    """A warning for each bibliography entry that no document of any edition cites."""
    out = []
    for f in book.bibliographies.values():
        for entry in f.entries:
            if entry.key not in cited:
                out.append(warning(entry.path, entry.line, "bib-unused",
                                   f"'{entry.key}' is cited in no chapter"))
    return out


def cited_works(book: Book, chapter: Chapter) -> tuple[BibEntry, ...]:
    """The works a chapter cites (any of its language versions), in first-cited order; for
    the publish step, which has no transformed documents."""
    from .parse import markdown  # parse imports this package's syntax module

    found: dict[str, BibEntry] = {}
    for source in chapter.versions.values():
        entries = entries_for(book, source)
        for block in markdown(book.config.allow_html).parse(source.body):
            for child in block.children or []:
                if child.type == "citation":
                    for cite in child.meta["cluster"].cites:
                        if cite.key in entries:
                            found.setdefault(cite.key, entries[cite.key])
    return tuple(found.values())
