"""Terminology QA for `bookforge check`: the transformed editions -> warnings.

- a chapter whose version in one language uses a glossary term while the other version
  never uses its counterpart (counts and line of first use, naming both files);
- italicised words in an Indonesian text that are not in the glossary (suggestions);
- glossary rows that no text uses.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator, Mapping
from pathlib import Path

from markdown_it.token import Token

from .errors import Diagnostic, warning
from .model import Book, Glossary
from .transform.glossary import lookup_key
from .transform.model import Document, EditionContent

MAX_SUGGESTION_WORDS = 5


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


def _italic_spans(doc: Document) -> Iterator[tuple[int, list[Token]]]:
    """(line, children) of every emphasis in the prose of a document."""
    in_references = False
    tokens = doc.tokens
    for i, tok in enumerate(tokens):
        if tok.type == "heading_open" and tok.tag in ("h1", "h2"):
            in_references = "references" in str(tok.attrGet("class") or "")
        if (tok.type != "inline" or not tok.children or in_references
                or (i > 0 and tokens[i - 1].type == "heading_open")):
            continue
        line = doc.parsed.line_of(tok)
        current: list[Token] | None = None
        for child in tok.children:
            if child.type in ("softbreak", "hardbreak"):
                line += 1
            if child.type == "em_open":
                current = []
            elif child.type == "em_close" and current is not None:
                yield line, current
                current = None
            elif current is not None:
                current.append(child)


def _italic_suggestions(glossary: Glossary, content: EditionContent) -> list[Diagnostic]:
    out = []
    for doc in _own_documents(content).values():
        seen: set[str] = set()
        for line, children in _italic_spans(doc):
            if any(c.type in ("term_open", "link_open", "code_inline") for c in children):
                continue
            text = " ".join("".join(c.content for c in children if c.type == "text").split())
            key = text.casefold()
            if (not re.search(r"[^\W\d_]", text) or len(text.split()) > MAX_SUGGESTION_WORDS
                    or key in seen or lookup_key(glossary, text) is not None):
                continue
            seen.add(key)
            out.append(warning(doc.source.rel_path, line, "glossary-suggestion",
                               f"*{text}* at line {line} is not in the glossary"))
    return out


def _unused(book: Book, contents: Mapping[str, EditionContent]) -> list[Diagnostic]:
    used = {u.key for c in contents.values() for d in c.documents for u in d.term_uses}
    rel = "glossary.csv"
    return [warning(rel, t.line, "glossary-unused",
                    f"'{t.forms['id']}' / '{t.forms['en']}' is used in no chapter")
            for t in book.glossary.terms if t.key not in used]
