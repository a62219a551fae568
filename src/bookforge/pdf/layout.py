"""Stage 6a, pdf layout: print HTML -> a laid-out WeasyPrint document (`layout`, with the
footnote repair in `final_layout`), as each unit of an edition is laid out (`units`).
`write_pdf` writes one HTML document as one PDF with page labels (roman front matter,
arabic body); the build joins units instead (`edition`, `join`).

Only files inside the book folder and bookforge's `styles/` may be read: the URL fetcher
refuses everything else (other files, `..` escapes, http/https) and reports it.
"""

from __future__ import annotations

import contextlib
import contextvars
import dataclasses
import gc
import logging
import os
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit
from xml.etree import ElementTree

import cssselect2
import lxml.etree
import lxml.html
import pydyf
import weasyprint
import weasyprint.layout.page
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher

from ..errors import Diagnostic, RenderError, error
from ..files import atomic_path, styles_dir
from .options import DEFAULT_OPTIONS, PdfOptions, font_diagnostics, page_css

# The named page (styles/print.css) of the first part opener: arabic folios start there.
BODY_START_PAGE = "body-start"
# Print-ready output: bleed for the trimmer and crop marks (the screen PDF has neither).
PRINT_READY_CSS = "@page { bleed: 3mm; marks: crop; }"
# Allocations between two young-generation collections while laying out (Python: 700).
GC_THRESHOLD = 10_000
# Layouts after the first at most, to keep footnotes on the page of their call.
FOOTNOTE_PASSES = 3


class BookFetcher(URLFetcher):
    """Serves `file:` URLs under the allowed roots and refuses everything else."""

    def __init__(self, roots: list[Path], refused: list[str]) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self.roots = [r.resolve() for r in roots]
        self.refused = refused

    def fetch(self, url, headers=None):  # type: ignore[no-untyped-def]
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if any(path.is_relative_to(r) for r in self.roots) and path.is_file():
                return super().fetch(path.as_uri(), headers)
        self.refused.append(url)
        raise ValueError(f"bookforge refuses to read {url}")


@dataclass(frozen=True)
class PdfResult:
    path: Path
    pages: int
    diagnostics: tuple[Diagnostic, ...]
    # The laid-out document the PDF was written from (for page maps); not compared.
    document: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class LaidOut:
    document: weasyprint.Document
    refused: tuple[str, ...]
    layouts: int = 1  # WeasyPrint layouts it took


@lru_cache(maxsize=8)
def _sheet(filename: str = "", mtime_ns: int = 0, size: int = 0, string: str = ""
           ) -> weasyprint.CSS:
    """A stylesheet parsed once per process (a unit's layout reads the same ones as every
    other's; parsing print.css took a tenth of a small unit's layout). Its file's
    modification time and size are part of the key. bookforge's stylesheets load nothing
    (no @import, @font-face or url()), so a parsed sheet is the same in every document."""
    fetcher = BookFetcher([styles_dir()], [])
    if filename:
        return weasyprint.CSS(filename=filename, url_fetcher=fetcher)
    return weasyprint.CSS(string=string, url_fetcher=fetcher)


_FONTS: dict[int, FontConfiguration] = {}


def _font_config(*texts: str) -> FontConfiguration | None:
    """One Pango font map per process, shared by the documents it lays out: a new one per
    document (WeasyPrint's default) loads and shapes every face again, which was two
    fifths of a chapter's layout; unit PDFs are byte-identical either way. Keyed by process,
    so a forked worker never uses its parent's. A document that brings its own faces
    (@font-face) gets a map of its own, so they cannot reach the next document."""
    if any("@font-face" in text for text in texts):
        return None
    pid = os.getpid()
    if pid not in _FONTS:  # (not setdefault: that makes a font map each time)
        _FONTS[pid] = FontConfiguration()
    return _FONTS[pid]


# Elements on which libxml2's HTML parser (lxml) and the HTML5 tree builder WeasyPrint uses
# (tinyhtml5) build the same tree from HTML that lxml wrote; with any other element (svg and
# math are namespaced in HTML5, wbr is void, a button in a button closes it ...) the
# document is parsed by WeasyPrint itself. See `_lxml_tree` for the other conditions.
SAME_TREE_TAGS = frozenset(
    "html head body meta title style link p div span a em strong i b u s small sub sup "
    "code kbd samp var abbr cite q dfn mark bdi bdo time data del ins br hr img figure "
    "figcaption section article aside nav header footer main h1 h2 h3 h4 h5 h6 ul ol li "
    "dl dt dd blockquote pre table caption colgroup col thead tbody tfoot tr th td ruby "
    "rt rp".split())
HEADINGS = frozenset("h1 h2 h3 h4 h5 h6".split())
TABLE_PARTS = frozenset("table thead tbody tfoot tr colgroup".split())


class _TreeDiffers(Exception):
    pass


def _lxml_tree(html: str) -> ElementTree.Element | None:
    """`html` parsed as WeasyPrint's own parser would, by lxml (a tenth of the time: the
    pure-Python HTML5 parser was a twentieth of a unit's layout), or None where the two
    could build different trees: an element outside SAME_TREE_TAGS, a row or column that
    HTML5 would wrap in a section, text a table would move out of it, a heading in a
    heading, a `pre` starting with a newline (HTML5 drops it)."""

    def build(source: Any, in_heading: bool) -> ElementTree.Element:
        tag = source.tag
        parent = source.getparent()
        if (tag not in SAME_TREE_TAGS or (tag == "tr" and parent.tag == "table")
                or (tag == "col" and parent.tag != "colgroup")
                or (tag in HEADINGS and in_heading)
                or (tag == "pre" and (source.text or "").startswith(("\n", "\r")))
                or (tag in TABLE_PARTS and (source.text or "").strip())):
            raise _TreeDiffers
        element = ElementTree.Element(tag, dict(source.attrib))
        element.text, element.tail = source.text, source.tail
        for child in source:
            if isinstance(child.tag, str):
                element.append(build(child, in_heading or tag in HEADINGS))
            elif isinstance(child, lxml.etree._Comment):
                comment = ElementTree.Comment(child.text)
                comment.tail = child.tail
                element.append(comment)
            else:  # a processing instruction, an entity
                raise _TreeDiffers
            if tag in TABLE_PARTS and (child.tail or "").strip():
                raise _TreeDiffers
        return element

    try:
        return build(lxml.html.document_fromstring(html), False)
    except (_TreeDiffers, lxml.etree.ParserError, ValueError):
        return None


class _ParsedHTML(weasyprint.HTML):
    """A WeasyPrint HTML document from a tree already parsed (see `_lxml_tree`)."""

    def __init__(self, root: ElementTree.Element, base_url: str, url_fetcher: URLFetcher
                 ) -> None:  # (no <base> among SAME_TREE_TAGS: the base URL is as given)
        self.base_url = base_url
        self.url_fetcher = url_fetcher
        self.media_type = "print"
        self.wrapper_element = cssselect2.ElementWrapper.from_html_root(
            root, content_language=None)
        self.etree_element = self.wrapper_element.etree_element


def html_document(html: str, base_url: str, url_fetcher: URLFetcher,
                  lxml_written: bool = False) -> weasyprint.HTML:
    """WeasyPrint's document of `html`; parsed by lxml when lxml wrote it (see
    `_lxml_tree`), by WeasyPrint otherwise."""
    root = _lxml_tree(html) if lxml_written else None
    if root is None:
        return weasyprint.HTML(string=html, base_url=base_url, url_fetcher=url_fetcher)
    return _ParsedHTML(root, base_url, url_fetcher)


def layout(html: str, book_root: Path, options: PdfOptions = DEFAULT_OPTIONS,
           extra_css: str = "", lxml_written: bool = False) -> LaidOut:
    """Lay the print HTML out into pages (no PDF written yet); `extra_css` is appended last.
    `lxml_written`: lxml serialised `html` (a unit's, see `units.split_units`)."""
    refused: list[str] = []
    fetcher = BookFetcher([book_root, styles_dir()], refused)
    print_css = styles_dir() / "print.css"
    stat = print_css.stat()
    sheets = [_sheet(str(print_css), stat.st_mtime_ns, stat.st_size),
              _sheet(string=page_css(options.trim))]
    if options.print_ready:
        sheets.append(_sheet(string=PRINT_READY_CSS))
    if extra_css:
        sheets.append(weasyprint.CSS(string=extra_css))
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    document = html_document(html, book_root.as_uri() + "/", fetcher, lxml_written).render(
        stylesheets=sheets, font_config=_font_config(html, extra_css))
    return LaidOut(document, tuple(dict.fromkeys(refused)))


def page_name(page: weasyprint.Page) -> str:
    return str(page._page_box.page_type.name or "")


def front_page_count(document: weasyprint.Document) -> int:
    """Pages before the first body page (0 when the book has no body-start page)."""
    for index, page in enumerate(document.pages):
        if page_name(page) == BODY_START_PAGE:
            return index
    return 0


def page_label_ranges(document: weasyprint.Document) -> list[tuple[int, str]]:
    """(first page index, PDF numbering style) pairs: /r from the first page, /D from the
    body start; the body counts from 1 as the folios do."""
    front = front_page_count(document)
    return ([(0, "/r")] if front else []) + [(front, "/D")]


def add_page_labels(ranges: list[tuple[int, str]]):  # type: ignore[no-untyped-def]
    """A WeasyPrint finisher writing /PageLabels into the catalog."""

    def finisher(_document: weasyprint.Document, pdf: pydyf.PDF) -> None:
        nums = pydyf.Array()
        for start, style in ranges:
            nums.extend([start, pydyf.Dictionary({"S": style, "St": 1})])
        pdf.catalog["PageLabels"] = pydyf.Dictionary({"Nums": nums})

    return finisher


def anchor_pages(document: weasyprint.Document) -> dict[str, int]:
    """Anchor id -> index of the page it was laid out on."""
    return {anchor: index for index, page in enumerate(document.pages)
            for anchor in page.anchors}


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector less often: WeasyPrint allocates millions of boxes,
    and each full collection walks all of them (a sixth of a book's layout time with the
    default thresholds). Nothing is kept for longer than a few more allocations."""
    previous = gc.get_threshold()
    gc.set_threshold(GC_THRESHOLD, *previous[1:])
    try:
        yield
    finally:
        gc.set_threshold(*previous)


def _descendants(box: Any) -> Iterator[Any]:
    for child in getattr(box, "children", ()):
        yield child
        yield from _descendants(child)


def _flow_boxes(page: weasyprint.Page) -> Iterator[Any]:
    """The boxes of a page's flow and footnote area, in order (margin boxes left out)."""
    for child in page._page_box.children:
        if type(child).__name__ != "MarginBox":
            yield child
            yield from _descendants(child)


def _footnote_pages(document: weasyprint.Document) -> tuple[dict[str, int], dict[str, int]]:
    """Footnote id -> index of the page of its call, of the page printing its text."""
    calls: dict[str, int] = {}
    placed: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for box in _flow_boxes(page):
            if box.element is None:
                continue
            if (box.element_tag or "").endswith("::footnote-call"):
                calls.setdefault(box.element.get("id"), index)
            elif "footnote" in (box.element.get("class") or "").split():
                placed.setdefault(box.element.get("id"), index)
    return calls, placed


def _last_line_block(page_box: Any) -> Any:
    """The block holding the last line of a page's flow (not of its footnote area)."""
    parent = None
    for box in _descendants(page_box.children[0]):
        if any(type(c).__name__ == "LineBox" for c in getattr(box, "children", ())):
            parent = box
    return parent


def _selector(element: Any, parents: Mapping[Any, Any]) -> str:
    """A CSS selector for one element: its nearest ancestor with an id, then child steps."""
    steps: list[str] = []
    while element.get("id") is None and element in parents:
        parent = parents[element]
        siblings = [c for c in parent if isinstance(c.tag, str)]
        steps.append(f"*:nth-child({siblings.index(element) + 1})")
        element = parent
    head = f'[id="{element.get("id")}"]' if element.get("id") is not None else ":root"
    return " > ".join([head, *reversed(steps)])


def footnote_thieves(document: weasyprint.Document) -> set[str]:
    """Selectors of the paragraphs that sent a footnote to the page after its call.

    WeasyPrint 70 (layout/block.py, `_linebox_layout`) keeps a paragraph's second line
    (orphans: 2) on a full page by moving that page's footnotes to the next page. The
    paragraph ends such a page; laid out again with `orphans: 3`, it moves to the next page
    instead, as it would without footnotes."""
    calls, placed = _footnote_pages(document)
    pages = {calls[f] for f in calls if placed.get(f, calls[f]) != calls[f]}
    if not pages:
        return set()
    root = document.pages[0]._page_box.children[0].element
    parents = {child: parent for parent in root.iter() for child in parent}
    blocks = [_last_line_block(document.pages[index]._page_box) for index in sorted(pages)]
    return {_selector(b.element, parents) for b in blocks
            if b is not None and b.element is not None}


class _Thief(Exception):
    """A page just laid out sent a footnote called on it to the next page."""

    def __init__(self, selector: str) -> None:
        super().__init__(selector)
        self.selector = selector


# The thieves already kept while a layout is watched (see `_watched_remake_page`), or None.
_WATCH: contextvars.ContextVar[set[str] | None] = contextvars.ContextVar(
    "bookforge_footnote_watch", default=None)
_REMAKE_PAGE = weasyprint.layout.page.remake_page


def _page_thief(page_box: Any, context: Any) -> tuple[Any, str] | None:
    """The block ending `page_box` and its selector when the page sent a footnote called
    on it to the next page (WeasyPrint's `context.reported_footnotes` after the page)."""
    reported = {f.element.get("id") for f in context.reported_footnotes
                if getattr(f, "element", None) is not None}
    if not reported:
        return None
    called_here = any((getattr(box, "element_tag", None) or "").endswith("::footnote-call")
                      and box.element is not None and box.element.get("id") in reported
                      for box in _descendants(page_box.children[0]))
    block = _last_line_block(page_box) if called_here else None
    if block is None or block.element is None:
        return None
    root = page_box.children[0].element
    return block, _selector(block.element, {child: parent for parent in root.iter()
                                            for child in parent})


@dataclass
class _PageStart:
    """What laying one page out changes in WeasyPrint's layout context, as it was before
    the page: restored, the page is laid out again as if for the first time."""

    footnotes: list[Any]
    reported: list[Any]
    broken_out_of_flow: dict[Any, Any]
    rendered_notes: list[Any]
    remake_state: dict[str, Any]

    @classmethod
    def of(cls, context: Any, index: int) -> _PageStart:
        state = context.page_maker[index][-1]
        # (make_page replaces the reported footnotes and the broken out-of-flow boxes
        # with lists of its own; it changes the rest in place)
        return cls(list(context.footnotes), context.reported_footnotes,
                   context.broken_out_of_flow, list(context.rendered_notes), _copied(state))

    def restore(self, context: Any, index: int) -> None:
        context.footnotes[:] = self.footnotes
        context.reported_footnotes = self.reported
        context.broken_out_of_flow = self.broken_out_of_flow
        context.rendered_notes[:] = self.rendered_notes
        state = context.page_maker[index][-1]
        state.clear()
        state.update(_copied(self.remake_state))


def _copied(state: dict[str, Any]) -> dict[str, Any]:
    """A page's remake state with lists of its own (make_page appends to them)."""
    return {k: list(v) if isinstance(v, list) else v for k, v in state.items()}


def _keep_lines(root_box: Any, block: Any) -> bool:
    """Give the paragraph of `block` (a laid-out block of line boxes) `orphans: 3` in the
    box tree the pages are laid out from, as `keep_footnotes_css` would have given it: its
    boxes get a style of their own (a computed style is shared by like siblings). False
    where that cannot be done alike (an anonymous block, a paragraph whose lines are in
    blocks of their own): the layout then starts again with the CSS."""
    style = block.style
    if type(block).__name__ != "BlockBox" or type(style).__name__ != "ComputedStyle":
        return False
    if any(type(c).__name__ != "LineBox" for c in block.children):
        return False
    kept = style.copy()
    kept["orphans"] = kept.specified["orphans"] = 3
    found = False
    for box in _descendants(root_box):
        if box.style is style and box.element is block.element:
            box.style = found = kept
    return bool(found)


def _watched_remake_page(index, context, root_box, html):  # type: ignore[no-untyped-def]
    """WeasyPrint's `remake_page`, which lays out one page; while a layout is watched, a page
    that sends a footnote away from its call's page is laid out again at once with the
    paragraph ending it kept off the page (`_keep_lines`), the pages before it as they
    were; where that cannot be done the layout stops there (`_Thief`) and starts again
    with the paragraph's CSS."""
    kept = _WATCH.get()
    if kept is None:
        return _REMAKE_PAGE(index, context, root_box, html)
    start = _PageStart.of(context, index)
    for _ in range(FOOTNOTE_PASSES + 1):
        page, resume_at = _REMAKE_PAGE(index, context, root_box, html)
        thief = _page_thief(page, context)
        if thief is None or thief[1] in kept:
            return page, resume_at
        kept.add(thief[1])
        if not _keep_lines(root_box, thief[0]):
            raise _Thief(thief[1])
        start.restore(context, index)
    raise _Thief(thief[1])  # (still sending footnotes away: the CSS way decides)


weasyprint.layout.page.remake_page = _watched_remake_page


def keep_footnotes_css(selectors: set[str]) -> str:
    return "".join(f"{s} {{ orphans: 3; }}\n" for s in sorted(selectors))


def _watched_layout(html: str, book_root: Path, options: PdfOptions, thieves: set[str],
                    lxml_written: bool = False) -> tuple[LaidOut, int]:
    """Lay `html` out keeping the footnotes of `thieves` (selectors, see `footnote_thieves`)
    on their calls' pages. A new thief is kept as its page is laid out (the selectors are
    added to `thieves`); one that cannot be kept so stops the layout at its page, and it
    starts again with the thieves' CSS, at most FOOTNOTE_PASSES times; returns the layout
    and the (partial) layouts it took."""
    for attempt in range(FOOTNOTE_PASSES + 1):
        css = keep_footnotes_css(thieves)
        token = _WATCH.set(thieves if attempt < FOOTNOTE_PASSES else None)
        try:
            return layout(html, book_root, options, css, lxml_written), attempt + 1
        except _Thief as found:
            thieves.add(found.selector)
        finally:
            _WATCH.reset(token)
    raise AssertionError("unreachable: the last attempt is not watched")


def final_layout(html: str, book_root: Path, options: PdfOptions = DEFAULT_OPTIONS,
                 relayout: Callable[[Mapping[str, int]], str] | None = None,
                 lxml_written: bool = False) -> LaidOut:
    """The layout the PDF is written from. `relayout`, when given, gets the anchor pages of
    a layout and returns the HTML to lay out again (the index needs them). A paragraph that
    pushes a footnote off its call's page is laid out again without doing so: the layout
    stops at that page and starts again (`_watched_layout`); what the watch did not stop is
    found in the finished layout (`footnote_thieves`) and laid out again. The index then
    comes from the layout with that fix."""
    with fewer_collections():
        thieves: set[str] = set()
        laid, count = _watched_layout(html, book_root, options, thieves, lxml_written)
        for _ in range(FOOTNOTE_PASSES):
            found = footnote_thieves(laid.document) - thieves
            thieves |= found
            second = relayout(anchor_pages(laid.document)) if relayout is not None else html
            if second == html and not found:
                break
            html = second
            laid, more = _watched_layout(html, book_root, options, thieves, lxml_written)
            count += more
            if not thieves:
                break
    return dataclasses.replace(laid, layouts=count)


def write_pdf(html: str, book_root: Path, target: Path, trim: str = "155x230mm",
              tagged: bool = True,
              variant: str | None = None, print_ready: bool = False,
              relayout: Callable[[Mapping[str, int]], str] | None = None) -> PdfResult:
    """Lay `html` out (see `final_layout`) and write the PDF atomically."""
    options = PdfOptions(trim=trim, tagged=tagged, variant=variant, print_ready=print_ready)
    try:
        laid = final_layout(html, book_root, options, relayout)
        document = laid.document
        with atomic_path(target) as tmp, fewer_collections():
            document.write_pdf(tmp, pdf_tags=tagged, pdf_variant=variant,
                               custom_metadata=True,
                               finisher=add_page_labels(page_label_ranges(document)))
    except (OSError, ValueError) as exc:
        raise RenderError([error(str(target), 0, "pdf-write", str(exc))]) from exc
    diags = [error(str(target.name), 0, "resource-refused", f"refused to read {u}")
             for u in laid.refused]
    return PdfResult(path=target, pages=len(document.pages),
                     diagnostics=tuple(diags + font_diagnostics(target)), document=document)
