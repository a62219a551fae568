"""Stage 6b, epub: the EPUB pages of an edition (+ the print page map) -> an EPUB 3 file.

ebooklib writes the package; the XHTML documents, the navigation document, the cover and
the metadata are ours, so ids, linear flags, landmarks and the page-list are set
explicitly rather than left to ebooklib's defaults. Accessibility metadata is derived from
what the documents really contain.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ebooklib import epub
from lxml import etree

from ..errors import Diagnostic, RenderError, error
from ..files import atomic_path, styles_dir
from ..i18n import Localizer, localizer
from ..model import Author, Book
from ..render import EpubPage, render_template
from ..render.frontmatter import LIST_EPUB_TYPES, LIST_IDS
from ..source.timestamp import source_timestamp
from ..transform.meta import EditionMeta
from ..transform.resources import IMAGE_TYPES
from . import pagelist as pagemap
from .cover import CoverText, make_cover

OPF_NS = "http://www.idpf.org/2007/opf"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
CONFORMS_TO = "EPUB Accessibility 1.1 - WCAG 2.2 Level AA"
BACK_KINDS = ("glossary", "index", "contributors")
NAV_FILE = "nav.xhtml"
COVER_FILE = "cover.xhtml"
COVER_IMAGE = "images/cover.png"
# the lists of figures and tables by document id -> their landmark (loi, lot)
LIST_LANDMARKS = {LIST_IDS[name]: LIST_EPUB_TYPES[name] for name in LIST_IDS}
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest time a zip entry can carry


class XhtmlItem(epub.EpubItem):
    """A finished XHTML content document (ebooklib's EpubHtml re-parses content as HTML)."""

    def __init__(self, uid: str, file_name: str, content: bytes,
                 properties: list[str] | None = None) -> None:
        super().__init__(uid=uid, file_name=file_name, media_type="application/xhtml+xml",
                         content=content)
        self.properties = properties or []


class ResourceItem(epub.EpubItem):
    def __init__(self, uid: str, file_name: str, media_type: str, content: bytes,
                 properties: list[str] | None = None) -> None:
        super().__init__(uid=uid, file_name=file_name, media_type=media_type, content=content)
        self.properties = properties or []


class Writer(epub.EpubWriter):
    """ebooklib's writer, plus `xml:lang` on the package and explicit linear flags."""

    def __init__(self, name: str, book: epub.EpubBook, lang: str,
                 options: dict | None = None) -> None:
        super().__init__(name, book, options)
        self.lang = lang

    def _write_opf_file(self, root):  # type: ignore[no-untyped-def]
        root.set(XML_LANG, self.lang)
        for itemref in root.iter("itemref", f"{{{OPF_NS}}}itemref"):
            itemref.set("linear", itemref.get("linear", "yes"))
        super()._write_opf_file(root)


@dataclass(frozen=True)
class EpubResult:
    path: Path
    documents: int
    page_markers: int
    diagnostics: tuple[Diagnostic, ...]


def _check_xml(name: str, xhtml: str) -> None:
    try:
        etree.fromstring(xhtml.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise RenderError([error(name, exc.lineno or 0, "epub-xhtml",
                                 f"generated XHTML is not well-formed: {exc.msg}")]) from exc


# -- navigation -----------------------------------------------------------------------------

def in_contents(page: EpubPage) -> bool:
    """Whether the contents list a page: not the title pages, nor a dedication or epigraph
    (which come before the contents)."""
    if page.kind == "front":
        return not page.before_contents
    return page.kind in ("list", "part", "chapter", *BACK_KINDS)


def _toc(pages: Sequence[EpubPage]) -> list[dict]:
    toc: list[dict] = []
    current_part: dict | None = None
    for p in pages:
        entry = {"href": p.file_name, "title": p.title, "children": []}
        if p.kind == "chapter":
            entry["children"] = [{"href": f"{p.file_name}#{s.id}", "title": s.title}
                                 for s in p.sections if s.level == 2]
        if p.kind == "part":
            current_part = entry
            toc.append(entry)
        elif p.kind == "chapter" and current_part is not None:
            current_part["children"].append(entry)
        elif in_contents(p):
            current_part = None if p.kind in BACK_KINDS else current_part
            toc.append(entry)
    return toc


def _landmarks(pages: Sequence[EpubPage], loc: Localizer) -> list[dict]:
    marks = [{"type": "cover", "href": COVER_FILE, "title": loc.gettext("Cover")},
             {"type": "toc", "href": f"{NAV_FILE}#toc", "title": loc.gettext("Contents")}]
    marks += [{"type": LIST_LANDMARKS[p.doc_id], "href": p.file_name, "title": p.title}
              for p in pages if p.doc_id in LIST_LANDMARKS]
    first_body = next((p for p in pages if p.kind in ("part", "chapter")), None)
    if first_body is not None:
        marks.append({"type": "bodymatter", "href": first_body.file_name,
                      "title": loc.gettext("Start of content")})
    back = [p for p in pages if p.kind in BACK_KINDS]
    marks += [{"type": p.kind, "href": p.file_name, "title": p.title} for p in back]
    if back:
        marks.append({"type": "backmatter", "href": back[0].file_name,
                      "title": loc.gettext("Back matter")})
    return marks


def _nav(pages: Sequence[EpubPage], lang: str, loc: Localizer, values: dict) -> str:
    return render_template("epub/nav.xhtml", loc, page_title=loc.gettext("Contents"),
                           page_lang=lang, toc=_toc(pages), landmarks=_landmarks(pages, loc),
                           **values)


def _add_page_list(nav: str, markers: Sequence[pagemap.Marker], loc: Localizer) -> str:
    """The nav document with a page-list nav appended to its body."""
    items = "".join(f'<li><a href="{m.file_name}#page-{m.number}">{m.label}</a></li>'
                    for m in markers)
    title = loc.gettext("Pages")
    block = (f'<nav epub:type="page-list" role="doc-pagelist" id="page-list" hidden="hidden" '
             f'aria-labelledby="page-list-title"><h2 id="page-list-title">{_esc(title)}</h2>'
             f"<ol>{items}</ol></nav>\n")
    return nav.replace("</body>", block + "</body>", 1)


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


# -- metadata -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Content:
    """What the documents contain, for the accessibility metadata."""

    images: int
    glossary: bool
    index: bool
    page_markers: int
    tables: int


def accessibility(content: Content, loc: Localizer, print_source: str) -> list[tuple]:
    features = ["tableOfContents", "structuralNavigation", "readingOrder",
                "displayTransformability"]
    if content.images:
        features.append("alternativeText")
    if content.page_markers:
        features += ["pageBreakMarkers", "printPageNumbers"]
    # a glossary is no accessibilityFeature value of the schema.org vocabulary (Ace rejects
    # it); the glossary is announced by its landmark and in the summary instead
    if content.index:
        features.append("index")
    modes = ["textual"] + (["visual"] if content.images else [])
    summary = [loc.gettext("This publication conforms to EPUB Accessibility 1.1 and WCAG 2.2 "
                           "Level AA. It has a table of contents, structured headings and a "
                           "logical reading order, and its text can be resized and restyled.")]
    if content.images:
        summary.append(loc.gettext("Every image has a text alternative and a caption."))
    if content.glossary and content.index:
        summary.append(loc.gettext("A glossary and an index are included."))
    elif content.glossary:
        summary.append(loc.gettext("A glossary is included."))
    if content.page_markers:
        summary.append(loc.gettext("Page numbers of the print edition are marked in the text "
                                   "and listed in the navigation."))
    meta: list[tuple] = [("schema:accessMode", m) for m in modes]
    meta.append(("schema:accessModeSufficient", "textual"))
    if content.images:
        meta.append(("schema:accessModeSufficient", "textual,visual"))
    meta += [("schema:accessibilityFeature", f) for f in features]
    meta += [("schema:accessibilityHazard", "none"),
             ("schema:accessibilitySummary", " ".join(summary)),
             ("dcterms:conformsTo", CONFORMS_TO)]
    if content.page_markers:
        meta.append(("pageBreakSource", print_source))
    return meta


def _meta(eb: epub.EpubBook, prop: str, value: str, **attrs: str) -> None:
    eb.add_metadata(None, "meta", value, {"property": prop, **attrs})


def _refine(eb: epub.EpubBook, ident: str, prop: str, value: str, **attrs: str) -> None:
    _meta(eb, prop, value, refines="#" + ident, **attrs)


def describe(eb: epub.EpubBook, meta: EditionMeta, loc: Localizer) -> None:
    """The package metadata: titles, people, identifiers, rights, subjects, series."""
    eb.set_identifier(meta.identifiers["epub"])
    eb.title = meta.title
    eb.add_metadata("DC", "title", eb.title, {"id": "title"})
    _refine(eb, "title", "title-type", "main")
    _refine(eb, "title", "display-seq", "1")
    if meta.subtitle:
        eb.add_metadata("DC", "title", meta.subtitle, {"id": "subtitle"})
        _refine(eb, "subtitle", "title-type", "subtitle")
        _refine(eb, "subtitle", "display-seq", "2")
    if meta.other_title:  # a parallel edition: the recto language's title and language
        eb.add_metadata("DC", "title", meta.other_title,
                        {"id": "parallel-title", XML_LANG: meta.other_lang})
        _refine(eb, "parallel-title", "display-seq", "3")
    eb.set_language(meta.lang)
    if meta.other_lang:
        eb.add_metadata("DC", "language", meta.other_lang)
    for i, editor in enumerate(meta.editors, 1):
        _person(eb, "creator", f"editor-{i}", editor, "edt")
    for i, author in enumerate(meta.contributors, 1):
        _person(eb, "contributor", f"author-{i}", author, "aut")
    eb.add_metadata("DC", "publisher", meta.publisher)
    eb.add_metadata("DC", "date", meta.date.isoformat())
    rights = (loc.gettext("This work is licensed under") + " " + meta.licence.name
              + " (" + meta.licence.url + ")")
    eb.add_metadata("DC", "rights", rights)
    for word in meta.keywords:
        eb.add_metadata("DC", "subject", word)
    if meta.series:
        _meta(eb, "belongs-to-collection", meta.series, id="series")
        _refine(eb, "series", "collection-type", "series")
        if meta.series_number is not None:
            _refine(eb, "series", "group-position", str(meta.series_number))


def _person(eb: epub.EpubBook, element: str, ident: str, person: Author, role: str) -> None:
    eb.add_metadata("DC", element, person.name, {"id": ident})
    _refine(eb, ident, "role", role, scheme="marc:relators")
    if person.orcid:
        _refine(eb, ident, "dcterms:identifier", person.orcid_url)


def _content(pages: Sequence[EpubPage], images: Sequence[str], markers: int) -> Content:
    tables = sum(p.xhtml.count("<table") for p in pages)
    return Content(images=len(images), glossary=any(p.kind == "glossary" for p in pages),
                   index=any(p.kind == "index" for p in pages), page_markers=markers,
                   tables=tables)


# -- the cover ------------------------------------------------------------------------------

def _cover(book: Book, lang: str, values: dict, loc: Localizer) -> tuple[bytes, str, tuple]:
    editors = loc.gettext("Edited by") + " " + str(values["editor_names"])
    edition = str(values.get("cover_edition") or loc.gettext("{language} edition").format(
        language=loc.language_title(lang)))
    cover = make_cover(CoverText(str(values["title"]), str(values.get("subtitle") or ""),
                                 editors, edition, book.config.publisher, lang))
    alt = loc.gettext("Cover") + ": " + str(values["title"])
    if values.get("subtitle"):
        alt += ". " + str(values["subtitle"])
    alt += ". " + editors + ". " + edition + "."
    xhtml = render_template("epub/cover.xhtml", loc, page_title=loc.gettext("Cover"),
                            page_lang=lang, cover_src=COVER_IMAGE, cover_alt=alt,
                            width=cover.width, height=cover.height, **values)
    return cover.png, xhtml, cover.diagnostics


# -- writing --------------------------------------------------------------------------------

def print_source(meta: EditionMeta) -> str:
    """What the page-break markers come from: the PDF's ISBN, else its title."""
    if meta.isbns.get("pdf"):
        return meta.identifiers["pdf"]
    return meta.title + " (PDF, " + meta.lang + ")"


def with_page_markers(pages: Sequence[EpubPage], nav: str,
                      pmap: pagemap.PageMap | None) -> tuple[dict[str, str], list]:
    """The documents in reading order, as in print: title, copyright, dedication/epigraph,
    the contents (the navigation document), the lists of figures and tables, preface ...;
    with the page-break markers of `pmap`."""
    documents = {p.file_name: p.xhtml for p in pages}
    opening = [p.file_name for p in pages
               if p.kind in ("title", "copyright") or p.before_contents]
    order = [*opening, NAV_FILE, *(p.file_name for p in pages if p.file_name not in opening)]
    docs = {name: (nav if name == NAV_FILE else documents[name]) for name in order}
    if pmap is None or not pmap.pages:
        return docs, []
    aliases = {p.doc_id: p.file_name for p in pages}
    aliases.update({k: f"{v}.xhtml" for k, v in pagemap.PRINT_ALIASES.items()})
    aliases["toc"] = NAV_FILE
    return pagemap.insert_markers(docs, pmap, aliases, frozenset({NAV_FILE}))


def write_epub(book: Book, lang: str, pages: list[EpubPage], images: list[str],
               target: Path, values: dict, pmap: pagemap.PageMap | None = None) -> EpubResult:
    loc = localizer(book, lang)
    meta: EditionMeta = values["meta"]  # from `render.common_values`
    eb = epub.EpubBook()
    describe(eb, meta, loc)
    for p in pages:
        _check_xml(p.file_name, p.xhtml)
    documents, markers = with_page_markers(pages, _nav(pages, lang, loc, values), pmap)
    if markers:
        documents[NAV_FILE] = _add_page_list(documents[NAV_FILE], markers, loc)
    for prop, value in accessibility(_content(pages, images, len(markers)), loc,
                                     print_source(meta)):
        _meta(eb, prop, value)
    cover_png, cover_xhtml, diags = _cover(book, lang, values, loc)
    _meta_cover = {"name": "cover", "content": "cover-image"}
    eb.add_metadata(None, "meta", "", _meta_cover)
    eb.add_item(ResourceItem("cover-image", COVER_IMAGE, "image/png", cover_png,
                             ["cover-image"]))
    css = (styles_dir() / "epub.css").read_bytes()
    eb.add_item(ResourceItem("css", "css/epub.css", "text/css", css))
    for n, rel in enumerate(images, 1):
        path = book.root / rel
        eb.add_item(ResourceItem(f"img-{n}", f"images/{rel}", IMAGE_TYPES[path.suffix.lower()],
                                 path.read_bytes()))
    cover = XhtmlItem("cover", COVER_FILE, cover_xhtml.encode("utf-8"))
    eb.add_item(cover)
    spine: list[epub.EpubItem] = [cover]
    by_name = {p.file_name: p for p in pages}
    for name, xhtml in documents.items():
        _check_xml(name, xhtml)
        if name == NAV_FILE:
            item = XhtmlItem("nav", NAV_FILE, xhtml.encode("utf-8"), ["nav"])
        else:
            item = XhtmlItem(f"doc-{by_name[name].doc_id}", name, xhtml.encode("utf-8"),
                             _properties(xhtml))
        eb.add_item(item)
        spine.append(item)
    eb.add_item(epub.EpubNcx())
    eb.toc = tuple(epub.Link(p.file_name, p.title, f"toc-{p.doc_id}")
                   for p in pages if in_contents(p))
    eb.spine = spine
    moment = source_timestamp(book.config)
    options = {"epub3_pages": False, "epub3_landmark": False, "epub2_guide": False,
               "spine_direction": False, "mtime": moment, "raise_exceptions": True}
    try:
        with atomic_path(target) as tmp:
            writer = Writer(str(tmp), eb, lang, options)
            writer.process()
            writer.write()
            date_zip_entries(tmp, moment)
    except (OSError, ValueError) as exc:
        raise RenderError([error(str(target), 0, "epub-write", str(exc))]) from exc
    return EpubResult(path=target, documents=len(pages), page_markers=len(markers),
                      diagnostics=diags)


def date_zip_entries(path: Path, moment: dt.datetime) -> None:
    """Rewrite the zip at `path` with every entry dated `moment`: ebooklib dates them with
    the clock, which made two builds of the same sources differ. Order, names, compression
    and attributes are kept (the stored `mimetype` stays first)."""
    with zipfile.ZipFile(path) as z:
        entries = [(info, z.read(info)) for info in z.infolist()]
    stamp = max(moment.astimezone(dt.UTC).timetuple()[:6], ZIP_EPOCH)
    with zipfile.ZipFile(path, "w") as out:
        for info, data in entries:
            dated = zipfile.ZipInfo(info.filename, date_time=stamp)
            dated.compress_type = info.compress_type
            dated.external_attr = info.external_attr
            out.writestr(dated, data)


def _properties(xhtml: str) -> list[str]:
    props = []
    if "<svg" in xhtml:
        props.append("svg")
    if "<math" in xhtml:
        props.append("mathml")
    return props
