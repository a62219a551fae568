"""Transform stage, edition metadata: a `Book` and an edition language -> `EditionMeta`.

Everything a writer states about an edition as a whole (title, people, keywords, abstract,
identifiers, date, licence) is derived here, once, so the PDF's front matter, the EPUB's
package metadata, the download site, the feeds and the catalogue records cannot disagree.
"""

from __future__ import annotations

import datetime as dt
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from ..i18n import sort_key
from ..model import Author, Book, Licence

FORMATS = ("pdf", "epub")


@dataclass(frozen=True)
class EditionMeta:
    lang: str
    title: str
    subtitle: str
    editors: tuple[Author, ...]
    authors: tuple[Author, ...]  # every author of a front-matter text or chapter, once
    contributors: tuple[Author, ...]  # the authors who are not also editors
    keywords: tuple[str, ...]  # of the chapters written in `lang`, sorted per locale
    abstract: str  # of the volume, plain text
    identifiers: Mapping[str, str] = field(default_factory=dict)  # format -> URN
    isbns: Mapping[str, str] = field(default_factory=dict)  # format -> ISBN as in book.toml
    date: dt.date = dt.date(1970, 1, 1)  # of publication
    publisher: str = ""
    place: str = ""
    licence: Licence = Licence("", "")
    series: str = ""  # the series title in `lang` ("" outside a series)
    series_number: int | None = None
    # a parallel edition ("id+en"): its name, and the recto language and its title
    name: str = ""
    other_lang: str = ""
    other_title: str = ""

    @property
    def edition(self) -> str:
        """The edition's name: its language, or the pair of a parallel edition."""
        return self.name or self.lang

    @property
    def languages(self) -> tuple[str, ...]:
        return (self.lang, self.other_lang) if self.other_lang else (self.lang,)

    def isbn_digits(self, fmt: str) -> str | None:
        """The format's ISBN without spaces and hyphens, as records carry it."""
        isbn = self.isbns.get(fmt)
        return isbn_digits(isbn) if isbn else None


def isbn_digits(isbn: str) -> str:
    return re.sub(r"[\s-]", "", isbn)


def identifier(book: Book, lang: str, fmt: str) -> str:
    """`urn:isbn:` when book.toml gives the format an ISBN, else a UUID stable per book,
    edition and format (the EPUB's has no format in its seed, as it always had)."""
    isbn = book.config.isbn_for(lang, fmt)
    if isbn:
        return "urn:isbn:" + isbn_digits(isbn)
    seed = f"bookforge:{book.config.slug}:{lang}" + ("" if fmt == "epub" else f":{fmt}")
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


def edition_authors(book: Book, lang: str) -> tuple[Author, ...]:
    """Every author of the edition's documents once, in book order, as that edition prints
    them (the first entry with an ORCID iD wins)."""
    seen: dict[str, Author] = {}
    for chapter in (*book.front, *book.chapters()):
        for a in chapter.version(lang).authors:
            if a.name not in seen or (a.orcid and not seen[a.name].orcid):
                seen[a.name] = a
    return tuple(seen.values())


def edition_keywords(book: Book, lang: str) -> tuple[str, ...]:
    """The keywords of the chapters written in `lang`, once each, sorted per locale."""
    words = {k.strip() for c in book.chapters() for k in c.version(lang).keywords
             if c.version(lang).lang == lang and k.strip()}
    return tuple(sorted(words, key=lambda w: sort_key(w, lang)))


def markdown_plain(markdown: str) -> str:
    """Markdown of one paragraph -> plain text (emphasis, links and notes dropped)."""
    text = re.sub(r"\[\^[^\]]+\]", "", markdown)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)(\{[^}]*\})?", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\{[^}]*\}", r"\1", text)
    text = re.sub(r"[*_`]+", "", text)
    return " ".join(text.split())


def volume_abstract(book: Book, lang: str) -> str:
    """book.toml's `abstract`, else the opening paragraph of the first front-matter text
    written in `lang`, else the subtitle."""
    cfg = book.config
    if cfg.abstract.get(lang):
        return " ".join(cfg.abstract[lang].split())
    for chapter in book.front:
        if lang in chapter.versions:
            for para in re.split(r"\n\s*\n", chapter.versions[lang].body):
                para = para.strip()
                if para and not para.startswith(("#", "!", "|", "-", ">")):
                    return markdown_plain(para)
    return cfg.subtitle.get(lang, "")


def _in(texts: Mapping[str, str], lang: str) -> str:
    """A text of book.toml in `lang`, else in English, else the first one given."""
    return texts.get(lang) or texts.get("en") or next(iter(texts.values()), "")


def edition_meta(book: Book, lang: str) -> EditionMeta:
    """The `lang` edition's metadata."""
    cfg = book.config
    authors = edition_authors(book, lang)
    editors = {e.name for e in cfg.editors}
    series = cfg.series
    return EditionMeta(
        lang=lang, title=_in(cfg.title, lang), subtitle=cfg.subtitle.get(lang, ""),
        editors=cfg.editors, authors=authors,
        contributors=tuple(a for a in authors if a.name not in editors),
        keywords=edition_keywords(book, lang), abstract=volume_abstract(book, lang),
        identifiers={fmt: identifier(book, lang, fmt) for fmt in FORMATS},
        isbns={fmt: isbn for fmt in FORMATS if (isbn := cfg.isbn_for(lang, fmt))},
        date=cfg.date, publisher=cfg.publisher, place=cfg.place, licence=cfg.licence,
        series=(series.title.get(lang) or next(iter(series.title.values()), "")) if series
        else "",
        series_number=series.number if series else None)


def parallel_meta(book: Book, pair: tuple[str, str]) -> EditionMeta:
    """A parallel edition's metadata: the verso language's, with the edition's own
    identifiers and ISBNs, the keywords of both languages and the recto title."""
    left, right = (edition_meta(book, lang) for lang in pair)
    name = "+".join(pair)
    cfg = book.config
    return replace(left, name=name, other_lang=right.lang, other_title=right.title,
                   keywords=tuple(dict.fromkeys((*left.keywords, *right.keywords))),
                   identifiers={fmt: identifier(book, name, fmt) for fmt in FORMATS},
                   isbns={fmt: isbn for fmt in FORMATS if (isbn := cfg.isbn_for(name, fmt))})
