"""Stage 6a, pdf units: an edition's print HTML -> the units it is laid out in, and one unit
-> its layout as plain data (in a worker process).

A unit is a run of the print HTML's top-level sections laid out as its own WeasyPrint
document: the front matter before the contents, the contents (and what follows it up to the
body), each chapter (a part opener goes with the part's first chapter), and each back-matter
section. Every unit starts on a recto (each section breaks to a right page, and a document's
first page is a right page); the join pads a unit with an odd page count with a blank verso.

A unit's layout does not depend on where it falls in the book: folios are not printed into
it (its folio margin boxes are taken out after layout, and `join` stamps the real folios as
artifacts), and links to other units leave as `bookforge-unit:` URIs that the join points at
the target's page. Units whose text prints other units' page numbers (`PAGE_REFERENCING`:
the contents, the index, the contributors) are *dependent*: they are laid out after the
others, from HTML given the anchor -> page map, each link carrying its folio as data.
"""

from __future__ import annotations

import copy
import logging
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import lxml.html

from .options import PdfOptions

# Top-level sections that print the page numbers of other sections: each starts a dependent
# unit (the front matter after the contents stays in the contents' unit).
# (the lists of figures and tables, render/frontmatter.py LIST_IDS, too)
PAGE_REFERENCING = frozenset({"toc", "list-of-figures", "list-of-tables", "book-index",
                              "contributors"})
# The scheme a link to another unit gets in its unit's HTML; the join resolves it.
LINK_SCHEME = "bookforge-unit:"
# print.css puts folios in these margin boxes only (running heads are in @top-center).
# (the parallel edition's folio is at the foot's centre, its running heads at the top corners)
FOLIO_BOXES = {"@top-left": "run", "@top-right": "run", "@bottom-right": "drop",
               "@bottom-center": "foot"}
# Strings a unit's running heads read that an earlier unit may have set: print.css sets
# each from the first element of that class (book title) or the last (part title).
CARRIED_STRINGS = ("book-title", "part-title")


@dataclass(frozen=True)
class Unit:
    name: str  # id of its first section
    sections: tuple[str, ...]  # ids of its top-level sections
    html: str
    dependent: bool
    targets: frozenset[str] = frozenset()  # anchors in other units it links to


@dataclass(frozen=True)
class UnitJob:
    """All a worker needs to lay out one unit (plain data only)."""

    name: str
    html: str
    book_root: str
    options: PdfOptions
    doc_ids: frozenset[str]  # print sections the page map attributes lines to
    keep_folios: bool = False  # the folio sheet keeps them; every unit has them stamped


@dataclass(frozen=True)
class UnitLayout:
    """A laid-out unit as plain data; pages are numbered from 0 within the unit."""

    name: str
    pdf: bytes = field(repr=False)
    pages: int
    anchors: Mapping[str, int]  # anchor id -> page
    folios: tuple[str, ...]  # per page: "run" (head, outer edge), "drop" (foot), "" (none)
    bookmarks: tuple[tuple[tuple[int, str, tuple[float, float], str], ...], ...]  # per page
    heights: tuple[float, ...]  # per page, CSS px
    lines: tuple[tuple[str, str, str], ...]  # per page: (section id, first words, before)
    refused: tuple[str, ...] = ()
    layouts: int = 1  # WeasyPrint layouts it took (footnote repairs add some)
    # what the join reads in the unit's PDF, found by the worker (see `pdf_objects`), as
    # object numbers: its elements under the Document reachable from its ParentTree, and its
    # `LINK_SCHEME` link annotations with their targets; None: the join finds them itself
    outside: tuple[int, ...] | None = None
    links: tuple[tuple[int, str], ...] | None = None


# -- splitting ------------------------------------------------------------------------------

def _classes(element: Any) -> list[str]:
    return (element.get("class") or "").split()


def _is_body(element: Any) -> bool:
    return "part-opener" in _classes(element) or element.tag == "article"


def _groups(body: Any) -> Iterator[list[Any]]:
    """The top-level elements of the body, grouped into units (see the module doc)."""
    group: list[Any] = []
    in_body = after_contents = False
    for child in body:
        if not isinstance(child.tag, str):
            continue
        lone_opener = (len(group) > 0 and all("part-opener" in _classes(g) for g in group)
                       and child.tag == "article")
        # after the contents every front text is a unit of its own: the contents and the
        # lists print its folio, which a page counter inside their own unit would not know
        starts = (not group or child.get("id") in PAGE_REFERENCING or after_contents
                  or (_is_body(child) and not in_body)
                  or (in_body and not lone_opener))
        after_contents = (after_contents or child.get("id") == "toc") and not in_body
        if starts and group:
            yield group
            group = []
        in_body = in_body or _is_body(child)
        group.append(child)
    if group:
        yield group


def _css_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return f'"{escaped}"'


def _text(element: Any) -> str:
    return " ".join(element.text_content().split())


def split_units(html: str, folios: Mapping[str, str] | None = None,
                only: Collection[str] | None = None) -> list[Unit]:
    """The units of an edition's print HTML. `folios` (anchor id -> printed folio) is given
    once the independent units are laid out: links to other units then carry
    `data-folio`, which print.css prints instead of a target-counter. `only` (unit names)
    keeps those units and skips writing out the others."""
    tree = lxml.html.document_fromstring(html)
    head = lxml.html.tostring(tree.head, encoding="unicode") if tree.head is not None else ""
    root_attrs = "".join(f' {k}="{escape(v)}"' for k, v in tree.attrib.items())
    # the body's own attributes too: a stylesheet may select on them (the parallel
    # edition's `body.parallel-edition`)
    body_attrs = "".join(f' {k}="{escape(v)}"' for k, v in tree.body.attrib.items())
    strings = {name: "" for name in CARRIED_STRINGS}
    setters = _string_setters(tree.body)
    units = []
    for group in _groups(tree.body):
        # a unit carries the strings earlier units set and it does not set itself: the
        # root element sets them again on each of its pages
        found = {name: "" for name in CARRIED_STRINGS}
        for element in group:
            for name, text in setters.get(element, ()):
                found[name] = found[name] if name == "book-title" and found[name] else text
        carried = ", ".join(f"{name} {_css_string(strings[name])}" for name in CARRIED_STRINGS
                            if strings[name] and not found[name])
        strings.update({name: value for name, value in found.items() if value})
        ids = [e.get("id") or "" for e in group]
        if only is not None and ids[0] not in only:
            continue
        dependent = any(i in PAGE_REFERENCING for i in ids)
        body, targets = _unit_body(group, folios if dependent else None)
        style = f"<style>html {{ string-set: {carried}; }}</style>" if carried else ""
        page = (f"<!DOCTYPE html>\n<html{root_attrs}>{head.replace('</head>', style + '</head>')}"
                f"<body{body_attrs}>{body}</body></html>")
        units.append(Unit(ids[0], tuple(ids), page, dependent, targets))
    return units


def _string_setters(body: Any) -> dict[Any, list[tuple[str, str]]]:
    """Per top-level element of `body`, the CARRIED_STRINGS its elements set, as (name,
    text), each name's in document order. (Found by XPath: walking every element of a long
    book in Python was most of splitting it.)"""
    tops = {child for child in body if isinstance(child.tag, str)}
    found: dict[Any, list[tuple[str, str]]] = {}
    for name in CARRIED_STRINGS:
        for node in body.xpath(f'.//*[contains(@class, "{name}")]'):
            if name not in _classes(node):
                continue
            top = node
            while top not in tops:
                top = top.getparent()
            found.setdefault(top, []).append((name, _text(node)))
    return found


def _unit_body(group: Sequence[Any], folios: Mapping[str, str] | None
               ) -> tuple[str, frozenset[str]]:
    """The unit's sections serialised, links out of the unit rewritten (see LINK_SCHEME),
    and the anchors those links point to."""
    parts = []
    for original in group:
        element = copy.deepcopy(original)
        element.tail = "\n"
        parts.append(element)
    inside = {e.get("id") for part in parts for e in part.iter()
              if isinstance(e.tag, str) and e.get("id")}
    targets = set()
    for part in parts:
        for link in part.iter("a"):
            href = link.get("href") or ""
            if not href.startswith("#") or href[1:] in inside:
                continue
            if folios is not None and href[1:] in folios:
                link.set("data-folio", folios[href[1:]])
                if "ix" in _classes(link) and not link.text and not len(link):
                    # an index locator is its folio: as text, not a generated box after
                    # an empty one (those boxes were a third of a long index's layout)
                    link.text = folios[href[1:]]
            link.set("href", LINK_SCHEME + href[1:])
            targets.add(href[1:])
    return "".join(lxml.html.tostring(p, encoding="unicode") for p in parts), frozenset(targets)


# -- laying a unit out (in a worker) --------------------------------------------------------

def _folio_kind(page: Any) -> str:
    kinds = {FOLIO_BOXES.get(getattr(box, "at_keyword", "")) for box in page._page_box.children
             if type(box).__name__ == "MarginBox"}
    return next((k for k in ("foot", "drop", "run") if k in kinds), "")


def _strip_folios(page: Any, kind: str) -> None:
    """Take the folio margin boxes (those of the page's folio `kind`) out of a laid-out page:
    margin boxes are laid out apart from the page's flow, so nothing else moves; the join
    prints the real folio there."""
    box = page._page_box
    box.children = [c for c in box.children if type(c).__name__ != "MarginBox"
                    or FOLIO_BOXES.get(getattr(c, "at_keyword", "")) != kind]


def lay_out_unit(job: UnitJob) -> UnitLayout:
    """Lay one unit out (footnotes repaired within it) and write its PDF fragment."""
    from ..epub.pagelist import page_lines
    from .layout import fewer_collections, final_layout  # (WeasyPrint: in the workers)

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    with fewer_collections():
        # (a section unit's HTML is lxml's, see `split_units`; a folio sheet's is not)
        laid = final_layout(job.html, Path(job.book_root), job.options,
                            lxml_written=not job.keep_folios)
        document = laid.document
        folios = tuple(_folio_kind(p) for p in document.pages)
        if not job.keep_folios:
            for page, kind in zip(document.pages, folios, strict=True):
                _strip_folios(page, kind)
        found: list[tuple[tuple[int, ...], tuple[tuple[int, str], ...]]] = []
        pdf = document.write_pdf(pdf_tags=job.options.tagged, pdf_variant=job.options.variant,
                                 custom_metadata=True,
                                 finisher=lambda _document, pdf: found.append(pdf_objects(pdf)))
    anchors: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            anchors.setdefault(anchor, index)
    return UnitLayout(
        name=job.name, pdf=pdf, pages=len(document.pages), anchors=anchors, folios=folios,
        bookmarks=tuple(tuple((lvl, label, (float(x), float(y)), state)
                              for lvl, label, (x, y), state in p.bookmarks)
                        for p in document.pages),
        heights=tuple(float(p.height) for p in document.pages),
        lines=page_lines(document, job.doc_ids), refused=laid.refused,
        layouts=laid.layouts, outside=found[0][0] if found else None,
        links=found[0][1] if found else None)


def _number(reference: Any) -> int | None:
    """The object number of a pydyf reference (b"12 0 R"), or None."""
    if isinstance(reference, bytes) and reference.endswith(b" 0 R"):
        return int(reference.split()[0])
    return None


def pdf_objects(pdf: Any) -> tuple[tuple[int, ...], tuple[tuple[int, str], ...]]:
    """What the join would otherwise find by walking the unit's file (`join._Prepared`),
    read in WeasyPrint's PDF objects (pydyf) before it writes them, where it costs a tenth:
    the elements whose parent is the Document, reached from the ParentTree as
    `join._outside_elements` reaches them; the link annotations to `LINK_SCHEME` URIs as
    `join._unit_links` finds them (page by page, in /Annots order). The join checks each
    object it is given and walks the file itself if one is not what it should be."""
    objects = {obj.number: obj for obj in pdf.objects if hasattr(obj, "number")}

    def get(reference: Any) -> Any:
        number = _number(reference)
        return objects.get(number) if number is not None else None

    outside: list[int] = []
    root = get(pdf.catalog.get("StructTreeRoot"))
    if isinstance(root, dict):
        documents = {_number(r) for r in root.get("K", ())
                     if isinstance(get(r), dict) and get(r).get("S") == "/Document"}
        tree = get(root.get("ParentTree"))
        nums = list(tree.get("Nums", ())) if isinstance(tree, dict) else []
        seen: set[int] = set()
        for value in nums[1::2]:
            for reference in value if isinstance(value, list) else [value]:
                number = _number(reference)
                element = objects.get(number) if number is not None else None
                while isinstance(element, dict) and number not in seen and "P" in element:
                    seen.add(number)
                    parent = _number(element["P"])
                    if parent in documents:
                        outside.append(number)
                        break
                    number, element = parent, objects.get(parent)
    links: list[tuple[int, str]] = []
    kids = pdf.pages["Kids"]  # (pydyf lists a page as: number, 0, "R")
    for page in (objects.get(n) for n in kids[::3]):
        for reference in (page or {}).get("Annots", ()):
            annot, number = get(reference), _number(reference)
            action = annot.get("A") if isinstance(annot, dict) else None
            uri = action.get("URI") if isinstance(action, dict) else None
            if (number is not None and isinstance(action, dict) and action.get("S") == "/URI"
                    and isinstance(getattr(uri, "string", None), str)
                    and uri.string.startswith(LINK_SCHEME)):
                links.append((number, uri.string[len(LINK_SCHEME):]))
    return tuple(outside), tuple(links)
