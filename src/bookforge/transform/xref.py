"""Cross-references: an empty link to a figure, table or section id gets its localised,
numbered label at render time; unknown ids are errors naming the line.

`resolve_xrefs` returns a new `Document`: the link tokens it resolves are new tokens, so
the document given (kept by the preview's cache between rebuilds) never carries a
resolution from an earlier state of the book."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from markdown_it.token import Token

from ..errors import Diagnostic, error
from .model import Document, Label


def _is_xref(children: list[Token], i: int) -> bool:
    """An empty link to a fragment: `[](#id)`."""
    child = children[i]
    return (child.type == "link_open" and str(child.attrGet("href") or "").startswith("#")
            and i + 1 < len(children) and children[i + 1].type == "link_close")


def resolve_xrefs(doc: Document, labels: Mapping[str, Label],
                  diags: list[Diagnostic]) -> Document:
    tokens = list(doc.tokens)
    for n, tok in enumerate(tokens):
        children = list(tok.children or [])
        found = [i for i in range(len(children)) if _is_xref(children, i)]
        for i in found:
            child = children[i]
            ident = str(child.attrGet("href"))[1:]
            label = labels.get(ident)
            if label is None:
                diags.append(error(doc.source.rel_path, doc.parsed.line_of(tok), "xref-unknown",
                                   f"cross-reference to unknown id '{ident}'"))
                meta = {k: v for k, v in child.meta.items() if k != "xref"}
                meta["xref_missing"] = ident
            else:
                meta = {k: v for k, v in child.meta.items() if k != "xref_missing"}
                meta["xref"] = label
            children[i] = replace(child, meta=meta)
        if found:
            tokens[n] = replace(tok, children=children)
    return replace(doc, parsed=replace(doc.parsed, tokens=tokens))
