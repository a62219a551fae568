"""The transform stage's output: documents ready to render, and the book's labels."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from markdown_it.token import Token

from ..errors import Diagnostic
from ..model import Book, Chapter, Part, Source
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


@dataclass
class Document:
    """One front-matter text or chapter of an edition, with its transformed tokens."""

    doc_id: str
    kind: str  # "front" | "chapter"
    chapter: Chapter
    part: Part | None
    number: int | None
    parsed: ParsedDoc
    sections: list[Section] = field(default_factory=list)
    footnotes: dict[int, list[Token]] = field(default_factory=dict)
    footnote_numbers: dict[int, int] = field(default_factory=dict)
    images: list[str] = field(default_factory=list)  # book-relative paths used
    term_uses: list[TermUse] = field(default_factory=list)  # glossary terms, reading order
    # every figure and table in reading order, with or without an id of the author's (the
    # lists of figures and tables link to each one)
    captions: list[Label] = field(default_factory=list)

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

    def front(self) -> tuple[Document, ...]:
        return tuple(d for d in self.documents if d.kind == "front")
