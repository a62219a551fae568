"""Render stage, parallel edition: `ParallelContent` -> the print HTML (two columns, one
row per aligned pair, verso language left) and the EPUB XHTML documents (each pair as
consecutive blocks, each with its language).

Every document of the book is rendered once per language with the ordinary renderer, block
by block in the rows `transform.align` gives. The right-hand side's ids get the prefix
"<lang>-" (both versions of a chapter use the same figure, table and note ids), and its
links to them follow. The shared apparatus (title pages, contents, glossary, index,
contributors) is printed once, in both languages where it has text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

from markupsafe import Markup

from ..i18n import Localizer, localizer, roman
from ..model import Author
from ..transform.align import ParallelContent, Row, align, blocks
from ..transform.meta import parallel_meta
from ..transform.model import Document, EditionContent, Label
from . import (
    EpubPage,
    abstract_views,
    common_values,
    edition_statistics,
    epub_file_name,
    render_template,
)
from .backmatter import contributors, epub_chapter_label, glossary_groups, index_groups
from .frontmatter import cip_view
from .markdown import DocRenderer, RenderContext

ID_RE = re.compile(r'\bid="([^"]+)"')
LABELLEDBY_RE = re.compile(r'aria-labelledby="([^"]+)"')
HREF_RE = re.compile(r'\bhref="([^"#]*)#([^"]+)"')
NOTE_RE = re.compile(r'(<span class="footnote" id="[^"]*-fn-(\d+)")')


@dataclass(frozen=True)
class SideHead:
    """One language's chapter opener: label, title, running title, abstract."""

    lang: str
    label: str
    title: str
    running_title: str
    abstract: Markup = Markup("")
    abstract_heading: str = ""
    keywords: str = ""
    keywords_label: str = ""


@dataclass(frozen=True)
class PairRow:
    left: Markup
    right: Markup
    by: str  # "block" | "section" | "unpaired" (transform.align.Row.by)


@dataclass(frozen=True)
class ParallelDoc:
    id: str
    kind: str  # "front" | "chapter"
    number: int | None
    heads: tuple[SideHead, SideHead]
    authors: tuple[Author, ...]
    author_names: str
    rows: tuple[PairRow, ...]
    notes: tuple[Markup, Markup] = (Markup(""), Markup(""))  # EPUB: each side's notes


@dataclass(frozen=True)
class ParallelPart:
    id: str
    numeral: str
    titles: tuple[tuple[str, str], ...]  # (lang, title)
    intros: tuple[tuple[str, str], ...]
    docs: tuple[ParallelDoc, ...]


def prefix_ids(html: str, prefix: str, ids: frozenset[str]) -> str:
    """`html` with every id prefixed and every link to one of `ids` following it."""
    html = ID_RE.sub(lambda m: f'id="{prefix}{m[1]}"', html)
    html = LABELLEDBY_RE.sub(lambda m: f'aria-labelledby="{prefix}{m[1]}"'
                             if m[1] in ids else m[0], html)
    return HREF_RE.sub(lambda m: f'href="{m[1]}#{prefix}{m[2]}"'
                       if m[2] in ids else m[0], html)


def numbered_notes(html: str) -> str:
    """Print footnotes carry their own number (`data-n`): the two columns number their
    notes apart, so the page's single footnote counter cannot give it."""
    return NOTE_RE.sub(lambda m: f'{m[1]} data-n="{m[2]}"', html)


def _context(content: EditionContent, target: str) -> RenderContext:
    def href_for(label: Label, doc: Document) -> str:
        here = target == "print" or label.doc_id == doc.doc_id
        return f"{'' if here else epub_file_name(label.doc_id)}#{label.id}"

    return RenderContext(target=target, loc=Localizer(content.lang, content.book.root),
                         labels=content.labels, href_for=href_for,
                         resource_url=(lambda p: f"images/{p}") if target == "epub"
                         else (lambda p: p),
                         allow_html=content.book.config.allow_html)


def side_head(doc: Document, lang: str, loc: Localizer) -> SideHead:
    text = doc.chapter.text_in(lang) or doc.source.own_text()
    label = f"{loc.gettext('Chapter')} {doc.number}" if doc.number is not None else ""
    own = [a for a in abstract_views(doc, loc, lang) if a.lang == lang]
    ab = own[0] if own else None
    return SideHead(lang=lang, label=label, title=text.title,
                    running_title=text.short_title or text.title,
                    abstract=ab.abstract if ab else Markup(""),
                    abstract_heading=ab.heading if ab else "",
                    keywords=ab.keywords if ab else "",
                    keywords_label=loc.gettext("Keywords") if ab else "")


@dataclass(frozen=True)
class AlignedBody:
    """A document's two versions as rows, and each side's EPUB notes (empty in print)."""

    rows: tuple[PairRow, ...]
    notes: tuple[Markup, Markup]


def prefixed(ctx: RenderContext, prefix: str) -> RenderContext:
    """`ctx` with its links to labels pointing at the prefixed ids of the right side."""

    def href_for(label: Label, doc: Document) -> str:
        page, _, fragment = ctx.href_for(label, doc).partition("#")
        return f"{page}#{prefix}{fragment}"

    return replace(ctx, href_for=href_for)


def aligned_body(a: Document, b: Document, ctx_a: RenderContext, ctx_b: RenderContext
                 ) -> AlignedBody:
    """Documents `a` (left) and `b` (right) rendered block by block in aligned rows; the
    right side's ids get the prefix "<its language>-". Where both are one version (a
    chapter written in one language) it is rendered once, in its language's column."""
    prefix = f"{ctx_b.loc.lang}-"
    ctx_b = prefixed(ctx_b, prefix)
    left, right = DocRenderer(a, ctx_a), DocRenderer(b, ctx_b)
    if a.lang != b.lang:
        rows = align(a.tokens, b.tokens)
    elif a.lang == ctx_b.loc.lang:
        rows = [Row((), (blk,), "unpaired") for blk in blocks(b.tokens)]
    else:
        rows = [Row((blk,), (), "unpaired") for blk in blocks(a.tokens)]
    lefts = ["".join(left.blocks_html(x.start, x.end) for x in r.left) for r in rows]
    rights = ["".join(right.blocks_html(x.start, x.end) for x in r.right) for r in rows]
    if a.references or b.references:  # each side's generated reference list, side by side
        rows = [*rows, Row((), (), "block")]
        lefts.append(left.reference_list() if a.lang != b.lang or a.lang != ctx_b.loc.lang
                     else "")
        rights.append(right.reference_list() if a.lang != b.lang or a.lang == ctx_b.loc.lang
                       else "")
    print_target = ctx_a.target == "print"
    notes = ("", "") if print_target else (left.epub_notes(), right.epub_notes())
    ids = frozenset(m for h in [*rights, notes[1]] for m in ID_RE.findall(h))

    def side(html: str, own_ids: bool) -> Markup:
        html = prefix_ids(html, prefix, ids) if own_ids else html
        return Markup(numbered_notes(html) if print_target else html)

    return AlignedBody(
        tuple(PairRow(side(x, False), side(y, True), r.by)
              for x, y, r in zip(lefts, rights, rows, strict=True)),
        (side(notes[0], False), side(notes[1], True)))


def parallel_doc(content: ParallelContent, a: Document, b: Document, target: str
                 ) -> ParallelDoc:
    """One document of the book as aligned rows (a chapter only in one language: one side)."""
    la, lb = content.pair
    ctx_a, ctx_b = _context(content.left, target), _context(content.right, target)
    body = aligned_body(a, b, ctx_a, ctx_b)
    return ParallelDoc(
        id=a.doc_id, kind=a.kind, number=a.number,
        heads=(side_head(a, la, ctx_a.loc), side_head(b, lb, ctx_b.loc)),
        authors=a.source.authors, author_names=ctx_a.loc.join([x.name for x in a.source.authors]),
        rows=body.rows, notes=body.notes)


def parallel_docs(content: ParallelContent, target: str
                  ) -> tuple[list[ParallelDoc], list[ParallelPart]]:
    """The front-matter texts and the parts with their chapters, as aligned documents."""
    pairs = dict(zip((d.doc_id for d in content.left.documents),
                     zip(content.left.documents, content.right.documents, strict=True),
                     strict=True))
    front = [parallel_doc(content, a, b, target) for a, b in pairs.values()
             if a.kind == "front"]
    parts = []
    for n, part in enumerate(content.book.parts, 1):
        docs = tuple(parallel_doc(content, a, b, target) for a, b in pairs.values()
                     if a.kind == "chapter" and a.part is part)
        parts.append(ParallelPart(
            id=f"part-{part.slug}", numeral=roman(n),
            titles=tuple((lang, part.title.get(lang) or next(iter(part.title.values())))
                         for lang in content.pair),
            intros=tuple((lang, part.intro[lang]) for lang in content.pair
                         if lang in part.intro),
            docs=docs))
    return front, parts


@dataclass(frozen=True)
class ParallelTerm:
    """A glossary entry of the parallel edition: the term in both languages and both
    definitions (the verso language's first)."""

    anchor: str
    terms: tuple[tuple[str, str], ...]  # (lang, term)
    definitions: tuple[tuple[str, str], ...]  # (lang, definition)
    chapters: tuple = ()


def parallel_glossary(content: ParallelContent, epub: bool) -> list:
    """The glossary once, sorted in the verso language, with both languages' terms."""
    by_anchor = {t.anchor: t for t in content.book.glossary.terms}
    groups = glossary_groups(content.left, epub=epub)
    out = []
    for g in groups:
        entries = []
        for e in g.entries:
            term = by_anchor[e.anchor]
            entries.append(ParallelTerm(
                anchor=e.anchor,
                terms=tuple((lang, term.forms[lang]) for lang in content.pair
                            if term.forms.get(lang)),
                definitions=tuple((lang, term.definitions[lang]) for lang in content.pair
                                  if term.definitions.get(lang)),
                chapters=e.chapters))
        out.append(type(g)(letter=g.letter, entries=tuple(entries)))
    return out


def parallel_values(content: ParallelContent) -> dict[str, object]:
    """The book-level values both targets print: each language's title, subtitle and
    statistics, the verso language's dates, editors and edition name."""
    la, lb = content.pair
    loc_a, loc_b = (localizer(content.book, lang) for lang in content.pair)
    values = common_values(content.left, loc_a)
    other = common_values(content.right, loc_b)
    cfg = content.book.config
    values.update(
        lang=la, other_lang=lb, pair=content.pair, edition=content.lang,
        meta=parallel_meta(content.book, content.pair),
        other_title=other["title"], other_subtitle=other["subtitle"],
        titles=((la, values["title"]), (lb, other["title"])),
        subtitles=tuple((lang, cfg.subtitle[lang]) for lang in content.pair
                        if lang in cfg.subtitle),
        abstracts=tuple((lang, cfg.abstract[lang]) for lang in content.pair
                        if lang in cfg.abstract),
        edition_name=f"{loc_a.language_title(la)} – {loc_a.language_title(lb)}",
        statistics=f"{edition_statistics(content.left, loc_a)} · "
                   f"{edition_statistics(content.right, loc_b)}",
        colophon=" ".join(c for c in (cfg.colophon.get(la), cfg.colophon.get(lb)) if c),
        other_labels=_labels(loc_b),
        cover_edition=f"{values['edition_name']} · {other['edition_name']}")
    return values


def _labels(loc: Localizer) -> dict[str, str]:
    """The few labels printed in the recto language as well."""
    return {key: loc.gettext(key) for key in
            ("Contents", "Part", "Chapter", "Glossary", "Index", "List of Contributors",
             "Edited by", "Abstract")}


def render_parallel_print(content: ParallelContent,
                          anchor_pages: Mapping[str, int] | None = None) -> str:
    """The whole parallel edition as one HTML document for WeasyPrint (see
    `render.render_print`; `anchor_pages` gives the index its page ranges)."""
    loc = Localizer(content.pair[0], content.book.root)
    front, parts = parallel_docs(content, "print")
    values = parallel_values(content)
    cfg = content.book.config
    isbn = cfg.isbn_for(content.lang, "pdf")
    cip = cip_view(cfg, f"{values['title']} = {values['other_title']}",
                   str(values["subtitle"]), [p.titles[0][1] for p in parts], isbn, loc)
    return render_template(
        "print/parallel.html", loc, front=front, parts=parts,
        glossary=parallel_glossary(content, epub=False),
        index=index_groups(content.left, anchor_pages),
        contributors=contributors(content.left, epub=False),
        isbn=isbn, cip=cip, **values)


def render_parallel_epub(content: ParallelContent) -> list[EpubPage]:
    """One XHTML document per front-matter text, part opener and chapter (each pair as
    two consecutive blocks), plus the title, copyright, glossary, index and contributors."""
    la, lb = content.pair
    loc = Localizer(la, content.book.root)
    values = parallel_values(content)
    front, parts = parallel_docs(content, "epub")
    pages: list[EpubPage] = []

    def page(kind: str, doc_id: str, title: str, template: str, sections: Sequence = (),
             **extra: object) -> None:
        xhtml = render_template(f"epub/{template}", loc, page_title=title, page_lang=la,
                                **values, **extra)
        pages.append(EpubPage(epub_file_name(doc_id), doc_id, kind, title, la, xhtml,
                              tuple(sections)))

    def both(doc: ParallelDoc) -> str:
        return f"{doc.heads[0].title} / {doc.heads[1].title}"

    page("title", "title-page", f"{values['title']} / {values['other_title']}",
         "parallel-title.xhtml")
    page("copyright", "copyright", loc.gettext("Copyright"), "copyright.xhtml",
         isbn=content.book.config.isbn_for(content.lang, "epub"))
    sections = {d.doc_id: d.sections for d in content.left.documents}
    for d in front:
        page("front", d.id, both(d), "parallel-doc.xhtml", sections[d.id], doc=d)
    for p in parts:
        page("part", p.id, " / ".join(t for _, t in p.titles), "parallel-part.xhtml", part=p)
        for d in p.docs:
            page("chapter", d.id, both(d), "parallel-doc.xhtml", sections[d.id], doc=d,
                 part=p)
    glossary = parallel_glossary(content, epub=True)
    if glossary:
        page("glossary", "glossary", loc.gettext("Glossary"), "parallel-glossary.xhtml",
             glossary=glossary)
        index = index_groups(content.left, None, epub_chapter_label(loc))
        if index:
            page("index", "index", loc.gettext("Index"), "index.xhtml", index=index)
    people = contributors(content.left, epub=True)
    if people:
        page("contributors", "contributors", loc.gettext("List of Contributors"),
             "contributors.xhtml", contributors=people)
    return pages
