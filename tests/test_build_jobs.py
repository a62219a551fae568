"""Build speed without other outputs: editions built in parallel worker processes
(`--jobs`) give the same files, lines and errors as the sequential build; the page-break
text index matches its plain definition; the collector thresholds set for the layout are
put back."""

from __future__ import annotations

import gc
import pickle
import re
import threading
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from pypdf import PdfReader

from bookforge.epub.pagelist import XHTML_NS, TextIndex, _normalise_char
from bookforge.errors import RenderError, error
from bookforge.pdf import layout as pdf
from bookforge.render import render_print
from bookforge.source.load import load_book
from bookforge.transform import transform_edition

from .conftest import run_cli


def epub_members(path: Path) -> dict[str, bytes]:
    """The EPUB's files, without the build time in the package document."""
    with zipfile.ZipFile(path) as z:
        return {n: re.sub(rb'<meta property="dcterms:modified">[^<]*</meta>', b"", z.read(n))
                for n in z.namelist()}


def stages(stderr: str) -> list[str]:
    return [re.sub(r"^\[\s*[\d.]+s\] ", "", line) for line in stderr.splitlines()
            if line.startswith("[")]


def test_parallel_build_matches_sequential(minimal: Path, tmp_path: Path) -> None:
    seq = run_cli("build", str(minimal), "--out", str(tmp_path / "seq"), "--jobs", "1")
    par = run_cli("build", str(minimal), "--out", str(tmp_path / "par"), "--jobs", "2")
    assert seq.returncode == 0 and par.returncode == 0, seq.stderr + par.stderr
    for name in ("minimal-id.pdf", "minimal-en.pdf"):
        assert (tmp_path / "seq" / name).read_bytes() == (tmp_path / "par" / name).read_bytes()
    for name in ("minimal-id.epub", "minimal-en.epub"):
        assert epub_members(tmp_path / "seq" / name) == epub_members(tmp_path / "par" / name)
    # the same progress lines, each whole; --jobs 1 builds edition after edition, more
    # workers build the editions at once, each edition's stages in order
    assert stages(seq.stderr)[:2] == ["load", "transform [id]"]
    assert sorted(stages(par.stderr)) == sorted(stages(seq.stderr))
    for lang in ("id", "en"):
        assert ([s for s in stages(par.stderr) if f"[{lang}]" in s]
                == [s for s in stages(seq.stderr) if f"[{lang}]" in s])
    par_stages = stages(par.stderr)
    assert par_stages.index("transform [en]") < par_stages.index("package epub [id]"), \
        "the editions were built one after the other"

    def summary(out: str) -> list[str]:  # "wrote <path> (<pages>, <size>, <seconds>)"
        return [re.sub(r"^wrote \S+/(\S+) \((\d+ pages, )?.*$", r"\1 \2", line)
                for line in out.splitlines()]

    assert summary(par.stdout) == summary(seq.stdout)
    assert [line.split()[1].rsplit("/", 1)[1] for line in par.stdout.splitlines()] == [
        "minimal-id.pdf", "minimal-id.epub", "minimal-en.pdf", "minimal-en.epub"]


def test_parallel_build_error_without_traceback(minimal: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    r = run_cli("build", str(minimal), "--out", str(blocker), "--jobs", "2", "-q")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert re.search(r"minimal-id\.pdf: error\[pdf-write\]", r.stderr), r.stderr
    assert "build failed: 1 error(s)" in r.stderr
    assert blocker.read_text() == "not a folder"


def test_jobs_option_rejects_nonsense(minimal: Path, tmp_path: Path) -> None:
    r = run_cli("build", str(minimal), "--out", str(tmp_path / "out"), "--jobs", "0")
    assert r.returncode == 2 and "--jobs" in r.stderr and not (tmp_path / "out").exists()


def test_errors_cross_process_boundaries() -> None:
    exc = RenderError([error("x.pdf", 3, "pdf-write", "disk full")])
    back = pickle.loads(pickle.dumps(exc))
    assert type(back) is RenderError and back.diagnostics == exc.diagnostics
    assert str(back) == "x.pdf:3:1: error[pdf-write]: disk full"


def plain_index(body: etree._Element) -> tuple[str, list[tuple[object, str, int]]]:
    """The definition: every character normalised on its own, runs of spaces collapsed."""
    chars: list[str] = []
    places: list[tuple[object, str, int]] = []

    def add(el: etree._Element, attr: str, value: str | None) -> None:
        for offset, ch in enumerate(value or ""):
            norm = _normalise_char(ch)
            if norm == " " and (not chars or chars[-1] == " "):
                continue
            for c in norm:
                chars.append(c)
                places.append((el, attr, offset))

    def walk(el: etree._Element) -> None:
        if el.tag == f"{{{XHTML_NS}}}aside":
            return
        add(el, "text", el.text)
        for child in el:
            walk(child)
            add(child, "tail", child.tail)

    walk(body)
    return "".join(chars), places


def test_text_index_matches_its_definition() -> None:
    xhtml = ('<html xmlns="http://www.w3.org/1999/xhtml"><body>  <p>Integritas\u00a0dalam '
             '\u00a8 ko\u00adrupsi  \t\n<b>ÉTÉ ﬁne</b>\u2028 Straße <i>\u2003</i>'
             '<aside>skip me</aside> akhir¨ ¨ ASEAN-nya </p><p/>\u00ad x</body></html>')
    body = etree.fromstring(xhtml).find(f"{{{XHTML_NS}}}body")
    index = TextIndex(body)
    text, places = plain_index(body)
    assert index.text == text
    assert "integritas dalam" in text and "strasse" in text and "skip" not in text
    assert [index.place(i) for i in range(len(text))] == places


def test_layout_collects_less_often_then_restores(minimal: Path, tmp_path: Path) -> None:
    before = gc.get_threshold()
    book, _ = load_book(minimal)
    content = transform_edition(book, "en")
    during: list[tuple[int, ...]] = []

    def relayout(pages: object) -> str:
        during.append(gc.get_threshold())
        return render_print(content, anchor_pages=pages)  # type: ignore[arg-type]

    result = pdf.write_pdf(render_print(content), minimal, tmp_path / "x.pdf",
                           book.config.trim, relayout=relayout)
    assert during == [(pdf.GC_THRESHOLD, *before[1:])]
    assert gc.get_threshold() == before
    assert result.pages == len(PdfReader(tmp_path / "x.pdf").pages) > 1


def test_ctrl_c_stops_editions_built_at_once(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the process group, as a terminal sends it) while the editions of
    book/ are laid out at once: the build ends within seconds with status 130, writes no
    PDF or EPUB, and no edition's thread goes on to finish its files."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from .conftest import BOOK, ROOT

    out = tmp_path / "out"
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}  # cold: long layouts
    proc = subprocess.Popen([sys.executable, "-m", "bookforge", "build", str(BOOK), "--out",
                             str(out), "--jobs", "2"], cwd=ROOT, env=env, text=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    assert proc.stderr is not None
    try:
        seen = []
        for line in proc.stderr:  # until two editions are laying out
            seen.append(line)
            if sum("layout pdf [" in s for s in seen) == 2:
                break
        assert sum("layout pdf [" in s for s in seen) == 2, seen
        os.killpg(proc.pid, signal.SIGINT)
        start = time.monotonic()
        _, rest = proc.communicate(timeout=60)
    finally:  # a failed test leaves no build running
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    assert time.monotonic() - start < 20, "the editions went on after Ctrl-C"
    assert proc.returncode == 130, "".join(seen) + rest
    assert "interrupted" in rest and "Traceback" not in rest
    assert not [p for p in out.iterdir() if p.suffix in (".pdf", ".epub")]


def test_editions_at_once_take_turns_in_this_process(minimal: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    # editions built at once overlap only while they wait on the workers: their joins and
    # EPUB packaging (pikepdf, lxml, zlib, which release the interpreter lock) never run
    # in two threads at the same time
    import bookforge.epub.package as package
    from bookforge.pdf.join import Joiner
    from bookforge.pipeline.driver import BuildOptions, build

    spans: list[tuple[float, float, int, str]] = []

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            time.sleep(0.2)  # widen the window another edition would have to run in
            try:
                return function(*args, **kwargs)
            finally:
                spans.append((start, time.perf_counter(), threading.get_ident(), name))
        return wrapper

    # (the join reads each unit's PDF as its layout arrives, and copies them at the end)
    monkeypatch.setattr(Joiner, "prepare", timed("read", Joiner.prepare))
    monkeypatch.setattr(Joiner, "finish", timed("join", Joiner.finish))
    monkeypatch.setattr(package, "write_epub", timed("epub", package.write_epub))
    result = build(minimal, BuildOptions(out_dir=tmp_path / "out", jobs=2))
    assert not [d for d in result.diagnostics if d.is_error]
    assert sorted(name for *_, name in spans if name != "read") == ["epub", "epub", "join",
                                                                    "join"]
    assert len([name for *_, name in spans if name == "read"]) >= 2
    assert len({thread for _, _, thread, _ in spans}) == 2, "not built at once"
    for start, end, thread, name in spans:  # (the join reads units it has not read yet)
        for other_start, other_end, other, other_name in spans:
            assert thread == other or end <= other_start or other_end <= start, \
                f"{name} and {other_name} ran at the same time"


def _stamp(seconds: float) -> float:
    """(in a worker) Sleep, then the time it ended (CLOCK_MONOTONIC: one clock for every
    process)."""
    time.sleep(seconds)
    return time.monotonic()


def test_the_earlier_editions_work_goes_first_in_the_shared_queue() -> None:
    """Editions share the workers by rank: work of a later edition already queued waits
    while an earlier edition's work is laid out (only what was handed to the processes,
    one per worker and one more, goes first)."""
    from bookforge.pipeline.workers import UnitPool

    ended: dict[str, list[float]] = {}
    queued = threading.Event()

    def edition(name: str, rank: int) -> None:
        pool.rank(rank)
        if rank:
            queued.set()
        ended[name] = pool.map(_stamp, [0.2] * 6)

    with UnitPool(2) as pool:
        pool.shared = True
        pool.start()
        later = threading.Thread(target=edition, args=("later", 1))
        later.start()
        queued.wait(10)
        time.sleep(0.1)  # (its six are queued: three in the processes' hands)
        earlier = threading.Thread(target=edition, args=("earlier", 0))
        earlier.start()
        later.join(30)
        earlier.join(30)
    assert len(ended["earlier"]) == len(ended["later"]) == 6
    assert max(ended["earlier"]) < sorted(ended["later"])[3]
