"""Benchmark: the cold PDF build of one edition of book/, tagged (the default, PDF/UA structure)
against untagged, measured side by side (runs alternate) so machine load hits both alike.
Prints the median wall time of each and what tagging costs.

Usage: python bench/bench_pdf.py [--book book] [--edition id] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from bookforge.pipeline.driver import BuildOptions, build


def one_build(book: Path, edition: str, tagged: bool, out: Path) -> tuple[float, int]:
    """A cold build: a new output folder has a new, empty unit cache."""
    shutil.rmtree(out, ignore_errors=True)
    options = BuildOptions(editions=(edition,), formats=("pdf",), out_dir=out, tagged=tagged)
    start = time.perf_counter()
    result = build(book, options)
    seconds = time.perf_counter() - start
    if not result.ok:
        sys.exit("build failed: " + "; ".join(d.format() for d in result.diagnostics))
    return seconds, result.artifacts[0].pages or 0


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", default=str(root / "book"))
    parser.add_argument("--edition", default="id")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times: dict[bool, list[float]] = {True: [], False: []}
    pages = 0
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")  # the user's cache untouched
        for _ in range(args.runs):
            for tagged in (True, False):
                seconds, pages = one_build(Path(args.book), args.edition, tagged,
                                           Path(tmp) / "out")
                times[tagged].append(seconds)
    tagged, untagged = (statistics.median(times[t]) for t in (True, False))
    print(f"pdf [{args.edition}], {pages} pages, median of {args.runs} runs each:")
    print(f"  tagged   {tagged:6.2f} s")
    print(f"  untagged {untagged:6.2f} s")
    print(f"  tagging costs {tagged - untagged:+.2f} s ({(tagged / untagged - 1) * 100:+.0f} %)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
