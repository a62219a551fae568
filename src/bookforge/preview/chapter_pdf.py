"""Preview stage, single-chapter PDF: an edition's `EditionContent` and a document id ->
a PDF of that chapter as it is in the full volume: the pages of its print unit, laid out by
the same code as the build's (`pdf.edition`), with its running heads and the folios it has
in the volume (the units before it give its first page).

Units are cached (`pdf.cache`), so after a save only the changed chapter's unit is laid out
again; the chapter's first folio follows pages another chapter moved.
`ChapterPdfs` rebuilds the PDF of the chapter on show in a worker thread after each save.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from pathlib import Path

from ..errors import BookforgeError
from ..pdf.cache import UnitCache, cache_dir
from ..pdf.edition import print_edition, write_section_pdf
from ..pdf.options import PdfOptions
from ..render import print_renderer
from ..transform import EditionContent
from .engine import Snapshot


def preview_cache() -> UnitCache:
    return UnitCache(cache_dir() / "preview")


def write_chapter_pdf(content: EditionContent, doc_id: str, target: Path,
                      cache: UnitCache | None = None) -> int:
    """Write the chapter's PDF; returns its page count. The units before it are laid out
    (or read from `cache`) for its first folio; the contents and index are not needed."""
    book = content.book
    options = PdfOptions(trim=book.config.trim, tagged=False)
    printed = print_edition(print_renderer(content),
                            book.root, options, None, cache=cache, lang=content.lang,
                            dependent=False)
    return write_section_pdf(printed, doc_id, target, book.root, options, cache=cache,
                             lang=content.lang)


class ChapterPdfs:
    """Keeps the PDF of the chapter on show up to date, one build at a time."""

    def __init__(self, out_dir: Path, on_done: Callable[[], None]) -> None:
        self.out_dir = out_dir
        self.on_done = on_done
        self.generation = 0
        self._cond = threading.Condition()
        self._wanted: tuple[str, str] | None = None
        self._built: dict[tuple[str, str], EditionContent] = {}  # what each PDF shows
        self._cache = preview_cache()
        self._snapshot: Snapshot | None = None
        self._stopping = False
        self.error = ""
        threading.Thread(target=self._run, name="bookforge-preview-pdf", daemon=True).start()

    def file_name(self, lang: str, doc_id: str) -> str:
        return f"{lang}-{doc_id}.pdf"

    def link(self, snapshot: Snapshot, lang: str, doc_id: str) -> tuple[str | None, str]:
        """(href or None, "ready" | "building") for the page; asks for a build if needed."""
        with self._cond:
            self._snapshot = snapshot
            if self._wanted != (lang, doc_id):
                self._wanted = (lang, doc_id)
                self._cond.notify_all()
            built = self._built.get((lang, doc_id))
        href = f"/pdf/{self.file_name(lang, doc_id)}?g={self.generation}" \
            if built is not None else None
        return href, "ready" if built is snapshot.editions.get(lang) else "building"

    def changed(self, snapshot: Snapshot, paths: set[Path]) -> None:
        with self._cond:
            self._snapshot = snapshot
            wanted = self._wanted
            own = set()
            if wanted and snapshot.book:
                own = {v.path for c in (*snapshot.book.front, *snapshot.book.chapters())
                       if c.doc_id == wanted[1] for v in c.versions.values()}
            if any(p.resolve() not in own for p in paths):
                self._built.clear()  # and a stylesheet changes the layout without the text
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._cond.notify_all()

    def _job(self) -> tuple[Snapshot, str, str] | None:
        snap, wanted = self._snapshot, self._wanted
        if self._stopping or snap is None or wanted is None or snap.book is None:
            return None
        if wanted[0] not in snap.editions or self._built.get(wanted) is snap.editions[wanted[0]]:
            return None  # unknown edition, or built from this very content
        return snap, wanted[0], wanted[1]

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._stopping or self._job() is not None)
                if self._stopping:
                    return
                job = self._job()
            if job is not None:
                self._build(*job)

    def _build(self, snapshot: Snapshot, lang: str, doc_id: str) -> None:
        self._write(snapshot.editions[lang], lang, doc_id)

    def _write(self, content: EditionContent, lang: str, doc_id: str) -> None:
        self.error = ""
        try:
            write_chapter_pdf(content, doc_id, self.out_dir / self.file_name(lang, doc_id),
                              self._cache)
        except Exception as exc:  # noqa: BLE001 - keep the worker alive for the next save
            self._report(exc)
        with self._cond:
            self._built[(lang, doc_id)] = content
            self.generation += 1
        self.on_done()

    def _report(self, exc: Exception) -> None:
        self.error = "; ".join(d.format() for d in exc.diagnostics) \
            if isinstance(exc, BookforgeError) else repr(exc)
        print(f"bookforge preview: chapter PDF failed: {self.error}", file=sys.stderr)
