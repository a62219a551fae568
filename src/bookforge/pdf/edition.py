"""Stage 6a, pdf edition: print HTML (given the anchor -> page map) + options -> the units
laid out, the page numbers as data, and the joined PDF.

    render(None) -> units -> independent units laid out (in parallel, cached)
                 -> anchor -> page map -> render(map) -> dependent units laid out
                 -> folios -> folio sheets laid out -> join

The join reads each independent unit's PDF as soon as its layout is known (the cached ones
while the workers lay out the rest) and copies them into one file in book order at the end.

The body's page numbers never depend on the front matter's length (the body counts from 1),
nor a unit's layout on where it falls: the anchor map is right by construction, with no
second layout of everything. `print_edition` is the one entry point (the build, the EPUB's
page-list and any other edition of the same book go through it).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import Diagnostic, RenderError, error
from ..files import atomic_path
from ..i18n import roman
from .cache import Runner, UnitCache, cached, in_process
from .join import Joiner, Placement, join, label_ranges, placements
from .options import PdfOptions, font_diagnostics
from .units import Unit, UnitJob, UnitLayout, split_units

# Body anchors' places in the map `render` gets are offset by this from the front matter's:
# the contents' length is not known before it is laid out, and the index never merges a
# front page with a body page, so only the order within each counts.
BODY_OFFSET = 100_000
FOLIO_SHEET_CSS = """
@page folio-run:left { @top-left { content: string(folio); } }
@page folio-run:right { @top-right { content: string(folio); } }
@page folio-drop { @bottom-right { content: string(folio); } }
@page folio-foot { @bottom-center { content: string(folio); font: 8.5pt var(--sans);
  vertical-align: top; padding-top: 6mm; } }
.folio-sheet { break-after: page; height: 1px; margin: 0; }
"""

Render = Callable[[Mapping[str, int] | None], str]
# Layouts at most of a unit that prints page numbers, after its first: front matter after
# the contents moves when the contents' own length changes.
FOLIO_PASSES = 3
GUESSED_PAGES = 2  # of a page-referencing front unit not laid out yet (one leaf)
DRAFT_FOLIO = "888"  # what a draft of such a unit prints for every page number


@dataclass(frozen=True)
class PrintedEdition:
    pages: int
    labels: tuple[str, ...]  # per joined page, as /PageLabels print them
    anchor_pages: Mapping[str, int]  # anchor id -> joined page index
    lines: tuple[tuple[str, str, str], ...]  # per joined page (see pagelist.page_lines)
    diagnostics: tuple[Diagnostic, ...] = ()
    laid_out: tuple[str, ...] = ()  # units laid out in this run (the rest came from cache)
    seconds: Mapping[str, float] = field(default_factory=dict)
    front: int = 0  # pages with roman folios
    units: tuple[UnitLayout, ...] = field(default=(), compare=False, repr=False)
    places: tuple[Placement, ...] = field(default=(), compare=False, repr=False)
    htmls: tuple[str, ...] = field(default=(), compare=False, repr=False)  # per unit


def _roman(n: int) -> str:
    return roman(n).lower()


def _is_body(unit: Unit, html_body_ids: frozenset[str]) -> bool:
    return any(s in html_body_ids for s in unit.sections)


def _body_ids(html: str) -> frozenset[str]:
    import lxml.html

    body = lxml.html.document_fromstring(html).body
    return frozenset(c.get("id") for c in body
                     if isinstance(c.tag, str) and c.get("id")
                     and ("part-opener" in (c.get("class") or "").split()
                          or c.tag == "article"))


def _anchor_maps(units: Sequence[Unit], layouts: Mapping[str, UnitLayout],
                 body: frozenset[str], drafts: Mapping[str, UnitLayout] | None = None
                 ) -> tuple[dict[str, int], dict[str, str]]:
    """(anchor -> place for `render`, anchor -> printed folio) of the units laid out so far:
    places count within the front matter and within the body; a unit after one not laid out
    yet in the same run is left out (its place is not known). A front unit that prints
    page numbers and is not laid out yet takes as many pages as its draft (`drafts`: laid
    out without them) or one leaf; print_edition lays out again what a wrong guess moved."""
    places: dict[str, int] = {}
    folios: dict[str, str] = {}
    at = {"front": 0, "body": 0}
    known = {"front": True, "body": True}
    seen_body = False
    for unit in units:
        seen_body = seen_body or _is_body(unit, body)
        segment = "body" if seen_body else "front"
        laid = layouts.get(unit.name)
        if laid is None and unit.dependent and segment == "front" and known[segment]:
            draft = (drafts or {}).get(unit.name)
            at[segment] += draft.pages + draft.pages % 2 if draft else GUESSED_PAGES
            continue
        if laid is None or not known[segment]:
            known[segment] = False
            continue
        for anchor, page in laid.anchors.items():
            n = at[segment] + page
            places[anchor] = n + (BODY_OFFSET if segment == "body" else 0)
            folios[anchor] = str(n + 1) if segment == "body" else _roman(n + 1)
        at[segment] += laid.pages + laid.pages % 2
    return places, folios


def _folios_of(unit: Unit, folios: Mapping[str, str]) -> dict[str, str | None]:
    """The folios of the pages `unit` refers to, as `folios` has them."""
    return {t: folios.get(t) for t in unit.targets}


def _folio_sheet_html(labels: Sequence[str], kinds: Sequence[str], lang: str) -> str:
    pages = "".join(
        f'<div class="folio-sheet" style="page: folio-{kind or "none"}; '
        f"string-set: folio '{label if kind else ''}'\"></div>\n"
        for label, kind in zip(labels, kinds, strict=True))
    return (f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8"/>'
            f"<style>{FOLIO_SHEET_CSS}</style></head><body>{pages}</body></html>")


def print_edition(render: Render, book_root: Path, options: PdfOptions,
                  target: Path | None, runner: Runner = in_process,
                  cache: UnitCache | None = None, lang: str = "",
                  dependent: bool = True, idle: Callable[[], None] | None = None
                  ) -> PrintedEdition:
    """Lay the edition out in units and, when `target` is given, write its PDF atomically.
    `render(anchor_pages)` is the print HTML; given the map it prints page numbers.
    `dependent` False leaves those units out (a page-count-neutral stand-in of one page
    pair each): enough for the pages of the body, which never follow them. `idle` is
    called once nothing more is laid out (before the join)."""
    with Joiner(options.tagged) as joiner:
        return _print_edition(render, book_root, options, target, runner, cache, lang,
                              dependent, idle, joiner)


def _print_edition(render: Render, book_root: Path, options: PdfOptions,
                   target: Path | None, runner: Runner, cache: UnitCache | None, lang: str,
                   dependent: bool, idle: Callable[[], None] | None,
                   joiner: Joiner) -> PrintedEdition:
    times: dict[str, float] = {}
    start = time.perf_counter()
    laid_out: list[str] = []
    run = cached(runner, cache, laid_out)
    html = render(None)
    units = split_units(html)
    body = _body_ids(html)
    doc_ids = frozenset(s for u in units for s in u.sections)

    htmls = {u.name: u.html for u in units}

    def job(unit: Unit) -> UnitJob:
        htmls[unit.name] = unit.html
        return UnitJob(unit.name, unit.html, str(book_root), options, doc_ids)

    independent = [u for u in units if not u.dependent]
    # the contents and the lists are laid out once more without page numbers, beside the
    # others: their drafts' lengths place the front texts after them, so the units that
    # print those texts' folios (the index) need not be laid out again
    # (a draft prints a wide stand-in folio: a target-counter() to another unit makes
    # WeasyPrint lay the pages out again and again)
    front = _front_names(units, body)
    drafted = split_units(html, {t: DRAFT_FOLIO for u in units for t in u.targets},
                          only={u.name for u in units if u.dependent and u.name in front}
                          ) if dependent else []
    order = {u.name: n for n, u in enumerate(units)}

    def arrived(n: int, layout: UnitLayout) -> None:  # a final layout: read for the join
        if target is not None and n < len(independent):
            joiner.prepare(order[independent[n].name], layout)

    laid = run([job(u) for u in [*independent, *drafted]], arrived)
    layouts = dict(zip((u.name for u in independent), laid[:len(independent)], strict=True))
    drafts = dict(zip((u.name for u in drafted), laid[len(independent):], strict=True))
    times["independent"] = time.perf_counter() - start
    waiting = [u for u in units if u.dependent] if dependent else []
    early = _early_sheet_jobs(units, layouts, body, lang, book_root, options) \
        if cache is not None and target is not None else []
    used: dict[str, dict[str, str | None]] = {}  # dependent unit -> the folios it printed
    for unit in units:
        if unit.dependent and not dependent:
            layouts[unit.name] = UnitLayout(unit.name, b"", 2, {}, ("", ""), ((), ()),
                                            (0.0, 0.0), (("", "", ""),) * 2)
    while waiting:  # those whose targets all have a page first (the contents comes last)
        places, folios = _anchor_maps(units, layouts, body, drafts)
        ready = [u for u in waiting if u.targets <= folios.keys()] or waiting
        again = {u.name: u for u in split_units(render(places), folios,
                                                only={u.name for u in ready})}
        missing = [u.name for u in ready if u.name not in again]
        if missing:
            raise RenderError([error("print.html", 0, "pdf-units",
                                     f"unit(s) {', '.join(missing)} missing once page "
                                     "numbers are known")])
        # the folio sheets of the pages already placed are laid out beside them (the
        # cache keeps them for `folio_sheets`): half beside the next round when there is
        # one, which the contents, the last unit, would otherwise have a worker to itself
        now, early = ((early[:len(early) // 2], early[len(early) // 2:])
                      if len(waiting) > len(ready) else (early, []))
        laid = run([*(job(again[u.name]) for u in ready), *now])
        layouts.update(zip((u.name for u in ready), laid[:len(ready)], strict=True))
        used.update({u.name: _folios_of(again[u.name], folios) for u in ready})
        waiting = [u for u in waiting if u not in ready]
    for _ in range(FOLIO_PASSES):  # front matter after the contents: its folios are known
        # only once the contents (and the lists beside it) are laid out
        places, folios = _anchor_maps(units, layouts, body)
        # (the folios of the targets each printed: a unit rendered without page numbers
        # may link to more anchors than the one that printed them, e.g. the index before
        # its locators were merged into ranges)
        stale = [u for u in units if u.name in used
                 and used[u.name] != {t: folios.get(t) for t in used[u.name]}]
        if not stale:
            break
        again = {u.name: u for u in split_units(render(places), folios,
                                                only={u.name for u in stale})}
        layouts.update(zip((u.name for u in stale),
                           run([job(again[u.name]) for u in stale]), strict=True))
        used.update({u.name: _folios_of(again[u.name], folios) for u in stale})
    times["dependent"] = time.perf_counter() - start - times["independent"]
    ordered = [layouts[u.name] for u in units]
    where = placements(ordered)
    total = sum(p.pages + p.padded for p in where)
    front = next((p.first for u, p in zip(units, where, strict=True) if _is_body(u, body)),
                 total)
    labels = tuple(_roman(i + 1) if i < front else str(i - front + 1) for i in range(total))
    kinds = [""] * total
    lines: list[tuple[str, str, str]] = [("", "", "")] * total
    anchor_pages: dict[str, int] = {}
    for unit, place in zip(ordered, where, strict=True):
        for n in range(unit.pages):
            kinds[place.first + n] = unit.folios[n]
            lines[place.first + n] = unit.lines[n]
        for anchor, page in unit.anchors.items():
            anchor_pages.setdefault(anchor, place.first + page)
    refused = [r for u in ordered for r in u.refused]
    diags: list[Diagnostic] = []
    if target is not None:
        sheets = folio_sheets(labels, kinds, where, lang, book_root, options, run, target)
        times["folios"] = time.perf_counter() - start - sum(times.values())
        if idle is not None:
            idle()
        try:
            with atomic_path(target) as tmp:
                joiner.finish(ordered, label_ranges(front), sheets, kinds, tmp)
        except (OSError, ValueError) as exc:
            raise RenderError([error(str(target), 0, "pdf-write", str(exc))]) from exc
        times["join"] = time.perf_counter() - start - sum(times.values())
        diags += [error(str(target.name), 0, "resource-refused", f"refused to read {u}")
                  for u in dict.fromkeys(refused)]
        diags += font_diagnostics(target)
    return PrintedEdition(total, labels, anchor_pages, tuple(lines), tuple(diags),
                          tuple(laid_out), times, front, tuple(ordered), tuple(where),
                          tuple(htmls[u.name] for u in units))


def _front_names(units: Sequence[Unit], body: frozenset[str]) -> set[str]:
    out = set()
    for unit in units:
        if _is_body(unit, body):
            break
        out.add(unit.name)
    return out


def _sheet_job(labels: Sequence[str], kinds: Sequence[str], lang: str, book_root: Path,
               options: PdfOptions) -> UnitJob:
    sheet_options = PdfOptions(trim=options.trim, tagged=False, print_ready=options.print_ready)
    return UnitJob(f"folios {labels[0]}", _folio_sheet_html(labels, kinds, lang),
                   str(book_root), sheet_options, frozenset(), keep_folios=True)


def _early_sheet_jobs(units: Sequence[Unit], layouts: Mapping[str, UnitLayout],
                      body: frozenset[str], lang: str, book_root: Path,
                      options: PdfOptions) -> list[UnitJob]:
    """The folio sheets of the units whose folios are known before the units that print
    page numbers are laid out: those before the first such unit of the front matter, and
    of the body (which counts from 1) before the first such unit of the back matter."""
    jobs = []
    at, known, seen_body = 0, True, False
    for unit in units:
        if _is_body(unit, body) and not seen_body:
            at, known, seen_body = 0, True, True
        laid = layouts.get(unit.name)
        if laid is None:
            known = False
        if not known:
            continue
        span = range(at, at + laid.pages + laid.pages % 2)
        labels = [str(n + 1) if seen_body else _roman(n + 1) for n in span]
        kinds = [*laid.folios, *([""] * (laid.pages % 2))]
        jobs.append(_sheet_job(labels, kinds, lang, book_root, options))
        at = span.stop
    return jobs


def folio_sheets(labels: Sequence[str], kinds: Sequence[str], where: Sequence[Placement],
                 lang: str, book_root: Path, options: PdfOptions, run: Runner,
                 target: Path) -> list[bytes]:
    """Per unit, its folios laid out one page per page (its blank verso included; a unit
    and its sheet both start on a recto). Small documents laid out in parallel, each cached
    by its folios: a unit whose pages did not move keeps its sheet."""
    spans = [range(p.first, p.first + p.pages + p.padded) for p in where]
    jobs = [_sheet_job([labels[i] for i in span], [kinds[i] for i in span], lang, book_root,
                       options) for span in spans]
    sheets = run(jobs)
    for sheet, span in zip(sheets, spans, strict=True):
        if sheet.pages != len(span):
            raise RenderError([error(str(target), 0, "pdf-units",
                                     f"folio sheet has {sheet.pages} pages, not {len(span)}")])
    return [s.pdf for s in sheets]


def write_section_pdf(printed: PrintedEdition, doc_id: str, target: Path, book_root: Path,
                      options: PdfOptions, runner: Runner = in_process,
                      cache: UnitCache | None = None, lang: str = "") -> int:
    """The pages of one top-level section (a chapter) of a printed edition as their own PDF,
    untagged, with the volume's folios and page labels; returns its page count."""
    run = cached(runner, cache, [])
    index = next(i for i, u in enumerate(printed.units) if doc_id in u.anchors)
    unit, place = printed.units[index], printed.places[index]
    skip = unit.anchors[doc_id]
    span = range(place.first, place.first + unit.pages + place.padded)
    labels = [printed.labels[i] for i in span]
    kinds = [*unit.folios, *([""] * place.padded)]
    alone = Placement(0, unit.pages, place.padded)
    sheets = folio_sheets(labels, kinds, [alone], lang, book_root, options, run, target)
    try:
        with atomic_path(target) as tmp:
            join([unit], label_ranges(printed.front, place.first + skip), sheets, kinds,
                 tmp, tagged=False, skip=skip)
    except (OSError, ValueError) as exc:
        raise RenderError([error(str(target), 0, "pdf-write", str(exc))]) from exc
    return len(span) - skip
