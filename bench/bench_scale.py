"""Benchmark at scale: a long book generated from book/ (every chapter repeated, its ids
renamed per copy), its Indonesian PDF built by bookforge (tagged, in layout units) cold,
again after one sentence is appended to one chapter (three such edits, the median), and
again after paragraphs that add pages to it (every later folio moves), against the same
Markdown through pandoc -> WeasyPrint (untagged, one document) as the baseline, timed
before and after bookforge's builds. Prints pages, wall times, the peak resident memory of
each process tree and the ratios to the targets.

Heavy (minutes): run it once, not in a loop.

Usage: python bench/bench_scale.py [--book book] [--copies 5] [--jobs N]
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from pypdf import PdfReader

CHAPTER_RE = re.compile(r"^(\d{2})-([a-z0-9][a-z0-9-]*)\.([a-z]{2,3})\.md$")
ID_RE = re.compile(r"(\{#|\(#)((?:fig|tbl|sec)-[A-Za-z0-9_-]+)")
FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n.*?\n---[ \t]*\n", re.S)
PAGE_SIZE = os.sysconf("SC_PAGE_SIZE")
TARGETS = {"cold": 1.0, "rebuild": 0.15, "rss_mb": 800}
REBUILDS = 3  # one-chapter edits timed; the median is reported


def generate(book: Path, dest: Path, copies: int) -> list[Path]:
    """Copy `book` to `dest` with every chapter repeated `copies` times (numbers and ids
    renamed per copy); returns the Indonesian chapter files in reading order."""
    shutil.copytree(book, dest)
    for part in sorted((dest / "parts").iterdir()):
        files = sorted(p for p in part.iterdir() if CHAPTER_RE.match(p.name))
        for path in files:
            path.rename(path.with_name("orig-" + path.name))
        for path in files:
            number, slug, lang = CHAPTER_RE.match(path.name).groups()
            text = (path.with_name("orig-" + path.name)).read_text(encoding="utf-8")
            for copy in range(copies):
                renamed = ID_RE.sub(lambda m, c=copy: f"{m[1]}{m[2]}-c{c}", text) if copy else text
                new = (int(number) - 1) * copies + copy + 1
                (part / f"{new:02d}-{slug}-c{copy}.{lang}.md").write_text(renamed,
                                                                           encoding="utf-8")
        for path in files:
            path.with_name("orig-" + path.name).unlink()
    return sorted((p for p in (dest / "parts").rglob("*.id.md")),
                  key=lambda p: (p.parent.name, p.name))


def _tree_rss(root_pid: int) -> int:
    """Resident bytes of `root_pid` and all its descendants."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
            statm = Path(f"/proc/{entry}/statm").read_text().split()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        parents[int(entry)] = int(fields[1])
        rss[int(entry)] = int(statm[1]) * PAGE_SIZE
    tree, frontier = {root_pid}, [root_pid]
    while frontier:
        pid = frontier.pop()
        for child, parent in parents.items():
            if parent == pid and child not in tree:
                tree.add(child)
                frontier.append(child)
    return sum(rss.get(pid, 0) for pid in tree)


def measured(command: list[str], env: dict[str, str] | None = None,
             cwd: Path | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak MB of the process tree's resident memory, standard error) of
    `command`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    peak = 0
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, _tree_rss(process.pid))
            done.wait(0.25)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    seconds = time.perf_counter() - start
    done.set()
    sampler.join()
    if process.returncode != 0:
        sys.exit(f"{' '.join(command[:4])} ... failed:\n{out}\n{err}")
    return seconds, peak / 2**20, err


STAGE_RE = re.compile(r"^\[\s*([\d.]+)s\] (transform|layout pdf|join pdf)", re.M)


def stages(progress: str, total: float) -> str:
    """Where a build's wall time went, from its progress lines: transform (Markdown to
    HTML, citations), layout and join (the units laid out and the PDF joined), the rest."""
    starts = {name: float(at) for at, name in STAGE_RE.findall(progress)}
    if len(starts) < 3:
        return "stages: (no progress lines)"
    return (f"transform {starts['layout pdf'] - starts['transform']:.1f} s, layout + join "
            f"{starts['join pdf'] - starts['layout pdf']:.1f} s, "
            f"the rest {total - starts['join pdf'] + starts['transform']:.1f} s")


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", default=str(root / "book"))
    parser.add_argument("--copies", type=int, default=5)
    parser.add_argument("--jobs", default="auto")
    args = parser.parse_args()
    python = sys.executable
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        big = tmp / "big"
        chapters = generate(Path(args.book), big, args.copies)
        env = dict(os.environ, XDG_CACHE_HOME=str(tmp / "cache"))
        out = tmp / "out"
        build = [python, "-m", "bookforge", "build", str(big), "--edition", "id", "--format",
                 "pdf", "--out", str(out), "--jobs", args.jobs]
        # the baseline: the same Indonesian Markdown, one pandoc HTML, one WeasyPrint PDF;
        # timed before and after bookforge's builds (this machine's speed drifts over
        # minutes), the ratios taken against their mean
        markdown = "\n\n".join(FRONT_MATTER_RE.sub("", p.read_text(encoding="utf-8"))
                                 for p in chapters)
        where = chapters[0].parent  # image paths are relative to a part folder
        pandoc = ["pandoc", "-f", "markdown", "-t", "html5", "-s", "--metadata",
                  "title=Baseline", "baseline.md", "-o", "baseline.html"]
        weasy = [python, "-m", "weasyprint", "baseline.html", "baseline.pdf"]

        def baseline_run() -> tuple[float, float, int]:
            """Wall, peak RSS and pages of the baseline (its files removed after: they
            are not part of the book bookforge builds)."""
            (where / "baseline.md").write_text(markdown, encoding="utf-8")
            start = time.perf_counter()
            _, pandoc_rss, _ = measured(pandoc, cwd=where)
            _, weasy_rss, _ = measured(weasy, cwd=where)
            seconds = time.perf_counter() - start
            pages = len(PdfReader(where / "baseline.pdf").pages)
            for name in ("baseline.md", "baseline.html", "baseline.pdf"):
                (where / name).unlink()
            return seconds, max(pandoc_rss, weasy_rss), pages

        before, base_rss, base_pages = baseline_run()
        cold, cold_rss, cold_log = measured(build, env)
        pdf = next(out.glob("*-id.pdf"))
        pages = len(PdfReader(pdf).pages)
        edited = chapters[len(chapters) // 2]
        original = edited.read_text(encoding="utf-8")
        # one sentence appended, three times (a different one each time): the median
        rebuilds = []
        for n in range(REBUILDS):
            edited.write_text(edited.read_text(encoding="utf-8").rstrip("\n")
                              + f"\n\nSatu kalimat lagi ({n + 1}) ditambahkan untuk uji bangun "
                                "ulang.\n", encoding="utf-8")
            rebuilds.append(measured(build, env))
        rebuild, rebuild_rss, rebuild_log = sorted(rebuilds)[len(rebuilds) // 2]
        rebuild_rss = max(r[1] for r in rebuilds)
        # an edit that moves every later page: the units that print page numbers (contents,
        # index, contributors) and the later folio sheets are laid out again too
        paragraph = ("Paragraf tambahan ini menggeser halaman-halaman berikutnya dalam "
                     "uji bangun ulang, sehingga nomor halaman di daftar isi dan indeks "
                     "ikut berubah. ") * 6
        edited.write_text(edited.read_text(encoding="utf-8")
                          + "".join(f"\n\n{paragraph}\n" for _ in range(8)),
                          encoding="utf-8")
        shifted, shifted_rss, shifted_log = measured(build, env)
        shifted_pages = len(PdfReader(pdf).pages)
        edited.write_text(original, encoding="utf-8")
        after, after_rss, _ = baseline_run()  # (the text of the cold build)
        baseline, base_rss = (before + after) / 2, max(base_rss, after_rss)
    rss = max(cold_rss, rebuild_rss, shifted_rss)
    print(f"scale: book/ chapters x{args.copies}, Indonesian edition, {os.cpu_count()} CPUs, "
          f"--jobs {args.jobs}")
    print(f"  bookforge cold (tagged)   {cold:7.1f} s  {pages} pages  peak RSS {cold_rss:6.0f} MB")
    print(f"    {stages(cold_log, cold)}")
    print(f"  bookforge one-chapter edit{rebuild:7.1f} s            peak RSS {rebuild_rss:6.0f} MB "
          f"(median of {', '.join(f'{r[0]:.1f}' for r in rebuilds)} s)")
    print(f"    {stages(rebuild_log, rebuild)}")
    print(f"  edit adding {shifted_pages - pages} pages     {shifted:7.1f} s            peak RSS "
          f"{shifted_rss:6.0f} MB (later folios move; no target)")
    print(f"    {stages(shifted_log, shifted)}")
    print(f"  pandoc -> weasyprint      {baseline:7.1f} s  {base_pages} pages  "
          f"peak RSS {base_rss:6.0f} MB (untagged baseline; {before:.1f} s before bookforge's "
          f"builds, {after:.1f} s after)")
    print(f"  cold / baseline           {cold / baseline:7.2f}x  (target <= {TARGETS['cold']})")
    print(f"  rebuild / cold            {rebuild / cold:7.2f}x  (target <= {TARGETS['rebuild']})")
    print(f"  peak RSS                  {rss:7.0f} MB (target <= {TARGETS['rss_mb']} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
