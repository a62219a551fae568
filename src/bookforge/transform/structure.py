"""Structure transforms on one document's tokens: heading ids and sections, figures,
table captions and footnotes. Returns the `Document` and the labels it defines."""

from __future__ import annotations

import re

from markdown_it.token import Token

from ..errors import Diagnostic, error
from ..model import Chapter, Part
from ..text import slugify
from .model import Document, Label, Section
from .parse import ParsedDoc

TABLE_CAPTION_RE = re.compile(r"^\s*(Table|Tabel)\s*:\s*", re.I)
TRAILING_ID_RE = re.compile(r"\s*\{#([A-Za-z][\w:-]*)\}\s*$")


def plain_text(inline: Token) -> str:
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif child.type == "image":
            parts.append(child.content)
    return "".join(parts).strip()


def structure(parsed: ParsedDoc, chapter: Chapter, part: Part | None, number: int | None,
              diags: list[Diagnostic]) -> tuple[Document, list[Label]]:
    doc = Document(doc_id=chapter.doc_id, kind=chapter.kind, chapter=chapter, part=part,
                   number=number, parsed=parsed)
    labels: list[Label] = []
    _footnotes(doc)
    _headings(doc, labels)
    _tables(doc, labels)
    _figures(doc, labels, diags)
    return doc, labels


def _prefix(doc: Document) -> str:
    return f"{doc.number}." if doc.number is not None else ""


def _headings(doc: Document, labels: list[Label]) -> None:
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
            doc.sections.append(Section(level, str(ident), text))
            if tok.attrGet("id") and not str(ident).startswith(doc.doc_id):
                labels.append(Label(str(ident), "section", "", doc.doc_id,
                                    doc.source.rel_path, doc.parsed.line_of(tok), text))


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
            doc.captions.append(_listed(doc, tok, "table", tok.meta["number"], ""))
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
            doc.captions.append(_listed(doc, table, "table", number, plain_text(inline), tok))
            del tokens[i: i + 3]
            i += 1  # skip the table_open we just numbered
            continue
        i += 1


def _listed(doc: Document, tok: Token, kind: str, number: str, caption: str,
            line_tok: Token | None = None) -> Label:
    """The figure or table `tok` as an entry of the lists of figures and tables; one
    without an id of the author's gets one, so that the lists can link to it."""
    ident = tok.attrGet("id")
    if not ident:
        ident = f"{doc.doc_id}-{kind}-{number.replace('.', '-')}"
        tok.attrSet("id", ident)
    return Label(str(ident), kind, number, doc.doc_id, doc.source.rel_path,
                 doc.parsed.line_of(line_tok or tok), caption)


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
        doc.captions.append(_listed(doc, tok, "figure", number, caption))
        if not image.content.strip():
            diags.append(error(doc.source.rel_path, doc.parsed.line_of(tok), "figure-alt",
                               "figure has no alt text: describe the image in ![...]"))


def _footnotes(doc: Document) -> None:
    """Lift footnote bodies out of the token stream, numbered per chapter by first call."""
    tokens = doc.tokens
    start = next((i for i, t in enumerate(tokens) if t.type == "footnote_block_open"), None)
    if start is None:
        return
    end = next(i for i in range(start, len(tokens)) if tokens[i].type == "footnote_block_close")
    current: int | None = None
    for tok in tokens[start + 1: end]:
        if tok.type == "footnote_open":
            current = tok.meta["id"]
            doc.footnotes[current] = []
        elif tok.type == "footnote_close":
            current = None
        elif current is not None and tok.type != "footnote_anchor":
            doc.footnotes[current].append(tok)
    del tokens[start: end + 1]
    for tok in tokens:
        for child in tok.children or []:
            if child.type == "footnote_ref":
                fid = child.meta["id"]
                doc.footnote_numbers.setdefault(fid, len(doc.footnote_numbers) + 1)
    for body in doc.footnotes.values():  # footnotes inside footnotes are not numbered yet
        for tok in body:
            for child in tok.children or []:
                if child.type == "footnote_ref":
                    doc.footnote_numbers.setdefault(child.meta["id"],
                                                    len(doc.footnote_numbers) + 1)
