"""The driver: runs the stages in order, written once here.

    config -> load -> parse/transform (per edition) -> render -> pdf | epub

`check` stops before rendering; `build` renders and writes each requested output.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

from ..check.terms import terminology_report
from ..check.versions import check_versions
from ..errors import Diagnostic, error
from ..i18n import Localizer, check_catalogs
from ..model import Book
from ..pdf.cache import Runner, UnitCache, cache_dir, in_process
from ..pdf.edition import PrintedEdition, print_edition
from ..pdf.layout import PdfOptions
from ..render import common_values, render_epub, render_print
from ..source.load import load_book
from ..transform import EditionContent, transform_edition

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
    diags += check_catalogs(book.config.languages, book.root) + check_versions(book)
    return sorted(set(diags))


def editions_for(book: Book, options: BuildOptions) -> tuple[str, ...]:
    return options.editions or book.config.languages


def build(book_dir: Path, options: BuildOptions, progress: Progress = _noop) -> BuildResult:
    from .workers import UnitPool

    progress("load")
    book, diags = load_book(book_dir)
    unknown = [e for e in options.editions if e not in book.config.languages]
    if unknown:
        diags.append(error("book.toml", 0, "edition-unknown",
                           f"edition(s) {', '.join(unknown)} not in languages "
                           f"{list(book.config.languages)}"))
        return BuildResult((), tuple(diags))
    artifacts: list[Artifact] = []
    cache = UnitCache(unit_cache_dir(options.out_dir))
    with UnitPool(options.jobs) as pool:
        for lang in editions_for(book, options):
            artifacts += build_edition(book, lang, options, progress, diags, pool.runner,
                                       cache, pool.release)
    return BuildResult(tuple(artifacts), tuple(sorted(set(diags))))


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
                  idle: Callable[[], None] | None = None) -> list[Artifact]:
    """Transform one edition and write its outputs; its diagnostics go to `diags`."""
    progress(f"transform [{lang}]")
    content = transform_edition(book, lang)
    diags += content.diagnostics
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


def print_layout(content: EditionContent, options: PdfOptions, target: Path | None,
                 runner: Runner, cache: UnitCache | None,
                 idle: Callable[[], None] | None = None) -> PrintedEdition:
    """The edition's print units laid out (and its PDF written when `target` is given)."""
    return print_edition(lambda pages: render_print(content, anchor_pages=pages),
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
    progress(f"join pdf [{lang}]: {len(printed.laid_out)} of {2 * len(printed.units)} units "
             "laid out (sections and their folio sheets), the others cached")
    diags += printed.diagnostics
    return Artifact(target, lang, "pdf", target.stat().st_size,
                    time.perf_counter() - start, printed.pages), printed


def _epub(content: EditionContent, options: BuildOptions, progress: Progress,
          printed: PrintedEdition | None, diags: list[Diagnostic], runner: Runner,
          cache: UnitCache | None) -> Artifact:
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
    source = "pdf"
    if printed is None:  # the same unit layouts as the PDF's, cached or laid out now
        printed = print_layout(content, pdf_options(book, options), None, runner, cache)
        source = "layout" if printed.laid_out else "cache"
    pmap = edition_page_map(printed, source)
    progress(f"page-list [{lang}]: {PAGE_MAP_SOURCES[pmap.source]}")
    result = write_epub(book, lang, pages, images, target, values, pmap)
    diags += result.diagnostics
    return Artifact(target, lang, "epub", target.stat().st_size,
                    time.perf_counter() - start, None)
