"""The transform stage's output: documents ready to render, and the book's labels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property

from markdown_it.token import Token

from ..errors import Diagnostic
from ..model import Book, Chapter, Part, Source
from .meta import EditionMeta, edition_meta
from .parse import ParsedDoc


@dataclass(frozen=True)
class Label:
    """Something numbered that a cross-reference can point to."""

    id: str
    kind: str  # "figure" | "table" | "section"
    number: str  # "3.1"
    doc_id: str
    path: str
    line: int
    title: str = ""


@dataclass(frozen=True)
class Section:
    level: int
    id: str
    title: str  # plain text


@dataclass(frozen=True)
class TermUse:
    """One use of a glossary term in a document: `id` is the anchor the index links to."""

    key: str
    id: str
    doc_id: str
    line: int
    glossed: bool = False  # the first use that got "(*counterpart*)" added


@dataclass(frozen=True)
class Reference:
    """One entry of a document's generated reference list, formatted by the CSL style."""

    key: str
    id: str  # the anchor its citations link to
    html: str


@dataclass(frozen=True)
class Document:
    """One front-matter text or chapter of an edition, with its transformed tokens.

    Frozen, and never edited after a pass made it: each later pass (images, glossary,
    cross-references) returns a new `Document` with new tokens where it changed any, so a
    document kept in a cache or by another edition is never touched by the next build."""

    doc_id: str
    kind: str  # "front" | "chapter"
    chapter: Chapter
    part: Part | None
    number: int | None
    parsed: ParsedDoc
    sections: tuple[Section, ...] = ()
    footnotes: Mapping[int, list[Token]] = field(default_factory=dict)
    footnote_numbers: Mapping[int, int] = field(default_factory=dict)
    images: tuple[str, ...] = ()  # book-relative paths used
    term_uses: tuple[TermUse, ...] = ()  # glossary terms, reading order
    cited_keys: tuple[str, ...] = ()  # bibliography keys, reading order
    references: tuple[Reference, ...] = ()  # the generated list
    references_heading: str = ""
    # every figure and table in reading order, with or without an id of the author's (the
    # lists of figures and tables link to each one)
    captions: tuple[Label, ...] = ()

    @property
    def source(self) -> Source:
        return self.parsed.source

    @property
    def tokens(self) -> list[Token]:
        return self.parsed.tokens

    @property
    def lang(self) -> str:
        return self.parsed.source.lang


@dataclass(frozen=True)
class EditionContent:
    lang: str
    book: Book
    documents: tuple[Document, ...]
    labels: Mapping[str, Label]
    diagnostics: tuple[Diagnostic, ...] = ()

    def chapters(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.kind == "chapter")

    @cached_property
    def meta(self) -> EditionMeta:
        """The edition's title, people, keywords, identifiers ... (derived once)."""
        return edition_meta(self.book, self.lang)

    def front(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.kind == "front")
