"""Stage 3, parse: a `Source`'s Markdown body -> markdown-it-py tokens with source lines.

CommonMark plus tables, footnotes, definition lists, inline/span attributes and heading
attributes (`## Title {#id .class}`). Raw HTML is escaped when the book's `allow_html` is
"none"; otherwise it is parsed and left to the sanitising pass (transform/sanitize.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.attrs import attrs_plugin
from mdit_py_plugins.attrs.parse import ParseError
from mdit_py_plugins.attrs.parse import parse as parse_attrs
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin

from ..model import Source
from .citation_syntax import citation_plugin

HEADING_ATTRS_RE = re.compile(r"\s*(\{[^{}]*\})\s*$")
ALLOWED_ATTRS = ("id", "class", "key", "lang", "title", "width", "height")


@dataclass
class ParsedDoc:
    """Tokens of one source, fresh from the parser: only the structure pass right after
    parsing edits them; every later pass makes new tokens (see `transform`)."""

    source: Source
    tokens: list[Token]
    env: dict[str, Any] = field(default_factory=dict)

    def line_of(self, token: Token | None) -> int:
        """1-based line in the source file of a token (its block's first line)."""
        if token is not None and token.map:
            return self.source.body_line + token.map[0]
        return self.source.body_line

    def position(self, block: Token, needle: str, start: int = 0) -> tuple[int, int, int]:
        """(line, column, offset after it) of `needle` in the source of `block`, searched
        from `start`; the block's first line when it is not there (a reference link)."""
        if not block.map:
            return self.line_of(block), 1, start
        lines = self.source.body.split("\n")[block.map[0]: block.map[1]]
        text = "\n".join(lines)
        at = text.find(needle, start)
        if at >= 0 and needle.startswith("]("):
            at += 2  # the column of the target, not of the bracket
        else:
            at = text.find(needle.removeprefix("]("), start)
        if at < 0:
            return self.line_of(block), 1, start
        before = text[:at]
        line = self.line_of(block) + before.count("\n")
        col = at - (before.rfind("\n") + 1) + 1
        return line, col, at + 1


def _heading_attrs(state: StateCore) -> None:
    """Move a trailing `{#id .class}` of a heading's text onto the heading element."""
    tokens = state.tokens
    for i, tok in enumerate(tokens):
        if tok.type != "heading_open" or i + 1 >= len(tokens):
            continue
        inline = tokens[i + 1]
        m = HEADING_ATTRS_RE.search(inline.content)
        if not m or not inline.children:
            continue
        try:
            _, attrs = parse_attrs(m.group(1))
        except ParseError:
            continue
        last = inline.children[-1]
        if last.type != "text" or not last.content.endswith(m.group(0).strip()):
            continue
        last.content = HEADING_ATTRS_RE.sub("", last.content)
        inline.content = inline.content[: m.start()]
        for key, value in attrs.items():
            if key == "class":
                tok.attrJoin("class", value)
            elif key in ALLOWED_ATTRS:
                tok.attrSet(key, value)


MAX_NESTING = 40  # block levels (a list item is two); deeper blocks are cut and reported


def _report_nesting_cuts(md: MarkdownIt) -> None:
    """markdown-it silently drops the text of blocks nested past `maxNesting`; note the
    first line of each in `env["nesting_cut"]` so the transform stage can report it."""
    tokenize = md.block.tokenize

    def tokenize_reporting(state: Any, start: int, end: int) -> None:
        if state.level >= md.options["maxNesting"] and start < end:
            state.env.setdefault("nesting_cut", []).append(start)
        tokenize(state, start, end)

    md.block.tokenize = tokenize_reporting  # type: ignore[method-assign]


@lru_cache(maxsize=4)
def markdown(allow_html: str | bool = "none") -> MarkdownIt:
    """The parser for a book's `allow_html` mode ("none" | "safe" | "trusted")."""
    html = allow_html not in ("none", False)
    md = MarkdownIt("commonmark", {"html": html, "xhtmlOut": True, "typographer": True,
                                   "maxNesting": MAX_NESTING})
    md.enable(["table", "replacements", "smartquotes"])
    # Accept every URL at parse time so the transform stage can report refused ones by
    # line (markdown-it would silently print `![x](file:///...)` as text instead).
    md.validateLink = lambda url: True
    md.use(footnote_plugin, inline=False)
    md.use(deflist_plugin)
    md.use(attrs_plugin, spans=True, allowed=ALLOWED_ATTRS)
    md.use(citation_plugin)
    md.core.ruler.push("heading_attrs", _heading_attrs)
    _report_nesting_cuts(md)
    return md


def parse_source(source: Source, allow_html: str = "none") -> ParsedDoc:
    env: dict[str, Any] = {}
    tokens = markdown(allow_html).parse(source.body, env)
    return ParsedDoc(source=source, tokens=tokens, env=env)


def parse_inline(text: str, allow_html: str = "none") -> str:
    """Render a short front-matter string (an abstract, a title) with inline Markdown."""
    return markdown(allow_html).renderInline(text)
