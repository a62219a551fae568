"""Citations of a chapter for its landing page: APA 7 and MLA 9, as safe HTML.

Names are split the way the model does (`Author.surname`: the front matter's `surname`, else
the last word; `Author.given`: the rest); the connecting
words ("In", "Eds.", "pp.", "edited by") are localised through gettext.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

from ..i18n import Localizer
from ..model import Author


@dataclass(frozen=True)
class CitedChapter:
    authors: tuple[Author, ...]
    title: str
    book_title: str
    editors: tuple[Author, ...]
    publisher: str
    year: int
    pages: tuple[int, int] | None
    url: str


def _initials(a: Author) -> str:
    """"Q. T. T." for the given names; particles such as "bin" or "binti" are left out."""
    return " ".join(f"{w[0]}." for w in a.given.split() if not w[0].islower())


def _apa_author(a: Author) -> str:
    initials = _initials(a)
    return f"{a.surname}, {initials}" if initials else a.surname


def _apa_list(names: Sequence[str]) -> str:
    if len(names) <= 1:
        return "".join(names)
    if len(names) == 2:
        return f"{names[0]}, & {names[1]}" if "," in names[0] else f"{names[0]} & {names[1]}"
    return ", ".join(names[:-1]) + ", & " + names[-1]


def _url(url: str) -> str:
    """The citation's URL, or nothing when the site has no base URL (a relative link
    means nothing in a reference list)."""
    return f" {url}" if url else ""


def _end(text: str) -> str:
    return text if text.endswith((".", "?", "!")) else text + "."


def apa(c: CitedChapter, loc: Localizer) -> Markup:
    authors = _apa_list([_apa_author(a) for a in c.authors])
    editors = _apa_list([f"{_initials(e)} {e.surname}".strip() for e in c.editors])
    eds = loc.gettext("Eds.") if len(c.editors) > 1 else loc.gettext("Ed.")
    pages = ""
    if c.pages:
        pages = " (" + loc.gettext("pp.") + f" {c.pages[0]}\u2013{c.pages[1]})"
    return Markup("{authors} ({year}). {title} {in_} {editors} ({eds}), <i>{book}</i>{pages}. "
                  "{publisher}.{url}").format(
        authors=authors, year=c.year,
        title=_end(c.title), in_=loc.gettext("In"), editors=editors, eds=eds,
        book=c.book_title, pages=pages, publisher=c.publisher, url=_url(c.url))


def _mla_authors(authors: Sequence[Author], loc: Localizer) -> str:
    if not authors:
        return ""
    first = authors[0]
    given = first.given
    lead = f"{first.surname}, {given}" if given else first.surname
    if len(authors) == 1:
        return lead
    if len(authors) == 2:
        word = loc.gettext("and")
        return lead + ", " + word + " " + authors[1].name
    return lead + ", " + loc.gettext("et al.")


def mla(c: CitedChapter, loc: Localizer) -> Markup:
    editors = loc.join([e.name for e in c.editors])
    pages = ""
    if c.pages:
        pages = ", " + loc.gettext("pp.") + f" {c.pages[0]}\u2013{c.pages[1]}"
    return Markup("{authors}. \u201c{title}\u201d <i>{book}</i>, {edited_by} {editors}, "
                  "{publisher}, {year}{pages}.{url}").format(
        authors=_mla_authors(c.authors, loc).rstrip("."), title=_end(c.title),
        book=c.book_title, edited_by=loc.gettext("edited by"), editors=editors,
        publisher=c.publisher, year=c.year, pages=pages, url=_url(c.url))
