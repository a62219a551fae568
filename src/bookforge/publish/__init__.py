"""Stage 7, publish: a book folder -> a static download site for readers and librarians.

    build (or reuse up-to-date outputs) -> collect -> site pages | OPDS | records -> DIR

`publish` builds every edition and format that is missing or older than its sources,
gathers the metadata (`collect.Volume`) and writes the site atomically: a failed run
leaves the previous site untouched.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Diagnostic, error, warning
from ..files import styles_dir
from ..model import Book
from ..pipeline.driver import FORMATS, BuildOptions, Progress, build, output_path
from ..pipeline.manifest import ManifestError, read_manifest
from ..source.load import load_book
from . import opds, records, site, urls
from .collect import Volume, collect
from .urls import Urls

PACKAGE_DIR = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class PublishOptions:
    build_dir: Path = Path("build")
    out_dir: Path | None = None  # default: build_dir / "site"
    base_url: str | None = None

    @property
    def site_dir(self) -> Path:
        return self.out_dir or self.build_dir / "site"


@dataclass(frozen=True)
class PublishResult:
    site_dir: Path
    files: tuple[str, ...]  # site paths written
    rebuilt: tuple[str, ...]  # editions built by this run
    diagnostics: tuple[Diagnostic, ...] = field(default_factory=tuple)
    volume: Volume | None = None

    @property
    def ok(self) -> bool:
        return not any(d.is_error for d in self.diagnostics)


def _noop(_: str, at: float | None = None, /) -> None:
    pass


def _newest_source(book: Book) -> float:
    roots = [book.root, styles_dir(), PACKAGE_DIR]
    return max((p.stat().st_mtime for r in roots for p in r.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts), default=0.0)


def stale_editions(book: Book, build_dir: Path) -> tuple[str, ...]:
    """Editions with a missing output, one older than any source file, or one the build
    manifest does not describe."""
    newest = _newest_source(book)
    stale = []
    for lang in offered_editions(book):
        paths = [output_path(book, lang, fmt, build_dir) for fmt in FORMATS]
        if not all(p.is_file() and p.stat().st_mtime >= newest for p in paths):
            stale.append(lang)
            continue
        try:
            read_manifest(build_dir, book.config.slug, [(lang, fmt) for fmt in FORMATS])
        except ManifestError:
            stale.append(lang)
    return tuple(stale)


def offered_editions(book: Book) -> tuple[str, ...]:
    """The languages, then the parallel editions ("id+en") book.toml lists."""
    return (*book.config.languages, *("+".join(p) for p in book.config.parallel))


def _check_dirs(options: PublishOptions) -> list[Diagnostic]:
    site_dir, build_dir = options.site_dir.resolve(), options.build_dir.resolve()
    if site_dir == build_dir or build_dir.is_relative_to(site_dir):
        return [error(str(options.site_dir), 0, "publish-out",
                      "the site folder must not contain the build folder (it is replaced)")]
    return []


def publish(book_dir: Path, options: PublishOptions, progress: Progress = _noop
            ) -> PublishResult:
    diags = _check_dirs(options)
    if diags:
        return PublishResult(options.site_dir, (), (), tuple(diags))
    progress("load")
    book, diags = load_book(book_dir)
    rebuilt = stale_editions(book, options.build_dir)
    if rebuilt:
        result = build(book_dir, BuildOptions(editions=rebuilt, out_dir=options.build_dir),
                       progress)
        diags += result.diagnostics
        if not result.ok:
            return PublishResult(options.site_dir, (), rebuilt, tuple(sorted(set(diags))))
    progress("collect")
    files = {(lang, fmt): output_path(book, lang, fmt, options.build_dir)
             for lang in offered_editions(book) for fmt in FORMATS}
    try:
        volume = collect(book, files)
    except ManifestError as exc:
        return PublishResult(options.site_dir, (), rebuilt,
                             tuple(sorted(set(diags + list(exc.diagnostics)))))
    if not options.base_url:
        diags.append(warning(urls.OPDS2, 0, "publish-base-url",
                             "without --base-url the OPDS 2.0 feed's self link is relative; "
                             "OPDS 2.0 clients expect it absolute"))
    progress("write site")
    written = write_site(volume, options.site_dir, Urls(options.base_url))
    return PublishResult(options.site_dir, written, rebuilt, tuple(sorted(set(diags))), volume)


def site_files(volume: Volume, u: Urls) -> dict[str, bytes]:
    """Every file of the site, by site path."""
    out: dict[str, bytes] = {urls.CSS: site.stylesheet()}
    for page in site.site_pages(volume, u):
        out[page.path] = page.html.encode("utf-8")
    out[urls.OPDS] = opds.opds_acquisition(volume, u)
    out[urls.OPDS_ROOT] = opds.opds_root(volume, u)
    out[urls.OPDS2] = opds.opds2(volume, u)
    slug = volume.config.slug
    for e in volume.offered:
        name = e.edition_name
        out[urls.record(slug, name, "marc")] = records.marcxml(volume, e, u)
        out[urls.record(slug, name, "oai_dc")] = records.oai_dc(volume, e, u)
        out[urls.record(slug, name, "onix")] = records.onix(volume, e, u)
        if e.cover:
            out[urls.download(e.cover.name)] = e.cover.data
            if e.cover.thumbnail is not None:
                out[urls.download(e.cover.thumbnail_name)] = e.cover.thumbnail
    return out


def write_site(volume: Volume, site_dir: Path, u: Urls) -> tuple[str, ...]:
    tmp = site_dir.with_name(f".{site_dir.name}.part")
    if tmp.exists():
        shutil.rmtree(tmp)
    try:
        files = site_files(volume, u)
        for rel, data in files.items():
            target = tmp / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
        for e in volume.offered:
            for f in e.files:
                target = tmp / urls.download(f.name)
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f.source, target)
        if site_dir.exists():
            shutil.rmtree(site_dir)
        tmp.rename(site_dir)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return tuple(sorted([*files, *(urls.download(f.name) for e in volume.offered
                                   for f in e.files)]))
