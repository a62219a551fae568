"""Cross-references: an empty link to a figure, table or section id gets its localised,
numbered label at render time; unknown ids are errors naming the line."""

from __future__ import annotations

from collections.abc import Mapping

from ..errors import Diagnostic, error
from .model import Document, Label


def resolve_xrefs(doc: Document, labels: Mapping[str, Label], diags: list[Diagnostic]) -> None:
    for tok in doc.tokens:
        children = tok.children or []
        for i, child in enumerate(children):
            if child.type != "link_open":
                continue
            href = str(child.attrGet("href") or "")
            empty = i + 1 < len(children) and children[i + 1].type == "link_close"
            if not href.startswith("#") or not empty:
                continue
            label = labels.get(href[1:])
            if label is None:
                diags.append(error(doc.source.rel_path, doc.parsed.line_of(tok), "xref-unknown",
                                   f"cross-reference to unknown id '{href[1:]}'"))
                child.meta["xref_missing"] = href[1:]
            else:
                child.meta["xref"] = label
