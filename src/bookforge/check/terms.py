"""Terminology QA for `bookforge check`: the transformed editions -> warnings.

- a chapter whose version in one language uses a glossary term while the other version
  never uses its counterpart (counts and line of first use, naming both files);
- italicised words in an Indonesian text that are not in the glossary (suggestions), except
  in the references section and italics that look like the title of a work: text inside a
  citation parenthesis or followed by one ("*Bowling Alone* (2000)", "(Putnam, *Bowling
  Alone*, 2000)"), and phrases of two or more words each capitalised ("*The Gift
  Relationship*"; small words like "of", "the", "dan" may stay lower-case);
- glossary rows that no text uses.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from markdown_it.token import Token

from ..errors import Diagnostic, warning
from ..model import Book, Glossary
from ..transform.glossary import lookup_key, prose_inlines
from ..transform.model import Document, EditionContent
from ..transform.structure import inline_text

MAX_SUGGESTION_WORDS = 5
SMALL_WORDS = frozenset(
    "a an and as at by de del der des di du et for from in into la le of on or over the to "
    "und van von with dan dari ke oleh pada untuk yang".split())
YEAR = r"(?:1[5-9]|20)\d\d[a-z]?"
CITATION_AFTER = re.compile(rf"\s*\((?:[^()]*\b)?{YEAR}\b[^()]*\)")
OPEN_CITATION = re.compile(r"\(([^()]*)$")
CLOSE_CITATION = re.compile(r"^([^()]*)\)")


def terminology_report(book: Book, contents: Mapping[str, EditionContent]) -> list[Diagnostic]:
    diags = _mismatches(book, contents)
    if "id" in contents:
        diags += _italic_suggestions(book.glossary, contents["id"])
    diags += _unused(book, contents)
    return diags


def _own_documents(content: EditionContent) -> dict[str, Document]:
    """The documents of an edition written in its own language, by doc id."""
    return {d.doc_id: d for d in content.documents if d.lang == content.lang}


def _mismatches(book: Book, contents: Mapping[str, EditionContent]) -> list[Diagnostic]:
    if "id" not in contents or "en" not in contents:
        return []
    ids, ens = _own_documents(contents["id"]), _own_documents(contents["en"])
    terms = book.glossary.by_key()
    out = []
    for doc_id, id_doc in ids.items():
        en_doc = ens.get(doc_id)
        if en_doc is None:
            continue
        id_count = Counter(u.key for u in id_doc.term_uses)
        en_count = Counter(u.key for u in en_doc.term_uses)
        for key in sorted(set(id_count) | set(en_count)):
            if id_count[key] and en_count[key]:
                continue
            user = id_doc if id_count[key] else en_doc
            first = next(u for u in user.term_uses if u.key == key)
            term = terms[key]
            message = (f"{term.forms['id']}: {id_count[key]} in {_name(id_doc)}, "
                       f"{term.forms['en']}: {en_count[key]} in {_name(en_doc)}")
            out.append(warning(user.source.rel_path, first.line, "term-mismatch", message))
    return out


def _name(doc: Document) -> str:
    return Path(doc.source.rel_path).name


@dataclass(frozen=True)
class _Italic:
    line: int
    children: list[Token]
    before: str  # plain text of the paragraph before and after the emphasis
    after: str


def _italic_spans(doc: Document) -> Iterator[_Italic]:
    """Every emphasis in the prose of a document (not headings, not the references)."""
    for tok, _ in prose_inlines(doc.tokens):
        yield from _italics(tok.children or [], doc.parsed.line_of(tok))


def _italics(children: list[Token], line: int) -> Iterator[_Italic]:
    start: int | None = None
    for n, child in enumerate(children):
        if child.type == "em_open" and start is None:
            start, first_line = n, line
        elif child.type == "em_close" and start is not None:
            yield _Italic(first_line, children[start + 1: n], inline_text(children[:start]),
                          inline_text(children[n + 1:]))
            start = None
        line += child.content.count("\n") if child.type == "text" else int(
            child.type in ("softbreak", "hardbreak"))


def looks_like_title(text: str, before: str, after: str) -> bool:
    """An italic that names a work rather than a foreign word: inside or right before a
    citation parenthesis with a year, or two or more words that are all capitalised."""
    opened, closed = OPEN_CITATION.search(before), CLOSE_CITATION.match(after)
    if opened and closed and re.search(rf"\b{YEAR}\b", opened.group(1) + closed.group(1)):
        return True
    if CITATION_AFTER.match(after):
        return True
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    content = [w for w in words if w.casefold() not in SMALL_WORDS]
    return (len(words) >= 2 and bool(content) and words[0][0].isupper()
            and all(w[0].isupper() for w in content))


def _italic_suggestions(glossary: Glossary, content: EditionContent) -> list[Diagnostic]:
    out = []
    for doc in _own_documents(content).values():
        seen: set[str] = set()
        for italic in _italic_spans(doc):
            children = italic.children
            if any(c.type in ("term_open", "link_open", "code_inline") for c in children):
                continue
            text = " ".join("".join(c.content for c in children if c.type == "text").split())
            key = text.casefold()
            if (not re.search(r"[^\W\d_]", text) or len(text.split()) > MAX_SUGGESTION_WORDS
                    or key in seen or lookup_key(glossary, text) is not None
                    or looks_like_title(text, italic.before, italic.after)):
                continue
            seen.add(key)
            out.append(warning(doc.source.rel_path, italic.line, "glossary-suggestion",
                               f"*{text}* at line {italic.line} is not in the glossary"))
    return out


def _unused(book: Book, contents: Mapping[str, EditionContent]) -> list[Diagnostic]:
    used = {u.key for c in contents.values() for d in c.documents for u in d.term_uses}
    rel = "glossary.csv"
    return [warning(rel, t.line, "glossary-unused",
                    f"'{t.forms['id']}' / '{t.forms['en']}' is used in no chapter")
            for t in book.glossary.terms if t.key not in used]
