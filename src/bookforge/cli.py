"""The command line: `bookforge build`, `bookforge check`. Exit status 0 on success, 1 when
the book has errors, 2 for usage errors. Bad input never shows a traceback."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

from . import __version__
from .check import check
from .errors import BookforgeError, Diagnostic
from .pipeline.driver import FORMATS, BuildOptions, Progress, build
from .source.load import load_book


def _print_diagnostics(diags: Sequence[Diagnostic]) -> None:
    for d in diags:
        print(d.format(), file=sys.stderr)


def _summary_line(diags: Sequence[Diagnostic]) -> str:
    errors = sum(d.is_error for d in diags)
    warnings = len(diags) - errors
    return f"{errors} error(s), {warnings} warning(s)"


def _failed(command: str, exc: BookforgeError, note: str = "") -> int:
    """Report a run stopped by `exc`: its diagnostics, then one summary line; status 1."""
    _print_diagnostics(exc.diagnostics)
    print(f"{command} failed: {_summary_line(exc.diagnostics)}{note}", file=sys.stderr)
    return 1


def cmd_check(args: argparse.Namespace) -> int:
    try:
        diags = check(Path(args.book_dir))
    except BookforgeError as exc:
        return _failed("check", exc)
    _print_diagnostics(diags)
    print(f"{args.book_dir}: {_summary_line(diags)}", file=sys.stderr)
    return 1 if any(d.is_error for d in diags) else 0


def _human_size(n: int) -> str:
    for unit in ("B", "KB", "MB"):
        if n < 1024 or unit == "MB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return str(n)


def _progress_printer(quiet: bool, start: float) -> Progress:
    """Progress lines on stderr, "[  12.3s] stage", timed from `start`; whole lines, also
    when editions built at once report from their threads."""
    lock = threading.Lock()

    def progress(stage: str, at: float | None = None, /) -> None:
        if not quiet:
            when = time.perf_counter() if at is None else at
            with lock:
                sys.stderr.write(f"[{when - start:6.1f}s] {stage}\n")
                sys.stderr.flush()

    return progress


def cmd_build(args: argparse.Namespace) -> int:
    editions = () if args.edition == "all" else (args.edition,)
    formats = FORMATS if args.format == "all" else (args.format,)
    options = BuildOptions(editions=editions, formats=formats, out_dir=Path(args.out),
                           tagged=not args.untagged, pdf_variant=args.pdf_variant,
                           print_ready=args.print_ready, jobs=args.jobs)
    start = time.perf_counter()
    progress = _progress_printer(args.quiet, start)
    try:
        result = build(Path(args.book_dir), options, progress)
    except BookforgeError as exc:
        return _failed("build", exc, "; no output written")
    _print_diagnostics(result.diagnostics)
    for a in result.artifacts:
        pages = f"{a.pages} pages, " if a.pages is not None else ""
        print(f"wrote {a.path} ({pages}{_human_size(a.size)}, {a.seconds:.1f} s)")
    print(f"built {len(result.artifacts)} file(s) in {time.perf_counter() - start:.1f} s; "
          f"{_summary_line(result.diagnostics)}", file=sys.stderr)
    return 0 if result.ok else 1


def cmd_publish(args: argparse.Namespace) -> int:
    from .publish import PublishOptions, publish

    options = PublishOptions(build_dir=Path(args.build_dir),
                             out_dir=Path(args.out) if args.out else None,
                             base_url=args.base_url)
    progress = _progress_printer(args.quiet, time.perf_counter())
    try:
        result = publish(Path(args.book_dir), options, progress)
    except BookforgeError as exc:
        return _failed("publish", exc)
    _print_diagnostics(result.diagnostics)
    if result.ok:
        print(f"wrote {result.site_dir}/ ({len(result.files)} files; rebuilt editions: "
              f"{', '.join(result.rebuilt) or 'none'})")
    return 0 if result.ok else 1


def cmd_glossary_export(args: argparse.Namespace) -> int:
    from .publish.termbase import export_glossary

    try:
        data = export_glossary(Path(args.book_dir), args.format)
    except BookforgeError as exc:
        _print_diagnostics(exc.diagnostics)
        return 1
    if args.out:
        Path(args.out).write_bytes(data)
    else:
        sys.stdout.buffer.write(data)
    return 0


def cmd_preview(args: argparse.Namespace) -> int:
    from .preview.server import PreviewOptions, serve

    book_dir = Path(args.book_dir)
    if not book_dir.is_dir():
        print(f"{book_dir}: error[book-missing]: not a directory", file=sys.stderr)
        return 2
    problem = _chapter_problem(book_dir, args.chapter)
    if problem:
        print(f"bookforge preview: error[usage]: {problem}", file=sys.stderr)
        return 2
    return serve(PreviewOptions(book_dir=book_dir, chapter=args.chapter, edition=args.edition,
                                host=args.host, port=args.port, open_browser=args.open,
                                pdf=args.pdf))


def cmd_import_docx(args: argparse.Namespace) -> int:
    from .source.manuscript import ImportOptions, import_docx

    options = ImportOptions(docx=Path(args.file), book_dir=Path(args.book_dir), part=args.part,
                            lang=args.lang, slug=args.slug, number=args.number,
                            force=args.force)
    try:
        result = import_docx(options)
    except BookforgeError as exc:
        return _failed("import", exc, "; nothing written")
    _print_diagnostics(result.diagnostics)
    for path in result.written:
        print(f"wrote {path}")
    print(f"imported {args.file} as {result.chapter}: {result.figures} figure(s), "
          f"{result.tables} table(s), {result.footnotes} footnote(s), "
          f"{len(result.citations)} cited work(s) ({len(result.added_references)} new); "
          f"{_summary_line(result.diagnostics)}", file=sys.stderr)
    return 0


def _chapter_problem(book_dir: Path, chapter: str | None) -> str | None:
    """Why `--chapter` names no document of the book; None when it does, when it is not
    given, or when the book does not load (the preview then shows the load errors)."""
    if not chapter:
        return None
    from .preview.page import chapter_problem

    try:
        book, _ = load_book(book_dir)
    except BookforgeError:
        return None
    return chapter_problem(book, chapter)


def _jobs(text: str) -> int | None:
    if text == "auto":
        return None
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a number >= 1 or auto, got {text!r}")
    return int(text)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="bookforge",
                                description="Compile a bilingual book folder to PDF and EPUB.")
    p.add_argument("--version", action="version", version=f"bookforge {__version__}")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    b = sub.add_parser("build", help="build PDF and EPUB editions")
    b.add_argument("book_dir", nargs="?", default="book", metavar="BOOK_DIR")
    b.add_argument("--edition", default="all",
                   help="language code of one edition, a parallel edition such as id+en, "
                        "or all")
    b.add_argument("--format", default="all", choices=[*FORMATS, "all"])
    b.add_argument("--out", default="build", metavar="DIR", help="output folder (build/)")
    b.add_argument("--pdf-variant", default=None, choices=["pdf/a-3u", "pdf/ua-1"],
                   help="PDF variant for archival deposit")
    b.add_argument("--print-ready", action="store_true",
                   help="3 mm bleed and crop marks for the printer (default: screen PDF)")
    b.add_argument("--untagged", action="store_true", help="skip PDF tagging (faster)")
    b.add_argument("-j", "--jobs", type=_jobs, default=None, metavar="N",
                   help="layout worker processes shared by the editions' print units "
                        "(default: one per CPU; 1: everything in this process)")
    b.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    b.set_defaults(func=cmd_build)

    c = sub.add_parser("check", help="validate the book without rendering")
    c.add_argument("book_dir", nargs="?", default="book", metavar="BOOK_DIR")
    c.set_defaults(func=cmd_check)

    pv = sub.add_parser("preview", help="serve a live preview of one chapter")
    pv.add_argument("book_dir", nargs="?", default="book", metavar="BOOK_DIR")
    pv.add_argument("--chapter", default=None, metavar="PATH_OR_SLUG",
                    help="the chapter to show first: its slug (with or without the number), "
                         "file path or id (the first chapter)")
    pv.add_argument("--edition", default=None, help="language of the edition shown first")
    pv.add_argument("--host", default="127.0.0.1", help="address to listen on (127.0.0.1)")
    pv.add_argument("--port", type=int, default=8000,
                    help="first port to try (8000; the next free one is used; 0: any)")
    pv.add_argument("--open", action="store_true", help="open the page in a browser")
    pv.add_argument("--pdf", action="store_true", help="also keep a single-chapter PDF")
    pv.set_defaults(func=cmd_preview)

    g = sub.add_parser("glossary", help="glossary tools").add_subparsers(
        dest="action", required=True, metavar="ACTION")
    ge = g.add_parser("export", help="write the glossary as TBX-Basic or CSV")
    ge.add_argument("book_dir", nargs="?", default="book", metavar="BOOK_DIR")
    ge.add_argument("--format", default="tbx", choices=["tbx", "csv"])
    ge.add_argument("--out", default=None, metavar="FILE", help="output file (stdout)")
    ge.set_defaults(func=cmd_glossary_export)

    im = sub.add_parser("import", help="turn a manuscript into a chapter").add_subparsers(
        dest="format", required=True, metavar="FORMAT")
    imd = im.add_parser("docx", help="import a Word .docx file as a chapter")
    imd.add_argument("file", metavar="FILE.docx")
    imd.add_argument("book_dir", metavar="BOOK_DIR")
    imd.add_argument("--part", required=True, help="part folder (01-law) or its slug (law)")
    imd.add_argument("--lang", required=True, help="language the manuscript is written in")
    imd.add_argument("--slug", default=None, help="chapter slug (default: from the title)")
    imd.add_argument("--number", type=int, default=None, metavar="NN",
                     help="chapter number (default: the next free one)")
    imd.add_argument("--force", action="store_true",
                     help="replace an existing chapter file or image")
    imd.set_defaults(func=cmd_import_docx)

    pub = sub.add_parser("publish", help="build, then write the download site, OPDS and records")
    pub.add_argument("book_dir", nargs="?", default="book", metavar="BOOK_DIR")
    pub.add_argument("--out", default=None, metavar="DIR", help="site folder (build/site/)")
    pub.add_argument("--build-dir", default="build", metavar="DIR",
                     help="where editions are built or reused (build/)")
    pub.add_argument("--base-url", default=None, metavar="URL",
                     help="make every link absolute, e.g. https://example.org/book/")
    pub.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    pub.set_defaults(func=cmd_publish)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return int(args.func(args))
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
