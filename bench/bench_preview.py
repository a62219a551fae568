"""Benchmark: `bookforge preview` rebuild times for a 5,000-word chapter, in a temporary
copy of book/ (the chapter is generated there). Prints the medians over repeated saves of
  - the HTML rebuild: reload + incremental transform + render of the page;
  - save to page ready, through the running server: file written -> watchfiles ->
    rebuild -> server-sent event received -> page fetched;
  - the single-chapter PDF rebuild (its unit laid out again, the units before it, which
    give its first folio, from the unit cache of the first build).

Usage: python bench/bench_preview.py [--book book] [--edition id] [--words 5000] [--runs 15]
"""

from __future__ import annotations

import argparse
import http.client
import shutil
import statistics
import tempfile
import threading
import time
from pathlib import Path

from bookforge.files import styles_dir
from bookforge.pdf.cache import UnitCache
from bookforge.preview.chapter_pdf import write_chapter_pdf
from bookforge.preview.engine import PreviewEngine
from bookforge.preview.page import PageRequest, render_page
from bookforge.preview.server import Preview, PreviewOptions, make_server
from bookforge.preview.watch import start_watcher

FILLER = ("Integritas tumbuh dari kepercayaan, dan kepercayaan diuji setiap hari dalam "
          "pelayanan publik yang terbuka, adil dan dapat dipertanggungjawabkan kepada warga.")


def long_chapter(original: str, words: int) -> str:
    """The chapter's own text followed by sections of prose, notes and tables up to `words`."""
    out = [original.rstrip(), ""]
    count, n = len(original.split()), 0
    while count < words:
        n += 1
        out += [f"## Bagian uji {n}", ""]
        for p in range(6):
            para = " ".join([FILLER] * 3) + f" Catatan {n}.{p}.[^b{n}x{p}]"
            out += [para, "", f"[^b{n}x{p}]: Sumber uji {n}.{p}.", ""]
            count += len(para.split()) + 3
        out += ["| Kolom | Nilai |", "|---|---|", f"| baris {n} | {n * 3} |", ""]
    return "\n".join(out) + "\n"


def first_chapter(book: Path, lang: str) -> Path:
    return sorted((book / "parts").glob(f"*/01-*.{lang}.md"))[0]


def bench_html(book: Path, lang: str, chapter: Path, runs: int) -> tuple[float, str]:
    engine = PreviewEngine(book)
    snap = engine.refresh()
    doc_id = next(d.doc_id for d in snap.editions[lang].documents
                  if d.source.path == chapter.resolve())
    text = chapter.read_text(encoding="utf-8")
    times = []
    for i in range(runs):
        chapter.write_text(text.replace("Bagian uji 1", f"Bagian uji 1 ({i})"), encoding="utf-8")
        start = time.perf_counter()
        snap = engine.refresh({chapter})  # what the watcher reports
        status, html = render_page(snap, PageRequest(lang, doc_id), None, "")
        times.append(time.perf_counter() - start)
        assert status == 200 and f"Bagian uji 1 ({i})" in html and snap.rebuilt
    chapter.write_text(text, encoding="utf-8")
    return statistics.median(times), doc_id


def _sse_waiter(port: int, seen: list[str], ready: threading.Event,
                got: threading.Condition) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", port)
    conn.request("GET", "/events")
    resp = conn.getresponse()
    ready.set()
    while True:
        line = resp.readline().decode()
        if not line:
            return
        if line.startswith("data:"):
            with got:
                seen.append(line[5:].strip())
                got.notify_all()


def bench_end_to_end(book: Path, lang: str, chapter: Path, doc_id: str,
                     runs: int) -> float:
    preview = Preview(PreviewOptions(book_dir=book, edition=lang, port=0))
    server = make_server(preview)
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    start_watcher([preview.engine.book_dir, styles_dir()], preview.rebuild, preview.stop_event)
    seen: list[str] = []
    ready, got = threading.Event(), threading.Condition()
    threading.Thread(target=_sse_waiter, args=(port, seen, ready, got), daemon=True).start()
    ready.wait(10)
    time.sleep(1.0)  # let the watcher start
    text = chapter.read_text(encoding="utf-8")
    times = []
    try:
        for i in range(runs):
            with got:
                before = len(seen)
            start = time.perf_counter()
            chapter.write_text(text.replace("Bagian uji 1", f"Bagian uji 1 [{i}]"),
                               encoding="utf-8")
            with got:
                got.wait_for(lambda: len(seen) > before, timeout=10)  # noqa: B023
            conn = http.client.HTTPConnection("127.0.0.1", port)
            conn.request("GET", f"/?edition={lang}&doc={doc_id}")
            body = conn.getresponse().read().decode()
            times.append(time.perf_counter() - start)
            assert f"Bagian uji 1 [{i}]" in body
            time.sleep(0.3)
    finally:
        preview.stop_event.set()
        preview.hub.stop()
        server.shutdown()
        server.server_close()
        chapter.write_text(text, encoding="utf-8")
    return statistics.median(times)


def bench_pdf(book: Path, lang: str, chapter: Path, doc_id: str, runs: int,
              out: Path) -> tuple[float, float, int]:
    """(median rebuild after a save, the first build with an empty unit cache, pages): the
    first lays out every unit before the chapter for its first folio, a rebuild only the
    chapter's unit (the others come from the cache)."""
    engine = PreviewEngine(book)
    snap = engine.refresh()
    cache = UnitCache(out / "units")
    start = time.perf_counter()
    write_chapter_pdf(snap.editions[lang], doc_id, out / "chapter.pdf", cache)
    first = time.perf_counter() - start
    text = chapter.read_text(encoding="utf-8")
    times, pages = [], 0
    for i in range(runs):
        chapter.write_text(text.replace("Bagian uji 1", f"Bagian uji 1 <{i}>"), encoding="utf-8")
        start = time.perf_counter()
        snap = engine.refresh({chapter})
        pages = write_chapter_pdf(snap.editions[lang], doc_id, out / "chapter.pdf", cache)
        times.append(time.perf_counter() - start)
    chapter.write_text(text, encoding="utf-8")
    return statistics.median(times), first, pages


def main() -> int:
    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--book", default=str(root / "book"))
    parser.add_argument("--edition", default="id")
    parser.add_argument("--words", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--pdf-runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "book"
        shutil.copytree(args.book, book)
        chapter = first_chapter(book, args.edition)
        chapter.write_text(long_chapter(chapter.read_text(encoding="utf-8"), args.words),
                           encoding="utf-8")
        words = len(chapter.read_text(encoding="utf-8").split())
        html, doc_id = bench_html(book, args.edition, chapter, args.runs)
        e2e = bench_end_to_end(book, args.edition, chapter, doc_id, args.runs)
        pdf, layout, pages = bench_pdf(book, args.edition, chapter, doc_id, args.pdf_runs,
                                       Path(tmp))
    print(f"preview [{args.edition}], {doc_id}, {words} words:")
    print(f"  html rebuild        median {html * 1000:7.0f} ms  ({args.runs} saves)")
    print(f"  save to page ready  median {e2e * 1000:7.0f} ms  ({args.runs} saves, "
          "watchfiles + SSE + GET)")
    print(f"  chapter pdf rebuild median {pdf:7.2f} s   ({args.pdf_runs} saves, {pages} pages)")
    print(f"  chapter pdf, first build (units before it laid out, cache empty) {layout:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
