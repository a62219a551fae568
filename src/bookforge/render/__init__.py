"""Stage 5, render: `EditionContent` -> HTML. `render_print` makes the single HTML file
WeasyPrint lays out; `render_epub` makes one XHTML body per document. Templates are
Jinja2 with gettext; view models are built here so templates stay logic-free."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import jinja2
from markupsafe import Markup

from .. import __version__
from ..i18n import Localizer, localizer, roman, sort_key
from ..model import Author, Book
from ..source.timestamp import source_timestamp, w3c
from ..text import word_count
from ..transform.model import Document, EditionContent, Label
from ..transform.parse import parse_inline
from .backmatter import contributors, epub_chapter_label, glossary_groups, index_groups
from .frontmatter import CipView, before_contents, cip_view, float_lists, folios
from .markdown import RenderContext, render_body


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("bookforge", "templates"),
        autoescape=jinja2.select_autoescape(["html", "xhtml", "xml"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    return env


def render_template(name: str, loc: Localizer, **values: object) -> str:
    env = environment()
    template = env.get_template(name)
    return template.render(_=loc.gettext, gettext=loc.gettext, ngettext=loc.ngettext, **values)


@dataclass(frozen=True)
class AbstractView:
    """One language's abstract and keywords on a chapter opener; `heading` is a label in
    the edition's language, `lang` the language of the abstract's text."""

    lang: str
    heading: str
    abstract: Markup
    keywords: str


@dataclass(frozen=True)
class DocView:
    id: str
    lang: str
    title: str
    running_title: str
    authors: tuple[Author, ...]
    author_names: str
    body: Markup
    number: int | None = None
    original_note: str = ""
    sections: tuple = ()
    title_lang: str = ""
    abstracts: tuple[AbstractView, ...] = ()


@dataclass(frozen=True)
class PartView:
    id: str
    numeral: str
    title: str
    intro: str
    chapters: tuple[DocView, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class TermView:
    anchor: str
    term: str
    counterpart: str
    other_lang: str
    definition: str
    term_lang: str = ""  # "en" where the glossary has no column for the edition's language


def doc_view(doc: Document, ctx: RenderContext, lang: str) -> DocView:
    src = doc.source
    loc = ctx.loc
    note = ""
    if src.lang != lang:
        note = loc.gettext("This chapter was written in {language}.").format(
            language=loc.language_name(src.lang))
    own = doc.chapter.text_in(lang) or src.own_text()
    return DocView(
        id=doc.doc_id, lang=src.lang, title=own.title, title_lang=own.lang,
        running_title=own.short_title or own.title,
        abstracts=abstract_views(doc, loc, lang),
        authors=src.authors, author_names=loc.join([a.name for a in src.authors]),
        body=Markup(render_body(doc, ctx)), number=doc.number, original_note=note,
        sections=tuple(doc.sections),
    )


def abstract_views(doc: Document, loc: Localizer, lang: str) -> tuple[AbstractView, ...]:
    """The abstract in the edition's language first (or the original's when there is no
    translation), then in every other language the chapter has it in."""
    chapter = doc.chapter
    first = lang if chapter.text_in(lang) else doc.source.lang
    views = []
    for code in dict.fromkeys((first, *chapter.text_languages())):
        text = chapter.text_in(code)
        if text is None or not (text.abstract or text.keywords):
            continue
        heading = loc.gettext("Abstract") if code == lang else loc.gettext(
            "Abstract in {language}").format(language=loc.language_name(code))
        views.append(AbstractView(lang=code, heading=heading,
                                  abstract=Markup(parse_inline(text.abstract)),
                                  keywords=", ".join(text.keywords)))
    return tuple(views)


def glossary_view(book: Book, lang: str) -> list[TermView]:
    terms = []
    for t in book.glossary.terms:
        term_lang = lang if t.forms.get(lang) else "en"
        other = "id" if term_lang == "en" else "en"
        terms.append(TermView(anchor=t.anchor, term=t.forms[term_lang],
                              counterpart=t.forms.get(other, ""), other_lang=other,
                              definition=t.definitions.get(lang) or t.definitions["en"],
                              term_lang=term_lang))
    return sorted(terms, key=lambda v: sort_key(v.term, lang))


def common_values(content: EditionContent, loc: Localizer) -> dict[str, object]:
    """The values every page of the edition reads; `meta` is the `EditionMeta`."""
    cfg = content.book.config
    lang, meta = content.lang, content.meta
    return dict(
        lang=lang, book=cfg, version=__version__, meta=meta,
        title=meta.title, subtitle=meta.subtitle,
        editor_names=loc.join([e.name for e in meta.editors]),
        date_iso=meta.date.isoformat(), date_long=loc.date(meta.date, "full"),
        year=meta.date.year, colophon=cfg.colophon.get(lang, ""),
        edition_name=loc.language_title(lang), keywords=", ".join(meta.keywords),
        statistics=edition_statistics(content, loc),
    )


def edition_statistics(content: EditionContent, loc: Localizer) -> str:
    """"15 bab, 61.234 kata" / "15 chapters, 61,234 words": numbers in the locale's format."""
    chapters = content.chapters()
    words = sum(word_count(d.source.body) for d in chapters)
    return ", ".join((
        loc.ngettext("{n} chapter", "{n} chapters", len(chapters)).format(
            n=loc.number(len(chapters))),
        loc.ngettext("{n} word", "{n} words", words).format(n=loc.number(words))))


def _views(content: EditionContent, ctx: RenderContext) -> tuple[list[DocView], list[PartView]]:
    lang = content.lang
    front = [doc_view(d, ctx, lang) for d in content.front()]
    parts: list[PartView] = []
    for n, part in enumerate(content.book.parts, 1):
        chapters = tuple(doc_view(d, ctx, lang) for d in content.chapters() if d.part is part)
        parts.append(PartView(id=f"part-{part.slug}", numeral=roman(n),
                              title=part.title.get(lang) or next(iter(part.title.values())),
                              intro=part.intro.get(lang, ""), chapters=chapters))
    return front, parts


def render_print(content: EditionContent, resource_url=None,  # type: ignore[no-untyped-def]
                 anchor_pages: Mapping[str, int] | None = None) -> str:
    """The whole edition as one HTML document for WeasyPrint. `anchor_pages` (anchor id ->
    page index, from a first layout) lets the index merge page ranges and gives the lists
    of figures and tables their page numbers."""
    return print_renderer(content, resource_url)(anchor_pages)


def print_renderer(content: EditionContent, resource_url=None  # type: ignore[no-untyped-def]
                   ) -> Callable[[Mapping[str, int] | None], str]:
    """`render_print` for one edition, rendered again and again as page numbers become
    known: its chapters' HTML does not depend on them, so it is rendered once (it was
    two thirds of rendering the book)."""
    loc = localizer(content.book, content.lang)
    ctx = RenderContext(
        target="print", loc=loc, labels=content.labels,
        href_for=lambda label, doc: f"#{label.id}",
        resource_url=resource_url or (lambda p: p),
        allow_html=content.book.config.allow_html,
    )
    front, parts = _views(content, ctx)
    return lambda anchor_pages: _render_print(content, loc, front, parts, anchor_pages)


def _render_print(content: EditionContent, loc: Localizer, front: list[DocView],
                  parts: list[PartView], anchor_pages: Mapping[str, int] | None) -> str:
    values = common_values(content, loc)
    folio = (folios(content, anchor_pages, parts[0].id) if anchor_pages and parts
             else lambda _label: "")
    return render_template(
        "print/book.html", loc, parts=parts,
        opening=[d for d in front if before_contents(d.id)],
        front=[d for d in front if not before_contents(d.id)],
        lists=float_lists(content, loc, lambda label: f"#{label.id}", folio),
        glossary=glossary_groups(content, epub=False),
        index=index_groups(content, anchor_pages),
        contributors=contributors(content, epub=False),
        isbn=content.meta.isbns.get("pdf"),
        cip=print_cip(content, loc, parts, values),
        timestamp=w3c(source_timestamp(content.book.config)),  # the PDF's Creation/ModDate
        **values)


def print_cip(content: EditionContent, loc: Localizer, parts: Sequence[PartView],
              values: Mapping[str, object]) -> CipView:
    meta = content.meta
    return cip_view(content.book.config, meta.title, meta.subtitle, [p.title for p in parts],
                    meta.isbns.get("pdf"), loc)


@dataclass(frozen=True)
class EpubPage:
    file_name: str
    doc_id: str
    kind: str  # "cover" | "title" | "copyright" | "front" | "toc" | "part" | "chapter" |
    # "glossary" | "index" | "contributors"
    title: str
    lang: str
    xhtml: str
    sections: tuple = ()
    properties: tuple[str, ...] = ()
    before_contents: bool = False  # a dedication or epigraph: before the contents


def epub_file_name(doc_id: str) -> str:
    return f"{doc_id}.xhtml"


def render_epub(content: EditionContent, resource_url=None) -> list[EpubPage]:  # type: ignore[no-untyped-def]
    """One XHTML document per front-matter text, part opener and chapter, plus the
    title, copyright and glossary pages."""
    loc = localizer(content.book, content.lang)
    lang = content.lang

    def href_for(label: Label, doc: Document) -> str:
        if label.doc_id == doc.doc_id:
            return f"#{label.id}"
        return f"{epub_file_name(label.doc_id)}#{label.id}"

    ctx = RenderContext(target="epub", loc=loc, labels=content.labels, href_for=href_for,
                        resource_url=resource_url or (lambda p: p),
                        allow_html=content.book.config.allow_html)
    values = common_values(content, loc)
    front, parts = _views(content, ctx)
    glossary = glossary_groups(content, epub=True)
    pages: list[EpubPage] = []

    def page(kind: str, doc_id: str, title: str, page_lang: str, template: str,
             sections: Sequence = (), **extra: object) -> None:
        xhtml = render_template(f"epub/{template}", loc, page_title=title, page_lang=page_lang,
                                **values, **extra)
        pages.append(EpubPage(epub_file_name(doc_id), doc_id, kind, title, page_lang, xhtml,
                              tuple(sections), before_contents=before_contents(doc_id)))

    page("title", "title-page", str(values["title"]), lang, "title.xhtml")
    page("copyright", "copyright", loc.gettext("Copyright"), lang, "copyright.xhtml",
         isbn=content.meta.isbns.get("epub"))
    # book order: dedication/epigraph, (the navigation, placed by the package), the lists,
    # then preface, introduction ...
    opening = [d for d in front if before_contents(d.id)]
    for d in opening:
        page("front", d.id, d.title, d.lang, "front.xhtml", d.sections, doc=d)
    for lst in float_lists(content, loc,
                           lambda label: f"{epub_file_name(label.doc_id)}#{label.id}"):
        page("list", lst.id, lst.title, lang, "list.xhtml", float_list=lst)
    for d in front:
        if d not in opening:
            page("front", d.id, d.title, d.lang, "front.xhtml", d.sections, doc=d)
    for p in parts:
        page("part", p.id, p.title, lang, "part.xhtml", part=p)
        for ch in p.chapters:
            page("chapter", ch.id, ch.title, ch.lang, "chapter.xhtml", ch.sections, ch=ch,
                 part=p)
    if glossary:
        page("glossary", "glossary", loc.gettext("Glossary"), lang, "glossary.xhtml",
             glossary=glossary)
        index = index_groups(content, None, epub_chapter_label(loc))
        if index:
            page("index", "index", loc.gettext("Index"), lang, "index.xhtml", index=index)
    people = contributors(content, epub=True)
    if people:
        page("contributors", "contributors", loc.gettext("List of Contributors"), lang,
             "contributors.xhtml", contributors=people)
    return pages
