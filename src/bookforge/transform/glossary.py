"""Glossary terms in the prose: a `Document`'s tokens and the `Glossary` -> the same tokens
with every use of a term wrapped in `term_open`/`term_close` tokens (a link to the glossary
entry, an id for the index, and the first-use gloss), and the uses recorded in the document.

Matching works on the markdown-it token stream, on `text` tokens of prose only: never in
headings, code, links, image alt text, footnote bodies or the references section. It is
case-insensitive with Unicode word boundaries; the longest form wins ("kepercayaan publik"
before "kepercayaan"); variants count as the term. `[text]{.term key="..."}` forces a use,
`[text]{.noterm}` suppresses matching inside it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from markdown_it.token import Token

from ..errors import Diagnostic, warning
from ..model import Glossary, Term
from .model import Document, TermUse

LOOKAROUND = 80  # characters of context read for "already glossed" detection


def other_lang(lang: str) -> str:
    return "en" if lang == "id" else "id"


def surface_forms(term: Term, lang: str) -> tuple[str, ...]:
    """The term and its variants in `lang`, the forms the matcher looks for."""
    form = term.forms.get(lang, "")
    return tuple(f for f in (form, *term.variants.get(lang, ())) if f)


def _alternatives(forms: Iterable[str]) -> str:
    ordered = sorted(set(forms), key=lambda f: (-len(f), f))
    return "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in ordered)


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Matcher:
    """Finds the terms of one language in text."""

    lang: str
    pattern: re.Pattern[str] | None
    keys: dict[str, str]  # normalised surface form -> term key
    counterparts: dict[str, re.Pattern[str]]  # key -> forms in the other language

    def find(self, text: str) -> list[tuple[int, int, str]]:
        if self.pattern is None:
            return []
        out = []
        for m in self.pattern.finditer(text):
            key = self.keys.get(_norm(m.group(0)))
            if key is not None:
                out.append((m.start(), m.end(), key))
        return out


def matcher(glossary: Glossary, lang: str) -> Matcher:
    keys: dict[str, str] = {}
    counterparts: dict[str, re.Pattern[str]] = {}
    for term in glossary.terms:
        for form in surface_forms(term, lang):
            keys.setdefault(_norm(form), term.key)
        other = surface_forms(term, other_lang(lang))
        if other:
            counterparts[term.key] = re.compile(_alternatives(other), re.I)
    pattern = None
    if keys:
        pattern = re.compile(rf"(?<![\w-])(?:{_alternatives(keys)})(?![\w-])", re.I)
    return Matcher(lang, pattern, keys, counterparts)


def lookup_key(glossary: Glossary, text: str) -> str | None:
    """The key of the row that `text` names in any language (a key, form or variant)."""
    wanted = _norm(text)
    for term in glossary.terms:
        names = [term.key, *surface_forms(term, "id"), *surface_forms(term, "en")]
        if wanted in {_norm(n) for n in names}:
            return term.key
    return None


@dataclass
class _State:
    """Which terms have had their first use glossed (reset per chapter or per volume)."""

    style: str
    seen: set[str]


def apply_glossary(docs: Sequence[Document], glossary: Glossary, style: str,
                   diags: list[Diagnostic]) -> None:
    """Mark the term uses of every document, in reading order."""
    if not glossary.terms:
        return
    state = _State(style, set())
    matchers: dict[str, Matcher] = {}
    for doc in docs:
        if style != "first-per-volume":
            state.seen = set()
        if doc.lang not in matchers:
            matchers[doc.lang] = matcher(glossary, doc.lang)
        _document(doc, glossary, matchers[doc.lang], state, diags)


def _document(doc: Document, glossary: Glossary, m: Matcher, state: _State,
              diags: list[Diagnostic]) -> None:
    in_references = False
    tokens = doc.tokens
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag in ("h1", "h2"):
            in_references = "references" in str(tok.attrGet("class") or "")
        if tok.type != "inline" or not tok.children or in_references:
            continue
        if i > 0 and tokens[i - 1].type == "heading_open":
            continue
        line = doc.parsed.line_of(tok)
        tok.children = _rewrite(tok.children, _Ctx(doc, glossary, m, state, line, diags))


@dataclass(frozen=True)
class _Ctx:
    doc: Document
    glossary: Glossary
    matcher: Matcher
    state: _State
    line: int
    diags: list[Diagnostic]


def _rewrite(children: list[Token], ctx: _Ctx) -> list[Token]:
    out: list[Token] = []
    spans: list[str] = []  # kind of each open span: "term" | "noterm" | "other"
    links = 0
    breaks = 0
    for i, child in enumerate(children):
        if child.type in ("softbreak", "hardbreak"):
            breaks += 1
        if child.type == "link_open":
            links += 1
        elif child.type == "link_close":
            links -= 1
        elif child.type == "span_open":
            kind = _span_kind(child)
            spans.append(kind)
            if kind == "term":
                out.append(_forced(children, i, ctx, ctx.line + breaks))
                continue
        elif child.type == "span_close" and spans:
            kind = spans.pop()
            if kind == "term":
                out.append(_close(out, children[i]))
                continue
        if child.type != "text" or links or any(k != "other" for k in spans):
            out.append(child)
            continue
        out += _split_text(children, i, ctx, ctx.line + breaks)
    return out


def _span_kind(tok: Token) -> str:
    classes = str(tok.attrGet("class") or "").split()
    if "noterm" in classes:
        return "noterm"
    return "term" if "term" in classes else "other"


def _forced(children: list[Token], i: int, ctx: _Ctx, line: int) -> Token:
    span = children[i]
    key = str(span.attrGet("key") or "")
    text = _plain(children[i + 1:], stop="span_close")
    found = lookup_key(ctx.glossary, key or text)
    if found is None:
        ctx.diags.append(warning(ctx.doc.source.rel_path, line, "term-unknown",
                                 f"'{key or text}' is not a glossary term (key of .term)"))
        return span
    return _open(found, ctx, line, already=False)


def _close(out: list[Token], span_close: Token) -> Token:
    opener = next((t for t in reversed(out) if t.type in ("term_open", "span_open")), None)
    if opener is None or opener.type != "term_open":
        return span_close
    close = Token("term_close", "a", -1)
    close.meta = dict(opener.meta)
    return close


def _open(key: str, ctx: _Ctx, line: int, already: bool) -> Token:
    doc = ctx.doc
    term = ctx.glossary.by_key()[key]
    first = key not in ctx.state.seen
    ctx.state.seen.add(key)
    n = sum(1 for u in doc.term_uses if u.key == key) + 1
    use = TermUse(key=key, id=f"{doc.doc_id}-{term.anchor}-{n}", doc_id=doc.doc_id,
                  line=line, glossed=first and not already and ctx.state.style != "off")
    doc.term_uses.append(use)
    tok = Token("term_open", "a", 1)
    other = other_lang(doc.lang)
    tok.meta = {"key": key, "anchor": term.anchor, "use_id": use.id,
                "gloss": term.forms.get(other, "") if use.glossed else "", "gloss_lang": other}
    return tok


def _plain(children: Sequence[Token], stop: str = "") -> str:
    parts = []
    for tok in children:
        if stop and tok.type == stop:
            break
        if tok.type in ("text", "code_inline"):
            parts.append(tok.content)
        elif tok.type in ("softbreak", "hardbreak"):
            parts.append(" ")
    return "".join(parts)


def _already_glossed(before: str, after: str, key: str, ctx: _Ctx) -> bool:
    """True when the author wrote the counterpart in parentheses next to the term."""
    pattern = ctx.matcher.counterparts.get(key)
    if pattern is None:
        return False
    alts = pattern.pattern
    if re.match(rf"\s*\(\s*(?:{alts})\s*[),;]", after, re.I):
        return True
    return re.search(rf"(?:{alts})\s*\(\s*$", before, re.I) is not None


def _split_text(children: list[Token], i: int, ctx: _Ctx, line: int) -> list[Token]:
    tok = children[i]
    text = tok.content
    found = ctx.matcher.find(text)
    if not found:
        return [tok]
    before_ctx = _plain(children[max(0, i - 4): i])[-LOOKAROUND:]
    after_ctx = _plain(children[i + 1: i + 8])[:LOOKAROUND]
    out: list[Token] = []
    pos = 0
    for start, end, key in found:
        if start > pos:
            out.append(_text(text[pos:start]))
        already = _already_glossed(before_ctx + text[:start], text[end:] + after_ctx, key, ctx)
        opener = _open(key, ctx, line, already)
        close = Token("term_close", "a", -1)
        close.meta = dict(opener.meta)
        out += [opener, _text(text[start:end]), close]
        pos = end
    if pos < len(text):
        out.append(_text(text[pos:]))
    return out


def _text(content: str) -> Token:
    tok = Token("text", "", 0)
    tok.content = content
    return tok
