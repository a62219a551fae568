"""Benchmark: the glossary step (transform/glossary.py) on one ~5,000-word chapter made
from the Indonesian chapters of book/, with book/'s glossary, and on every document of the
Indonesian edition (what a full rebuild marks). Parsing is not timed; each run marks
freshly parsed copies. Prints the median time of each.

Usage: python bench/bench_glossary.py [--book book] [--words 5000] [--runs 15]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import time
from pathlib import Path

from bookforge.source.load import load_book
from bookforge.transform.glossary import apply_glossary
from bookforge.transform.parse import parse_source
from bookforge.transform.structure import structure


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", default=str(root / "book"))
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    book, _ = load_book(Path(args.book))
    chapters = [c for c in book.chapters() if "id" in c.versions]
    bodies: list[str] = []
    while sum(len(b.split()) for b in bodies) < args.words:
        bodies.append(chapters[len(bodies) % len(chapters)].versions["id"].body)
    chapter = chapters[0]
    source = dataclasses.replace(chapter.versions["id"], body="\n\n".join(bodies))
    words = len(source.body.split())
    times, uses = [], 0
    for _ in range(args.runs):
        doc, _labels = structure(parse_source(source), chapter, None, 1, [])
        start = time.perf_counter()
        apply_glossary([doc], book.glossary, book.config.gloss, [])
        times.append(time.perf_counter() - start)
        uses = len(doc.term_uses)
    print(f"glossary step, {words} words, {len(book.glossary.terms)} terms, {uses} uses, "
          f"median of {args.runs} runs: {statistics.median(times) * 1000:.1f} ms")
    docs_times = []
    for _ in range(args.runs):
        docs = [structure(parse_source(c.version("id")), c, None, n, [])[0]
                for n, c in enumerate((*book.front, *book.chapters()), 1)]
        start = time.perf_counter()
        apply_glossary(docs, book.glossary, book.config.gloss, [])
        docs_times.append(time.perf_counter() - start)
    print(f"glossary step, whole id edition ({len(docs)} documents): "
          f"{statistics.median(docs_times) * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
