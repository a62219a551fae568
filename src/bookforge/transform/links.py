"""Transform pass: links between the documents of an edition.

A link to a chapter file of the book in any of its languages (`../02-law/01-rule.en.md#x`,
`01-rule.md`) points at the edition's own version of that chapter; `#x` points into the
document itself. Fragments match an explicit `{#id}` or the id a heading gets from its
text (see `structure.heading_slug`). Each link gets `meta["link_to"] = (doc_id, anchor)`;
a link that resolves to nothing gets `meta["link_unresolved"]`, is rendered as plain text
and is a `link-unresolved` warning naming file:line:col and the target. External http(s)
and mailto links are left alone (never fetched).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from markdown_it.token import Token

from ..errors import Diagnostic, warning
from ..model import Book, Source
from .model import Document
from .parse import parse_source
from .structure import structure

EXTERNAL_SCHEMES = ("http", "https", "mailto")


def token_streams(doc: Document) -> Iterator[list[Token]]:
    yield doc.tokens
    yield from doc.footnotes.values()


def anchors_of(tokens: Sequence[Token], doc_id: str) -> dict[str, str]:
    """Fragment an author may write -> the id it lands on in the output."""
    found: dict[str, str] = {doc_id: doc_id}
    for tok in tokens:
        for t in (tok, *(tok.children or [])):
            ident = t.attrGet("id")
            if ident:
                found.setdefault(str(ident), str(ident))
            slug = t.meta.get("anchor") if t.meta else None
            if slug and ident:
                found.setdefault(str(slug), str(ident))
    return found


def _doc_anchors(doc: Document) -> dict[str, str]:
    found: dict[str, str] = {}
    for tokens in token_streams(doc):
        found.update({k: v for k, v in anchors_of(tokens, doc.doc_id).items()
                      if k not in found})
    return found


def _unlanged(path: Path, lang: str) -> Path:
    """`01-rule.en.md` -> `01-rule.md`, the name that means "this chapter, any language"."""
    suffix = f".{lang}.md"
    name = path.name
    return path.with_name(name[: -len(suffix)] + ".md") if name.endswith(suffix) else path


@dataclass
class LinkIndex:
    """Where each chapter file of the book lands in this edition, and its anchors."""

    docs: dict[str, Document]
    paths: dict[Path, str]
    anchors: dict[str, dict[str, str]]
    other_anchors: dict[tuple[str, str], dict[str, str]] = field(default_factory=dict)

    @classmethod
    def build(cls, docs: Sequence[Document]) -> LinkIndex:
        paths: dict[Path, str] = {}
        for doc in docs:
            for lang, src in doc.chapter.versions.items():
                resolved = src.path.resolve()
                paths[resolved] = doc.doc_id
                paths.setdefault(_unlanged(resolved, lang), doc.doc_id)
        return cls({d.doc_id: d for d in docs}, paths, {d.doc_id: _doc_anchors(d) for d in docs})

    def in_other_versions(self, doc: Document, fragment: str, allow_html: str) -> list[str]:
        """The other language versions of `doc` that define `fragment` (file names)."""
        found = []
        for lang, src in doc.chapter.versions.items():
            if src is doc.source:
                continue
            key = (doc.doc_id, lang)
            if key not in self.other_anchors:
                self.other_anchors[key] = _source_anchors(doc, src, allow_html)
            if fragment in self.other_anchors[key]:
                found.append(src.rel_path)
        return found


def _source_anchors(doc: Document, src: Source, allow_html: str) -> dict[str, str]:
    other, _ = structure(parse_source(src, allow_html), doc.chapter, doc.part, doc.number, [])
    return _doc_anchors(other)


def _fresh_links(tokens: Sequence[Token]) -> list[Token]:
    """`tokens` with each inline token holding a link copied, and its link tokens too, so
    that setting their meta never touches tokens a cache or another edition still holds."""
    out: list[Token] = []
    for tok in tokens:
        if tok.type == "inline" and any(c.type == "link_open" for c in tok.children or ()):
            tok = replace(tok, children=[replace(c, meta=dict(c.meta))
                                         if c.type == "link_open" else c
                                         for c in tok.children or ()])
        out.append(tok)
    return out


def resolve_links(docs: Sequence[Document], book: Book, diags: list[Diagnostic]
                  ) -> tuple[Document, ...]:
    """`docs` (an edition's documents, in order) with every link resolved: new documents,
    the ones given are not modified."""
    docs = tuple(replace(d, parsed=replace(d.parsed, tokens=_fresh_links(d.tokens)),
                         footnotes={n: _fresh_links(body) for n, body in d.footnotes.items()})
                 for d in docs)
    index = LinkIndex.build(docs)
    for doc in docs:
        for tokens in token_streams(doc):
            for tok in tokens:
                if tok.type != "inline" or not tok.children:
                    continue
                cursor = 0
                for i, child in enumerate(tok.children):
                    if child.type != "link_open":
                        continue
                    href = str(child.meta.setdefault("href_source", child.attrGet("href") or ""))
                    cursor = _resolve_one(doc, tok, tok.children, i, href, index, book,
                                          diags, cursor)
    return docs


def _is_xref(children: Sequence[Token], i: int) -> bool:
    """An empty link to `#id` is a cross-reference (transform/xref.py), not a link."""
    child = children[i]
    empty = i + 1 < len(children) and children[i + 1].type == "link_close"
    return empty and str(child.meta.get("href_source", "")).startswith("#")


def _resolve_one(doc: Document, block: Token, children: Sequence[Token], i: int, href: str,
                 index: LinkIndex, book: Book, diags: list[Diagnostic], cursor: int) -> int:
    child = children[i]
    child.meta.pop("link_to", None)
    child.meta.pop("link_unresolved", None)
    if not href or _is_xref(children, i):
        return cursor
    parts = urlsplit(href)
    if parts.scheme or parts.netloc:
        if parts.scheme.lower() not in EXTERNAL_SCHEMES:
            problem = f"'{href}' is not a link bookforge keeps ({parts.scheme or 'remote'} URL)"
            return _unresolved(doc, block, child, href, problem, diags, cursor)
        return cursor
    fragment = unquote(parts.fragment)
    if parts.path:
        raw = unquote(parts.path)
        target_id = None if raw.startswith("/") else index.paths.get(
            (doc.source.path.parent / raw).resolve())
        if target_id is None:
            return _unresolved(doc, block, child, href, "not a chapter of this book", diags,
                               cursor)
    else:
        target_id = doc.doc_id
    target = index.docs[target_id]
    if not fragment:
        child.meta["link_to"] = (target_id, target_id)
        return cursor
    anchor = index.anchors[target_id].get(fragment)
    if anchor is None:
        others = index.in_other_versions(target, fragment, book.config.allow_html)
        problem = (f"'#{fragment}' is only in {', '.join(others)}, not in "
                   f"{target.source.rel_path}" if others
                   else f"no heading or id '{fragment}' in {target.source.rel_path}")
        return _unresolved(doc, block, child, href, problem, diags, cursor)
    child.meta["link_to"] = (target_id, anchor)
    return cursor


def _unresolved(doc: Document, block: Token, child: Token, href: str, problem: str,
                diags: list[Diagnostic], cursor: int) -> int:
    line, col, cursor = doc.parsed.position(block, f"]({href}", cursor)
    child.meta["link_unresolved"] = True
    diags.append(warning(doc.source.rel_path, line, "link-unresolved",
                         f"link to '{href}' does not resolve ({problem}); printed as text",
                         column=col))
    return cursor
