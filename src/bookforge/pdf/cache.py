"""Stage 6a, pdf cache: laid-out units kept on disk between runs.

A unit's key covers everything its layout reads: its HTML, the stylesheet, the files its
HTML points at (images: path, size, modification time), the fonts fontconfig can see (each
file's path, size and modification time), the WeasyPrint and bookforge versions and the PDF
options. Nothing position-dependent is in a unit (see `units`), so an edit to one chapter
leaves every other chapter's entry valid. An entry is a checksum line then the pickled
`UnitLayout`; one whose checksum or key does not match is removed and laid out again. The
build keeps its formatted citations in the same folder (`cached_formatter`).
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import pickle
import re
import subprocess
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote

from .. import __version__
from ..files import styles_dir
from .units import UnitJob, UnitLayout

MAGIC = b"bookforge-unit 1\n"
SRC_RE = re.compile(r'\ssrc="([^"#?]+)')

Arrived = Callable[[int, UnitLayout], None]


class Runner(Protocol):
    """Lays `jobs` out and returns their layouts in order. `arrived(i, layout)` is called
    in this thread as the layout of job i is known, and `meanwhile()` once the jobs are
    handed out, before the wait: work this process can do while the workers lay out."""

    def __call__(self, jobs: Sequence[UnitJob], arrived: Arrived | None = None,
                 meanwhile: Callable[[], None] | None = None) -> list[UnitLayout]: ...


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "bookforge" / "units"


@lru_cache(maxsize=1)
def weasyprint_version() -> str:
    """The installed WeasyPrint's version, read without importing it (this process need
    not lay anything out)."""
    return importlib.metadata.version("weasyprint")


@lru_cache(maxsize=4)
def fonts_identity(config: str) -> str:
    """The font files fontconfig offers (`config`: FONTCONFIG_FILE, part of the key)."""
    try:
        listed = subprocess.run(["fc-list", "--format", "%{file}\n"], capture_output=True,
                                text=True, check=False).stdout
    except OSError:
        return ""
    digest = hashlib.sha256(config.encode())
    for name in sorted(set(listed.splitlines())):
        try:
            stat = os.stat(name)
        except OSError:
            continue
        digest.update(f"{name}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def _files_read(html: str, root: Path) -> list[str]:
    out = []
    for src in sorted(set(SRC_RE.findall(html))):
        path = (root / unquote(src)).resolve()
        try:
            stat = path.stat()
        except OSError:
            out.append(f"{src}\0missing")
            continue
        out.append(f"{src}\0{stat.st_size}\0{stat.st_mtime_ns}")
    return out


def unit_key(job: UnitJob) -> str:
    digest = hashlib.sha256(MAGIC)
    css = (styles_dir() / "print.css").read_bytes()
    for part in (weasyprint_version(), __version__, repr(job.options),
                 repr(sorted(job.doc_ids)), fonts_identity(os.environ.get("FONTCONFIG_FILE", "")),
                 *_files_read(job.html, Path(job.book_root))):
        digest.update(part.encode("utf-8") + b"\0")
    digest.update(css + b"\0")
    digest.update(job.html.encode("utf-8"))
    return digest.hexdigest()


class UnitCache:
    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory or cache_dir()

    def _path(self, key: str) -> Path:
        return self.directory / key[:2] / f"{key}.unit"

    def get(self, key: str, kind: type = UnitLayout) -> Any:
        """The `kind` object stored under `key`, or None."""
        path = self._path(key)
        try:
            data = path.read_bytes()
        except OSError:
            return None
        head, _, rest = data.partition(b"\n")
        checksum, _, payload = rest.partition(b"\n")
        if (head + b"\n" != MAGIC or checksum.decode("ascii", "replace")
                != hashlib.sha256(key.encode() + payload).hexdigest()):
            path.unlink(missing_ok=True)  # corrupt or from another key: never used
            return None
        try:
            layout = pickle.loads(payload)
        except Exception:  # noqa: BLE001 - a checksum-valid entry of an older format
            path.unlink(missing_ok=True)
            return None
        return layout if isinstance(layout, kind) else None

    def put(self, key: str, layout: object) -> None:
        """Store atomically; a cache that cannot be written is no error."""
        path = self._path(key)
        payload = pickle.dumps(layout, protocol=pickle.HIGHEST_PROTOCOL)
        checksum = hashlib.sha256(key.encode() + payload).hexdigest().encode()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_bytes(MAGIC + checksum + b"\n" + payload)
            os.replace(tmp, path)
        except OSError:
            pass


def served(cache: UnitCache | None, jobs: Sequence[Any], key: Callable[[Any], str],
           kind: type, compute: Callable[..., list[Any]],
           computed: list[Any] | None = None,
           arrived: Callable[[int, Any], None] | None = None,
           meanwhile: Callable[[], None] | None = None) -> list[Any]:
    """The result of each job: what `cache` holds under its key, the rest from one call of
    `compute` (stored back); the jobs computed are appended to `computed`. Given `arrived`
    or `meanwhile`, `compute` is a `Runner`: it tells `arrived` of each result as it comes,
    and before its wait runs `meanwhile` and tells `arrived` of those held in the cache."""
    keys = [key(j) for j in jobs] if cache is not None else [""] * len(jobs)
    found = [cache.get(k, kind) if cache is not None else None for k in keys]
    missing = [j for j, f in zip(jobs, found, strict=True) if f is None]
    at = [i for i, f in enumerate(found) if f is None]

    def before_the_wait() -> None:
        if meanwhile is not None:
            meanwhile()
        if arrived is not None:
            for i, hit in enumerate(found):
                if hit is not None:
                    arrived(i, hit)

    if not missing:
        before_the_wait()
        fresh = iter([])
    elif arrived is None and meanwhile is None:
        fresh = iter(compute(missing))
    else:
        told = None if arrived is None else (lambda j, result: arrived(at[j], result))
        fresh = iter(compute(missing, told, before_the_wait))
    out = []
    for job, k, hit in zip(jobs, keys, found, strict=True):
        if hit is None:
            hit = next(fresh)
            if computed is not None:
                computed.append(job)
            if cache is not None:
                cache.put(k, hit)
        out.append(hit)
    return out


def cached(runner: Runner, cache: UnitCache | None, laid_out: list[str]) -> Runner:
    """`runner` serving what `cache` holds; the names of units it really lays out are
    appended to `laid_out`."""

    def run(jobs: Sequence[UnitJob], arrived: Arrived | None = None,
            meanwhile: Callable[[], None] | None = None) -> list[UnitLayout]:
        computed: list[UnitJob] = []
        out = served(cache, jobs, unit_key, UnitLayout, runner, computed, arrived, meanwhile)
        laid_out.extend(j.name for j in computed)
        return out

    return run


def in_process(jobs: Sequence[UnitJob], arrived: Arrived | None = None,
               meanwhile: Callable[[], None] | None = None) -> list[UnitLayout]:
    from .units import lay_out_unit

    if meanwhile is not None:
        meanwhile()
    out = []
    for i, job in enumerate(jobs):
        out.append(lay_out_unit(job))
        if arrived is not None:
            arrived(i, out[-1])
    return out


def cached_formatter(mapper: Callable[[Callable[[Any], Any], Sequence[Any]], list[Any]],
                     cache: UnitCache | None) -> Callable[[Sequence[Any]], list[Any]]:
    """A citation formatter (transform `CitationFormatter`) that serves what `cache`
    holds and formats the rest with `mapper(run_job, jobs)` (a worker pool's map)."""
    from ..transform.csl import Formatted, run_job

    return lambda jobs: served(cache, jobs, lambda j: j.key(), Formatted,
                               lambda missing: mapper(run_job, missing))
