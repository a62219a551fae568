"""Manuscript import, the document tree: pandoc's JSON AST of a Word file -> the AST of a
bookforge chapter body, ready for pandoc's CommonMark writer.

The rewrite does what bookforge's source format asks and pandoc's writer cannot know:
the chapter title out of the body, sections from `##`, a figure as an image alone in its
paragraph (alt text, caption as its title, an id), a table's caption as a `Table:` paragraph
before it, table cells reduced to what a pipe table holds, citations as `[@key]`, and no
heading ids or internal links that point at Word bookmarks the book does not have.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..text import slugify

Node = dict[str, Any]

# Word's caption text starts with its own label and number ("Figure 2: ..."); bookforge
# prints a localised, numbered label of its own.
CAPTION_LABEL_RE = re.compile(
    r"^\s*(figure|fig\.|gambar|table|tabel|chart|grafik)\s*[0-9IVXivx]+([.\-][0-9]+)*"
    r"\s*[:.\u2013\u2014-]?\s*", re.I)
REFERENCES_RE = re.compile(
    r"^(references?|bibliography|works cited|literature( cited)?|sources|"
    r"daftar pustaka|daftar referensi|referensi|pustaka( acuan)?|kepustakaan|rujukan)$", re.I)
ABSTRACT_RE = re.compile(r"^(abstract|abstrak|summary|ringkasan|intisari)$", re.I)
KEYWORDS_RE = re.compile(r"^\s*(key\s?words|kata[\s-]kunci)\s*[:.\u2013\u2014-]\s*", re.I)
DROPPED_INLINES = {"RawInline"}
# Links bookforge refuses (`check` reports them as errors): Word documents often link to
# files on the author's disk.
UNSAFE_LINK_SCHEMES = ("file", "javascript", "vbscript", "data")
UNWRAPPED_INLINES = {"Span", "SmallCaps", "Strikeout"}


def stringify(nodes: Any) -> str:
    """The plain text of a list of inlines or blocks (notes left out)."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for n in node:
                walk(n)
            return
        if not isinstance(node, dict) or "t" not in node:
            return
        kind, content = node["t"], node.get("c")
        if kind == "Str":
            out.append(content)
        elif kind in ("Space", "SoftBreak", "LineBreak"):
            out.append(" ")
        elif kind in ("Code", "Math"):
            out.append(content[1])
        elif kind in ("Note", "RawInline", "RawBlock"):
            return
        elif kind == "Image":
            walk(content[1])
        elif kind in ("Link", "Span", "Div", "Quoted", "Cite"):
            walk(content[1])
        elif kind in ("Para", "Plain"):
            walk(content)
            out.append(" ")
        elif kind == "Header":
            walk(content[2])
            out.append(" ")
        else:
            walk(content)

    walk(nodes)
    return " ".join("".join(out).split())


def para(inlines: list[Node]) -> Node:
    return {"t": "Para", "c": inlines}


def text_inlines(text: str) -> list[Node]:
    words = text.split()
    out: list[Node] = []
    for i, word in enumerate(words):
        if i:
            out.append({"t": "Space"})
        out.append({"t": "Str", "c": word})
    return out


def raw(text: str) -> Node:
    """Markdown the writer must not escape (`[@key]`, `{#id}`)."""
    return {"t": "RawInline", "c": ["commonmark", text]}


@dataclass(frozen=True)
class RewriteOptions:
    slug: str
    # Maps an image `src` pandoc wrote to the `src` the chapter uses, or None when the
    # image cannot be carried over (then its alt text stands in).
    image_src: Callable[[str], str | None]
    cite_key: Callable[[str], str]


@dataclass
class Rewrite:
    """The state of one rewrite: counters and what it had to leave out."""

    options: RewriteOptions
    figures: int = 0
    tables: int = 0
    notes: list[str] = field(default_factory=list)
    link_targets: set[str] = field(default_factory=set)
    heading_ids: dict[str, str] = field(default_factory=dict)

    def note(self, message: str) -> None:
        if message not in self.notes:
            self.notes.append(message)


@dataclass(frozen=True)
class ChapterTree:
    """The rewritten body and what the front matter needs from the document."""

    blocks: list[Node]
    title: str
    abstract: str
    keywords: tuple[str, ...]
    authors: tuple[str, ...]
    figures: int
    tables: int
    notes: tuple[str, ...]


def meta_text(meta: Mapping[str, Any], key: str) -> str:
    value = meta.get(key)
    if not value:
        return ""
    if value["t"] in ("MetaInlines", "MetaBlocks"):
        return stringify(value["c"])
    if value["t"] == "MetaString":
        return " ".join(str(value["c"]).split())
    return ""


def meta_list(meta: Mapping[str, Any], key: str) -> tuple[str, ...]:
    value = meta.get(key)
    if not value:
        return ()
    items = value["c"] if value["t"] == "MetaList" else [value]
    texts = (stringify(i["c"]) if i["t"] != "MetaString" else str(i["c"]) for i in items)
    return tuple(t for t in texts if t.strip())


def rewrite(ast: Mapping[str, Any], options: RewriteOptions, fallback_title: str) -> ChapterTree:
    """The chapter body of a pandoc document, and its title, abstract, keywords, authors."""
    state = Rewrite(options)
    meta = ast.get("meta", {})
    blocks = _flatten_divs(list(ast["blocks"]))
    blocks = [b for b in blocks if not _is_empty(b)]
    title = meta_text(meta, "title") or fallback_title
    if blocks and blocks[0]["t"] == "Header" and (
            not title or stringify(blocks[0]["c"][2]).casefold() == title.casefold()):
        title = title or stringify(blocks[0]["c"][2])
        blocks = blocks[1:]
    blocks = _drop_contents_list(blocks, state)
    abstract = meta_text(meta, "abstract")
    blocks, section_abstract = _take_abstract(blocks)
    blocks, keywords = _take_keywords(blocks)
    _collect_link_targets(blocks, state)
    _shift_headings(blocks)
    blocks = _reference_list(_blocks(blocks, state))
    return ChapterTree(blocks=blocks, title=title, abstract=abstract or section_abstract,
                       keywords=keywords, authors=meta_list(meta, "author"),
                       figures=state.figures, tables=state.tables, notes=tuple(state.notes))


def _reference_list(blocks: list[Node]) -> list[Node]:
    """The paragraphs of a references section (Word's hanging-indent entries, or the text of
    a bibliography field) as the bullet list bookforge's reference list is."""
    out: list[Node] = []
    in_refs = False
    for block in blocks:
        if block["t"] == "Header":
            in_refs = "references" in block["c"][1][1]
        elif in_refs and block["t"] in ("Para", "Plain"):
            if out and out[-1]["t"] == "BulletList" and out[-1].get("refs"):
                out[-1]["c"].append([{"t": "Plain", "c": block["c"]}])
            else:
                out.append({"t": "BulletList", "c": [[{"t": "Plain", "c": block["c"]}]],
                            "refs": True})
            continue
        out.append(block)
    for block in out:
        block.pop("refs", None)
    return out


def _flatten_divs(blocks: list[Node]) -> list[Node]:
    """Word styles and fields may come as Divs; the chapter keeps only their content."""
    out: list[Node] = []
    for block in blocks:
        if block["t"] == "Div":
            out += _flatten_divs(block["c"][1])
        else:
            out.append(block)
    return out


def _is_empty(block: Node) -> bool:
    """An empty paragraph or heading: Word's way of adding space."""
    if block["t"] == "Header":
        return not stringify(block["c"][2])
    return block["t"] in ("Para", "Plain") and not stringify(block["c"]) and not any(
        n.get("t") in ("Image", "Note") for n in _iter_inlines(block["c"]))


def _iter_inlines(inlines: list[Node]):  # type: ignore[no-untyped-def]
    for node in inlines:
        yield node
        content = node.get("c")
        if node["t"] in ("Emph", "Strong", "Underline", "Strikeout", "Superscript",
                         "Subscript", "SmallCaps"):
            yield from _iter_inlines(content)
        elif node["t"] in ("Span", "Link", "Quoted", "Cite"):
            yield from _iter_inlines(content[1])


def _take_abstract(blocks: list[Node]) -> tuple[list[Node], str]:
    """An 'Abstract' heading before the first section: its paragraphs go to the front matter."""
    if not blocks or blocks[0]["t"] != "Header" or not ABSTRACT_RE.match(
            stringify(blocks[0]["c"][2])):
        return blocks, ""
    end = next((i for i in range(1, len(blocks)) if blocks[i]["t"] == "Header"), len(blocks))
    body = [b for b in blocks[1:end] if not KEYWORDS_RE.match(stringify(b.get("c", [])))]
    keyword_paras = [b for b in blocks[1:end] if b not in body]
    return keyword_paras + blocks[end:], " ".join(stringify(b) for b in body)


def _take_keywords(blocks: list[Node]) -> tuple[list[Node], tuple[str, ...]]:
    """A 'Keywords: a, b; c' paragraph before the first section."""
    for i, block in enumerate(blocks):
        if block["t"] == "Header":
            break
        if block["t"] not in ("Para", "Plain"):
            continue
        text = stringify(block["c"])
        m = KEYWORDS_RE.match(text)
        if m:
            words = re.split(r"\s*[;,]\s*", text[m.end():].strip().rstrip("."))
            return blocks[:i] + blocks[i + 1:], tuple(w for w in words if w)
    return blocks, ()


def _drop_contents_list(blocks: list[Node], state: Rewrite) -> list[Node]:
    """Word's table of contents (paragraphs that are only links to headings, which pandoc
    points at the headings' ids): the book makes its own."""
    headings = {b["c"][1][0] for b in blocks if b["t"] == "Header"}

    def is_toc_line(block: Node) -> bool:
        if block["t"] not in ("Para", "Plain"):
            return False
        inlines = [n for n in block["c"] if n["t"] not in ("Space", "SoftBreak", "LineBreak")]
        return bool(inlines) and all(
            n["t"] == "Link" and (n["c"][2][0][1:] in headings or n["c"][2][0].startswith(
                "#_Toc")) for n in inlines)

    kept = [b for b in blocks if not is_toc_line(b)]
    if len(kept) < len(blocks):
        state.note("Word's table of contents was left out: the book makes its own")
    return kept


def _shift_headings(blocks: list[Node]) -> None:
    """The document's top heading level becomes `##`: sections, then subsections."""
    levels = [b["c"][0] for b in blocks if b["t"] == "Header"]
    if not levels:
        return
    shift = 2 - min(levels)
    for b in blocks:
        if b["t"] == "Header":
            b["c"][0] = min(6, b["c"][0] + shift)


def _collect_link_targets(node: Any, state: Rewrite) -> None:
    if isinstance(node, list):
        for n in node:
            _collect_link_targets(n, state)
    elif isinstance(node, dict):
        if node.get("t") == "Link" and node["c"][2][0].startswith("#"):
            state.link_targets.add(node["c"][2][0][1:])
        for value in node.values():
            if isinstance(value, (list, dict)):
                _collect_link_targets(value, state)


def _blocks(blocks: list[Node], state: Rewrite) -> list[Node]:
    out: list[Node] = []
    for block in blocks:
        out += _block(block, state)
    return out


def _block(block: Node, state: Rewrite) -> list[Node]:
    kind, c = block["t"], block.get("c")
    if kind == "Figure":
        return _figure(block, state)
    if kind == "Table":
        return _table(block, state)
    if kind == "Header":
        return [_header(block, state)]
    if kind in ("Para", "Plain"):
        images = [n for n in c if n["t"] == "Image"]
        others = [n for n in c if n["t"] not in ("Image", "Space", "SoftBreak", "LineBreak")]
        if len(images) == 1 and not others:
            return _figure_para(images[0], [], state)
        inlines = _inlines(c, state)
        return [{"t": kind, "c": inlines}] if inlines else []
    if kind == "Div":
        return _blocks(_flatten_divs([block]), state)
    if kind == "RawBlock":
        state.note("raw content the Word reader could not convert was left out")
        return []
    if kind == "BlockQuote":
        return [{"t": kind, "c": _blocks(c, state)}]
    if kind == "BulletList":
        return [{"t": kind, "c": [_blocks(item, state) for item in c]}]
    if kind == "OrderedList":
        return [{"t": kind, "c": [c[0], [_blocks(item, state) for item in c[1]]]}]
    if kind == "DefinitionList":
        return [{"t": kind, "c": [[_inlines(term, state), [_blocks(d, state) for d in defs]]
                                  for term, defs in c]}]
    if kind == "LineBlock":
        return [{"t": kind, "c": [_inlines(line, state) for line in c]}]
    return [block]


def _header(block: Node, state: Rewrite) -> Node:
    level, (ident, classes, _), inlines = block["c"]
    text = stringify(inlines)
    # Word's bookmark ids (`_Toc…`, `_Ref…`) and pandoc's ids from heading text would clash
    # across chapters; bookforge makes its own. A heading the document links to keeps an
    # id prefixed with the chapter slug.
    new_id = ""
    if ident and ident in state.link_targets:
        new_id = f"{state.options.slug}-{_slug_part(ident)}"
        state.heading_ids[ident] = new_id
    classes = ["references"] if REFERENCES_RE.match(text.rstrip(":")) else []
    return {"t": "Header", "c": [level, [new_id, classes, []], _inlines(inlines, state)]}


def _slug_part(text: str) -> str:
    return slugify(text.lstrip("_"))


def _caption_text(caption: Node) -> str:
    return CAPTION_LABEL_RE.sub("", stringify(caption[1]), count=1).strip()


def _alt_text(image: Node) -> str:
    attrs = dict(image["c"][0][2])
    return " ".join(attrs.get("alt", "").split()) or stringify(image["c"][1])


def _figure(block: Node, state: Rewrite) -> list[Node]:
    attr, caption, body = block["c"]
    images = [n for b in body if b["t"] in ("Plain", "Para") for n in b["c"] if n["t"] == "Image"]
    if len(images) == 1:
        return _figure_para(images[0], caption, state)
    state.note("a figure with several images became separate images")
    return _blocks(body, state) + ([para(text_inlines(_caption_text(caption)))]
                                   if _caption_text(caption) else [])


def _figure_para(image: Node, caption: Any, state: Rewrite) -> list[Node]:
    """An image alone in its paragraph: a bookforge figure, `![alt](src "caption"){#id}`."""
    caption_text = _caption_text(caption) if caption else ""
    alt = _alt_text(image)
    if caption_text and alt == caption_text and not dict(image["c"][0][2]).get("alt"):
        # pandoc repeats the caption as the alt text when Word has no description
        state.note(f"figure '{caption_text[:40]}' has no alt text in Word: its caption stands "
                   "in; describe the image in ![...]")
    elif not alt:
        alt = caption_text
        state.note("a figure has no alt text in Word: describe the image in ![...]")
    src = state.options.image_src(image["c"][2][0])
    if src is None:
        return [para([{"t": "Emph", "c": text_inlines(alt or caption_text or "image")}])]
    state.figures += 1
    ident = f"fig-{state.options.slug}-{state.figures}"
    new = {"t": "Image", "c": [["", [], []], text_inlines(alt or "image"), [src, caption_text]]}
    return [para([new, raw(f"{{#{ident}}}")])]


def _table(block: Node, state: Rewrite) -> list[Node]:
    attr, caption, colspecs, head, bodies, foot = block["c"]
    state.tables += 1
    rows_head = head[1]
    rows_body = [row for body in bodies for row in body[2] + body[3]] + foot[1]
    if not rows_head and rows_body:
        # A pipe table needs a header row; Word tables mostly begin with one unmarked.
        rows_head, rows_body = rows_body[:1], rows_body[1:]
    width = len(colspecs)
    new_head = [_row(r, width, state) for r in rows_head[:1]]
    if len(rows_head) > 1:
        state.note("a table with several header rows kept the first as its header")
        rows_body = rows_head[1:] + rows_body
    new_bodies = [[["", [], []], 0, [], [_row(r, width, state) for r in rows_body]]]
    table = {"t": "Table", "c": [["", [], []], [None, []], colspecs, [head[0], new_head],
                                 new_bodies, [foot[0], []]]}
    ident = f"tbl-{state.options.slug}-{state.tables}"
    caption_text = _caption_text(caption)
    if not caption_text:
        state.note(f"table {state.tables} has no caption in Word: add a 'Table: ...' line")
        return [table]
    label = para([{"t": "Str", "c": "Table:"}, {"t": "Space"}, *text_inlines(caption_text),
                  {"t": "Space"}, raw(f"{{#{ident}}}")])
    return [label, table]


def _row(row: Node, width: int, state: Rewrite) -> Node:
    """A pipe table row: one line of inline text per cell, merged cells repeated empty."""
    cells: list[Node] = []
    for cell in row[1]:
        cell_attr, align, rowspan, colspan, blocks = cell
        if rowspan > 1 or colspan > 1:
            state.note("merged table cells were split (a pipe table has none)")
        inlines = _cell_inlines(blocks, state)
        cells.append([cell_attr, align, 1, 1, [{"t": "Plain", "c": inlines}] if inlines else []])
        cells += [[["", [], []], {"t": "AlignDefault"}, 1, 1, []]
                  for _ in range(max(0, colspan - 1))]
    cells = cells[:width] + [[["", [], []], {"t": "AlignDefault"}, 1, 1, []]
                             for _ in range(width - len(cells))]
    return [row[0], cells]


def _cell_inlines(blocks: list[Node], state: Rewrite) -> list[Node]:
    """A cell's paragraphs and list items joined on one line (a pipe table cell is one line)."""
    pieces: list[list[Node]] = []

    def collect(bs: list[Node]) -> None:
        for b in bs:
            if b["t"] in ("Para", "Plain", "Header"):
                pieces.append(_inlines(b["c"][-1] if b["t"] == "Header" else b["c"], state))
            elif b["t"] in ("BulletList", "OrderedList"):
                items = b["c"] if b["t"] == "BulletList" else b["c"][1]
                for item in items:
                    collect(item)
            elif b["t"] in ("Div", "BlockQuote"):
                collect(b["c"][1] if b["t"] == "Div" else b["c"])
            elif b["t"] == "Figure":
                state.note("an image inside a table cell was left out")
            elif b["t"] != "Table":
                pieces.append(text_inlines(stringify([b])))
            else:
                state.note("a table inside a table cell became text")
                pieces.append(text_inlines(stringify(b["c"][4])))
    collect(blocks)
    out: list[Node] = []
    for piece in (p for p in pieces if p):
        if out:
            out += [{"t": "Str", "c": ";"}, {"t": "Space"}] if len(pieces) > 1 else []
        out += piece
    return [n if n["t"] not in ("SoftBreak", "LineBreak") else {"t": "Space"} for n in out]


def _inlines(inlines: list[Node], state: Rewrite) -> list[Node]:
    out: list[Node] = []
    for node in inlines:
        out += _inline(node, state)
    return out


def _inline(node: Node, state: Rewrite) -> list[Node]:
    kind, c = node["t"], node.get("c")
    if kind == "Cite":
        return [raw(_citation(c[0], state))]
    if kind in DROPPED_INLINES:
        return []
    if kind in UNWRAPPED_INLINES:
        return _inlines(c[1] if kind == "Span" else c, state)
    if kind == "Link":
        url = c[2][0]
        if url.startswith("#"):
            target = state.heading_ids.get(url[1:])
            if target is None:  # a Word bookmark the chapter does not have
                return _inlines(c[1], state)
            url = f"#{target}"
        elif urlsplit(url.strip()).scheme.lower() in UNSAFE_LINK_SCHEMES:
            state.note(f"a link to {_snippet(url)} (not a place readers can reach) became "
                       "plain text")
            return _inlines(c[1], state)
        return [{"t": "Link", "c": [["", [], []], _inlines(c[1], state), [url, c[2][1]]]}]
    if kind == "Image":
        src = state.options.image_src(c[2][0])
        alt = _alt_text(node)
        if src is None:
            return [{"t": "Emph", "c": text_inlines(alt or "image")}]
        return [{"t": "Image", "c": [["", [], []], text_inlines(alt), [src, c[2][1]]]}]
    if kind == "Note":
        return [{"t": "Note", "c": _blocks(c, state)}]
    if kind == "Math":  # bookforge has no mathematics: the TeX stays readable as code
        return [{"t": "Code", "c": [["", [], []], c[1]]}]
    if kind in ("Emph", "Strong", "Underline", "Superscript", "Subscript"):
        return [{"t": kind, "c": _inlines(c, state)}]
    if kind == "Quoted":
        return [{"t": kind, "c": [c[0], _inlines(c[1], state)]}]
    return [node]


def _snippet(text: str, limit: int = 50) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _citation(citations: list[Node], state: Rewrite) -> str:
    """Pandoc's citation syntax: `[see @key, p. 4; @other]`, `@key` in text, `[-@key]`."""
    parts: list[str] = []
    in_text = False
    for cit in citations:
        key = state.options.cite_key(cit["citationId"])
        prefix = stringify(cit.get("citationPrefix", []))
        suffix = stringify(cit.get("citationSuffix", []))
        mode = cit.get("citationMode", {}).get("t", "NormalCitation")
        at = {"SuppressAuthor": f"-@{key}", "AuthorInText": f"@{key}"}.get(mode, f"@{key}")
        in_text = in_text or mode == "AuthorInText"
        text = " ".join(p for p in (prefix, at) if p)
        if suffix:
            text += suffix if suffix.startswith(",") else f", {suffix}"
        parts.append(text)
    if in_text and len(parts) == 1:
        return parts[0]
    return "[" + "; ".join(parts) + "]"
