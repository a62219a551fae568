"""The preview server at the HTTP level: what it serves and what it refuses (listings,
`..` and encoded escapes, absolute paths, symlinks out of the book, foreign Host headers),
and the port fallback."""

from __future__ import annotations

import http.client
import os
import re
import socket
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from bookforge.preview.engine import PreviewEngine
from bookforge.preview.page import default_request
from bookforge.preview.server import host_warning, safe_file

from .preview_support import preview_server


def get(url: str, path: str, host: str | None = None) -> tuple[int, bytes, str]:
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    conn.putrequest("GET", path, skip_host=True)
    conn.putheader("Host", host or parts.netloc)
    conn.endheaders()
    resp = conn.getresponse()
    body = resp.read()
    conn.close()
    return resp.status, body, resp.getheader("Content-Type") or ""


REFUSED = [
    "/book/../book.toml",
    "/book/assets/../../../../etc/passwd",
    "/book/%2e%2e/book.toml",
    "/book/%2E%2E%2Fbook.toml",
    "/book/..%2fbook.toml",
    "/book/assets/%2e%2e%2f%2e%2e%2fbook.toml",
    "/book/%252e%252e/book.toml",
    "/book//etc/passwd",
    "/book/%2Fetc%2Fpasswd",
    "/book/assets%5c..%5c..%5cbook.toml",
    "/styles/../pyproject.toml",
    "/styles/%2e%2e/pyproject.toml",
    "/_preview/../preview/server.py",
    "/_preview/page.html",
    "/book/book.toml",
    "/book/glossary.csv",
    "/book/parts/01-alpha/01-trust.en.md",
    "/book/assets/",
    "/book/assets",
    "/book/",
    "/pdf/",
    "/etc/passwd",
    "//etc/passwd",
]


@pytest.fixture
def outside_links(minimal: Path, tmp_path: Path) -> Path:
    """Symlinks from inside the book to an image and a folder outside it."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'>SECRET</svg>")
    os.symlink(outside / "secret.svg", minimal / "assets" / "link.svg")
    os.symlink(outside, minimal / "assets" / "outdir")
    return minimal


def test_serves_page_assets_and_refuses_everything_else(outside_links: Path) -> None:
    with preview_server(outside_links) as server:
        assert urlsplit(server.url).hostname == "127.0.0.1"
        status, body, ctype = get(server.url, "/")
        assert status == 200 and ctype.startswith("text/html")
        assert b"Kepercayaan dan Modal Sosial" in body
        status, body, ctype = get(server.url, "/book/assets/diagram.svg")
        assert status == 200 and ctype == "image/svg+xml" and b"<svg" in body
        assert get(server.url, "/_preview/preview.js")[0] == 200
        assert get(server.url, "/styles/epub.css")[0] == 200
        for path in [*REFUSED, "/book/assets/link.svg", "/book/assets/outdir/secret.svg"]:
            status, body, _ = get(server.url, path)
            assert status in (400, 403, 404), (path, status)
            assert b"SECRET" not in body and b"[title]" not in body and b"root:" not in body
            assert b"<a href" not in body, f"{path} looks like a listing"
        status, _, _ = get(server.url, "/", host="evil.example:80")  # DNS rebinding
        assert status == 421
        assert get(server.url, "http://127.0.0.1/")[0] == 400  # absolute-form target


def test_next_free_port_is_used(minimal: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        import subprocess
        import sys

        proc = subprocess.Popen([sys.executable, "-m", "bookforge", "preview", str(minimal),
                                 "--port", str(port)], stdout=subprocess.PIPE, text=True)
        try:
            assert proc.stdout is not None
            line = proc.stdout.readline()
            m = re.search(r"http://127\.0\.0\.1:(\d+)/", line)
            assert m, line
            assert int(m.group(1)) > port
            assert get(m.group(0), "/")[0] == 200
        finally:
            proc.send_signal(2)
            assert proc.wait(timeout=15) == 0


@pytest.mark.parametrize("raw", ["../x.svg", "%2e%2e/x.svg", "a/%2e%2e/%2e%2e/x.svg",
                                 "/etc/passwd", "C:/x.svg", "a//b.svg", "%252e%252e/x.svg"])
def test_safe_file_refuses_escapes(tmp_path: Path, raw: str) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "x.svg").write_text("<svg/>")
    assert safe_file(tmp_path / "a", raw) is None


@pytest.mark.parametrize("host,warns", [("127.0.0.1", False), ("localhost", False),
                                        ("::1", False), ("127.0.0.2", False),
                                        ("0.0.0.0", True), ("192.168.1.20", True),
                                        ("::", True), ("example.org", True)])
def test_only_loopback_is_quiet(host: str, warns: bool) -> None:
    assert (host_warning(host) is not None) == warns


@pytest.mark.parametrize("chapter,lang,doc_id", [
    (None, "id", "01-alpha-01-trust"),  # the book's first chapter
    ("01-only-english", "id", "02-beta-01-only-english"),
    ("02-beta-01-only-english", "id", "02-beta-01-only-english"),
    ("parts/01-alpha/01-trust.en.md", "en", "01-alpha-01-trust"),  # a file picks its edition
    ("preface", "id", "front-preface"),
])
def test_chapter_option_accepts_slug_id_or_path(minimal: Path, chapter: str | None, lang: str,
                                                doc_id: str) -> None:
    snapshot = PreviewEngine(minimal).refresh()
    request = default_request(snapshot, None, chapter)
    assert (request.lang, request.doc_id) == (lang, doc_id)
    full_path = str(minimal / "parts/01-alpha/01-trust.en.md")
    assert default_request(snapshot, "id", full_path).lang == "en"


def test_ctrl_c_stops_it_when_started_with_sigint_ignored(minimal: Path) -> None:
    """A child inherits an ignored SIGINT (a test runner, nohup, a shell's background job):
    the preview installs its own handler, so Ctrl-C still stops it."""
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "bookforge", "preview", str(minimal), "--port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
    try:
        assert "http://" in (proc.stdout.readline() if proc.stdout else "")
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
