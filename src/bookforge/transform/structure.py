"""Structure transforms on one document's tokens: heading ids and sections, figures,
table captions and footnotes. Returns the `Document` and the labels it defines.

The first pass after parsing: it edits the parser's fresh tokens, which nothing else holds;
every later pass returns new tokens instead."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from markdown_it.token import Token

from ..errors import Diagnostic, error
from ..model import Chapter, Part
from ..text import slugify
from .model import Document, Label, Section
from .parse import ParsedDoc

TABLE_CAPTION_RE = re.compile(r"^\s*(Table|Tabel)\s*:\s*", re.I)
TRAILING_ID_RE = re.compile(r"\s*\{#([A-Za-z][\w:-]*)\}\s*$")


def inline_text(children: Sequence[Token], stop: str = "", images: bool = False) -> str:
    """The text of inline tokens (line breaks as spaces), up to the first `stop` token;
    `images`: with their alt text."""
    parts = []
    for child in children:
        if stop and child.type == stop:
            break
        if child.type in ("text", "code_inline") or (images and child.type == "image"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def plain_text(inline: Token) -> str:
    """A heading's or caption's text, images by their alt text."""
    return inline_text(inline.children or [], images=True).strip()


def structure(parsed: ParsedDoc, chapter: Chapter, part: Part | None, number: int | None,
              diags: list[Diagnostic]) -> tuple[Document, list[Label]]:
    doc = Document(doc_id=chapter.doc_id, kind=chapter.kind, chapter=chapter, part=part,
                   number=number, parsed=parsed)
    labels: list[Label] = []
    footnotes, numbers = _footnotes(doc)
    sections = _headings(doc, labels)
    _tables(doc, labels)
    _figures(doc, labels, diags)
    return replace(doc, sections=tuple(sections), footnotes=footnotes,
                   footnote_numbers=numbers), labels


def _prefix(doc: Document) -> str:
    return f"{doc.number}." if doc.number is not None else ""


def _headings(doc: Document, labels: list[Label]) -> list[Section]:
    sections: list[Section] = []
    used: set[str] = set()
    tokens = doc.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open":
            continue
        level = int(tok.tag[1])
        text = plain_text(tokens[i + 1])
        ident = tok.attrGet("id")
        if not ident:
            base = f"{doc.doc_id}-{slugify(text)}"
            ident, n = base, 2
            while ident in used:
                ident, n = f"{base}-{n}", n + 1
            tok.attrSet("id", ident)
        used.add(str(ident))
        if level in (2, 3):
            sections.append(Section(level, str(ident), text))
            if tok.attrGet("id") and not str(ident).startswith(doc.doc_id):
                labels.append(Label(str(ident), "section", "", doc.doc_id,
                                    doc.source.rel_path, doc.parsed.line_of(tok), text))
    return sections


def _tables(doc: Document, labels: list[Label]) -> None:
    tokens = doc.tokens
    count = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "table_open":
            count += 1
            tok.meta["number"] = f"{_prefix(doc)}{count}"
            tok.meta.setdefault("caption", None)
        if (tok.type == "paragraph_open" and i + 3 < len(tokens)
                and tokens[i + 3].type == "table_open"
                and TABLE_CAPTION_RE.match(tokens[i + 1].content)):
            inline = tokens[i + 1]
            children = list(inline.children or [])
            if children and children[0].type == "text":
                children[0].content = TABLE_CAPTION_RE.sub("", children[0].content, count=1)
            ident = None
            if children and children[-1].type == "text":
                m = TRAILING_ID_RE.search(children[-1].content)
                if m:
                    ident = m.group(1)
                    children[-1].content = children[-1].content[: m.start()]
            table = tokens[i + 3]
            count += 1
            number = f"{_prefix(doc)}{count}"
            table.meta.update(number=number, caption=children, caption_done=True)
            if ident:
                table.attrSet("id", ident)
                labels.append(Label(ident, "table", number, doc.doc_id, doc.source.rel_path,
                                    doc.parsed.line_of(tok), plain_text(inline)))
            del tokens[i: i + 3]
            i += 1  # skip the table_open we just numbered
            continue
        i += 1


def sole_image(inline: Token) -> Token | None:
    """The image of a paragraph that holds nothing else, which makes it a figure."""
    kids = [c for c in inline.children or []
            if not (c.type == "text" and not c.content.strip()) and c.type != "softbreak"]
    return kids[0] if len(kids) == 1 and kids[0].type == "image" else None


def _figures(doc: Document, labels: list[Label], diags: list[Diagnostic]) -> None:
    tokens = doc.tokens
    count = 0
    for i, tok in enumerate(tokens):
        if tok.type != "paragraph_open" or i + 2 >= len(tokens):
            continue
        image = sole_image(tokens[i + 1])
        if image is None:
            continue
        count += 1
        number = f"{_prefix(doc)}{count}"
        ident = image.attrGet("id")
        if ident:
            image.attrs.pop("id", None)
        caption = str(image.attrGet("title") or "")
        image.attrs.pop("title", None)
        tok.type, tok.tag = "figure_open", "figure"
        tokens[i + 2].type, tokens[i + 2].tag = "figure_close", "figure"
        tok.meta.update(number=number, caption=caption, image=image)
        if ident:
            tok.attrSet("id", str(ident))
            labels.append(Label(str(ident), "figure", number, doc.doc_id, doc.source.rel_path,
                                doc.parsed.line_of(tok), caption))
        if not image.content.strip():
            diags.append(error(doc.source.rel_path, doc.parsed.line_of(tok), "figure-alt",
                               "figure has no alt text: describe the image in ![...]"))


def _footnotes(doc: Document) -> tuple[dict[int, list[Token]], dict[int, int]]:
    """Lift footnote bodies out of the token stream, numbered per chapter by first call:
    (bodies, numbers), both by footnote id."""
    tokens = doc.tokens
    bodies: dict[int, list[Token]] = {}
    numbers: dict[int, int] = {}
    start = next((i for i, t in enumerate(tokens) if t.type == "footnote_block_open"), None)
    if start is None:
        return bodies, numbers
    end = next(i for i in range(start, len(tokens)) if tokens[i].type == "footnote_block_close")
    current: int | None = None
    for tok in tokens[start + 1: end]:
        if tok.type == "footnote_open":
            current = tok.meta["id"]
            bodies[current] = []
        elif tok.type == "footnote_close":
            current = None
        elif current is not None and tok.type != "footnote_anchor":
            bodies[current].append(tok)
    del tokens[start: end + 1]
    for tok in tokens:
        for child in tok.children or []:
            if child.type == "footnote_ref":
                fid = child.meta["id"]
                numbers.setdefault(fid, len(numbers) + 1)
    for body in bodies.values():  # footnotes inside footnotes are not numbered yet
        for tok in body:
            for child in tok.children or []:
                if child.type == "footnote_ref":
                    numbers.setdefault(child.meta["id"], len(numbers) + 1)
    return bodies, numbers
