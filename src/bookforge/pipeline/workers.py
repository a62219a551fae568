"""Layout workers: the units of every edition of a build are laid out by one pool of worker
processes (`--jobs N`, default the CPU count), so editions built at once share it (their
units queue up in the same pool) and a long edition uses every core. The queue is ranked:
an edition started earlier has its units laid out first (its later rounds too, ahead of
the other editions' waiting units), so it is joined and packaged while the workers lay
out the next; editions taking equal turns would all be joined at the end, one after the
other, with the workers idle.

A worker gets a `UnitJob` (HTML, options, plain data) and returns a `UnitLayout` (the PDF
fragment, anchor -> page map, folio kinds, page-map lines): never a WeasyPrint object.
A worker stays up while an edition's units are laid out, so fonts are loaded once per
process rather than once per unit; the workers exit before the join (`release`), or, when
editions are built at once, before the last edition's join (`idle_after`).
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import multiprocessing
import os
import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import CancelledError, Future, ProcessPoolExecutor
from types import TracebackType
from typing import Any, TypeVar

from ..pdf.cache import Arrived, Runner, in_process
from ..pdf.options import PdfOptions
from ..pdf.units import UnitJob, UnitLayout, lay_out_unit

T = TypeVar("T")
R = TypeVar("R")


def worker_count(jobs: int | None) -> int:
    """Layout processes: `jobs`, or one per CPU."""
    return max(1, jobs or os.cpu_count() or 1)


def _size(job: UnitJob) -> int:
    return len(job.html)


WARM_UP_HTML = ("<html lang=\"{lang}\"><body><h1>Aa <em>Bb</em></h1><p>Cc <em>Dd</em> "
                "<strong>Ee</strong> <code>Ff</code></p><table><tr><th>Gg</th><td>Hh</td>"
                "</tr></table></body></html>")


def _warm_up(job: UnitJob) -> None:
    """A new worker's first layout, before any unit reaches it: the fonts, the parsed
    stylesheets and WeasyPrint's first-use work are ready when the first unit comes."""
    try:
        lay_out_unit(job)
    except Exception:  # noqa: BLE001 - a warm-up that fails leaves the unit to report it
        pass


class UnitPool:
    """A context manager whose `run` lays units out: in worker processes, or in this
    process for `jobs` 1 (or a single unit, see `_here`)."""

    def __init__(self, jobs: int | None) -> None:
        self.workers = worker_count(jobs)
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()
        # set while several editions (threads of this process) share the pool: then even a
        # single unit goes to a worker, WeasyPrint is never run in two threads at once
        self.shared = False
        self._stopped = threading.Event()
        # held by the edition thread whose work runs in this process; released while it
        # waits on the workers (see `turn`)
        self._turn = threading.Lock()
        self._holding = threading.local()
        self._warm: UnitJob | None = None
        # work not yet handed to the processes: (rank, order, function, item, future);
        # at most `workers` + 1 items are in the processes' hands at once
        self._queue: list[tuple[int, int, Callable[[Any], Any], Any, Future[Any]]] = []
        self._order = itertools.count()
        self._handed = 0

    def __enter__(self) -> UnitPool:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.release(cancel=exc is not None)

    def release(self, cancel: bool = False) -> None:
        """Let the workers exit (the next `run` starts new ones): a process keeps the memory
        of the largest unit it laid out, which the join in this process should not have to
        share the machine with."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=cancel)

    def stop(self) -> None:
        """End the build's layouts (Ctrl-C, or another edition failed): queued units are
        cancelled, running ones finish, and every later `run`, `map` or idle callback
        raises KeyboardInterrupt in its edition's thread, so nothing more is written."""
        self._stopped.set()
        with self._lock:
            queued, self._queue = self._queue, []
        for *_, future in queued:
            future.cancel()
        self.release(cancel=True)

    def rank(self, rank: int) -> None:
        """This thread's work goes before that of threads of a higher `rank` (0 first;
        the editions of a build in the order they were asked for)."""
        self._holding.rank = rank

    def _submit(self, pool: ProcessPoolExecutor, function: Callable[[T], R], item: T
                ) -> Future[R]:
        """`function(item)` queued by this thread's rank, then by the order it came."""
        future: Future[R] = Future()
        with self._lock:
            heapq.heappush(self._queue, (getattr(self._holding, "rank", 0),
                                         next(self._order), function, item, future))
        self._hand_out(pool)
        return future

    def _hand_out(self, pool: ProcessPoolExecutor) -> None:
        """The first queued items to the processes, while fewer than `workers` + 1 are
        in their hands (one waits for each worker, so none waits on this thread)."""
        while True:
            with self._lock:
                if self._handed > self.workers or not self._queue:
                    return
                *_, function, item, future = heapq.heappop(self._queue)
                if not future.set_running_or_notify_cancel():
                    continue
                self._handed += 1
            try:
                inner = pool.submit(function, item)
            except BaseException as exc:  # noqa: BLE001 - the pool shut down (stopped)
                with self._lock:
                    self._handed -= 1
                future.set_exception(exc)
                continue
            inner.add_done_callback(
                lambda done, outer=future: self._returned(pool, done, outer))

    def _returned(self, pool: ProcessPoolExecutor, inner: Future[Any], outer: Future[Any]
                  ) -> None:
        with self._lock:
            self._handed -= 1
        if inner.cancelled():
            outer.set_exception(CancelledError())
        elif inner.exception() is not None:
            outer.set_exception(inner.exception())  # type: ignore[arg-type]
        else:
            outer.set_result(inner.result())
        if not self._stopped.is_set():
            self._hand_out(pool)

    def _check(self) -> None:
        if self._stopped.is_set():
            raise KeyboardInterrupt("build stopped")

    def idle_after(self, count: int) -> Callable[[], None]:
        """A callback for `count` editions built at once, each calling it once it lays
        nothing more out: the last call releases the workers."""
        left = [count]

        def idle() -> None:
            self._check()
            with self._lock:
                left[0] -= 1
                last = left[0] == 0
            if last:
                self.release()

        return idle

    def _executor(self) -> ProcessPoolExecutor:
        self._check()
        with self._lock:
            if self._pool is None:
                warm = {} if self._warm is None else {"initializer": _warm_up,
                                                      "initargs": (self._warm,)}
                self._pool = ProcessPoolExecutor(max_workers=self.workers,
                                                 mp_context=multiprocessing.get_context(),
                                                 **warm)
            return self._pool

    def warm_up(self, book_root: str, options: PdfOptions, lang: str) -> None:
        """Start the workers now, each laying a few lines out in the book's fonts and
        stylesheet while this process transforms the book."""
        self._warm = UnitJob("warm-up", WARM_UP_HTML.format(lang=lang), book_root, options,
                             frozenset())
        self.start()

    def start(self) -> None:
        """Fork the workers now, from this thread alone: a process forked while another
        thread holds a lock (stderr's, an import's) can wait on it for ever."""
        if self.workers > 1:
            self._executor().submit(int)  # (forks them all, with a fork context)

    @contextlib.contextmanager
    def turn(self) -> Iterator[None]:
        """An edition thread's work in this process, one thread at a time: the threads
        overlap only while they wait on the workers. pikepdf, lxml and zlib let go of the
        interpreter lock, and two editions joining or packaging at once is not what they
        are known to be safe for (a DejaVu-only suite run once died of a double free
        there); one edition's join still overlaps the others' layouts."""
        with self._turn:
            self._holding.turn = True
            try:
                yield
            finally:
                self._holding.turn = False

    def _results(self, futures: Sequence[Future[R]],
                 arrived: Callable[[int, R], None] | None = None,
                 meanwhile: Callable[[], None] | None = None) -> list[R]:
        """The futures' results, waited for outside the turn when this thread holds it;
        `meanwhile()` first, and `arrived(i, result)` as each arrives (both in the turn).
        A failure ends the wait at once; the first failure in order is raised."""
        held = getattr(self._holding, "turn", False)
        if meanwhile is not None:
            meanwhile()
        # (told by the futures' callbacks, which cancelling a future calls too: a future
        # cancelled by `stop` never reaches the waiters of `concurrent.futures.wait`)
        done: queue.SimpleQueue[Future[R]] = queue.SimpleQueue()
        index = {f: i for i, f in enumerate(futures)}
        for future in futures:
            future.add_done_callback(done.put)
        for _ in futures:
            if held:
                self._turn.release()
            try:
                future = done.get()
            finally:
                if held:
                    self._turn.acquire()
            if future.cancelled() or future.exception() is not None:
                break
            if arrived is not None:
                arrived(index[future], future.result())
        if held:
            self._turn.release()
        try:
            return [f.result() for f in futures]
        finally:
            if held:
                self._turn.acquire()

    def _here(self, count: int, meanwhile: Callable[[], None] | None = None) -> bool:
        """Whether to do `count` jobs in this process: with one worker, or a single job
        no other work overlaps (a process would only delay it), unless the workers
        are running already (warm: they laid out the book's fonts) and this process has
        `meanwhile` work to do while one of them lays the unit out."""
        alone = count == 1 and not self.shared and (meanwhile is None or self._pool is None)
        return self.workers == 1 or alone

    def map(self, function: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """`function` of each item (plain data both ways), in the workers."""
        if self._here(len(items)):
            return [function(i) for i in items]
        try:
            pool = self._executor()
            return self._results([self._submit(pool, function, i) for i in items])
        except (CancelledError, RuntimeError):
            self._check()
            raise

    def run(self, jobs: Sequence[UnitJob], arrived: Arrived | None = None,
            meanwhile: Callable[[], None] | None = None) -> list[UnitLayout]:
        if self._here(len(jobs), meanwhile):
            return in_process(jobs, arrived, meanwhile)
        pool = self._executor()
        # the longest units first, so no core waits on one long unit started last
        order = sorted(range(len(jobs)), key=lambda i: -_size(jobs[i]))
        try:
            futures = {i: self._submit(pool, lay_out_unit, jobs[i]) for i in order}
            return self._results([futures[i] for i in range(len(jobs))], arrived, meanwhile)
        except (CancelledError, RuntimeError):  # stopped meanwhile (a pool shut down
            self._check()  # refuses new units with RuntimeError)
            raise

    @property
    def runner(self) -> Runner:
        return self.run
