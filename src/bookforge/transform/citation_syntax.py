"""Pandoc's citation syntax as markdown-it-py inline rules (part of the parse step):
each citation becomes one `citation` token whose meta holds its `Cluster`.

`[@key]`, `[@key, p. 12]`, `[see @a; @b, chap. 2]`, `[-@key]` (no author) and narrative
`@key` ("Olson (1965)"), `@key [p. 12]`. A `@` right after a letter, digit or one of
`/.:@&+-` is no citation (e-mail addresses, URLs); code spans, autolinks and links are
parsed by their own rules first, so nothing in them is a citation.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline

from .csl import Cite, Cluster

KEY = r"\{[^{}\s]+\}|\w(?:\w|[:.#$%&+?<>~/-](?=\w))*"
ITEM_RE = re.compile(rf"^(?P<prefix>.*?)(?P<minus>-?)@(?P<key>{KEY})(?P<rest>.*)$", re.S)
NARRATIVE_RE = re.compile(rf"@(?P<key>{KEY})")
NARRATIVE_LOCATOR_RE = re.compile(r"[ \t]\[(?P<suffix>[^\[\]@]+)\](?![(\[])")
NOT_BEFORE = re.compile(r"[\w/.:@&+-]")  # a `@` after these is an address, not a citation
LOCATOR_LABELS = {
    "p": "page", "pp": "page", "page": "page", "pages": "page", "hlm": "page",
    "hal": "page", "chap": "chapter", "ch": "chapter", "chapter": "chapter", "bab": "chapter",
    "sec": "section", "§": "section", "§§": "section", "para": "paragraph",
    "¶": "paragraph", "vol": "volume", "fig": "figure", "n": "note", "nn": "note",
    "l": "line", "ll": "line", "art": "article-locator", "pasal": "article-locator",
}
NUMBER = r"[0-9ivxlcdmIVXLCDM]+[a-z]?"
LOCATOR_RE = re.compile(
    rf"^(?:(?P<label>{'|'.join(sorted(map(re.escape, LOCATOR_LABELS), key=len, reverse=True))})"
    rf"\.?\s*)?(?P<value>{NUMBER}(?:\s*[-\u2013,&]\s*{NUMBER})*)(?P<rest>.*)$", re.S | re.I)


def parse_cite(text: str) -> Cite | None:
    """One item of a bracketed citation, or None when it is not one."""
    m = ITEM_RE.match(text.strip())
    if not m or (m["prefix"] and not m["prefix"][-1].isspace()):
        return None
    key = m["key"].strip("{}")
    rest = m["rest"].strip()
    label, locator = "", ""
    if rest.startswith(","):
        rest = rest[1:].strip()
        loc = LOCATOR_RE.match(rest)
        if loc and (loc["label"] or rest[:1].isdigit()):
            label = LOCATOR_LABELS[(loc["label"] or "p").lower()]
            locator, rest = loc["value"].strip(), loc["rest"].strip()
            # a label needs its dot or a space: "p12" is not a page
        if rest and not rest.startswith((",", ";")):
            rest = ", " + rest
    elif rest:
        rest = " " + rest
    return Cite(key=key, prefix=m["prefix"].strip(), suffix=rest, locator_label=label,
                locator=locator, suppress_author=bool(m["minus"]))


def _line_offset(state: StateInline) -> int:
    return state.src.count("\n", 0, state.pos)


def _push(state: StateInline, cluster: Cluster, end: int) -> None:
    token = state.push("citation", "", 0)
    token.content = state.src[state.pos:end]
    token.meta = {"cluster": cluster, "line_offset": _line_offset(state)}


def bracketed_rule(state: StateInline, silent: bool) -> bool:
    """`[see @a, p. 12; -@b]`: every `;`-separated item must hold one `@key`."""
    src, pos = state.src, state.pos
    if src[pos] != "[" or state.linkLevel > 0 or "@" not in src[pos:pos + 200]:
        return False
    end = pos + 1
    while end < state.posMax and src[end] not in "[]":
        end += 2 if src[end] == "\\" else 1
    if end >= state.posMax or src[end] != "]" or src[end + 1:end + 2] in ("(", "[", ":"):
        return False
    cites = [parse_cite(part) for part in src[pos + 1:end].split(";")]
    if not cites or any(c is None for c in cites):
        return False
    if not silent:
        _push(state, Cluster(tuple(c for c in cites if c is not None)), end + 1)
    state.pos = end + 1
    return True


def narrative_rule(state: StateInline, silent: bool) -> bool:
    """`@key` in running text, with an optional ` [p. 12]` right after it."""
    src, pos = state.src, state.pos
    if src[pos] != "@" or state.linkLevel > 0:
        return False
    if pos > 0 and NOT_BEFORE.match(src[pos - 1]):
        return False
    m = NARRATIVE_RE.match(src, pos)
    if not m:
        return False
    end = m.end()
    cite = Cite(key=m["key"].strip("{}"))
    extra = NARRATIVE_LOCATOR_RE.match(src, end)
    if extra:
        parsed = parse_cite(f"@x, {extra['suffix']}")
        if parsed is not None:
            cite = Cite(key=cite.key, suffix=parsed.suffix, locator=parsed.locator,
                        locator_label=parsed.locator_label)
            end = extra.end()
    if not silent:
        _push(state, Cluster((cite,), narrative=True), end)
    state.pos = end
    return True


def citation_plugin(md: MarkdownIt) -> None:
    md.inline.ruler.before("link", "citation", bracketed_rule)
    md.inline.ruler.after("text", "citation_narrative", narrative_rule)
