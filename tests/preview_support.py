"""Helpers for the preview tests: run `bookforge preview` in a subprocess on a free port."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

URL_RE = re.compile(r"http://[^\s]+/")
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


@dataclass(frozen=True)
class Running:
    url: str
    book: Path
    process: subprocess.Popen[str]


def _read_url(proc: subprocess.Popen[str], timeout: float) -> str:
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    seen = ""
    while time.monotonic() < deadline:
        if not sel.select(timeout=deadline - time.monotonic()):
            break
        line = proc.stdout.readline()
        if not line:
            break
        seen += line
        m = URL_RE.search(line)
        if m:
            return m.group(0)
    raise AssertionError(f"preview printed no URL: {seen!r}")


@contextmanager
def preview_server(book: Path, *args: str, timeout: float = 60) -> Iterator[Running]:
    """Start the preview, yield its URL; stop it with SIGINT (Ctrl-C) and check it exits 0."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bookforge", "preview", str(book),
                             "--port", "0", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env)
    try:
        yield Running(_read_url(proc, timeout), book, proc)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
            raise AssertionError("preview did not stop on Ctrl-C") from None
    assert proc.returncode == 0, proc.stderr.read() if proc.stderr else ""
