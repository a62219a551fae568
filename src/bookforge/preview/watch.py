"""Preview stage, watch: a daemon thread that reports saved files under the book folder
and styles/ (watchfiles), grouped per save, until its stop event is set."""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import watchfiles


def start_watcher(paths: Sequence[Path], on_change: Callable[[set[Path]], None],
                  stop: threading.Event) -> threading.Thread:
    """Call `on_change(changed paths)` after each burst of file events; returns the thread."""
    existing = [str(p) for p in paths if p.exists()]

    def run() -> None:
        for changes in watchfiles.watch(*existing, stop_event=stop, debounce=600, step=40,
                                        rust_timeout=300, raise_interrupt=False):
            try:
                on_change({Path(p) for _, p in changes})
            except Exception as exc:  # noqa: BLE001 - a bug must not end the watch loop
                print(f"bookforge preview: rebuild failed: {exc!r}", file=sys.stderr)

    thread = threading.Thread(target=run, name="bookforge-preview-watch", daemon=True)
    thread.start()
    return thread
