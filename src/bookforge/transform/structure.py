"""Structure transforms on one document's tokens: heading ids and sections, figures,
table captions and footnotes. Returns the `Document` and the labels it defines.

The first pass after parsing: it edits the parser's fresh tokens, which nothing else holds;
every later pass returns new tokens instead."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace

from markdown_it.token import Token

from ..errors import Diagnostic, error, warning
from ..model import Chapter, Part
from ..text import slugify
from .model import Document, Label, Section
from .parse import MAX_NESTING, ParsedDoc

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
    _nesting_cuts(doc, diags)
    footnotes, numbers = _footnotes(doc)
    _unused_footnotes(doc, diags)
    _heading_levels(doc, diags)
    sections = _headings(doc, labels, diags)
    captions: list[Label] = []
    _tables(doc, labels, captions)
    _figures(doc, labels, captions, diags)
    return replace(doc, sections=tuple(sections), footnotes=footnotes, captions=tuple(captions),
                   footnote_numbers=numbers), labels


def _prefix(doc: Document) -> str:
    return f"{doc.number}." if doc.number is not None else ""


def heading_slug(text: str) -> str:
    """The fragment a heading answers to without an explicit `{#id}`: its text in ASCII
    lower case, every run of other characters a hyphen (`## Rule of Law, 1998` ->
    `rule-of-law-1998`). The output id adds the document's id in front, since the print
    edition is one HTML file."""
    return slugify(text)


def _heading_levels(doc: Document, diags: list[Diagnostic]) -> None:
    """Keep the outline valid: the chapter title is the h1, so the body starts at h2 and
    never goes down more than one level at a time. A skipped level is a warning and the
    heading is printed one level below the one before it."""
    tokens = doc.tokens
    previous_written, previous = 1, 1
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open":
            continue
        written = int(tok.tag[1])
        if written > previous_written + 1:
            diags.append(warning(doc.source.rel_path, doc.parsed.line_of(tok),
                                 "heading-skip",
                                 f"h{written} follows h{previous_written}: heading level "
                                 "skipped; printed one level below the heading before it"))
        level = min(max(written, 2), previous + 1)
        previous_written, previous = written, level
        if level != written:
            close = next(t for t in tokens[i + 1:] if t.type == "heading_close")
            tok.tag = close.tag = f"h{level}"
            tok.markup = close.markup = "#" * level


def _headings(doc: Document, labels: list[Label], diags: list[Diagnostic]
              ) -> list[Section]:
    sections: list[Section] = []
    used: set[str] = set()
    tokens = doc.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open":
            continue
        level = int(tok.tag[1])
        text = plain_text(tokens[i + 1])
        ident = tok.attrGet("id")
        tok.meta["anchor"] = heading_slug(text)
        if ident and str(ident) in used:
            # found by tests/test_fuzz.py: two headings with one {#id} gave the EPUB two
            # elements with one id; the second is renamed
            diags.append(error(doc.source.rel_path, doc.parsed.line_of(tok), "duplicate-id",
                               f"id '{ident}' is already used by a heading of this "
                               "document; this one gets another id"))
            tok.attrs.pop("id", None)
            ident = None
        if not ident:
            base = f"{doc.doc_id}-{tok.meta['anchor']}"
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


def _tables(doc: Document, labels: list[Label], captions: list[Label]) -> None:
    tokens = doc.tokens
    count = 0
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "table_open":
            count += 1
            tok.meta["number"] = f"{_prefix(doc)}{count}"
            tok.meta.setdefault("caption", None)
            captions.append(_listed(doc, tok, "table", tok.meta["number"], ""))
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
            captions.append(_listed(doc, table, "table", number, plain_text(inline), tok))
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


def _figures(doc: Document, labels: list[Label], captions: list[Label],
             diags: list[Diagnostic]) -> None:
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
        captions.append(_listed(doc, tok, "figure", number, caption))
        if not image.content.strip():
            diags.append(error(doc.source.rel_path, doc.parsed.line_of(tok), "figure-alt",
                               "figure has no alt text: describe the image in ![...]"))


def _nesting_cuts(doc: Document, diags: list[Diagnostic]) -> None:
    for start in dict.fromkeys(doc.parsed.env.get("nesting_cut", ())):
        diags.append(error(doc.source.rel_path, doc.source.body_line + start,
                           "nesting-too-deep",
                           f"lists or quotations nested more than {MAX_NESTING} levels deep "
                           "(a list item counts two); the text from here to the end of the "
                           "enclosing block is not printed"))


def _unused_footnotes(doc: Document, diags: list[Diagnostic]) -> None:
    """A footnote nothing refers to is never printed: say so, with its line."""
    refs = doc.parsed.env.get("footnotes", {}).get("refs", {})
    body = doc.source.body
    for key, ident in refs.items():
        if ident != -1:
            continue
        label = key[1:]
        at = body.find(f"[^{label}]:")
        line = doc.source.body_line + (body.count("\n", 0, at) if at >= 0 else 0)
        diags.append(warning(doc.source.rel_path, line, "footnote-unused",
                             f"footnote [^{label}] is never referred to, so it is not "
                             "printed"))


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
