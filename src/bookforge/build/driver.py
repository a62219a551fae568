"""The driver: runs the stages in order, written once here.

    config -> load -> parse/transform (per edition) -> render -> pdf | epub

`build` renders and writes each requested output; `bookforge check` (the check stage)
stops before rendering.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..check.versions import compare
from ..errors import Diagnostic, error
from ..i18n import localizer
from ..model import Book
from ..pdf.layout import write_pdf
from ..render import common_values, render_epub, render_print
from ..render.parallel import parallel_values, render_parallel_epub, render_parallel_print
from ..source.load import load_book
from ..transform import EditionContent, transform_edition
from ..transform.align import ParallelContent, edition_name, transform_parallel
from .manifest import OutputFile, chapter_pages, output_file, write_manifest

FORMATS = ("pdf", "epub")
PAGE_MAP_SOURCES = {"pdf": "page breaks of the PDF laid out in this run",
                    "layout": "page breaks of a fresh print layout (no PDF in this run)",
                    "cache": "page breaks of the last print layout (cached page map)"}


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
    jobs: int | None = None  # editions built at once; None: one per edition up to the CPUs,
    # 1: one after the other in this process


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
class PrintLayout:
    """The print HTML of the first layout pass and the final laid-out document."""

    first_html: str
    document: Any = field(compare=False, repr=False)


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
    progress("load")
    book, diags = load_book(book_dir)
    unknown = [e for e in options.editions if e not in book.config.languages
               and not parallel_pair(book, e)]
    if unknown:
        diags.append(error("book.toml", 0, "edition-unknown",
                           f"edition(s) {', '.join(unknown)} not in languages "
                           f"{list(book.config.languages)}"))
        return BuildResult((), tuple(diags))
    langs = editions_for(book, options)
    if worker_count(len(langs), options.jobs) > 1:
        from .workers import build_in_workers

        artifacts, edition_diags = build_in_workers(book_dir, langs, options, progress)
        diags += edition_diags
    else:
        artifacts = tuple(a for lang in langs
                          for a in build_edition(book, lang, options, progress, diags))
    write_manifest(options.out_dir, book.config.slug, map(manifest_entry, artifacts))
    return BuildResult(artifacts, tuple(sorted(set(diags))))


def manifest_entry(a: Artifact) -> OutputFile:
    return output_file(a.lang, a.format, a.path, a.pages, a.chapters)


def worker_count(editions: int, jobs: int | None) -> int:
    """Processes for `editions` editions: `jobs`, or one per edition up to the CPU count."""
    return max(1, min(editions, jobs or os.cpu_count() or 1))


def build_edition(book: Book, lang: str, options: BuildOptions, progress: Progress,
                  diags: list[Diagnostic]) -> list[Artifact]:
    """Transform one edition and write its outputs; its diagnostics go to `diags`. A
    parallel edition ("id+en") is both languages' content, aligned (render/parallel.py)."""
    progress(f"transform [{lang}]")
    pair = parallel_pair(book, lang)
    content: Any = transform_parallel(book, pair) if pair else transform_edition(book, lang)
    diags += content.diagnostics
    if pair:  # where the versions' structure differs, the rows align by section
        diags += [d for c in book.chapters() if set(pair) <= set(c.versions)
                  if (d := compare(c.versions[pair[0]], c.versions[pair[1]],
                                   book.config.allow_html))]
    artifacts: list[Artifact] = []
    laid_out = None  # the PDF layout, reused for the EPUB's page-list
    if "pdf" in options.formats:
        artifact, laid_out = _pdf(content, options, progress, diags)
        artifacts.append(artifact)
    if "epub" in options.formats:
        artifacts.append(_epub(content, options, progress, laid_out, diags))
    return artifacts


def output_path(book: Book, lang: str, fmt: str, out_dir: Path) -> Path:
    return out_dir / f"{book.config.slug}-{lang}.{fmt}"


def print_html(content: Any, anchor_pages: Mapping[str, int] | None = None) -> str:
    """The print HTML of an edition, one language's or a parallel one's."""
    if isinstance(content, ParallelContent):
        return render_parallel_print(content, anchor_pages)
    return render_print(content, anchor_pages=anchor_pages)


def _pdf(content: EditionContent, options: BuildOptions, progress: Progress,
         diags: list[Diagnostic]) -> tuple[Artifact, PrintLayout]:
    book, lang = content.book, content.lang
    start = time.perf_counter()
    progress(f"render html [{lang}]")
    html = print_html(content)
    progress(f"layout pdf [{lang}]")
    target = output_path(book, lang, "pdf", options.out_dir)
    result = write_pdf(html, book.root, target, book.config.trim, tagged=options.tagged,
                       variant=options.pdf_variant, print_ready=options.print_ready,
                       relayout=lambda pages: print_html(content, anchor_pages=pages))
    diags += result.diagnostics
    chapters = chapter_pages(content, (p.anchors for p in result.document.pages)) \
        if result.document is not None else {}
    return Artifact(target, lang, "pdf", target.stat().st_size, time.perf_counter() - start,
                    result.pages, chapters), PrintLayout(html, result.document)


def _epub(content: EditionContent, options: BuildOptions, progress: Progress,
          laid_out: PrintLayout | None, diags: list[Diagnostic]) -> Artifact:
    from ..epub.package import write_epub
    from ..epub.pagelist import edition_page_map

    book, lang = content.book, content.lang
    start = time.perf_counter()
    progress(f"render xhtml [{lang}]")
    parallel = isinstance(content, ParallelContent)
    if parallel:
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
    ids = [p.doc_id for p in pages]
    pmap = (edition_page_map(content, ids, laid_out.document, laid_out.first_html, print_html)
            if laid_out else edition_page_map(content, ids, render=print_html))
    progress(f"page-list [{lang}]: {PAGE_MAP_SOURCES[pmap.source]}")
    result = write_epub(book, editions[0].lang, pages, images, target, values, pmap)
    diags += result.diagnostics
    return Artifact(target, lang, "epub", target.stat().st_size,
                    time.perf_counter() - start, None)
