"""Preview stage, render: a `Snapshot` and a request (edition, document, view) -> the
preview page's HTML: the whole book's navigation, the chapter as its edition renders it
(or its two language versions side by side, aligned block by block as in the parallel
edition), the glossary data for tooltips and the
diagnostics overlay."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from urllib.parse import quote, urlencode

from markupsafe import Markup

from ..errors import Diagnostic
from ..i18n import Localizer, localizer, roman
from ..model import Book, Chapter
from ..render import DocView, TermView, common_values, doc_view, glossary_view, render_template
from ..render.markdown import RenderContext
from ..render.parallel import AlignedBody, aligned_body
from ..transform import Document, EditionContent, Label
from .engine import Snapshot


@dataclass(frozen=True)
class PageRequest:
    lang: str
    doc_id: str
    side_by_side: bool = False


@dataclass(frozen=True)
class NavItem:
    doc_id: str
    label: str
    title: str
    href: str
    current: bool


@dataclass(frozen=True)
class NavGroup:
    title: str
    items: tuple[NavItem, ...]


@dataclass(frozen=True)
class Column:
    lang: str
    label: str  # the language's name, for the side-by-side heading
    doc: DocView
    html: Markup  # the document as the edition's EPUB renders it (the <body> content)


def page_url(lang: str, doc_id: str, side_by_side: bool = False) -> str:
    query = {"edition": lang, "doc": doc_id}
    if side_by_side:
        query["view"] = "side"
    return "/?" + urlencode(query)


@dataclass(frozen=True)
class ChapterMatch:
    """The document a `--chapter` value names, and the edition a file path picks."""

    doc_id: str
    lang: str | None = None


NUMBER_RE = re.compile(r"^\d{2}-")


def _file_lang(chapter: Chapter, wanted: str) -> str | None:
    """The language of the version `wanted` names as a path (book-relative, relative to the
    working folder or absolute), or None when it is no path to one of its files."""
    as_path = Path(wanted).resolve()
    for v in chapter.versions.values():
        if wanted == v.rel_path or as_path == v.path.resolve() \
                or wanted.endswith("/" + v.rel_path):
            return v.lang
    return None


def find_chapters(book: Book, chapter: str) -> list[ChapterMatch]:
    """Every document `chapter` names: its doc id, `NN-slug`, the slug without the number,
    or a path to one of its files. More than one only for an ambiguous bare slug."""
    wanted = chapter.strip().rstrip("/")
    found: list[ChapterMatch] = []
    for c in (*book.front, *book.chapters()):
        lang = _file_lang(c, wanted)
        if lang is not None or wanted in (c.doc_id, c.slug, NUMBER_RE.sub("", c.slug)):
            found.append(ChapterMatch(c.doc_id, lang))
    exact = [m for m in found if m.lang is not None or m.doc_id == wanted]
    return exact or found


def chapter_listing(book: Book) -> str:
    """The documents a `--chapter` value can name, one a line: doc id and file."""
    langs = book.config.languages
    return "\n".join(
        f"  {c.doc_id}  ({', '.join(c.versions[x].rel_path for x in langs if x in c.versions)})"
        for c in (*book.front, *book.chapters()))


def chapter_problem(book: Book, chapter: str) -> str | None:
    """Why `--chapter chapter` names no single document (None when it does)."""
    found = find_chapters(book, chapter)
    if len(found) == 1:
        return None
    what = "names more than one chapter" if found else "is no chapter of the book"
    return f"--chapter '{chapter}' {what}; use one of:\n{chapter_listing(book)}"


def default_request(snapshot: Snapshot, lang: str | None, chapter: str | None) -> PageRequest:
    """The document named by --chapter (see `find_chapters`), else the first chapter."""
    book = snapshot.book
    if book is None:
        return PageRequest(lang or "", chapter or "")
    lang = lang if lang in book.config.languages else book.config.languages[0]
    found = find_chapters(book, chapter) if chapter else []
    if found:
        picked = found[0].lang
        return PageRequest(picked if picked in book.config.languages else lang,
                           found[0].doc_id)
    docs = [*book.front, *book.chapters()]
    first = book.chapters()[0] if book.chapters() else (docs[0] if docs else None)
    return PageRequest(lang, first.doc_id if first else "")


def _context(content: EditionContent, lang: str) -> RenderContext:
    def href_for(label: Label, doc: Document) -> str:
        if label.doc_id == doc.doc_id:
            return f"#{label.id}"
        return f"{page_url(lang, label.doc_id)}#{label.id}"

    return RenderContext(target="epub", loc=localizer(content.book, lang), labels=content.labels,
                         href_for=href_for, resource_url=lambda p: "/book/" + quote(p),
                         allow_html=content.book.config.allow_html)


def _nav(content: EditionContent, request: PageRequest, loc: Localizer) -> list[NavGroup]:
    lang = content.lang

    def item(d: Document, label: str) -> NavItem:
        return NavItem(d.doc_id, label, d.source.title,
                       page_url(lang, d.doc_id, request.side_by_side),
                       d.doc_id == request.doc_id)

    groups = [NavGroup("", tuple(item(d, "") for d in content.front()))]
    for n, part in enumerate(content.book.parts, 1):
        title = part.title.get(lang) or next(iter(part.title.values()))
        items = tuple(item(d, str(d.number)) for d in content.chapters() if d.part is part)
        groups.append(NavGroup(loc.gettext("Part") + " " + roman(n) + ". " + title, items))
    return groups


def _find(content: EditionContent, doc_id: str) -> Document | None:
    return next((d for d in content.documents if d.doc_id == doc_id), None)


def _column(snapshot: Snapshot, lang: str, doc_id: str, view_lang: str,
            opener_only: bool = False) -> Column | None:
    """One edition's document; `opener_only`: its title, authors and abstracts (the side
    by side view sets the body out in aligned rows below them)."""
    content = snapshot.editions.get(lang)
    doc = _find(content, doc_id) if content else None
    if content is None or doc is None:
        return None
    loc = localizer(content.book, lang)
    view = doc_view(doc, _context(content, lang), lang)
    if opener_only:
        view = replace(view, body=Markup(""))
    template = "epub/chapter.xhtml" if doc.kind == "chapter" else "epub/front.xhtml"
    xhtml = render_template(template, loc, page_title=view.title, page_lang=view.lang,
                            **common_values(content, loc), ch=view, doc=view, part=None)
    name = localizer(content.book, view_lang).language_name(lang)
    return Column(lang, name, view, Markup(_body(xhtml)))


def aligned_rows(snapshot: Snapshot, langs: list[str], doc_id: str) -> AlignedBody | None:
    """The document's first two language versions in the rows of the parallel edition."""
    contents = [snapshot.editions.get(x) for x in langs[:2]]
    docs = [_find(c, doc_id) if c else None for c in contents]
    if None in contents or None in docs:
        return None
    ctx_a, ctx_b = (_context(c, c.lang) for c in contents)  # type: ignore[union-attr]
    return aligned_body(docs[0], docs[1], ctx_a, ctx_b)  # type: ignore[arg-type]


def _body(xhtml: str) -> str:
    """The content of an XHTML page's <body> element."""
    start = xhtml.index(">", xhtml.index("<body")) + 1
    return xhtml[start: xhtml.rindex("</body>")]


def _terms(snapshot: Snapshot, lang: str) -> list[TermView]:
    return glossary_view(snapshot.book, lang) if snapshot.book else []


def glossary_json(terms: list[TermView]) -> Markup:
    data = {t.anchor: {"term": t.term, "counterpart": t.counterpart,
                       "lang": t.other_lang, "definition": t.definition} for t in terms}
    text = json.dumps(data, ensure_ascii=False).replace("</", "<\\/")
    return Markup(text)


def overlay_lines(diags: tuple[Diagnostic, ...]) -> list[str]:
    return [d.format() for d in diags]


def render_page(snapshot: Snapshot, request: PageRequest, pdf_href: str | None,
                pdf_status: str, version: str = "") -> tuple[int, str]:
    """(HTTP status, HTML) for a request; an unknown document is a 404 page. `version`
    is what the event stream announces for this state (the snapshot's by default)."""
    book = snapshot.book
    lang = request.lang if book and request.lang in book.config.languages else (
        book.config.languages[0] if book else "en")
    loc = localizer(book, lang)
    content = snapshot.editions.get(lang)
    status = 200
    columns: list[Column] = []
    side_langs: list[str] = []
    pairs: AlignedBody | None = None
    if content is not None:
        doc = _find(content, request.doc_id)
        if doc is None:
            status = 404
        else:
            side_langs = [x for x in book.config.languages if x in doc.chapter.versions] \
                if book else []
            side = request.side_by_side and len(side_langs) > 1
            langs = side_langs[:2] if side else [lang]
            pairs = aligned_rows(snapshot, langs, doc.doc_id) if side else None
            columns = [c for c in (_column(snapshot, x, doc.doc_id, lang, pairs is not None)
                                   for x in langs) if c]
    cfg = book.config if book else None
    title = (cfg.title.get(lang) or next(iter(cfg.title.values()))) if cfg else "bookforge"
    terms = _terms(snapshot, lang)
    html = render_template(
        "preview/page.html", loc, lang=lang, book_title=title,
        version=version or str(snapshot.version), styles_version=snapshot.styles,
        nav=_nav(content, request, loc) if content else [], columns=columns, pairs=pairs,
        request=request, editions=[(x, loc.language_name(x), page_url(
            x, request.doc_id, request.side_by_side)) for x in (cfg.languages if cfg else ())],
        single_href=page_url(lang, request.doc_id),
        side_href=page_url(lang, request.doc_id, True) if len(side_langs) > 1 else "",
        errors=overlay_lines(snapshot.errors), warnings=overlay_lines(snapshot.warnings),
        glossary=terms, glossary_data=glossary_json(terms),
        pdf_href=pdf_href, pdf_status=pdf_status, not_found=status == 404)
    return status, html
