"""Glossary terms in the prose: a `Document`'s tokens and the `Glossary` -> a new `Document`
whose tokens have every use of a term wrapped in `term_open`/`term_close` tokens (a link to
the glossary entry, an id for the index, and the first-use gloss), and the uses recorded.
The documents given are not changed (a cache or another edition may hold them).

Matching works on the markdown-it token stream, on `text` tokens of prose only: never in
headings, code, links, image alt text or the references section. It is case-insensitive
with Unicode word boundaries; the longest form wins ("kepercayaan publik" before
"kepercayaan"); variants count as the term. A term may be broken across a source line
("modal\\nsosial"): runs of text and soft line breaks are merged into one text token (the
break kept as "\\n", so the HTML is unchanged) before matching. `[text]{.term key="..."}`
forces a use, `[text]{.noterm}` suppresses matching inside it.

Footnote bodies are matched too, at the point of their first reference (where the print
edition lays them out), but a use in a footnote or a table cell only links: the gloss goes
to the first use in the running text. The index lists those uses like any other.

The compiled matcher of a glossary and language is cached (keyed by the `Glossary` object),
so a preview rebuild does not recompile it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace

from markdown_it.token import Token

from ..errors import Diagnostic, warning
from ..model import Glossary, Term
from .model import Document, TermUse
from .structure import inline_text

LOOKAROUND = 80  # characters of context read for "already glossed" detection
WORD_RE = re.compile(r"\w+")
CACHE_SIZE = 8  # glossaries whose compiled matchers are kept


def other_lang(lang: str) -> str:
    return "en" if lang == "id" else "id"


def surface_forms(term: Term, lang: str) -> tuple[str, ...]:
    """The term and its variants in `lang`, the forms the matcher looks for."""
    form = term.forms.get(lang, "")
    return tuple(f for f in (form, *term.variants.get(lang, ())) if f)


def _alternatives(forms: Iterable[str]) -> str:
    ordered = sorted(set(forms), key=lambda f: (-len(f), f))
    return "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in ordered)


def _bounded(forms: Iterable[str]) -> re.Pattern[str]:
    return re.compile(rf"(?<![\w-])(?:{_alternatives(forms)})(?![\w-])", re.I)


def _norm(text: str) -> str:
    return " ".join(text.split()).casefold()


def _first_word(form: str) -> str | None:
    m = WORD_RE.match(form)
    return m.group(0).casefold() if m else None


@dataclass(frozen=True)
class Matcher:
    """Finds the terms of one language in text.

    Rather than one alternation of every form tried at every position of the text (slow
    with a few hundred forms), the forms are grouped by their first word: the text's words
    are looked up in `starts`, and only that group's pattern is tried there."""

    lang: str
    starts: dict[str, re.Pattern[str]]  # casefolded first word -> forms starting with it
    others: re.Pattern[str] | None  # forms that do not start with a word character
    keys: dict[str, str]  # normalised surface form -> term key
    counterparts: dict[str, str]  # key -> alternation of the forms in the other language
    _glossed: dict[tuple[str, str], re.Pattern[str]] = field(default_factory=dict)

    def find(self, text: str) -> list[tuple[int, int, str]]:
        out: list[tuple[int, int, str]] = []
        pos = 0
        for word in WORD_RE.finditer(text):
            if word.start() < pos:
                continue
            pattern = self.starts.get(word.group(0).casefold())
            m = pattern.match(text, word.start()) if pattern is not None else None
            key = self.keys.get(_norm(m.group(0))) if m else None
            if m and key is not None:
                out.append((m.start(), m.end(), key))
                pos = m.end()
        if self.others is not None:
            out = _merge(out, [(m.start(), m.end(), self.keys[_norm(m.group(0))])
                               for m in self.others.finditer(text)
                               if _norm(m.group(0)) in self.keys])
        return out

    def glossed(self, key: str, side: str) -> re.Pattern[str] | None:
        """The author's own gloss next to a use: "( counterpart )" after it (`side`
        "after") or "counterpart (" right before it ("before")."""
        alts = self.counterparts.get(key)
        if alts is None:
            return None
        pattern = self._glossed.get((key, side))
        if pattern is None:
            source = (rf"\s*\(\s*(?:{alts})\s*[),;]" if side == "after"
                      else rf"(?:{alts})\s*\(\s*$")
            pattern = self._glossed[(key, side)] = re.compile(source, re.I)
        return pattern


def _merge(a: list[tuple[int, int, str]], b: list[tuple[int, int, str]]
           ) -> list[tuple[int, int, str]]:
    """Two lists of matches -> one, leftmost-longest first, without overlaps."""
    out: list[tuple[int, int, str]] = []
    for found in sorted(a + b, key=lambda f: (f[0], -f[1])):
        if not out or found[0] >= out[-1][1]:
            out.append(found)
    return out


def _build_matcher(glossary: Glossary, lang: str) -> Matcher:
    keys: dict[str, str] = {}
    counterparts: dict[str, str] = {}
    for term in glossary.terms:
        for form in surface_forms(term, lang):
            keys.setdefault(_norm(form), term.key)
        other = surface_forms(term, other_lang(lang))
        if other:
            counterparts[term.key] = _alternatives(other)
    groups: dict[str, list[str]] = {}
    rest: list[str] = []
    for form in keys:
        first = _first_word(form)
        if first is None:
            rest.append(form)
        else:
            groups.setdefault(first, []).append(form)
    starts = {first: _bounded(forms) for first, forms in groups.items()}
    return Matcher(lang, starts, _bounded(rest) if rest else None, keys, counterparts)


@dataclass
class _Compiled:
    """What is derived once from a glossary: its terms by key, names and matchers."""

    glossary: Glossary  # held so that the id() used as cache key is not reused
    terms: dict[str, Term]
    anchors: dict[str, str]
    names: dict[str, str]  # any normalised key, form or variant -> key
    matchers: dict[str, Matcher] = field(default_factory=dict)


_CACHE: dict[int, _Compiled] = {}
_LOCK = threading.Lock()


def _compiled(glossary: Glossary) -> _Compiled:
    with _LOCK:
        hit = _CACHE.get(id(glossary))
        if hit is not None and hit.glossary is glossary:
            return hit
        names: dict[str, str] = {}
        for term in glossary.terms:
            for name in (term.key, *surface_forms(term, "id"), *surface_forms(term, "en")):
                names.setdefault(_norm(name), term.key)
        compiled = _Compiled(glossary, glossary.by_key(),
                             {t.key: t.anchor for t in glossary.terms}, names)
        while len(_CACHE) >= CACHE_SIZE:
            del _CACHE[next(iter(_CACHE))]
        _CACHE[id(glossary)] = compiled
        return compiled


def matcher(glossary: Glossary, lang: str) -> Matcher:
    compiled = _compiled(glossary)
    with _LOCK:
        found = compiled.matchers.get(lang)
        if found is None:
            found = compiled.matchers[lang] = _build_matcher(glossary, lang)
        return found


def lookup_key(glossary: Glossary, text: str) -> str | None:
    """The key of the row that `text` names in any language (a key, form or variant)."""
    return _compiled(glossary).names.get(_norm(text))


@dataclass
class _State:
    """Which terms have had their first use glossed (reset per chapter or per volume)."""

    style: str
    seen: set[str]


def apply_glossary(docs: Sequence[Document], glossary: Glossary, style: str,
                   diags: list[Diagnostic]) -> tuple[Document, ...]:
    """The documents with the term uses of each marked, in reading order."""
    if not glossary.terms:
        return tuple(docs)
    state = _State(style, set())
    compiled = _compiled(glossary)
    marked = []
    for doc in docs:
        if style != "first-per-volume":
            state.seen = set()
        marked.append(_DocMarker(doc, compiled, matcher(glossary, doc.lang), state,
                                 diags).run())
    return tuple(marked)


def prose_inlines(tokens: Sequence[Token]) -> Iterator[tuple[Token, bool]]:
    """The inline tokens of the running text, each with whether it is in a table: not
    headings, not the references section (from its h1/h2 heading to the next)."""
    for _, tok, in_table in _prose(tokens):
        yield tok, in_table


def _prose(tokens: Sequence[Token]) -> Iterator[tuple[int, Token, bool]]:
    """`prose_inlines` with each token's index."""
    in_references = False
    in_table = False
    for i, tok in enumerate(tokens):
        if tok.type in ("table_open", "table_close"):
            in_table = tok.type == "table_open"
        if tok.type == "heading_open" and tok.tag in ("h1", "h2"):
            in_references = "references" in str(tok.attrGet("class") or "")
        if tok.type != "inline" or not tok.children or in_references:
            continue
        if i > 0 and tokens[i - 1].type == "heading_open":
            continue
        yield i, tok, in_table


class _DocMarker:
    """Marks the term uses of one document: its running text, then (at each first
    reference) the footnote bodies. Each rewritten inline token is a new token in new
    lists; `run` returns the new document."""

    def __init__(self, doc: Document, compiled: _Compiled, m: Matcher, state: _State,
                 diags: list[Diagnostic]) -> None:
        self.doc, self.compiled, self.matcher = doc, compiled, m
        self.state, self.diags = state, diags
        self.counts: dict[str, int] = {}
        self.notes_done: set[int] = set()
        self.uses: list[TermUse] = []
        self.tokens = list(doc.tokens)
        self.footnotes = {fid: list(body) for fid, body in doc.footnotes.items()}

    def run(self) -> Document:
        for i, tok, in_table in _prose(self.doc.tokens):
            # a gloss would crowd a table cell: there, uses only link
            self.tokens[i] = self.inline(tok, link_only=in_table)
        for fid in sorted(self.doc.footnote_numbers, key=self.doc.footnote_numbers.__getitem__):
            self.note(fid)  # referenced only from a heading or the references
        return replace(self.doc, parsed=replace(self.doc.parsed, tokens=self.tokens),
                       footnotes=self.footnotes, term_uses=tuple(self.uses))

    def inline(self, tok: Token, link_only: bool) -> Token:
        line = self.doc.parsed.line_of(tok)
        return replace(tok, children=_Rewriter(self, line, link_only).rewrite(
            _join_lines(tok.children or [])))

    def note(self, fid: int) -> None:
        if fid in self.notes_done or fid not in self.doc.footnote_numbers:
            return
        self.notes_done.add(fid)
        body = self.footnotes.get(fid, [])
        for j, tok in enumerate(body):
            if tok.type == "inline" and tok.children:
                body[j] = self.inline(tok, link_only=True)

    def open(self, key: str, line: int, already: bool, link_only: bool) -> Token:
        doc = self.doc
        first = key not in self.state.seen and not link_only
        if not link_only:
            self.state.seen.add(key)
        n = self.counts[key] = self.counts.get(key, 0) + 1
        anchor = self.compiled.anchors[key]
        other = other_lang(doc.lang)
        forms = self.compiled.terms[key].forms
        counterpart = forms.get(other, "")
        # a loanword spelt alike in both languages ("dharma") gets no "dharma (dharma)"
        same = counterpart.casefold() == forms.get(doc.lang, "").casefold()
        use = TermUse(key=key, id=f"{doc.doc_id}-{anchor}-{n}", doc_id=doc.doc_id, line=line,
                      glossed=first and not already and not same and self.state.style != "off")
        self.uses.append(use)
        tok = Token("term_open", "a", 1)
        gloss = counterpart if use.glossed else ""
        tok.meta = {"key": key, "anchor": anchor, "use_id": use.id, "gloss": gloss,
                    "gloss_lang": other}
        return tok


def _join_lines(children: list[Token]) -> list[Token]:
    """Merge each run of text and soft line breaks into one text token ("\\n" for a break),
    so that a term wrapped across source lines is one string."""
    out: list[Token] = []
    run: list[Token] = []
    for child in [*children, None]:
        if child is not None and child.type in ("text", "softbreak"):
            run.append(child)
            continue
        if len(run) == 1 and run[0].type == "text":
            out.append(run[0])
        elif run:
            out.append(_text("".join("\n" if t.type == "softbreak" else t.content
                                     for t in run)))
        run = []
        if child is not None:
            out.append(child)
    return out


class _Rewriter:
    """One inline token's children -> the same with term_open/term_close around uses."""

    def __init__(self, marker: _DocMarker, line: int, link_only: bool) -> None:
        self.marker, self.line, self.link_only = marker, line, link_only

    def rewrite(self, children: list[Token]) -> list[Token]:
        out: list[Token] = []
        spans: list[str] = []  # kind of each open span: "term" | "noterm" | "other"
        links = 0
        for i, child in enumerate(children):
            if child.type == "link_open":
                links += 1
            elif child.type == "link_close":
                links -= 1
            elif child.type == "footnote_ref":
                self.marker.note(child.meta["id"])
            elif child.type == "span_open":
                kind = _span_kind(child)
                spans.append(kind)
                if kind == "term":
                    out.append(self.forced(children, i))
                    continue
            elif child.type == "span_close" and spans:
                if spans.pop() == "term":
                    out.append(_close(out, child))
                    continue
            if child.type != "text" or links or any(k != "other" for k in spans):
                out.append(child)
            else:
                out += self.split(children, i)
            self.line += _lines(child)
        return out

    def forced(self, children: list[Token], i: int) -> Token:
        span = children[i]
        key = str(span.attrGet("key") or "")
        text = inline_text(children[i + 1:], stop="span_close")
        found = lookup_key(self.marker.compiled.glossary, key or text)
        if found is None:
            self.marker.diags.append(warning(
                self.marker.doc.source.rel_path, self.line, "term-unknown",
                f"'{key or text}' is not a glossary term (key of .term)"))
            return span
        return self.marker.open(found, self.line, already=False, link_only=self.link_only)

    def split(self, children: list[Token], i: int) -> list[Token]:
        tok = children[i]
        text = tok.content
        found = self.marker.matcher.find(text)
        if not found:
            return [tok]
        before_ctx = inline_text(children[max(0, i - 4): i])[-LOOKAROUND:]
        after_ctx = inline_text(children[i + 1: i + 8])[:LOOKAROUND]
        out: list[Token] = []
        pos = 0
        for start, end, key in found:
            if start > pos:
                out.append(_text(text[pos:start]))
            already = self.already_glossed(before_ctx + text[:start],
                                           text[end:] + after_ctx, key)
            line = self.line + text.count("\n", 0, start)
            opener = self.marker.open(key, line, already, self.link_only)
            close = Token("term_close", "a", -1)
            close.meta = dict(opener.meta)
            out += [opener, _text(text[start:end]), close]
            pos = end
        if pos < len(text):
            out.append(_text(text[pos:]))
        return out

    def already_glossed(self, before: str, after: str, key: str) -> bool:
        """True when the author wrote the counterpart in parentheses next to the term."""
        m = self.marker.matcher
        after_re, before_re = m.glossed(key, "after"), m.glossed(key, "before")
        if after_re is None or before_re is None:
            return False
        return (after_re.match(after[:LOOKAROUND]) is not None
                or before_re.search(before[-LOOKAROUND:]) is not None)


def _span_kind(tok: Token) -> str:
    classes = str(tok.attrGet("class") or "").split()
    if "noterm" in classes:
        return "noterm"
    return "term" if "term" in classes else "other"


def _close(out: list[Token], span_close: Token) -> Token:
    opener = next((t for t in reversed(out) if t.type in ("term_open", "span_open")), None)
    if opener is None or opener.type != "term_open":
        return span_close
    close = Token("term_close", "a", -1)
    close.meta = dict(opener.meta)
    return close


def _lines(tok: Token) -> int:
    """How many source line breaks a token spans."""
    if tok.type == "text":
        return tok.content.count("\n")
    return 1 if tok.type in ("softbreak", "hardbreak") else 0


def _text(content: str) -> Token:
    tok = Token("text", "", 0)
    tok.content = content
    return tok
