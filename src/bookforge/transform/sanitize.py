"""Transform pass: raw HTML in a document, through nh3 (the Rust ammonia sanitiser).

`allow_html` in book.toml picks the mode: "none" (the parser shows HTML as text; nothing
to do here), "safe" (a small allowlist of inline elements; everything else is dropped, its
text kept, with a warning naming file:line) or "trusted" (nh3's default allowlist, still
no scripts, styles, event handlers or non-http(s)/mailto URLs). markdown-it hands inline
HTML over one tag per token, so each tag is rebuilt from its parsed attributes, cleaned by
nh3 on its own and the tags are balanced per paragraph; an HTML block is cleaned whole.
An `<img>` becomes a Markdown image token, so the book's resource rules decide its source.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from html import escape
from html.parser import HTMLParser

import nh3
from markdown_it.token import Token

from ..errors import Diagnostic, warning
from .model import Document

MODES = ("none", "safe", "trusted")
SAFE_TAGS = frozenset({"span", "sup", "sub", "small", "kbd", "abbr", "mark", "br", "img"})
GLOBAL_ATTRS = frozenset({"class", "title", "lang", "dir"})
# Elements whose content is code or metadata, never text to keep.
CONTENT_DROPPED = frozenset({"script", "style", "textarea", "title", "noscript", "template",
                             "iframe", "noembed", "noframes", "xmp", "svg", "math"})
VOID = frozenset({"br", "img", "hr", "wbr", "col", "area"})
URL_SCHEMES = frozenset({"http", "https", "mailto"})
DIRECTIONS = frozenset({"ltr", "rtl", "auto"})
_VOID_RE = re.compile(r'<(br|hr|wbr|col|area)((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*>')


@dataclass(frozen=True)
class Policy:
    """What one mode lets through: tags, and per tag the attributes kept."""

    mode: str
    tags: frozenset[str]

    def attributes(self) -> dict[str, set[str]]:
        if self.mode == "safe":
            return {"*": set(GLOBAL_ATTRS), "abbr": {"title"}}
        attrs = {tag: set(names) for tag, names in nh3.ALLOWED_ATTRIBUTES.items()}
        attrs["*"] = set(GLOBAL_ATTRS) | {"id"}
        return attrs


def policy(mode: str) -> Policy:
    if mode == "safe":
        return Policy(mode, SAFE_TAGS - {"img"})
    # images go through the Markdown image rules, never straight into the output
    return Policy(mode, frozenset(nh3.ALLOWED_TAGS) - {"img"})


URL_ATTRS = frozenset({"href", "src", "cite", "longdesc", "action", "formaction"})


def _attribute_filter(tag: str, attr: str, value: str) -> str | None:
    if attr == "dir" and value.strip().lower() not in DIRECTIONS:
        return None
    if attr in URL_ATTRS and not re.match(r"(https?|mailto):", value.strip(), re.I):
        # a relative URL in raw HTML is not resolved like a Markdown link and would point
        # at nothing in the EPUB: only absolute http(s) and mailto URLs stay
        return None
    return value


def clean(html: str, pol: Policy) -> str:
    """nh3 with the policy, serialised as XHTML (void elements closed, no `&nbsp;`)."""
    out = nh3.clean(html, tags=set(pol.tags), attributes=pol.attributes(),
                    clean_content_tags=set(CONTENT_DROPPED - pol.tags),
                    url_schemes=set(URL_SCHEMES), attribute_filter=_attribute_filter,
                    link_rel=None, strip_comments=True)
    out = out.replace("&nbsp;", "&#160;")
    return _VOID_RE.sub(lambda m: f"<{m.group(1)}{m.group(2)} />", out)


@dataclass(frozen=True)
class Event:
    kind: str  # "start" | "end" | "text" | "other"
    tag: str = ""
    attrs: tuple[tuple[str, str], ...] = ()
    text: str = ""
    self_closing: bool = False


class _Events(HTMLParser):
    """HTML as the browser tokeniser would read it: tags with decoded attributes, text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[Event] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(Event("start", tag, tuple((k, v or "") for k, v in attrs)))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.events.append(Event("start", tag, tuple((k, v or "") for k, v in attrs),
                                 self_closing=True))

    def handle_endtag(self, tag: str) -> None:
        self.events.append(Event("end", tag))

    def handle_data(self, data: str) -> None:
        self.events.append(Event("text", text=data))

    def handle_comment(self, data: str) -> None:
        self.events.append(Event("other"))

    def handle_decl(self, decl: str) -> None:
        self.events.append(Event("other"))

    def handle_pi(self, data: str) -> None:
        self.events.append(Event("other"))

    def unknown_decl(self, data: str) -> None:
        self.events.append(Event("other"))


def events(html: str) -> list[Event]:
    parser = _Events()
    parser.feed(html)
    parser.close()
    return parser.events


def _open_tag(event: Event, pol: Policy) -> str:
    """One allowed opening tag, rebuilt with quoted attributes and cleaned by nh3."""
    attrs = "".join(f' {k}="{escape(v, quote=True)}"' for k, v in event.attrs
                    if re.fullmatch(r"[a-zA-Z_:][-a-zA-Z0-9_:.]*", k))
    if event.tag in VOID:
        return clean(f"<{event.tag}{attrs}>", pol)
    closing = f"</{event.tag}>"
    out = clean(f"<{event.tag}{attrs}>{closing}", pol)
    return out[: -len(closing)] if out.endswith(closing) else ""


def _image(event: Event) -> Token:
    attrs = dict(event.attrs)
    tok = Token("image", "img", 0, attrs={"src": attrs.get("src", ""), "alt": ""},
                content=attrs.get("alt", ""), children=[])
    if attrs.get("title"):
        tok.attrSet("title", attrs["title"])
    return tok


Report = Callable[[str, str], None]  # (message, the text to point at in the source)


class InlineSanitizer:
    """Cleans the tags of one inline run and keeps them balanced within it."""

    def __init__(self, pol: Policy, report: Report) -> None:
        self.pol = pol
        self.report = report
        self.stack: list[str] = []
        self.skipping: str | None = None  # inside <script> ...: drop until its end tag

    def run(self, children: list[Token]) -> list[Token]:
        out: list[Token] = []
        for child in children:
            if child.type == "html_inline":
                for event in events(child.content):
                    out += self.event(event)
            elif self.skipping is not None:
                continue
            elif child.nesting == 1:  # Markdown's own elements share the stack, so that
                self.stack.append("")  # HTML tags and *emphasis* never cross
                out.append(child)
            elif child.nesting == -1:
                out += self.close_to_markdown()
                out.append(child)
            else:
                out.append(child)
        out += [_html("</" + tag + ">") for tag in reversed(self.stack) if tag]
        self.stack.clear()
        return out

    def close_to_markdown(self) -> list[Token]:
        """Close the HTML tags opened inside the Markdown element that ends here."""
        closed = []
        while self.stack:
            tag = self.stack.pop()
            if not tag:
                break
            closed.append(_html(f"</{tag}>"))
        return closed

    def event(self, event: Event) -> list[Token]:
        if self.skipping is not None:
            if event.kind == "end" and event.tag == self.skipping:
                self.skipping = None
            return []
        if event.kind == "text":
            return [Token("text", "", 0, content=event.text)]
        if event.kind == "start":
            return self.start(event)
        inner = max((i for i, tag in enumerate(self.stack) if not tag), default=-1)
        open_here = self.stack[inner + 1:]
        if event.kind == "end" and event.tag in open_here:
            # a tag opened outside the current Markdown element is closed at its end
            closed = []
            while self.stack:
                tag = self.stack.pop()
                closed.append(_html(f"</{tag}>"))
                if tag == event.tag:
                    break
            return closed
        return []

    def start(self, event: Event) -> list[Token]:
        tag = event.tag
        if tag == "img":
            return [_image(event)]
        if tag not in self.pol.tags:
            kept = "its content removed" if tag in CONTENT_DROPPED else "its text kept"
            self.report(f"<{tag}> is not allowed in the book's HTML; removed, {kept}",
                        f"<{tag}")
            if tag in CONTENT_DROPPED and not event.self_closing:
                self.skipping = tag
            return []
        html = _open_tag(event, self.pol)
        if not html:
            return []
        if tag not in VOID and not event.self_closing:
            self.stack.append(tag)
        elif event.self_closing and tag not in VOID:
            html += f"</{tag}>"
        return [_html(html)]


def _html(content: str) -> Token:
    return Token("html_inline", "", 0, content=content)


def sanitize_document(doc: Document, mode: str, diags: list[Diagnostic]) -> None:
    """Clean every piece of raw HTML of `doc` (body and footnotes) in place."""
    if mode == "none":
        return
    pol = policy(mode)
    streams = [doc.tokens, *doc.footnotes.values()]
    for tokens in streams:
        _sanitize_stream(doc, tokens, pol, diags)


def _sanitize_stream(doc: Document, tokens: list[Token], pol: Policy,
                     diags: list[Diagnostic]) -> None:
    i = 0
    while i < len(tokens):
        tok = tokens[i]

        cursor = [0]

        def report(message: str, needle: str, tok: Token = tok, cursor: list[int] = cursor
                   ) -> None:
            line, col, cursor[0] = doc.parsed.position(tok, needle, cursor[0])
            diags.append(warning(doc.source.rel_path, line, "html-refused", message,
                                 column=col))

        if tok.type == "html_block":
            if pol.mode == "safe":
                # only inline elements are allowed: the block becomes a paragraph of them
                inline = Token("inline", "", 0, map=tok.map, content=tok.content,
                               children=[_html(tok.content)])
                inline.children = InlineSanitizer(pol, report).run(inline.children or [])
                if any(c.type != "text" or c.content.strip() for c in inline.children):
                    tokens[i: i + 1] = [Token("paragraph_open", "p", 1, map=tok.map), inline,
                                        Token("paragraph_close", "p", -1)]
                    i += 3
                    continue
                del tokens[i]
                continue
            _report_refused(tok.content, pol, report)
            tok.content = clean(tok.content, pol)
        elif tok.type == "inline" and tok.children and any(
                c.type == "html_inline" for c in tok.children):
            tok.children = InlineSanitizer(pol, report).run(tok.children)
        i += 1


def _report_refused(html: str, pol: Policy, report: Report) -> None:
    for tag in dict.fromkeys(e.tag for e in events(html) if e.kind == "start"):
        if tag not in pol.tags:
            kept = "its content removed" if tag in CONTENT_DROPPED else "its text kept"
            report(f"<{tag}> is not allowed in the book's HTML; removed, {kept}", f"<{tag}")
