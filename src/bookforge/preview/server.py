"""Preview stage, serve: `PreviewOptions` -> a loopback HTTP server until Ctrl-C.

Routes: `/` (the page; `?edition=&doc=&view=side`), `/events` (server-sent events, one
`update` per rebuild), `/_preview/*` (this package's script and stylesheet), `/styles/*.css`,
`/book/*` (the book's images) and `/pdf/*` (single-chapter PDFs). Nothing else is served:
no listings, no `..` or encoded escapes, no absolute paths, no symlinks out of the roots.
"""

from __future__ import annotations

import errno
import ipaddress
import re
import shutil
import signal
import sys
import tempfile
import threading
import webbrowser
from dataclasses import dataclass
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote

from ..files import styles_dir
from ..transform.resources import IMAGE_SUFFIXES, IMAGE_TYPES
from .engine import PreviewEngine
from .page import PageRequest, default_request, render_page
from .watch import start_watcher

ASSET_DIR = Path(__file__).resolve().parent.parent / "templates" / "preview"
CONTENT_TYPES = {**IMAGE_TYPES, ".css": "text/css", ".js": "text/javascript",
                 ".pdf": "application/pdf"}
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; "
       "frame-ancestors 'none'; form-action 'none'")
DRIVE_RE = re.compile(r"^[A-Za-z]:")


@dataclass(frozen=True)
class PreviewOptions:
    book_dir: Path
    chapter: str | None = None
    edition: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    open_browser: bool = False
    pdf: bool = False


def is_loopback(host: str) -> bool:
    """True for `localhost` and loopback addresses (127.0.0.0/8, ::1)."""
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_warning(host: str) -> str | None:
    """The warning printed when the preview listens beyond this machine."""
    if is_loopback(host):
        return None
    return (f"warning: the preview listens on {host}: other machines can read the book "
            "(use the default 127.0.0.1 to keep it private)")


def safe_file(root: Path, raw: str, suffixes: set[str] | None = None) -> Path | None:
    """The file `raw` (a still percent-encoded URL path below a route) names under `root`,
    or None when it is not a plain relative path to a regular file inside `root`."""
    decoded = unquote(raw)
    if any(c in decoded for c in "\\\0%") or decoded.startswith("/") or DRIVE_RE.match(decoded):
        return None
    if any(seg in ("", ".", "..") for seg in decoded.split("/")):
        return None
    real_root = root.resolve()
    path = (real_root / decoded).resolve()
    if not path.is_relative_to(real_root) or not path.is_file():
        return None
    if suffixes is not None and path.suffix.lower() not in suffixes:
        return None
    return path


class Hub:
    """Tells the event streams that a new version is ready."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self.version = "0"
        self.stopping = False

    def publish(self, version: str) -> None:
        with self._cond:
            self.version = version
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self.stopping = True
            self._cond.notify_all()

    def wait(self, seen: str | None, timeout: float) -> str | None:
        with self._cond:
            self._cond.wait_for(lambda: self.stopping or self.version != seen, timeout)
            return None if self.stopping or self.version == seen else self.version


class Preview:
    """The running preview: engine, event hub, PDF builder and the default page."""

    def __init__(self, options: PreviewOptions) -> None:
        self.options = options
        self.engine = PreviewEngine(options.book_dir)
        self.hub = Hub()
        self.stop_event = threading.Event()
        self.pdf = None
        if options.pdf:
            from .chapter_pdf import ChapterPdfs

            self.pdf = ChapterPdfs(Path(tempfile.mkdtemp(prefix="bookforge-pdf-")), self.publish)
        self.rebuild(set())

    def version(self) -> str:
        pdf_gen = self.pdf.generation if self.pdf else 0
        return f"{self.engine.snapshot.version}.{pdf_gen}"

    def publish(self) -> None:
        self.hub.publish(self.version())

    def rebuild(self, changed: set[Path]) -> None:
        snapshot = self.engine.refresh(changed)
        if self.pdf:
            self.pdf.changed(snapshot, changed)
        self.publish()

    def default_request(self) -> PageRequest:
        return default_request(self.engine.snapshot, self.options.edition, self.options.chapter)

    def page(self, query: dict[str, list[str]]) -> tuple[int, str]:
        req = self.default_request()
        lang = (query.get("edition") or [req.lang])[0]
        doc_id = (query.get("doc") or [req.doc_id])[0]
        request = PageRequest(lang, doc_id, (query.get("view") or [""])[0] == "side")
        with self.engine.lock:
            snapshot, version = self.engine.snapshot, self.version()  # version first: a PDF
            href, status = (None, "")  # finished meanwhile is announced as newer
            if self.pdf:
                href, status = self.pdf.link(snapshot, request.lang, request.doc_id)
            return render_page(snapshot, request, href, status, version)


class Handler(BaseHTTPRequestHandler):
    server_version = "bookforge-preview"
    sys_version = ""
    preview: Preview  # set on the subclass made by `make_server`

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass  # keep the author's terminal for diagnostics

    def do_HEAD(self) -> None:  # noqa: N802 - http.server's naming
        self.do_GET()

    def do_GET(self) -> None:  # noqa: N802
        if not self._host_ok():
            return self._error(HTTPStatus.MISDIRECTED_REQUEST, "unexpected Host header")
        target = self.path
        if not target.startswith("/") or target.startswith("//"):
            return self._error(HTTPStatus.BAD_REQUEST, "bad request target")
        path, _, query = target.partition("?")
        if path in ("/", "/index.html"):
            try:
                code, html = self.preview.page(parse_qs(query))
            except Exception as exc:  # noqa: BLE001 - a bug shows as a 500, the server stays
                print(f"bookforge preview: page failed: {exc!r}", file=sys.stderr)
                return self._error(HTTPStatus.INTERNAL_SERVER_ERROR, "the page failed to render")
            return self._send(code, html.encode(), "text/html; charset=utf-8")
        if path == "/events":
            return self._events()
        for prefix, root, suffixes in self._routes():
            if path.startswith(prefix) and root is not None:
                file = safe_file(root, path[len(prefix):], suffixes)
                if file is None:
                    break
                return self._send(HTTPStatus.OK, file.read_bytes(),
                                  CONTENT_TYPES.get(file.suffix.lower(), "text/plain"))
        self._error(HTTPStatus.NOT_FOUND, "not found")

    def _routes(self) -> list[tuple[str, Path | None, set[str] | None]]:
        pdf_dir = self.preview.pdf.out_dir if self.preview.pdf else None
        return [("/_preview/", ASSET_DIR, {".js", ".css"}),
                ("/styles/", styles_dir(), {".css"}),
                ("/book/", self.preview.engine.book_dir, IMAGE_SUFFIXES),
                ("/pdf/", pdf_dir, {".pdf"})]

    def _host_ok(self) -> bool:
        """On loopback, only loopback Host names (DNS rebinding cannot read the book)."""
        if not is_loopback(self.preview.options.host):
            return True
        host = (self.headers.get("Host") or "").strip()
        name = host[1:].split("]")[0] if host.startswith("[") else host.rsplit(":", 1)[0]
        return is_loopback(name)

    def _send(self, code: int, body: bytes, ctype: str) -> None:
        self.send_response(code)
        if ctype.startswith("text/") and "charset" not in ctype:
            ctype += "; charset=utf-8"
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Content-Security-Policy", CSP)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _error(self, code: int, message: str) -> None:
        self._send(code, f"{int(code)} {message}\n".encode(), "text/plain")

    def _events(self) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        hub, seen = self.preview.hub, None
        try:
            self.wfile.write(b"retry: 500\n\n")
            while not hub.stopping:
                version = hub.wait(seen, timeout=15)
                if version is None:
                    self.wfile.write(b": keep-alive\n\n")
                else:
                    self.wfile.write(f"event: update\ndata: {version}\n\n".encode())
                    seen = version
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


def make_server(preview: Preview) -> ThreadingHTTPServer:
    """Bind the host and the first free port from `options.port` (0: any free port)."""
    handler = type("PreviewHandler", (Handler,), {"preview": preview})
    ThreadingHTTPServer.daemon_threads = True
    port = preview.options.port
    last: OSError | None = None
    for candidate in ([0] if port == 0 else range(port, port + 50)):
        try:
            server = ThreadingHTTPServer((preview.options.host, candidate), handler)
            server.daemon_threads = True
            return server
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            last = exc
    raise OSError(f"no free port from {port} to {port + 49}") from last


def _announce(preview: Preview, server: ThreadingHTTPServer) -> str:
    """Print the book's errors, a bad --edition and the URL; returns the URL."""
    options, snapshot = preview.options, preview.engine.snapshot
    host, port = server.server_address[:2]
    url = f"http://{f'[{host}]' if ':' in str(host) else host}:{port}/"
    for d in snapshot.errors:
        print(d.format(), file=sys.stderr)
    languages = snapshot.book.config.languages if snapshot.book else ()
    if options.edition and languages and options.edition not in languages:
        print(f"warning: edition '{options.edition}' is not in book.toml languages "
              f"{list(languages)}; showing {languages[0]}", file=sys.stderr)
    print(f"bookforge preview: serving {options.book_dir} at {url}  (Ctrl-C stops)", flush=True)
    return url


def _stop(preview: Preview, server: ThreadingHTTPServer) -> None:
    preview.stop_event.set()
    preview.hub.stop()
    if preview.pdf:
        preview.pdf.stop()
        shutil.rmtree(preview.pdf.out_dir, ignore_errors=True)
    server.server_close()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(options: PreviewOptions) -> int:
    """Run the preview until Ctrl-C (or SIGTERM). Returns the exit status."""
    warning = host_warning(options.host)
    if warning:
        print(warning, file=sys.stderr)
    preview = Preview(options)
    server = make_server(preview)
    start_watcher([preview.engine.book_dir, styles_dir()], preview.rebuild, preview.stop_event)
    url = _announce(preview, server)
    if options.open_browser:
        webbrowser.open(url)
    signal.signal(signal.SIGTERM, _raise_interrupt)
    # Ctrl-C stops it even when started from a process that ignores SIGINT (a child
    # inherits an ignored signal, and Python then installs no handler of its own)
    signal.signal(signal.SIGINT, _raise_interrupt)
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("bookforge preview: stopped", file=sys.stderr)
    finally:
        _stop(preview, server)
    return 0
