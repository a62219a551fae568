"""Transform stage, alignment: two language versions of one document -> the rows of the
parallel edition, each row a run of blocks of the first version beside the blocks of the
second that translate them.

A block is a top-level token run: a paragraph, heading, list, figure, table, block quote,
code block or rule. A document is split into sections at its `##` headings (the text
before the first one is a section of its own). Sections are paired in order when both
versions have as many; otherwise by a dynamic-programming alignment scored on what a
translation keeps (its block kinds, its length, the numbers in it), so a section missing
from one version leaves a row with one side empty instead of shifting every later pair.
Within a paired section whose block kinds match, every block is a row of its own; where
they differ the section is one row (its heading still pairs with its heading), and the
next section aligns block by block again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from markdown_it.token import Token

from ..errors import Diagnostic
from ..model import Book
from . import CitationFormatter, format_here, transform_edition
from .model import Document, EditionContent

NUMBER_RE = re.compile(r"\d+")
WORD_RE = re.compile(r"\w+")
# A pair of sections scoring below this is worse than leaving both unpaired.
MATCH_THRESHOLD = 0.5


@dataclass(frozen=True)
class Block:
    """Tokens `start`..`end` (exclusive) of a document: one top-level block."""

    kind: str  # "paragraph" | "heading" | "bullet_list" | "figure" | "table" | ...
    start: int
    end: int
    tag: str = ""  # "h2" for a heading
    text: str = ""  # its inline text, for scoring


@dataclass(frozen=True)
class Row:
    """One aligned row: blocks of the first version, blocks of the second; `by` is
    "block" when the two are translations of each other block for block, "section" when
    the section's structure differs and the row holds the rest of it, "unpaired" when one
    side has no counterpart."""

    left: tuple[Block, ...]
    right: tuple[Block, ...]
    by: str = "block"


def blocks(tokens: Sequence[Token]) -> list[Block]:
    """The top-level blocks of a token stream, in order."""
    out: list[Block] = []
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        end = i + 1
        if tok.nesting == 1:
            depth = 1
            while end < len(tokens) and depth:
                depth += tokens[end].nesting
                end += 1
        text = " ".join(t.content for t in tokens[i:end] if t.type == "inline")
        out.append(Block(tok.type.removesuffix("_open"), i, end, tok.tag, text))
        i = end
    return out


def sections(found: Sequence[Block]) -> list[list[Block]]:
    """Blocks grouped at each `##` heading; the first group is what comes before one."""
    groups: list[list[Block]] = [[]]
    for block in found:
        if block.kind == "heading" and block.tag == "h2":
            groups.append([])
        groups[-1].append(block)
    return groups


def _shape(section: Sequence[Block]) -> list[str]:
    return [b.tag if b.kind == "heading" else b.kind for b in section]


def _words(block: Block) -> int:
    return len(WORD_RE.findall(block.text))


def block_similarity(a: Block, b: Block) -> float:
    """0..1: blocks of one kind, as alike in length as a translation's blocks are."""
    if a.kind != b.kind or a.tag != b.tag:
        return 0.0
    wa, wb = _words(a), _words(b)
    return min(wa, wb) / max(wa, wb) if max(wa, wb) else 1.0


def similarity(a: Sequence[Block], b: Sequence[Block]) -> float:
    """0..1: how likely section `b` translates section `a`: its blocks, aligned in order
    with `a`'s (kind and length, a block left over counting 0), and the numbers both
    sections share."""
    if not a or not b:
        return 0.0
    # best[i][j]: the best block matches of a[i:] and b[j:]
    best = [[0.0] * (len(b) + 1) for _ in range(len(a) + 1)]
    for i in range(len(a) - 1, -1, -1):
        for j in range(len(b) - 1, -1, -1):
            best[i][j] = max(block_similarity(a[i], b[j]) + best[i + 1][j + 1],
                             best[i + 1][j], best[i][j + 1])
    shape = best[0][0] / max(len(a), len(b))
    nums_a = {n for x in a for n in NUMBER_RE.findall(x.text)}
    nums_b = {n for x in b for n in NUMBER_RE.findall(x.text)}
    numbers = len(nums_a & nums_b) / len(nums_a | nums_b) if nums_a | nums_b else 0.5
    return 0.7 * shape + 0.3 * numbers


def pair_sections(a: Sequence[Sequence[Block]], b: Sequence[Sequence[Block]]
                  ) -> list[tuple[int | None, int | None]]:
    """Index pairs (None: no counterpart), in order. Equal counts pair one to one; else
    the best-scoring monotone alignment; the leading sections always pair."""
    if len(a) == len(b):
        return [(i, i) for i in range(len(a))]
    n, m = len(a), len(b)
    # best[i][j]: the best score aligning a[i:] with b[j:]
    best = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            match = similarity(a[i], b[j]) - MATCH_THRESHOLD + best[i + 1][j + 1]
            if i == 0 and j == 0:
                match += 1.0  # the text before the first heading is always a pair
            best[i][j] = max(match, best[i + 1][j], best[i][j + 1])
    out: list[tuple[int | None, int | None]] = []
    i = j = 0
    while i < n and j < m:
        if best[i][j] == best[i + 1][j]:
            out.append((i, None))
            i += 1
        elif best[i][j] == best[i][j + 1]:
            out.append((None, j))
            j += 1
        else:
            out.append((i, j))
            i, j = i + 1, j + 1
    out += [(k, None) for k in range(i, n)] + [(None, k) for k in range(j, m)]
    return out


def _section_rows(a: Sequence[Block], b: Sequence[Block]) -> list[Row]:
    if _shape(a) == _shape(b):
        return [Row((x,), (y,)) for x, y in zip(a, b, strict=True)]
    rows = []
    if a and b and a[0].kind == b[0].kind == "heading":
        rows.append(Row((a[0],), (b[0],)))
        a, b = a[1:], b[1:]
    if a or b:
        rows.append(Row(tuple(a), tuple(b), "section"))
    return rows


def align(left: Sequence[Token], right: Sequence[Token]) -> list[Row]:
    """The rows of two versions' token streams (see the module docstring)."""
    a, b = sections(blocks(left)), sections(blocks(right))
    rows: list[Row] = []
    for i, j in pair_sections(a, b):
        if i is not None and j is not None:
            rows += _section_rows(a[i], b[j])
        elif i is not None and a[i]:
            rows.append(Row(tuple(a[i]), (), "unpaired"))
        elif j is not None and b[j]:
            rows.append(Row((), tuple(b[j]), "unpaired"))
    return rows


@dataclass(frozen=True)
class ParallelContent:
    """A parallel edition: both languages' transformed content; `pair` = (verso, recto)."""

    pair: tuple[str, str]
    left: EditionContent
    right: EditionContent

    @property
    def lang(self) -> str:
        return "+".join(self.pair)

    @property
    def book(self) -> Book:
        return self.left.book

    @property
    def diagnostics(self) -> tuple[Diagnostic, ...]:
        return tuple(sorted(set(self.left.diagnostics + self.right.diagnostics)))

    @property
    def documents(self) -> tuple[Document, ...]:
        """The verso side's documents: their ids are the pairs' (print anchors, pages)."""
        return self.left.documents

    def chapters(self) -> tuple[Document, ...]:
        return self.left.chapters()


def edition_name(pair: Sequence[str]) -> str:
    """"id+en": the name of a parallel edition (and of its files)."""
    return "+".join(pair)


def transform_parallel(book: Book, pair: tuple[str, str],
                       formatter: CitationFormatter = format_here) -> ParallelContent:
    """Both editions of `pair`, with the glosses the parallel edition asks for (none by
    default: the counterpart is in the other column)."""
    config = replace(book.config, gloss=book.config.parallel_gloss)
    glossed = replace(book, config=config)
    return ParallelContent(pair, transform_edition(glossed, pair[0], formatter=formatter),
                           transform_edition(glossed, pair[1], formatter=formatter))
