"""Stage 6b, epub: the EPUB pages of an edition -> an EPUB 3 file (ebooklib).

ebooklib writes the package; the XHTML documents, the navigation document and the
metadata are ours, so ids, linear flags and landmarks are set explicitly rather than left
to ebooklib's defaults.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

from ebooklib import epub
from lxml import etree

from .errors import Diagnostic, RenderError, error
from .i18n import Localizer
from .model import Book
from .output import atomic_path
from .pdf import styles_dir
from .render import EpubPage, render_template

MEDIA_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
               ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}


class XhtmlItem(epub.EpubItem):
    """A finished XHTML content document (ebooklib's EpubHtml re-parses content as HTML)."""

    def __init__(self, uid: str, file_name: str, content: bytes,
                 properties: list[str] | None = None) -> None:
        super().__init__(uid=uid, file_name=file_name, media_type="application/xhtml+xml",
                         content=content)
        self.properties = properties or []


@dataclass(frozen=True)
class EpubResult:
    path: Path
    documents: int
    diagnostics: tuple[Diagnostic, ...]


def book_identifier(book: Book, lang: str) -> str:
    isbn = book.config.isbn_for(lang, "epub")
    if isbn:
        return "urn:isbn:" + isbn.replace("-", "").replace(" ", "")
    seed = f"bookforge:{book.config.slug}:{lang}"
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


def _check_xml(page: EpubPage) -> None:
    try:
        etree.fromstring(page.xhtml.encode("utf-8"))
    except etree.XMLSyntaxError as exc:
        raise RenderError([error(page.file_name, exc.lineno or 0, "epub-xhtml",
                                 f"generated XHTML is not well-formed: {exc.msg}")]) from exc


def _nav(pages: list[EpubPage], lang: str, loc: Localizer, values: dict) -> str:
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
        elif p.kind in ("front", "glossary", "index"):
            current_part = None if p.kind in ("glossary", "index") else current_part
            toc.append(entry)
    first_body = next((p for p in pages if p.kind in ("part", "chapter")), pages[0])
    landmarks = [{"type": "toc", "href": "nav.xhtml#toc", "title": loc.gettext("Contents")},
                 {"type": "bodymatter", "href": first_body.file_name,
                  "title": loc.gettext("Start of content")}]
    for p in pages:
        if p.kind in ("glossary", "index"):
            landmarks.append({"type": p.kind, "href": p.file_name, "title": p.title})
    return render_template("epub/nav.xhtml", loc, page_title=loc.gettext("Contents"),
                           page_lang=lang, toc=toc, landmarks=landmarks, **values)


def write_epub(book: Book, lang: str, pages: list[EpubPage], images: list[str],
               target: Path, values: dict) -> EpubResult:
    loc = Localizer(lang, book.root)
    cfg = book.config
    eb = epub.EpubBook()
    eb.set_identifier(book_identifier(book, lang))
    eb.set_title(str(values["title"]))
    eb.set_language(lang)
    for i, editor in enumerate(cfg.editors, 1):
        eb.add_author(editor.name, role="edt", uid=f"editor-{i}")
    eb.add_metadata("DC", "publisher", cfg.publisher)
    eb.add_metadata("DC", "date", cfg.date.isoformat())
    eb.add_metadata("DC", "rights", f"{cfg.licence.name} ({cfg.licence.url})")

    css = (styles_dir() / "epub.css").read_bytes()
    eb.add_item(epub.EpubItem(uid="css", file_name="css/epub.css", media_type="text/css",
                              content=css))
    for n, rel in enumerate(images, 1):
        path = book.root / rel
        eb.add_item(epub.EpubItem(uid=f"img-{n}", file_name=f"images/{rel}",
                                  media_type=MEDIA_TYPES[path.suffix.lower()],
                                  content=path.read_bytes()))
    items = []
    for p in pages:
        _check_xml(p)
        item = XhtmlItem(uid=f"doc-{p.doc_id}", file_name=p.file_name,
                         content=p.xhtml.encode("utf-8"))
        eb.add_item(item)
        items.append(item)
    nav = XhtmlItem(uid="nav", file_name="nav.xhtml",
                    content=_nav(pages, lang, loc, values).encode("utf-8"),
                    properties=["nav"])
    eb.add_item(nav)
    ncx = epub.EpubNcx()
    eb.add_item(ncx)
    eb.toc = tuple(epub.Link(p.file_name, p.title, f"toc-{p.doc_id}")
                   for p in pages if p.kind in ("front", "part", "chapter", "glossary", "index"))
    eb.spine = [items[0], nav, *items[1:]]
    try:
        with atomic_path(target) as tmp:
            epub.write_epub(str(tmp), eb, {"epub3_pages": False, "epub3_landmark": False,
                                           "epub2_guide": False, "spine_direction": False})
    except (OSError, ValueError) as exc:
        raise RenderError([error(str(target), 0, "epub-write", str(exc))]) from exc
    return EpubResult(path=target, documents=len(pages), diagnostics=())
