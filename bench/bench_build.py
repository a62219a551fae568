"""Benchmark: `bookforge build` of book/ (every edition, PDF and EPUB), one edition after
the other in one process (--jobs 1) against the editions built in parallel worker
processes (--jobs auto), measured side by side (runs alternate) so machine load hits both
alike. Prints the median wall time of each and the speed-up.

Usage: python bench/bench_build.py [--book book] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MODES = ("1", "auto")


def one_build(book: Path, jobs: str, out: Path) -> float:
    """Wall time of a cold `bookforge build` as a user runs it (a fresh process, imports
    included; a new output folder, so an empty unit cache)."""
    shutil.rmtree(out, ignore_errors=True)
    command = [sys.executable, "-m", "bookforge", "build", str(book), "--out", str(out),
               "--jobs", jobs, "-q"]
    env = dict(os.environ, XDG_CACHE_HOME=str(out.parent / "cache"))
    start = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, check=False, env=env)
    seconds = time.perf_counter() - start
    if result.returncode != 0:
        sys.exit(f"build --jobs {jobs} failed:\n{result.stderr}")
    return seconds


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", default=str(root / "book"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    times: dict[str, list[float]] = {mode: [] for mode in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        for _ in range(args.runs):
            for mode in MODES:
                times[mode].append(one_build(Path(args.book), mode, Path(tmp) / mode))
    sequential, parallel = (statistics.median(times[m]) for m in MODES)
    print(f"build {Path(args.book).name}/ (all editions, pdf + epub), {os.cpu_count()} CPUs, "
          f"median of {args.runs} runs each:")
    print(f"  --jobs 1    {sequential:6.2f} s")
    print(f"  --jobs auto {parallel:6.2f} s")
    print(f"  speed-up    {sequential / parallel:6.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
