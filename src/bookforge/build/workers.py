"""Stage 3-6 in parallel: the book folder and the editions to build -> the artifacts and
diagnostics of each edition, built in worker processes (one per edition, up to the CPUs).

Each worker loads the book itself from the folder (nothing unpicklable crosses a process
boundary) and runs `build.build_edition`. Its progress lines come back through a queue
and are shown in edition order: the first unfinished edition's lines as they happen, the
next edition's once the one before it is done, each with the time it really happened.
Artifacts come back in edition order; an edition's `BookforgeError` is raised here as in a
sequential build (the first failing edition's, in edition order).
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from ..errors import Diagnostic
from ..source.load import load_book
from .driver import Artifact, BuildOptions, Progress, build_edition, worker_count

DONE = None  # the last event of an edition, sent whether it succeeded or failed
POLL_SECONDS = 0.1
GRACE_SECONDS = 2.0
Event = tuple[str, str | None, float]  # (edition, stage or DONE, time.perf_counter())

_events: Any = None  # the worker's end of the progress queue


def _init_worker(events: Any) -> None:
    global _events
    _events = events


def _edition_worker(book_dir: Path, lang: str, options: BuildOptions
                    ) -> tuple[list[Artifact], list[Diagnostic]]:
    def progress(stage: str, at: float | None = None, /) -> None:
        _events.put((lang, stage, time.perf_counter() if at is None else at))

    try:
        book, _ = load_book(book_dir)  # its diagnostics are the parent's already
        diags: list[Diagnostic] = []
        artifacts = build_edition(book, lang, options, progress, diags)
        return artifacts, diags
    finally:
        _events.put((lang, DONE, time.perf_counter()))


class _Relay:
    """Shows the workers' progress lines in edition order."""

    def __init__(self, langs: Sequence[str], progress: Progress) -> None:
        self.langs = list(langs)
        self.progress = progress
        self.waiting: dict[str, list[tuple[str, float]]] = {lang: [] for lang in langs}
        self.finished: set[str] = set()
        self.shown = 0  # editions whose lines are all shown

    def add(self, event: Event) -> None:
        lang, stage, at = event
        if stage is DONE:
            self.finished.add(lang)
        else:
            self.waiting[lang].append((stage, at))
        self.flush()

    def flush(self, everything: bool = False) -> None:
        while self.shown < len(self.langs):
            lang = self.langs[self.shown]
            for stage, at in self.waiting[lang]:
                self.progress(stage, at)
            self.waiting[lang] = []
            if lang not in self.finished and not everything:
                return
            self.shown += 1

    @property
    def complete(self) -> bool:
        return self.finished.issuperset(self.langs)


def build_in_workers(book_dir: Path, langs: Sequence[str], options: BuildOptions,
                     progress: Progress) -> tuple[tuple[Artifact, ...], list[Diagnostic]]:
    """Build `langs` in worker processes; artifacts in edition order, diagnostics merged."""
    context = multiprocessing.get_context()
    events = context.Queue()
    relay = _Relay(langs, progress)
    workers = worker_count(len(langs), options.jobs)
    with ProcessPoolExecutor(max_workers=workers, mp_context=context,
                             initializer=_init_worker, initargs=(events,)) as pool:
        futures = {lang: pool.submit(_edition_worker, book_dir, lang, options)
                   for lang in langs}
        _relay_until_done(events, relay, futures)
    events.close()
    artifacts: list[Artifact] = []
    diags: list[Diagnostic] = []
    for lang in langs:  # raises the first failed edition's error
        edition_artifacts, edition_diags = futures[lang].result()
        artifacts += edition_artifacts
        diags += edition_diags
    return tuple(artifacts), diags


def _relay_until_done(events: Any, relay: _Relay, futures: dict[str, Future]) -> None:
    """Show progress until every edition has sent its last event (or its worker died)."""
    give_up = None
    while not relay.complete:
        try:
            relay.add(events.get(timeout=POLL_SECONDS))
        except queue.Empty:
            if not all(f.done() for f in futures.values()):
                continue
            # a worker that died sends no DONE (its future holds the error); a DONE still
            # in the queue's pipe gets a moment to arrive
            give_up = give_up or time.monotonic() + GRACE_SECONDS
            if time.monotonic() > give_up:
                break
    while True:  # lines still in the queue
        try:
            relay.add(events.get_nowait())
        except queue.Empty:
            break
    relay.flush(everything=True)
