"""Resources outside the book are refused, reported, and never reach the outputs."""

import zipfile
from pathlib import Path

import pytest

from bookforge.pdf.layout import BookFetcher
from bookforge.source.load import load_book
from bookforge.transform import transform_edition

from .conftest import run_cli

SECRET = b"TOP-SECRET-BYTES-4242"


@pytest.fixture
def escaping(minimal: Path) -> Path:
    (minimal.parent / "secret.png").write_bytes(SECRET)
    path = minimal / "parts/01-alpha/01-trust.en.md"
    path.write_text(path.read_text() + "\n![host](file:///etc/hostname)\n\n"
                    "![up](../../../secret.png)\n\n![abs](/etc/hostname)\n\n"
                    "![web](https://example.org/x.png)\n\n![none](../../assets/missing.png)\n")
    return minimal


def test_refused_resources_are_diagnosed(escaping: Path) -> None:
    book, _ = load_book(escaping)
    diags = [d for d in transform_edition(book, "en").diagnostics if d.code.startswith("resource")]
    assert {d.code for d in diags} == {"resource-refused", "resource-missing"}
    assert all(d.path == "parts/01-alpha/01-trust.en.md" and d.line > 30 for d in diags)
    assert len(diags) == 5


def test_build_goes_on_without_them(escaping: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = run_cli("build", str(escaping), "--out", str(out), "--edition", "en", "-q")
    assert result.returncode == 1  # errors reported ...
    assert "resource-refused" in result.stderr and "file:///etc/hostname" in result.stderr
    pdf, epub = out / "minimal-en.pdf", out / "minimal-en.epub"
    assert pdf.exists() and epub.exists()  # ... and the book was still built
    hostname = Path("/etc/hostname").read_bytes().strip()
    with zipfile.ZipFile(epub) as z:
        names = z.namelist()
        blob = b"".join(z.read(n) for n in names)
    assert not any("secret" in n or "hostname" in n for n in names)
    assert SECRET not in blob and SECRET not in pdf.read_bytes()
    if len(hostname) > 6:
        assert hostname not in blob


@pytest.mark.parametrize("url", [
    "file:///etc/hostname", "https://example.org/a.png", "http://127.0.0.1/a.png",
])
def test_fetcher_refuses_outside(minimal: Path, url: str) -> None:
    refused: list[str] = []
    fetcher = BookFetcher([minimal], refused)
    with pytest.raises(ValueError):
        fetcher.fetch(url)
    assert refused == [url]


def test_fetcher_refuses_dot_dot_escape(minimal: Path) -> None:
    (minimal.parent / "secret.png").write_bytes(SECRET)
    refused: list[str] = []
    fetcher = BookFetcher([minimal], refused)
    with pytest.raises(ValueError):
        fetcher.fetch((minimal / "assets" / ".." / ".." / "secret.png").as_uri())
    ok = fetcher.fetch((minimal / "assets" / "diagram.svg").as_uri())
    assert ok is not None
