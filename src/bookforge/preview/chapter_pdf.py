"""Preview stage, single-chapter PDF: an edition's `EditionContent` and a document id ->
a PDF of that chapter laid out as in the full volume: the print template, print.css and
the book's page size, with the chapter's running heads and its real starting page number
(read once from a layout of the whole edition, kept until another file changes).

`ChapterPdfs` rebuilds the PDF of the chapter on show in a worker thread after each save.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import lxml.html
import weasyprint
from weasyprint.formatting_structure.boxes import MarginBox

from ..errors import BookforgeError
from ..pdf.layout import PdfOptions, fewer_collections, layout, write_pdf
from ..render import render_print
from ..transform import EditionContent
from .engine import Snapshot

ROMAN = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100, "d": 500, "m": 1000}
HIDDEN_STRING = ("display: block; height: 0; margin: 0; overflow: hidden; font-size: 0; "
                 "bookmark-level: none; string-set: part-title content();")


def _roman_value(text: str) -> int | None:
    values = [ROMAN.get(c) for c in text.lower()]
    if not text or None in values:
        return None
    total = 0
    for i, v in enumerate(values):
        nxt = values[i + 1] if i + 1 < len(values) else 0
        total += -v if nxt and nxt > v else v  # type: ignore[operator]
    return total


def shown_page_number(page: weasyprint.Page) -> int | None:
    """The page number printed in a margin box of a laid-out page (arabic or roman)."""
    for box in page._page_box.children:  # WeasyPrint keeps margin boxes here
        if not isinstance(box, MarginBox):
            continue
        text = "".join(getattr(b, "text", "") for b in box.descendants()).strip()
        if text.isdigit():
            return int(text)
        value = _roman_value(text)
        if value:
            return value
    return None


def start_pages(content: EditionContent) -> dict[str, int]:
    """Lay out the whole edition once: each document's printed starting page number."""
    book = content.book
    with fewer_collections():
        document = layout(render_print(content), book.root,
                          PdfOptions(trim=book.config.trim)).document
    ids = {d.doc_id for d in content.documents}
    found: dict[str, int] = {}
    for index, page in enumerate(document.pages):
        for anchor in page.anchors:
            if anchor in ids and anchor not in found:
                found[anchor] = shown_page_number(page) or index + 1
    return found


def chapter_html(content: EditionContent, doc_id: str, start_page: int) -> str:
    """The full-volume print HTML cut down to one document, numbered from `start_page`."""
    doc = next(d for d in content.documents if d.doc_id == doc_id)
    html = render_print(dataclasses.replace(content, documents=(doc,)))
    tree = lxml.html.document_fromstring(html)
    body = tree.body
    target = None
    for child in list(body):
        if child.get("id") == doc_id:
            target = child
        else:
            body.remove(child)
    if target is not None and doc.part is not None:
        lang = content.lang
        title = doc.part.title.get(lang) or next(iter(doc.part.title.values()))
        running = lxml.html.Element("span", {"class": "preview-part-string",
                                             "style": HIDDEN_STRING})
        running.text = title
        target.insert(0, running)
    style = lxml.html.Element("style")
    style.text = f"@page :first {{ counter-reset: page {start_page}; }}"
    tree.head.append(style)
    return lxml.html.tostring(tree, encoding="unicode", doctype="<!DOCTYPE html>")


def write_chapter_pdf(content: EditionContent, doc_id: str, start_page: int,
                      target: Path) -> int:
    """Write the chapter's PDF; returns its page count."""
    book = content.book
    result = write_pdf(chapter_html(content, doc_id, start_page), book.root, target,
                       book.config.trim, tagged=False)
    return result.pages


class ChapterPdfs:
    """Keeps the PDF of the chapter on show up to date, one build at a time."""

    def __init__(self, out_dir: Path, on_done: Callable[[], None]) -> None:
        self.out_dir = out_dir
        self.on_done = on_done
        self.generation = 0
        self._cond = threading.Condition()
        self._wanted: tuple[str, str] | None = None
        self._built: dict[tuple[str, str], EditionContent] = {}  # what each PDF shows
        self._starts: dict[str, dict[str, int]] = {}  # lang -> doc -> page
        self._stale_starts: dict[str, dict[str, int]] = {}  # before the last other change
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
                self._stale_starts.update(self._starts)  # used until laid out anew
                self._starts.clear()  # another file changed: pages before may have moved
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
        """Write the PDF; when another file moved the pages, first with the last known
        starting page, then again once the whole edition has been laid out anew."""
        content = snapshot.editions[lang]
        with self._cond:
            known, stale = self._starts.get(lang), self._stale_starts.get(lang, {})
        if known is None and doc_id in stale:
            self._write(content, lang, doc_id, stale[doc_id])
        if known is None:
            try:
                known = start_pages(content)
            except Exception as exc:  # noqa: BLE001 - number from 1 rather than stop
                self._report(exc)
                known = {}
            with self._cond:
                self._starts[lang] = known
            if doc_id in stale and known.get(doc_id, 1) == stale[doc_id]:
                return
        self._write(content, lang, doc_id, known.get(doc_id, 1))

    def _write(self, content: EditionContent, lang: str, doc_id: str, start: int) -> None:
        self.error = ""
        try:
            write_chapter_pdf(content, doc_id, start, self.out_dir / self.file_name(lang, doc_id))
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
