"""Stage 3, parse: a `Source`'s Markdown body -> markdown-it-py tokens with source lines.

CommonMark plus tables, footnotes, definition lists, inline/span attributes and heading
attributes (`## Title {#id .class}`). Raw HTML is escaped unless the book allows it, and
even then sanitised.
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
from .sanitize import sanitize_html

HEADING_ATTRS_RE = re.compile(r"\s*(\{[^{}]*\})\s*$")
ALLOWED_ATTRS = ("id", "class", "key", "lang", "title", "width", "height")


@dataclass
class ParsedDoc:
    """Tokens of one source. Owned by the edition being built: later stages may edit them."""

    source: Source
    tokens: list[Token]
    env: dict[str, Any] = field(default_factory=dict)

    def line_of(self, token: Token | None) -> int:
        """1-based line in the source file of a token (its block's first line)."""
        if token is not None and token.map:
            return self.source.body_line + token.map[0]
        return self.source.body_line


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


def _sanitize_raw_html(state: StateCore) -> None:
    for tok in state.tokens:
        if tok.type == "html_block":
            tok.content = sanitize_html(tok.content)
        elif tok.type == "inline" and tok.children:
            for child in tok.children:
                if child.type == "html_inline":
                    child.content = sanitize_html(child.content)


@lru_cache(maxsize=4)
def markdown(allow_html: bool) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": allow_html, "xhtmlOut": True, "typographer": True})
    md.enable(["table", "replacements", "smartquotes"])
    # Accept every URL at parse time so the transform stage can report refused ones by
    # line (markdown-it would silently print `![x](file:///...)` as text instead).
    md.validateLink = lambda url: True
    md.use(footnote_plugin, inline=False)
    md.use(deflist_plugin)
    md.use(attrs_plugin, spans=True, allowed=ALLOWED_ATTRS)
    md.use(citation_plugin)
    md.core.ruler.push("heading_attrs", _heading_attrs)
    if allow_html:
        md.core.ruler.push("sanitize_html", _sanitize_raw_html)
    return md


def parse_source(source: Source, allow_html: bool = False) -> ParsedDoc:
    env: dict[str, Any] = {}
    tokens = markdown(allow_html).parse(source.body, env)
    return ParsedDoc(source=source, tokens=tokens, env=env)


def parse_inline(text: str, allow_html: bool = False) -> str:
    """Render a short front-matter string (an abstract, a title) with inline Markdown."""
    return markdown(allow_html).renderInline(text)
