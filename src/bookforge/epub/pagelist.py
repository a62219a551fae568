"""Stage 6c, pagemap: the print layout of an edition -> where each printed page begins,
and the EPUB XHTML documents -> the same documents with page-break markers.

`page_lines` reads a laid-out WeasyPrint `Document` (a print unit, in its layout worker):
for each page, the id of the print section its first line belongs to and the first words of
that line; `edition_page_map` adds the printed folios (the PDF's page labels) of the joined
units. `insert_markers` finds those words in the EPUB document of the same section and puts
an empty `<span epub:type="pagebreak" role="doc-pagebreak">` before them. An EPUB-only
build gets the map from the same unit layouts as the PDF (cached, or laid out for it).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import repeat
from typing import Any

from lxml import etree

from ..i18n import roman as upper_roman

XHTML_NS = "http://www.w3.org/1999/xhtml"
EPUB_NS = "http://www.idpf.org/2007/ops"
HYPHENS = ("\u2010", "-", "\u00ad")
RUNS_RE = re.compile(r"\s+|\S+")  # \s is exactly str.isspace()
SNIPPET_WORDS = 8
FORMAT_VERSION = 3
# Print footnote calls (render/markdown.py): their numbers are not in the EPUB's running
# text (there they are noterefs, which the markers skip), so a page's first words leave them
# out too; "evaluation.2" found no match and sent the marker to an earlier "their".
NOTE_CALL_CLASSES = frozenset({"fn-call", "fn-repeat"})


@dataclass(frozen=True)
class PageStart:
    label: str  # the printed folio ("v", "12")
    doc: str  # id of the print section the page's first line is in; "" for a blank page
    text: str  # the first words of the page; "" for a blank page
    before: str = ""  # the last words of the page before, when it ends in the same section;
    # ends with "-" when its last word is hyphenated onto this page


@dataclass(frozen=True)
class PageMap:
    pages: tuple[PageStart, ...]
    fingerprint: str
    source: str = "pdf"  # "pdf" (this run's PDF) | "layout" (laid out for the EPUB) | "cache"


# -- reading the layout ---------------------------------------------------------------------

def _text_boxes(box: Any) -> Iterator[Any]:
    tag = box.element_tag or ""
    if "::" in tag:  # generated content (markers, footnote calls, leaders) is not text
        return
    element = box.element
    if element is not None and NOTE_CALL_CLASSES & set((element.get("class") or "").split()):
        return
    if type(box).__name__ == "TextBox":
        yield box
    for child in getattr(box, "children", ()):
        yield from _text_boxes(child)


def _lines(box: Any, doc_ids: frozenset[str], doc: str = "") -> Iterator[tuple[str, str]]:
    """(section id, text) of every line of the page body, in order."""
    name = type(box).__name__
    if name in ("MarginBox", "FootnoteAreaBox"):
        return
    element = box.element
    if element is not None and element.get("id") in doc_ids:
        doc = element.get("id")
    if name == "LineBox":
        text = "".join(t.text for t in _text_boxes(box)).strip()
        if text:
            yield doc, text
        return
    for child in getattr(box, "children", ()):
        yield from _lines(child, doc_ids, doc)


def _snippet(lines: Sequence[tuple[str, str]]) -> tuple[str, str]:
    if not lines:
        return "", ""
    doc = lines[0][0]
    words: list[str] = []
    joined = ""
    for line_doc, text in lines:
        if line_doc != doc or len(words) >= SNIPPET_WORDS:
            break
        hyphenated = text.endswith(HYPHENS)
        joined += text.rstrip("".join(HYPHENS)) if hyphenated else text + " "
        words = joined.split()
        if hyphenated:
            continue
    return doc, " ".join(joined.split()[:SNIPPET_WORDS])


def page_lines(document: Any, doc_ids: frozenset[str]) -> tuple[tuple[str, str, str], ...]:
    """Per page of a laid-out WeasyPrint document: (section id, first words, last words of
    the page before when it ends in the same section) — a `PageStart` without its label,
    plain data a layout worker sends back."""
    out: list[tuple[str, str, str]] = []
    previous: list[tuple[str, str]] = []
    for page in document.pages:
        lines = list(_lines(page._page_box, doc_ids))
        doc, text = _snippet(lines[:4])
        out.append((doc, text, _tail(previous, doc)))
        previous = lines
    return tuple(out)


def page_map_from_lines(lines: Sequence[tuple[str, str, str]], labels: Sequence[str],
                        fingerprint: str, source: str = "pdf") -> PageMap:
    return PageMap(tuple(PageStart(label, doc, text, before) for label, (doc, text, before)
                         in zip(labels, lines, strict=True)), fingerprint, source)


def _tail(lines: Sequence[tuple[str, str]], doc: str) -> str:
    """The last words of `lines` (the page before) if they are in section `doc`."""
    last = [text for line_doc, text in lines[-2:] if line_doc == doc and doc]
    if not last:
        return ""
    joined = ""
    for text in last:
        hyphenated = text.endswith(HYPHENS)
        joined += text.rstrip("".join(HYPHENS)) + ("-" if hyphenated else " ")
    hyphen = joined.endswith("-")
    words = joined.rstrip("- ").split()[-SNIPPET_WORDS:]
    return " ".join(words) + ("-" if hyphen else "")


def roman(n: int) -> str:
    """A front-matter folio: a lower-case roman numeral."""
    return upper_roman(n).lower()


def fingerprint(*parts: str) -> str:
    digest = hashlib.sha256(str(FORMAT_VERSION).encode())
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\0")
    return digest.hexdigest()


# -- markers in the EPUB --------------------------------------------------------------------

@lru_cache(maxsize=4096)
def _normalise_char(ch: str) -> str:
    if unicodedata.category(ch) == "Cf":  # soft hyphens, word joiners: invisible either way
        return ""
    if ch.isspace():
        return " "
    return unicodedata.normalize("NFKC", ch).casefold()


def normalise(text: str) -> str:
    return re.sub(r" +", " ", "".join(_normalise_char(c) for c in text)).strip()


def _skipped(el: Any) -> bool:
    kind = el.get(f"{{{EPUB_NS}}}type") or ""
    return "noteref" in kind.split() or el.tag == f"{{{XHTML_NS}}}aside"


class TextIndex:
    """The body text of one XHTML document, normalised, with each character's place.

    A place is (element, "text" | "tail", offset), kept as a chunk number and an offset per
    character in arrays: a tuple per character made the garbage collector walk the whole
    retained print layout twice per EPUB (a second of a build)."""

    def __init__(self, body: Any) -> None:
        self.chars: list[str] = []
        self.chunks: list[tuple[Any, str]] = []  # (element, "text" | "tail")
        self.chunk_of = array("l")  # per character: its index in `chunks`
        self.offsets = array("l")  # per character: its offset in the element's text or tail
        self._walk(body)
        self.text = "".join(self.chars)

    def place(self, pos: int) -> tuple[Any, str, int]:
        """(element, "text" | "tail", offset) of the character at `pos`."""
        el, attr = self.chunks[self.chunk_of[pos]]
        return el, attr, self.offsets[pos]

    def _add(self, el: Any, attr: str, value: str | None) -> None:
        """Append `value` normalised: a run of white space is one space (none at the start
        or after a space), ASCII words lower-cased whole, other words char by char."""
        if not value:
            return
        chunk = len(self.chunks)
        self.chunks.append((el, attr))
        for run in RUNS_RE.finditer(value):
            word, start = run.group(), run.start()
            if word[0].isspace():
                if self.chars and self.chars[-1] != " ":
                    self._append(" ", chunk, start)
            elif word.isascii():  # NFKC keeps ASCII; casefold is lower()
                self.chars.extend(word.lower())
                self.chunk_of.extend(repeat(chunk, len(word)))
                self.offsets.extend(range(start, start + len(word)))
            else:
                for offset, ch in enumerate(word, start):
                    norm = _normalise_char(ch)
                    if norm == " " and (not self.chars or self.chars[-1] == " "):
                        continue
                    for c in norm:
                        self._append(c, chunk, offset)

    def _append(self, char: str, chunk: int, offset: int) -> None:
        self.chars.append(char)
        self.chunk_of.append(chunk)
        self.offsets.append(offset)

    def _walk(self, el: Any) -> None:
        if not isinstance(el.tag, str):
            return
        if not _skipped(el):
            self._add(el, "text", el.text)
            for child in el:
                self._walk(child)
                self._add(child, "tail", child.tail)

    def find_after(self, before: str, snippet: str, start: int) -> int | None:
        """Where `snippet` begins right after `before` (the end of the page before)."""
        head = " ".join(normalise(snippet).split()[:4])
        tail = normalise(before.removesuffix("-"))
        if not tail or not head:
            return None
        joined = tail + ("" if before.endswith("-") else " ") + head
        pos = self.text.find(joined, max(start - len(tail) - 1, 0))
        if pos < 0:
            return None
        pos += len(tail) + (0 if before.endswith("-") else 1)
        while pos > 0 and self.text[pos - 1].isalnum():  # page began mid-word
            pos -= 1
        return max(pos, start)

    def find(self, snippet: str, start: int) -> int | None:
        words = normalise(snippet).split()
        for n in (len(words), 4, 2, 1):
            if n > len(words) or n < 1 or (n == 1 and len(words[0]) < 4):
                continue
            pos = self.text.find(" ".join(words[:n]), start)
            if pos >= 0:
                while pos > 0 and self.text[pos - 1].isalnum():  # page began mid-word
                    pos -= 1
                return max(pos, start)
        return None


def _marker(label: str, number: int, tail: str = "") -> Any:
    span = etree.Element(f"{{{XHTML_NS}}}span", nsmap={None: XHTML_NS, "epub": EPUB_NS})
    span.set(f"{{{EPUB_NS}}}type", "pagebreak")
    span.set("role", "doc-pagebreak")
    span.set("id", f"page-{number}")
    span.set("aria-label", label)
    span.tail = tail
    return span


def _insert_at(index: TextIndex, pos: int, span: Any) -> None:
    el, attr, offset = index.place(pos)
    if attr == "text":
        text = el.text or ""
        el.text, span.tail = text[:offset], text[offset:]
        el.insert(0, span)
    else:
        text = el.tail or ""
        el.tail, span.tail = text[:offset], text[offset:]
        parent = el.getparent()
        parent.insert(parent.index(el) + 1, span)


@dataclass(frozen=True)
class Marker:
    file_name: str
    number: int  # 1-based page number in the PDF
    label: str


def insert_markers(documents: Mapping[str, str], pmap: PageMap, aliases: Mapping[str, str],
                   top_only: frozenset[str] = frozenset()) -> tuple[dict[str, str], list[Marker]]:
    """Put a page-break marker in `documents` (file name -> XHTML) where each page begins.

    `aliases` maps a print section id to the EPUB file holding it; documents in `top_only`
    get their markers at the top of the body (the navigation document)."""
    trees = {name: etree.fromstring(xhtml.encode("utf-8")) for name, xhtml in documents.items()}
    bodies = {name: tree.find(f"{{{XHTML_NS}}}body") for name, tree in trees.items()}
    indexes: dict[str, TextIndex] = {}
    last: dict[str, int] = {}  # file -> position of its last marker
    plan: dict[str, list[tuple[int, int, str]]] = {}  # file -> [(position, page, label)]
    placed: dict[int, tuple[str, int]] = {}  # page number -> (file, position)
    blanks: list[int] = []  # blank pages waiting for the next page's place
    for number, page in enumerate(pmap.pages, 1):
        file_name = aliases.get(page.doc, "")
        if file_name not in documents:
            blanks.append(number)
            continue
        if file_name in top_only:
            pos = 0
        else:
            if file_name not in indexes:
                indexes[file_name] = TextIndex(bodies[file_name])
            index = indexes[file_name]
            previous = last.get(file_name)
            start = 0 if previous is None else previous + 1
            found = None
            if start <= len(index.text):
                found = index.find_after(page.before, page.text, start)
                if found is None:
                    found = index.find(page.text, start)
            pos = found if found is not None else (previous or 0)
        last[file_name] = pos
        for n in [*blanks, number]:
            placed[n] = (file_name, pos)
        blanks = []
    end_file = next(reversed(documents))
    for n in blanks:  # blank pages at the very end
        placed[n] = (end_file, -1)
    markers: list[Marker] = []
    for number, page in enumerate(pmap.pages, 1):
        file_name, pos = placed[number]
        plan.setdefault(file_name, []).append((pos, number, page.label))
        markers.append(Marker(file_name, number, page.label))
    for file_name, entries in plan.items():
        body = bodies[file_name]
        index = indexes.get(file_name)
        for _pos, number, label in sorted(e for e in entries if e[0] < 0):
            _append_end(body, _marker(label, number))
        for pos, number, label in sorted((e for e in entries if e[0] >= 0), reverse=True):
            span = _marker(label, number)
            if pos == 0 or index is None or pos >= len(index.text):
                _prepend(body, span)
            else:
                _insert_at(index, pos, span)
    out = {name: etree.tostring(tree, encoding="unicode") for name, tree in trees.items()}
    header = '<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>\n'
    return {name: header + text for name, text in out.items()}, markers


def _prepend(body: Any, span: Any) -> None:
    first = body[0] if len(body) else None
    if first is not None and first.tag in (f"{{{XHTML_NS}}}section",
                                           f"{{{XHTML_NS}}}article"):
        span.tail = first.text
        first.text = ""
        first.insert(0, span)
        return
    span.tail = body.text
    body.text = ""
    body.insert(0, span)


def _append_end(body: Any, span: Any) -> None:
    target = body[-1] if len(body) and body[-1].tag == f"{{{XHTML_NS}}}section" else body
    target.append(span)


# -- for an edition -------------------------------------------------------------------------

PRINT_ALIASES = {"half-title": "title-page", "book-index": "index"}


def edition_page_map(printed: Any, source: str = "pdf") -> PageMap:
    """The page map of an edition's print layout (a `pdf.edition.PrintedEdition`: the units
    the PDF is joined from, laid out in this run or cached): its folios and each page's
    first words, from the same pagination as the PDF's."""
    key = fingerprint(*printed.labels, *(part for line in printed.lines for part in line))
    return page_map_from_lines(printed.lines, printed.labels, key, source)
