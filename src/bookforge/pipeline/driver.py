"""The driver: runs the stages in order, written once here.

    config -> load -> parse/transform (per edition) -> render -> pdf | epub

`build` renders and writes each requested output (and the manifest); `bookforge check`
(the check stage) stops before rendering.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import time
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..check.versions import compare
from ..errors import Diagnostic, error
from ..i18n import localizer
from ..model import Book
from ..pdf.cache import Runner, UnitCache, cache_dir, cached_formatter, in_process
from ..pdf.edition import PrintedEdition, print_edition
from ..pdf.options import PdfOptions
from ..render import common_values, print_renderer, render_epub
from ..render.parallel import parallel_values, render_parallel_epub, render_parallel_print
from ..source.load import load_book
from ..transform import CitationFormatter, EditionContent, format_here, transform_edition
from ..transform.align import ParallelContent, edition_name, transform_parallel
from .manifest import OutputFile, chapter_pages, output_file, write_manifest

FORMATS = ("pdf", "epub")
PAGE_MAP_SOURCES = {"pdf": "page breaks of the PDF laid out in this run",
                    "layout": "page breaks of a fresh print layout (no PDF in this run)",
                    "cache": "page breaks of the last print layout (cached page map)"}
# Unit caches of other output folders kept (see unit_cache_dir).
UNIT_CACHES_KEPT = 8


class Progress(Protocol):
    """Called as each stage begins. `at` is the `time.perf_counter()` reading when it began
    (given for stages relayed from a worker process, whose lines may be shown late), or
    None for now."""

    def __call__(self, stage: str, at: float | None = None, /) -> None: ...


@dataclass(frozen=True)
class BuildOptions:
    editions: tuple[str, ...] = ()  # empty: every language in book.toml
    formats: tuple[str, ...] = FORMATS
    out_dir: Path = Path("build")
    tagged: bool = True
    pdf_variant: str | None = None
    print_ready: bool = False  # 3 mm bleed and crop marks
    jobs: int | None = None  # layout processes; None: one per CPU; 1: all in this process


@dataclass(frozen=True)
class Artifact:
    path: Path
    lang: str
    format: str
    size: int
    seconds: float
    pages: int | None = None
    chapters: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # PDF: doc id ->
    # first and last page


@dataclass(frozen=True)
class BuildResult:
    artifacts: tuple[Artifact, ...]
    diagnostics: tuple[Diagnostic, ...] = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def _noop(_: str, at: float | None = None, /) -> None:
    pass


def editions_for(book: Book, options: BuildOptions) -> tuple[str, ...]:
    """The editions to build: those asked for, else every language and then the parallel
    editions book.toml lists ("id+en")."""
    return options.editions or (*book.config.languages,
                                *(edition_name(p) for p in book.config.parallel))


def parallel_pair(book: Book, edition: str) -> tuple[str, str] | None:
    """("id", "en") for a parallel edition "id+en" of two of the book's languages."""
    codes = tuple(edition.split("+"))
    if len(codes) == 2 and codes[0] != codes[1] and set(codes) <= set(book.config.languages):
        return codes  # type: ignore[return-value]
    return None


def build(book_dir: Path, options: BuildOptions, progress: Progress = _noop) -> BuildResult:
    from .workers import UnitPool

    progress("load")
    book, diags = load_book(book_dir)
    unknown = [e for e in options.editions if e not in book.config.languages
               and not parallel_pair(book, e)]
    if unknown:
        diags.append(error("book.toml", 0, "edition-unknown",
                           f"edition(s) {', '.join(unknown)} not in languages "
                           f"{list(book.config.languages)}"))
        return BuildResult((), tuple(diags))
    artifacts: list[Artifact] = []
    cache = UnitCache(unit_cache_dir(options.out_dir))
    editions = editions_for(book, options)
    with UnitPool(options.jobs) as pool:
        if editions:  # (in the first edition's language)
            pool.warm_up(str(book.root), pdf_options(book, options), editions[0].split("+")[0])
        formatter = cached_formatter(pool.map, cache)
        if pool.workers == 1 or len(editions) == 1:
            for lang in editions:
                artifacts += build_edition(book, lang, options, progress, diags, pool.runner,
                                           cache, pool.release, formatter)
        else:  # the editions at once, one thread each, their units in the same workers:
            # one edition's work in this process (transform, join, EPUB) overlaps another's
            # layout, so the cores are busy through the build
            pool.shared = True
            pool.start()  # before the threads
            idle = pool.idle_after(len(editions))

            def one(lang: str) -> tuple[list[Artifact], list[Diagnostic]]:
                found: list[Diagnostic] = []
                pool.rank(editions.index(lang))  # (its units before the next edition's)
                with pool.turn():
                    made = build_edition(book, lang, options, progress, found, pool.runner,
                                         cache, idle, formatter)
                return made, found

            with ThreadPoolExecutor(max_workers=len(editions)) as threads:
                futures = [threads.submit(one, lang) for lang in editions]
                try:
                    done = [f.result() for f in futures]
                except BaseException:  # Ctrl-C, or an edition failed: the others stop
                    pool.stop()  # (as one after the other, the build ends at the first)
                    raise
            for made, found in done:
                artifacts += made
                diags += found
    write_manifest(options.out_dir, book.config.slug, map(manifest_entry, artifacts))
    return BuildResult(tuple(artifacts), tuple(sorted(set(diags))))


def manifest_entry(a: Artifact) -> OutputFile:
    return output_file(a.lang, a.format, a.path, a.pages, a.chapters)


def unit_cache_dir(out_dir: Path) -> Path:
    """The unit cache of builds into `out_dir`: a folder of the user's cache named by a
    token kept in `out_dir`, so removing the output folder also gives a cold build."""
    token_file = out_dir / ".bookforge-units"
    try:
        token = token_file.read_text(encoding="ascii").strip()
    except OSError:
        token = ""
    if not token.isalnum():
        token = secrets.token_hex(8)
        try:
            out_dir.mkdir(parents=True, exist_ok=True)
            token_file.write_text(token + "\n", encoding="ascii")
        except OSError:
            pass  # the output step reports an unwritable folder
    return prune_unit_caches(cache_dir(), keep=token) / token


def prune_unit_caches(root: Path, keep: str, kept: int = UNIT_CACHES_KEPT) -> Path:
    """Remove all but the `kept` most recently used caches of other output folders."""
    try:
        others = sorted((d for d in root.iterdir() if d.is_dir() and d.name != keep),
                        key=lambda d: d.stat().st_mtime, reverse=True)
    except OSError:
        return root
    for stale in others[kept - 1:]:
        shutil.rmtree(stale, ignore_errors=True)
    with contextlib.suppress(OSError):
        (root / keep).mkdir(parents=True, exist_ok=True)
        os.utime(root / keep)
    return root


def build_edition(book: Book, lang: str, options: BuildOptions, progress: Progress,
                  diags: list[Diagnostic], runner: Runner = in_process,
                  cache: UnitCache | None = None,
                  idle: Callable[[], None] | None = None,
                  formatter: CitationFormatter = format_here) -> list[Artifact]:
    """Transform one edition and write its outputs; its diagnostics go to `diags`. A
    parallel edition ("id+en") is both languages' content, aligned (render/parallel.py).
    `formatter` formats the edition's citations (the build's: in the workers, cached)."""
    progress(f"transform [{lang}]")
    pair = parallel_pair(book, lang)
    content: Any = (transform_parallel(book, pair, formatter) if pair
                    else transform_edition(book, lang, formatter=formatter))
    diags += content.diagnostics
    if pair:  # where the versions' structure differs, the rows align by section
        diags += [d for c in book.chapters() if set(pair) <= set(c.versions)
                  if (d := compare(c.versions[pair[0]], c.versions[pair[1]],
                                   book.config.allow_html))]
    artifacts: list[Artifact] = []
    printed = None  # the PDF's unit layouts, reused for the EPUB's page-list
    if "pdf" in options.formats:
        artifact, printed = _pdf(content, options, progress, diags, runner, cache, idle)
        artifacts.append(artifact)
    if "epub" in options.formats:
        artifacts.append(_epub(content, options, progress, printed, diags, runner, cache))
    return artifacts


def output_path(book: Book, lang: str, fmt: str, out_dir: Path) -> Path:
    return out_dir / f"{book.config.slug}-{lang}.{fmt}"


def pdf_options(book: Book, options: BuildOptions) -> PdfOptions:
    return PdfOptions(trim=book.config.trim, tagged=options.tagged,
                      variant=options.pdf_variant, print_ready=options.print_ready)


def print_renderer_of(content: Any) -> Callable[[Mapping[str, int] | None], str]:
    """The print HTML of an edition, one language's or a parallel one's, given the page
    numbers known so far; rendered again as they become known."""
    if isinstance(content, ParallelContent):
        return lambda pages: render_parallel_print(content, pages)
    return print_renderer(content)


def print_layout(content: EditionContent, options: PdfOptions, target: Path | None,
                 runner: Runner, cache: UnitCache | None,
                 idle: Callable[[], None] | None = None) -> PrintedEdition:
    """The edition's print units laid out (and its PDF written when `target` is given)."""
    return print_edition(print_renderer_of(content),
                         content.book.root, options, target, runner, cache, content.lang,
                         idle=idle)


def _pdf(content: EditionContent, options: BuildOptions, progress: Progress,
         diags: list[Diagnostic], runner: Runner, cache: UnitCache | None,
         idle: Callable[[], None] | None) -> tuple[Artifact, PrintedEdition]:
    book, lang = content.book, content.lang
    start = time.perf_counter()
    progress(f"layout pdf [{lang}]")
    target = output_path(book, lang, "pdf", options.out_dir)
    printed = print_layout(content, pdf_options(book, options), target, runner, cache, idle)
    progress(f"join pdf [{lang}]: {len(set(printed.laid_out))} of {2 * len(printed.units)} units "
             "laid out (sections and their folio sheets), the others cached")
    diags += printed.diagnostics
    on_page: list[list[str]] = [[] for _ in range(printed.pages)]
    for anchor, index in printed.anchor_pages.items():
        on_page[index].append(anchor)
    return Artifact(target, lang, "pdf", target.stat().st_size, time.perf_counter() - start,
                    printed.pages, chapter_pages(content, on_page)), printed


def _epub(content: EditionContent, options: BuildOptions, progress: Progress,
          printed: PrintedEdition | None, diags: list[Diagnostic], runner: Runner,
          cache: UnitCache | None) -> Artifact:
    from ..epub.package import write_epub
    from ..epub.pagelist import edition_page_map

    book, lang = content.book, content.lang
    start = time.perf_counter()
    progress(f"render xhtml [{lang}]")
    if isinstance(content, ParallelContent):
        pages = render_parallel_epub(content)
        values = parallel_values(content)
        editions = (content.left, content.right)
    else:
        pages = render_epub(content, resource_url=lambda p: f"images/{p}")
        values = common_values(content, localizer(book, lang))
        editions = (content,)
    images = list(dict.fromkeys(i for e in editions for d in e.documents for i in d.images))
    progress(f"package epub [{lang}]")
    target = output_path(book, lang, "epub", options.out_dir)
    source = "pdf"
    if printed is None:  # the same unit layouts as the PDF's, cached or laid out now
        printed = print_layout(content, pdf_options(book, options), None, runner, cache)
        source = "layout" if printed.laid_out else "cache"
    pmap = edition_page_map(printed, source)
    progress(f"page-list [{lang}]: {PAGE_MAP_SOURCES[pmap.source]}")
    result = write_epub(book, editions[0].lang, pages, images, target, values, pmap)
    diags += result.diagnostics
    return Artifact(target, lang, "epub", target.stat().st_size,
                    time.perf_counter() - start, None)
