"""`bookforge preview --pdf`: the single-chapter PDF, linked from the page, laid out as in
the full volume (page size, running heads, starting page number) and rebuilt on save."""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

from pypdf import PdfReader

from .preview_support import preview_server
from .test_preview_http import get

PDF_LINK = re.compile(r'href="(/pdf/[^"]+)"')


def page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(page), "-l", str(page), str(pdf),
                           "-"], capture_output=True, text=True, check=True).stdout


def printed_number(text: str) -> str:
    """The page number a page prints (its last or first non-empty line, a number)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for line in (lines[-1], lines[0]):
        m = re.fullmatch(r"(\d+)(\s+.*)?|.*\s(\d+)", line)
        if m:
            return m.group(1) or m.group(3)
    raise AssertionError(f"no page number on page: {lines[:2]} ... {lines[-2:]}")


def wait_for_pdf(url: str, tmp: Path, must_contain: str, timeout: float = 120,
                 doc: str = "01-alpha-01-trust") -> Path:
    """Poll the page until it links a PDF whose first page contains `must_contain`."""
    deadline = time.monotonic() + timeout
    target = tmp / "chapter.pdf"
    while time.monotonic() < deadline:
        _, html, _ = get(url, f"/?edition=en&doc={doc}")
        m = PDF_LINK.search(html.decode())
        if m:
            status, body, ctype = get(url, m.group(1).replace("&amp;", "&"))
            if status == 200 and ctype == "application/pdf":
                target.write_bytes(body)
                if re.search(must_contain, page_text(target, 1)):
                    return target
        time.sleep(0.3)
    raise AssertionError(f"no chapter PDF with {must_contain!r} within {timeout} s")


def full_start(book: Path, out: Path, heading: str) -> tuple[Path, int]:
    """Build the English volume; the PDF and the page where `heading` starts."""
    result = subprocess.run([sys.executable, "-m", "bookforge", "build", str(book), "--edition",
                             "en", "--format", "pdf", "--untagged", "-q", "--out", str(out)],
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    pdf = out / "minimal-en.pdf"
    pages = len(PdfReader(pdf).pages)
    return pdf, next(i for i in range(1, pages + 1) if heading in page_text(pdf, i))


def test_chapter_pdf_matches_the_full_volume(minimal: Path, built_minimal: Path,
                                             tmp_path: Path) -> None:
    full = built_minimal / "minimal-en.pdf"
    reader = PdfReader(full)
    start = next(i for i in range(1, len(reader.pages) + 1)
                 if "CHAPTER 1" in page_text(full, i))
    with preview_server(minimal, "--pdf", "--edition", "en") as server:
        pdf = wait_for_pdf(server.url, tmp_path, "Trust and Social Capital")
        chapter = PdfReader(pdf)
        assert chapter.pages[0].mediabox == reader.pages[start - 1].mediabox
        assert printed_number(page_text(pdf, 1)) == printed_number(page_text(full, start))
        assert "Part Alpha" in page_text(pdf, 2)  # the left-page running head
        assert "Part Alpha" in page_text(full, start + 1)
        assert "Glossary" not in "".join(page_text(pdf, i + 1)
                                         for i in range(len(chapter.pages)))

        source = minimal / "parts/01-alpha/01-trust.en.md"
        source.write_text(source.read_text().replace('title: "Trust and Social Capital"',
                                                     'title: "Trust in Print"'))
        wait_for_pdf(server.url, tmp_path, "Trust in Print")


def test_chapter_pdf_follows_pages_moved_by_another_chapter(minimal: Path,
                                                            tmp_path: Path) -> None:
    doc = "02-beta-01-only-english"
    with preview_server(minimal, "--pdf", "--edition", "en", "--chapter", doc) as server:
        pdf, start = full_start(minimal, tmp_path / "before", "CHAPTER 2")
        before = printed_number(page_text(pdf, start))
        wait_for_pdf(server.url, tmp_path, rf"\n\s*{before}\s*$", doc=doc)
        first = minimal / "parts/01-alpha/01-trust.en.md"
        longer = "\n\n".join(["Cooperation grows slowly and fades quickly. " * 40] * 12)
        first.write_text(first.read_text().replace("A second note.", longer + "\n\nA second note."))
        pdf, start = full_start(minimal, tmp_path / "after", "CHAPTER 2")
        after = printed_number(page_text(pdf, start))
        assert int(after) > int(before)
        wait_for_pdf(server.url, tmp_path, rf"\n\s*{after}\s*$", doc=doc)
