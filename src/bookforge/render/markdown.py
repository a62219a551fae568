"""Token -> HTML for one document, for a target: "print" (one HTML file laid out by
WeasyPrint: footnotes float to the page foot) or "epub" (XHTML documents: footnotes are
EPUB 3 pop-up notes). Numbered labels come from the transform stage; links between
documents from transform/links.py; fenced code is highlighted by render/code.py."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from markdown_it.common.utils import escapeHtml
from markdown_it.token import Token

from ..i18n import Localizer
from ..transform.model import Document, Label
from ..transform.parse import markdown
from .code import code_block


@dataclass(frozen=True)
class RenderContext:
    target: str  # "print" | "epub"
    loc: Localizer
    labels: Mapping[str, Label]
    href_for: Callable[[Label, Document], str]
    resource_url: Callable[[str], str]
    allow_html: str = "none"

    @property
    def epub(self) -> bool:
        return self.target == "epub"


def label_text(label: Label, loc: Localizer) -> str:
    # A no-break space keeps "Gambar 15.1" together at a line end.
    if label.kind == "figure":
        return loc.gettext("Figure") + "\u00a0" + label.number
    if label.kind == "table":
        return loc.gettext("Table") + "\u00a0" + label.number
    return label.title


LONG_WORD_RE = re.compile(r"\S{80,}")
SOFT_BREAK_EVERY = 40


def soft_breaks(html: str) -> str:
    """Zero-width spaces every few characters of a very long word (a path, a hash, a run of
    letters): WeasyPrint finds a place to break such a word in time quadratic in its
    length, and a break opportunity is all it needs. Print only; the EPUB keeps the word."""
    def split(m: re.Match[str]) -> str:
        word = m.group(0)
        if "&" in word or "<" in word:  # never inside an entity or a tag
            return word
        return "\u200b".join(word[i: i + SOFT_BREAK_EVERY]
                              for i in range(0, len(word), SOFT_BREAK_EVERY))

    return LONG_WORD_RE.sub(split, html)


def _attrs(tok: Token) -> str:
    return "".join(f' {k}="{escapeHtml(str(v))}"' for k, v in tok.attrs.items())


class DocRenderer:
    """Renders one `Document`'s tokens; holds per-document state (footnotes, sections)."""

    def __init__(self, doc: Document, ctx: RenderContext) -> None:
        self.doc = doc
        self.ctx = ctx
        self.md = markdown(ctx.allow_html)
        self.seen_notes: set[int] = set()
        self.link_closers: list[str] = []  # what closes each open link: </a> or </span>

    # -- helpers -------------------------------------------------------------------------
    def inline(self, children: Sequence[Token]) -> str:
        out = []
        for i, tok in enumerate(children):
            handler = getattr(self, f"r_{tok.type}", None)
            if handler:
                out.append(handler(children, i))
            else:
                out.append(self.md.renderer.renderInline([tok], self.md.options, {}))
        return "".join(out)

    def label_lang(self) -> str:
        """The edition's language on a generated label inside a chapter in another one."""
        lang = self.ctx.loc.lang
        if lang == self.doc.lang:
            return ""
        return f' lang="{lang}" xml:lang="{lang}"' if self.ctx.epub else f' lang="{lang}"'

    def fn_id(self, number: int) -> str:
        return f"{self.doc.doc_id}-fn-{number}"

    # -- inline rules --------------------------------------------------------------------
    def r_text(self, tokens: Sequence[Token], i: int) -> str:
        text = escapeHtml(tokens[i].content)
        return text if self.ctx.epub else soft_breaks(text)

    def r_image(self, tokens: Sequence[Token], i: int) -> str:
        tok = tokens[i]
        alt = escapeHtml(tok.content)
        if tok.meta.get("refused") or "book_path" not in tok.meta:
            return f'<span class="missing-resource">[{alt}]</span>'
        src = escapeHtml(self.ctx.resource_url(tok.meta["book_path"]))
        return f'<img src="{src}" alt="{alt}" />'

    def r_link_open(self, tokens: Sequence[Token], i: int) -> str:
        tok = tokens[i]
        if tok.meta.get("link_unresolved"):
            # printed as its text: the reader gets no link that leads nowhere
            self.link_closers.append("</span>")
            return '<span class="link-unresolved">'
        self.link_closers.append("</a>")
        return self.link_open(tok)

    def r_link_close(self, tokens: Sequence[Token], i: int) -> str:
        return self.link_closers.pop() if self.link_closers else "</a>"

    def link_open(self, tok: Token) -> str:
        target = tok.meta.get("link_to")
        if target is not None:  # another place of the book (transform/links.py)
            doc_id, anchor = target
            href = self.ctx.href_for(Label(anchor, "link", "", doc_id, "", 0), self.doc)
            return f'<a class="internal" href="{escapeHtml(href)}">'
        label: Label | None = tok.meta.get("xref")
        if label is not None:
            href = escapeHtml(self.ctx.href_for(label, self.doc))
            text = escapeHtml(label_text(label, self.ctx.loc))
            if label.kind in ("figure", "table") and self.label_lang():
                text = f"<span{self.label_lang()}>{text}</span>"
            return f'<a class="xref" href="{href}">{text}'
        if tok.meta.get("xref_missing"):
            return f'<a class="xref missing">??{escapeHtml(tok.meta["xref_missing"])}'
        href = str(tok.attrGet("href") or "")
        if not href:
            return "<a>"
        ext = ' rel="external"' if href.startswith(("http:", "https:")) and self.ctx.epub else ""
        return f'<a href="{escapeHtml(href)}"{ext}>'

    def r_footnote_ref(self, tokens: Sequence[Token], i: int) -> str:
        fid = tokens[i].meta["id"]
        number = self.doc.footnote_numbers.get(fid, fid + 1)
        body_tokens = self.doc.footnotes.get(fid, [])
        first = fid not in self.seen_notes
        self.seen_notes.add(fid)
        ident = self.fn_id(number)
        if self.ctx.epub:
            ref_id = f' id="{ident}-ref"' if first else ""
            return (f'<a epub:type="noteref" role="doc-noteref" class="noteref"{ref_id} '
                    f'href="#{ident}">{number}</a>')
        if not first:
            return f'\u2060<sup class="fn-repeat"><a href="#{ident}">{number}</a></sup>'
        # WeasyPrint's ::footnote-call is no link, so the printed call is an <a> of its own
        # and the pseudo-element is left empty (styles/print.css); word joiners keep the
        # call on the line of the word before it ("days.|1" is a break opportunity)
        return (f'<a class="fn-call" href="#{ident}">\u2060{number}</a>\u2060'
                f'<span class="footnote" id="{ident}">{self.note_inline(body_tokens)}</span>')

    def note_inline(self, body: Sequence[Token]) -> str:
        paras = [self.inline(t.children or []) for t in body if t.type == "inline"]
        return " ".join(paras)

    def r_citation(self, tokens: Sequence[Token], i: int) -> str:
        """A citation formatted by the CSL style (transform/citations.py); "??key" for
        keys the bibliography lacks."""
        meta = tokens[i].meta
        missing = "".join(f'<span class="citation missing">??{escapeHtml(k)}</span>'
                          for k in meta.get("missing", ()))
        return str(meta.get("html", "")) + missing if meta.get("html") or missing \
            else escapeHtml(tokens[i].content)

    def reference_list(self) -> str:
        """The document's generated reference list, under its localised heading."""
        refs = self.doc.references
        if not refs:
            return ""
        epub = self.ctx.epub
        section = ('<section class="references" epub:type="bibliography" '
                   'role="doc-bibliography"' if epub else
                   '<section class="references" role="doc-bibliography"')
        # DPUB-ARIA 1.1 deprecates role="doc-biblioentry" (EPUBCheck warns, RSC-017): the
        # entries are plain list items of the doc-bibliography section, typed for reading
        # systems with the EPUB vocabulary's biblioentry instead
        item_attrs = ' epub:type="biblioentry"' if epub else ""
        items = "".join(f'<li id="{escapeHtml(r.id)}"{item_attrs}>{r.html}</li>\n'
                        for r in refs)
        return (f'{section} aria-labelledby="{self.doc.doc_id}-references">\n'
                f'<h2 id="{self.doc.doc_id}-references">'
                f"{escapeHtml(self.doc.references_heading)}</h2>\n"
                f'<ul class="references">\n{items}</ul>\n</section>\n')

    def r_span_open(self, tokens: Sequence[Token], i: int) -> str:
        return f"<span{_attrs(tokens[i])}>"

    def r_term_open(self, tokens: Sequence[Token], i: int) -> str:
        """A glossary term (transform/glossary.py): a link to its entry, with an id."""
        meta = tokens[i].meta
        page = "glossary.xhtml" if self.ctx.epub else ""
        role = ' role="doc-glossref"' if self.ctx.epub else ""
        return (f'<a class="term" id="{meta["use_id"]}" href="{page}#{meta["anchor"]}"'
                f"{role}>")

    def r_term_close(self, tokens: Sequence[Token], i: int) -> str:
        meta = tokens[i].meta
        if not meta.get("gloss"):
            return "</a>"
        lang = meta["gloss_lang"]
        xml_lang = f' xml:lang="{lang}"' if self.ctx.epub else ""
        return (f'</a><span class="gloss"> (<i lang="{lang}"{xml_lang}>'
                f'{escapeHtml(meta["gloss"])}</i>)</span>')

    # -- blocks --------------------------------------------------------------------------
    def render(self) -> str:
        tokens = self.doc.tokens
        out: list[str] = []
        section_open = False
        stack: list[Token] = []
        for i, tok in enumerate(tokens):
            if tok.type == "heading_open" and tok.tag == "h2":
                if section_open:
                    out.append("</section>\n")
                out.append(self.section_open(tok))
                section_open = True
            out.append(self.token_html(i, stack))
        if section_open:
            out.append("</section>\n")
        out.append(self.reference_list())
        if self.ctx.epub:
            out.append(self.epub_notes())
        return "".join(out)

    def blocks_html(self, start: int, end: int) -> str:
        """Tokens `start`..`end` of the document, whole blocks, without the section
        wrappers `render` adds (the parallel edition sets blocks side by side)."""
        stack: list[Token] = []
        return "".join(self.token_html(i, stack) for i in range(start, end))

    def token_html(self, i: int, stack: list[Token]) -> str:
        """Token `i` of the document; `stack` holds the figures open around it."""
        tokens = self.doc.tokens
        tok = tokens[i]
        if tok.type == "inline":
            return self.inline(tok.children or [])
        if tok.type in ("fence", "code_block"):
            return code_block(tok.content, tok.info if tok.type == "fence" else "")
        if tok.type == "figure_open":
            stack.append(tok)
            return f'<figure class="figure"{_attrs(tok)}>\n'
        if tok.type == "figure_close":
            return self.figcaption(stack.pop()) + "</figure>\n"
        if tok.type == "table_open":
            return self.table_open(tok)
        if tok.type == "table_close":
            return "</table>\n</div>\n"
        if tok.type == "heading_open" and "references" in str(tok.attrGet("class") or ""):
            return f"<{tok.tag}{_attrs(tok)}>"
        if tok.type == "bullet_list_open" and self._in_references(tokens, i):
            return '<ul class="references">\n'
        return str(self.md.renderer.render([tok], self.md.options, {}))

    def _in_references(self, tokens: Sequence[Token], i: int) -> bool:
        for j in range(i - 1, -1, -1):
            if tokens[j].type == "heading_open":
                return "references" in str(tokens[j].attrGet("class") or "")
        return False

    def section_open(self, heading: Token) -> str:
        if "references" in str(heading.attrGet("class") or ""):
            if self.ctx.epub:
                return '<section class="references" epub:type="bibliography" ' \
                       'role="doc-bibliography">\n'
            return '<section class="references">\n'
        return '<section class="level2">\n'

    def figcaption(self, tok: Token) -> str:
        number = tok.meta["number"]
        caption = self.md.renderInline(tok.meta.get("caption", ""))
        label = escapeHtml(self.ctx.loc.gettext("Figure")) + " " + number
        return (f'<figcaption><span class="caption-label"{self.label_lang()}>{label}.</span> '
                f"{caption}</figcaption>\n")

    def table_open(self, tok: Token) -> str:
        attrs = _attrs(tok)
        caption = ""
        children = tok.meta.get("caption")
        label = escapeHtml(self.ctx.loc.gettext("Table")) + " " + tok.meta.get("number", "")
        if children is not None:
            caption = (f'<caption><span class="caption-label"{self.label_lang()}>{label}.</span> '
                       f"{self.inline(children)}</caption>\n")
        return f'<div class="table-wrap">\n<table{attrs}>\n{caption}'

    def epub_notes(self) -> str:
        if not self.doc.footnotes:
            return ""
        title = escapeHtml(self.ctx.loc.gettext("Notes"))
        items = []
        for fid, number in sorted(self.doc.footnote_numbers.items(), key=lambda kv: kv[1]):
            body = self.doc.footnotes.get(fid, [])
            ident = self.fn_id(number)
            back = escapeHtml(self.ctx.loc.gettext("Back to text"))
            items.append(
                f'<aside epub:type="footnote" role="doc-footnote" id="{ident}" class="footnote">'
                f'<p><a class="note-back" href="#{ident}-ref" role="doc-backlink" '
                f'title="{back}">{number}.</a> {self.note_inline(body)}</p></aside>\n')
        return (f'<section class="notes" epub:type="footnotes" role="doc-endnotes">'
                f'<h2 class="notes-title"{self.label_lang()}>{title}</h2>\n'
                f'{"".join(items)}</section>\n')


def render_body(doc: Document, ctx: RenderContext) -> str:
    return DocRenderer(doc, ctx).render()
