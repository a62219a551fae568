"""The driver: runs the stages in order, written once here.

    config -> load -> parse/transform (per edition) -> render -> pdf | epub

`check` stops before rendering; `build` renders and writes each requested output.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from ..check.terms import terminology_report
from ..check.versions import check_versions
from ..errors import Diagnostic, error
from ..i18n import Localizer, check_catalogs
from ..model import Book
from ..pdf.layout import write_pdf
from ..render import common_values, render_epub, render_print
from ..source.load import load_book
from ..transform import EditionContent, transform_edition
from ..transform.citations import unused_entries

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


def check(book_dir: Path, progress: Progress = _noop) -> list[Diagnostic]:
    """Validate everything a build would use, without rendering. Raises on fatal errors."""
    progress("load")
    book, diags = load_book(book_dir)
    contents = {}
    for lang in book.config.languages:
        progress(f"transform [{lang}]")
        contents[lang] = transform_edition(book, lang)
        diags += contents[lang].diagnostics
    diags += terminology_report(book, contents)
    diags += unused_entries(book, {k for c in contents.values() for d in c.documents
                                   for k in d.cited_keys})
    diags += check_catalogs(book.config.languages, book.root) + check_versions(book)
    return sorted(set(diags))


def editions_for(book: Book, options: BuildOptions) -> tuple[str, ...]:
    return options.editions or book.config.languages


def build(book_dir: Path, options: BuildOptions, progress: Progress = _noop) -> BuildResult:
    progress("load")
    book, diags = load_book(book_dir)
    unknown = [e for e in options.editions if e not in book.config.languages]
    if unknown:
        diags.append(error("book.toml", 0, "edition-unknown",
                           f"edition(s) {', '.join(unknown)} not in languages "
                           f"{list(book.config.languages)}"))
        return BuildResult((), tuple(diags))
    langs = editions_for(book, options)
    if worker_count(len(langs), options.jobs) > 1:
        from .workers import build_in_workers

        artifacts, edition_diags = build_in_workers(book_dir, langs, options, progress)
        return BuildResult(artifacts, tuple(sorted(set(diags + edition_diags))))
    artifacts: list[Artifact] = []
    for lang in langs:
        artifacts += build_edition(book, lang, options, progress, diags)
    return BuildResult(tuple(artifacts), tuple(sorted(set(diags))))


def worker_count(editions: int, jobs: int | None) -> int:
    """Processes for `editions` editions: `jobs`, or one per edition up to the CPU count."""
    return max(1, min(editions, jobs or os.cpu_count() or 1))


def build_edition(book: Book, lang: str, options: BuildOptions, progress: Progress,
                  diags: list[Diagnostic]) -> list[Artifact]:
    """Transform one edition and write its outputs; its diagnostics go to `diags`."""
    progress(f"transform [{lang}]")
    content = transform_edition(book, lang)
    diags += content.diagnostics
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


def _pdf(content: EditionContent, options: BuildOptions, progress: Progress,
         diags: list[Diagnostic]) -> tuple[Artifact, PrintLayout]:
    book, lang = content.book, content.lang
    start = time.perf_counter()
    progress(f"render html [{lang}]")
    html = render_print(content)
    progress(f"layout pdf [{lang}]")
    target = output_path(book, lang, "pdf", options.out_dir)
    result = write_pdf(html, book.root, target, book.config.trim, tagged=options.tagged,
                       variant=options.pdf_variant, print_ready=options.print_ready,
                       relayout=lambda pages: render_print(content, anchor_pages=pages))
    diags += result.diagnostics
    return Artifact(target, lang, "pdf", target.stat().st_size,
                    time.perf_counter() - start, result.pages), PrintLayout(html, result.document)


def _epub(content: EditionContent, options: BuildOptions, progress: Progress,
          laid_out: PrintLayout | None, diags: list[Diagnostic]) -> Artifact:
    from ..epub.package import write_epub
    from ..epub.pagelist import edition_page_map

    book, lang = content.book, content.lang
    start = time.perf_counter()
    progress(f"render xhtml [{lang}]")
    pages = render_epub(content, resource_url=lambda p: f"images/{p}")
    images = list(dict.fromkeys(i for d in content.documents for i in d.images))
    progress(f"package epub [{lang}]")
    target = output_path(book, lang, "epub", options.out_dir)
    values = common_values(content, Localizer(lang, book.root))
    ids = [p.doc_id for p in pages]
    pmap = (edition_page_map(content, ids, laid_out.document, laid_out.first_html)
            if laid_out else edition_page_map(content, ids))
    progress(f"page-list [{lang}]: {PAGE_MAP_SOURCES[pmap.source]}")
    result = write_epub(book, lang, pages, images, target, values, pmap)
    diags += result.diagnostics
    return Artifact(target, lang, "epub", target.stat().st_size,
                    time.perf_counter() - start, None)
