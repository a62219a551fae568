"""Stage 6a, pdf join: the PDF fragments of an edition's units -> one PDF, on pikepdf.

qpdf and pikepdf copy pages between files but not structure trees; this does what PDFBox's
PDFMergerUtility does for ours, which WeasyPrint wrote all alike: one StructTreeRoot whose
Document element holds every unit's top-level elements in order (their /P repointed), one
ParentTree with each unit's keys shifted past the units before it (each page's
/StructParents and each annotation's /StructParent shifted with them), role maps merged.
Also: one named-destination tree, `bookforge-unit:` links turned into links to those names,
one outline nested across units, /PageLabels, the first unit's metadata, and each page's
folio stamped from the folio sheet as an /Artifact (see `units`).
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pikepdf
from pikepdf import Array, Dictionary, Name, String

from .units import LINK_SCHEME, UnitLayout

SCALE = 0.75  # PDF points per CSS pixel
# Catalog entries the joined file takes from the first unit (all units write the same).
FOLIO_NAME = "/BookforgeFolio"
CATALOG_KEYS = ("/Lang", "/MarkInfo", "/ViewerPreferences", "/Metadata", "/OutputIntents")


@dataclass(frozen=True)
class Placement:
    """Where a unit's pages land in the joined PDF."""

    first: int  # joined index of its first page
    pages: int  # its own pages
    padded: bool  # a blank verso follows it


def placements(units: Sequence[UnitLayout]) -> list[Placement]:
    out, at = [], 0
    for unit in units:
        out.append(Placement(at, unit.pages, unit.pages % 2 == 1))
        at += unit.pages + unit.pages % 2
    return out


def _number_tree_items(node: Any) -> list[tuple[int, Any]]:
    return [(int(k), v) for k, v in pikepdf.NumberTree(node).items()]


def _blank_like(out: pikepdf.Pdf, page: pikepdf.Page) -> pikepdf.Page:
    blank = Dictionary(Type=Name.Page, Resources=Dictionary(), Contents=out.make_stream(b""))
    for box in ("/MediaBox", "/TrimBox", "/BleedBox"):
        if box in page.obj:
            blank[box] = Array([float(v) for v in page.obj[box]])
    return pikepdf.Page(out.make_indirect(blank))


def _copy(out: pikepdf.Pdf, source: pikepdf.Pdf, obj: Any) -> Any:
    """`obj` of `source` copied into `out` (qpdf copies indirect objects only; the pages it
    refers to map to their copies already made)."""
    if isinstance(obj, String):
        return String(bytes(obj))
    return out.copy_foreign(obj if obj.is_indirect else source.make_indirect(obj))


def write_metadata(out: pikepdf.Pdf, first: pikepdf.Pdf) -> None:
    """Document information and catalog metadata (language, XMP, output intents) of the
    joined file: the first unit's, which WeasyPrint wrote from the edition's HTML head."""
    if "/Info" in first.trailer:
        out.trailer.Info = _copy(out, first, first.trailer.Info)
    for key in CATALOG_KEYS:
        if key in first.Root:
            out.Root[key] = _copy(out, first, first.Root[key])


def label_ranges(front: int, first: int = 0) -> list[tuple[int, str, int]]:
    """(first page, numbering style, first number) of the page-label ranges of a PDF whose
    first page is page `first` of an edition with `front` roman pages."""
    if first >= front:
        return [(0, "/D", first - front + 1)]
    return [(0, "/r", first + 1), (front - first, "/D", 1)]


def page_labels(ranges: Sequence[tuple[int, str, int]]) -> Dictionary:
    nums = Array()
    for start, style, number in ranges:
        nums.extend([start, Dictionary(S=Name(style), St=number)])
    return Dictionary(Nums=nums)


def _outside_elements(source: pikepdf.Pdf) -> list[Any]:
    """The unit's elements, other than its Document's children, whose parent is its
    Document: WeasyPrint maps the running heads' marked content to elements under its
    Document but outside its /K. (Read in the unit's own file, before anything is copied.)"""
    root = source.Root.StructTreeRoot
    documents = {e.objgen for e in root.K if e.get("/S") == Name.Document}
    items = _number_tree_items(root.ParentTree) if "/ParentTree" in root else []
    seen: set[tuple[int, int]] = set()
    found = []
    for _, value in items:
        for element in value if isinstance(value, Array) else [value]:
            while (isinstance(element, Dictionary) and element.objgen not in seen
                   and "/P" in element):
                seen.add(element.objgen)
                if element.P.objgen in documents:
                    found.append(element)
                    break
                element = element.P
    return found


class _Tree:
    """The joined structure tree being assembled, a unit at a time in book order."""

    def __init__(self, out: pikepdf.Pdf) -> None:
        self.out = out
        self.root = out.make_indirect(Dictionary(Type=Name.StructTreeRoot))
        self.document = out.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document,
                                                     P=self.root, K=Array()))
        self.root.K = Array([self.document])
        self.nums: list[tuple[int, Any]] = []
        self.role_map = Dictionary()
        self.next_key = 0

    def add_unit(self, source: pikepdf.Pdf, pages: Sequence[pikepdf.Page],
                 outside: Sequence[Any], prefix: str = "", has_ids: bool = False) -> None:
        """The unit's structure tree copied (its pages copied already), its top-level
        elements and `outside` (`_outside_elements`) children of the joined Document."""
        if "/StructTreeRoot" not in source.Root:
            return
        root = self.out.copy_foreign(source.Root.StructTreeRoot)
        offset = self.next_key
        items = _number_tree_items(root.ParentTree) if "/ParentTree" in root else []
        for key, value in items:
            self.nums.append((key + offset, value))
        last = max((k for k, _ in items), default=-1)
        self.next_key += max(int(root.get("/ParentTreeNextKey", last + 1)), last + 1)
        for page in pages:
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + offset
            for annot in page.obj.get("/Annots", []):
                if "/StructParent" in annot:
                    annot.StructParent = int(annot.StructParent) + offset
        for element in root.K:
            kids = element.K if element.get("/S") == Name.Document else Array([element])
            for kid in kids:
                if isinstance(kid, Dictionary):
                    kid.P = self.document
                self.document.K.append(kid)
        for element in outside:  # (the unit's own root, left unreferenced, is not written)
            self.out.copy_foreign(element).P = self.document  # (the copy made above)
        for role, target in root.get("/RoleMap", {}).items():
            self.role_map[role] = target
        if has_ids:
            _prefix_ids(root, prefix)

    def add_blank(self, page: pikepdf.Page) -> None:
        page.obj.StructParents = self.next_key
        self.nums.append((self.next_key, self.out.make_indirect(Array())))
        self.next_key += 1

    def finish(self) -> None:
        flat: list[Any] = []  # one Array built at once: appending to one is quadratic
        for key, value in sorted(self.nums, key=lambda kv: kv[0]):
            flat += [key, value]
        self.root.ParentTree = self.out.make_indirect(Dictionary(Nums=Array(flat)))
        self.root.ParentTreeNextKey = self.next_key
        if len(self.role_map):
            self.root.RoleMap = self.role_map
        self.out.Root.StructTreeRoot = self.root


def _prefix_ids(root: Any, prefix: str) -> None:
    """Make a unit's element IDs (WeasyPrint numbers table header cells by the object
    number of their table, the same in every unit) unique in the joined tree, with the
    /Headers that refer to them."""
    stack = list(root.K)
    while stack:
        element = stack.pop()
        if not isinstance(element, Dictionary):
            continue
        if "/ID" in element:
            element.ID = String(prefix + str(element.ID))
        attributes = element.get("/A")
        if isinstance(attributes, Dictionary) and "/Headers" in attributes:
            attributes.Headers = Array([String(prefix + str(h)) for h in attributes.Headers])
        kids = element.get("/K")
        if isinstance(kids, Array):
            stack.extend(kids)
        elif isinstance(kids, Dictionary):
            stack.append(kids)


def bookmark_tree(units: Sequence[UnitLayout], where: Sequence[Placement]) -> list[Any]:
    """Every unit's bookmarks nested by level across units, as (label, (page, x, y) in PDF
    points, children, state): a bookmark goes under the last one of a lower level (an h4
    after an h2 is one level down, as WeasyPrint nests them within one document)."""
    tree: list[Any] = []
    open_levels: list[tuple[int, list[Any]]] = [(0, tree)]  # (level, its children)
    for unit, place in zip(units, where, strict=True):
        for n in range(unit.pages):
            height = unit.heights[n]
            for level, label, (x, y), state in unit.bookmarks[n]:
                while open_levels[-1][0] >= level:
                    open_levels.pop()
                children: list[Any] = []
                # (CSS pixels from the top -> PDF points from the bottom)
                point = (place.first + n, x * SCALE, -SCALE * y + height * SCALE)
                open_levels[-1][1].append((label, point, children, state))
                open_levels.append((level, children))
    return tree


def _outline(out: pikepdf.Pdf, units: Sequence[UnitLayout], where: Sequence[Placement]) -> None:
    """One outline from every unit's bookmarks (`bookmark_tree`)."""
    tree = bookmark_tree(units, where)
    if not tree:
        return
    root = out.make_indirect(Dictionary(Type=Name.Outlines))

    def add(nodes: list[Any], parent: Any) -> int:
        if not nodes:
            return 0
        items = []
        visible = len(nodes)
        for label, (number, x, y), children, state in nodes:
            item = out.make_indirect(Dictionary(
                Title=String(label), Parent=parent,
                Dest=Array([out.pages[number].obj, Name.XYZ, x, y, 0])))
            count = add(children, item)
            if children:
                item.Count = -count if state == "closed" else count
                if state != "closed":
                    visible += count
            if items:
                item.Prev = items[-1]
                items[-1].Next = item
            items.append(item)
        parent.First, parent.Last = items[0], items[-1]
        return visible

    root.Count = add(tree, root)
    out.Root.Outlines = root


NAMES_PER_LEAF = 64


def _name_tree(out: pikepdf.Pdf, names: dict[str, Any]) -> Any:
    """A name tree of `names` built at once: leaves of `NAMES_PER_LEAF` sorted names under
    one root (qpdf's NameTree, given one name at a time, rebalances as it goes)."""
    keys = sorted(names, key=lambda k: k.encode("utf-8"))  # (as PDF compares names)

    def pairs(chunk: Sequence[str]) -> Array:
        return Array([x for k in chunk for x in (String(k), names[k])])

    if len(keys) <= NAMES_PER_LEAF:
        return out.make_indirect(Dictionary(Names=pairs(keys)))
    leaves = []
    for at in range(0, len(keys), NAMES_PER_LEAF):
        chunk = keys[at:at + NAMES_PER_LEAF]
        leaves.append(out.make_indirect(Dictionary(
            Limits=Array([String(chunk[0]), String(chunk[-1])]), Names=pairs(chunk))))
    return out.make_indirect(Dictionary(Kids=Array(leaves)))


def _unit_links(source: pikepdf.Pdf) -> list[tuple[Any, str]]:
    """The link annotations to `LINK_SCHEME` URIs (links the unit could not resolve), with
    the names they point to."""
    links = []
    for page in source.pages:
        for annot in page.obj.get("/Annots", []):
            action = annot.get("/A")
            if action is None or action.get("/S") != Name.URI:
                continue
            uri = str(action.URI)
            if uri.startswith(LINK_SCHEME):
                links.append((annot, uri[len(LINK_SCHEME):]))
    return links


def _link_to_name(annot: Any, name: str) -> None:
    """A `LINK_SCHEME` link made a link to the named destination `name` (the join drops
    those no unit has)."""
    del annot["/A"]
    if "/Contents" in annot:
        annot.Contents = String(name)
    annot.Dest = String(name)


def _found_by_worker(source: pikepdf.Pdf, unit: UnitLayout
                     ) -> tuple[list[Any], list[tuple[Any, str]]] | None:
    """`_outside_elements` and `_unit_links` of the unit, from the object numbers its
    worker found (`units.pdf_objects`); None if it found none or one is not what it
    should be (an element whose parent is the Document, a link annotation to that name)."""
    if unit.outside is None or unit.links is None:
        return None
    try:
        outside = [source.get_object(number, 0) for number in unit.outside]
        links = [(source.get_object(number, 0), name) for number, name in unit.links]
        root = source.Root.get("/StructTreeRoot")
        documents = ({e.objgen for e in root.K if e.get("/S") == Name.Document}
                     if root is not None else set())
        if not all(isinstance(e, Dictionary) and "/P" in e and e.P.objgen in documents
                   for e in outside):
            return None
        for annot, name in links:
            action = annot.get("/A") if isinstance(annot, Dictionary) else None
            if (action is None or action.get("/S") != Name.URI
                    or str(action.URI) != LINK_SCHEME + name):
                return None
    except (pikepdf.PdfError, AttributeError, TypeError, ValueError):
        return None
    return outside, links


def _stamp_folio(out: pikepdf.Pdf, page: pikepdf.Page, sheet: pikepdf.Page) -> None:
    """Draw the folio sheet's page over `page` as an artifact (it is not text of the book,
    PDF/UA 7.8)."""
    form = out.copy_foreign(sheet.as_form_xobject())
    # WeasyPrint's pages share one resource dictionary: this page gets its own
    resources = Dictionary({k: v for k, v in page.obj.Resources.items()})
    xobjects = Dictionary({k: v for k, v in resources.get("/XObject", {}).items()})
    xobjects[FOLIO_NAME] = form
    resources.XObject = xobjects
    page.obj.Resources = resources
    name = FOLIO_NAME
    page.contents_add(out.make_stream(b"q\n"), prepend=True)
    page.contents_add(out.make_stream(b"\nQ\n/Artifact BMC q " + str(name).encode()
                                      + b" Do Q EMC\n"))


@dataclass
class _Prepared:
    """A unit's PDF opened and read, ready to be copied into the joined file."""

    pdf: bytes  # what was read
    source: pikepdf.Pdf
    outside: list[Any]  # see `_outside_elements`
    links: list[tuple[Any, str]]  # see `_unit_links`
    dests: list[tuple[str, Any]]  # its named destinations (objects of `source`)


class Joiner:
    """The joined PDF in two steps, so that most of the work is done while the workers
    still lay out other units: `prepare` a unit as soon as its layout is known, in any
    order (its file opened, its structure tree walked, its links to other units turned
    into links to names); `finish` copies the units into the joined file in book order,
    whatever order they were prepared in, so the file is the same byte for byte."""

    def __init__(self, tagged: bool) -> None:
        self.tagged = tagged
        self.prepared: dict[int, _Prepared] = {}
        self._sheets: list[pikepdf.Pdf] = []

    def __enter__(self) -> Joiner:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        for source in [*(p.source for p in self.prepared.values()), *self._sheets]:
            source.close()
        self.prepared.clear()
        self._sheets.clear()

    def prepare(self, index: int, unit: UnitLayout) -> None:
        """Unit `index` (its place in book order) opened and read; again only if its
        PDF is not the one read before."""
        if index in self.prepared:
            if self.prepared[index].pdf is unit.pdf:
                return
            self.prepared.pop(index).source.close()
        source = pikepdf.open(io.BytesIO(unit.pdf))
        found = _found_by_worker(source, unit)
        if found is None:
            found = (_outside_elements(source)
                     if self.tagged and "/StructTreeRoot" in source.Root else [],
                     _unit_links(source))
        outside, links = found
        for annot, name in links:
            _link_to_name(annot, name)
        names = source.Root.get("/Names")
        dests = ([(str(k), v) for k, v in pikepdf.NameTree(names.Dests).items()]
                 if names is not None and "/Dests" in names else [])
        self.prepared[index] = _Prepared(unit.pdf, source, outside if self.tagged else [],
                                         links, dests)

    def finish(self, units: Sequence[UnitLayout], ranges: Sequence[tuple[int, str, int]],
               folio_sheets: Sequence[bytes] | None, folio_kinds: Sequence[str],
               target: Path | io.BytesIO, skip: int = 0) -> None:
        """Write the joined PDF of `units` (in book order; those not prepared yet are
        prepared now) to `target` (see `join`)."""
        for index, unit in enumerate(units):
            self.prepare(index, unit)
        parts = [self.prepared[i] for i in range(len(units))]
        known = {name for part in parts for name, _ in part.dests}
        for part in parts:  # a link to a name no unit has goes nowhere
            for annot, name in part.links:
                if name not in known:
                    del annot["/Dest"]
        where = placements(units)
        out = pikepdf.new()
        tree = _Tree(out) if self.tagged else None
        dests: dict[str, Any] = {}
        for number, (unit, part) in enumerate(zip(units, parts, strict=True)):
            source = part.source
            first = len(out.pages)
            with warnings.catch_warnings():  # named destinations are merged below
                warnings.simplefilter("ignore", pikepdf.PageCopyWarning)
                out.pages.extend(source.pages)
            if tree is not None:
                tree.add_unit(source, list(out.pages)[first:], part.outside, f"u{number}-",
                              b"/Headers" in unit.pdf)
            for key, value in part.dests:
                dests.setdefault(key, _copy(out, source, value))
            if unit.pages % 2:
                out.pages.append(_blank_like(out, out.pages[-1]))
                if tree is not None:
                    tree.add_blank(out.pages[-1])
        for place, data in zip(where, folio_sheets or (), strict=True):
            self._sheets.append(pikepdf.open(io.BytesIO(data)))  # open until saved: qpdf
            for n, page in enumerate(self._sheets[-1].pages):  # copies stream data when
                if folio_kinds[place.first + n]:  # writing
                    _stamp_folio(out, out.pages[place.first + n], page)
        if dests:
            out.Root.Names = Dictionary(Dests=_name_tree(out, dests))
        _outline(out, units, where)
        out.Root.PageLabels = page_labels(ranges)
        write_metadata(out, parts[0].source)
        if tree is not None:
            tree.finish()
        if skip:
            del out.pages[:skip]
            for key in ("/Outlines", "/Names"):
                if key in out.Root:
                    del out.Root[key]
        version = max(["1.4", *(p.source.pdf_version for p in parts)])
        out.save(target, min_version=version, deterministic_id=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)


def join(units: Sequence[UnitLayout], ranges: Sequence[tuple[int, str, int]],
         folio_sheets: Sequence[bytes] | None, folio_kinds: Sequence[str],
         target: Path | io.BytesIO,
         tagged: bool, skip: int = 0) -> None:
    """Write the joined PDF of `units` (in book order) to `target`. `ranges`: its page-label
    ranges (`label_ranges`); `folio_sheets`: per unit, a PDF with one page per page of it
    (and its blank verso), whose folio margin boxes are stamped where `folio_kinds` (per
    joined page) is not empty. `skip` leading pages are
    left out (an untagged PDF of one section of a unit; its outline goes too)."""
    with Joiner(tagged) as joiner:
        joiner.finish(units, ranges, folio_sheets, folio_kinds, target, skip)
