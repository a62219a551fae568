"""Hostile sizes: each input is generated here, at test time, and must give a diagnostic
naming file:line or build within memory, never a traceback or a hang (every run has a
timeout). The full builds of the slowest inputs are marked slow."""

from __future__ import annotations

import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from .conftest import ROOT

CHAPTER = "parts/01-alpha/01-trust.en.md"


def run(*args: str, timeout: int) -> subprocess.CompletedProcess[str]:
    """The CLI under /usr/bin/time, so the peak memory is measured as well."""
    return subprocess.run(["/usr/bin/time", "-f", "maxrss-kb=%M", sys.executable, "-m",
                           "bookforge", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


def peak_mb(result: subprocess.CompletedProcess[str]) -> float:
    m = re.search(r"maxrss-kb=(\d+)", result.stderr)
    assert m, result.stderr[-400:]
    return int(m.group(1)) / 1024


def append(book: Path, text: str) -> int:
    """Add `text` to the English chapter; returns the line it starts on."""
    path = book / CHAPTER
    before = path.read_text(encoding="utf-8")
    path.write_text(before + "\n" + text, encoding="utf-8")
    return before.count("\n") + 2


def no_traceback(result: subprocess.CompletedProcess[str]) -> None:
    assert "Traceback" not in result.stderr and "Traceback" not in result.stdout, \
        result.stderr[-2000:]


def png_declaring(width: int, height: int) -> bytes:
    """A valid PNG header declaring `width` x `height`, with a few bytes of data."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data)))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(b"\x00" * 1024)) + chunk(b"IEND", b""))


def test_ten_megabyte_chapter_is_a_diagnostic(minimal: Path) -> None:
    para = "Trust grows slowly among neighbours who share a well and a market. " * 15
    line = append(minimal, (para + "\n\n") * (10_000_000 // (len(para) + 2)))
    assert (minimal / CHAPTER).stat().st_size > 10_000_000
    result = run("check", str(minimal), timeout=180)
    no_traceback(result)
    assert result.returncode == 1
    assert re.search(rf"{CHAPTER}:\d+:1: error\[source-too-large\]", result.stderr)
    assert line > 1
    assert peak_mb(result) < 1024


def test_megabyte_word_is_cut_with_its_position(minimal: Path) -> None:
    line = append(minimal, "A " + "x" * 1_000_000 + " word.\n")
    result = run("check", str(minimal), timeout=180)
    no_traceback(result)
    assert f"{CHAPTER}:{line}:3: error[word-too-long]" in result.stderr


@pytest.mark.parametrize(("width", "height"), [(30_000, 30_000), (12_000, 12_000)])
def test_image_declaring_too_many_pixels_is_refused(minimal: Path, tmp_path: Path,
                                                    width: int, height: int) -> None:
    (minimal / "assets" / "bomb.png").write_bytes(png_declaring(width, height))
    line = append(minimal, "![A picture that would unpack to gigabytes](../../assets/bomb.png)\n")
    out = tmp_path / "out"
    result = run("build", str(minimal), "--out", str(out), "--edition", "en", "-q",
                 "--jobs", "1", timeout=600)
    no_traceback(result)
    assert result.returncode == 1
    assert re.search(rf"{CHAPTER}:{line}:1: error\[resource-refused\]: image "
                     r"'../../assets/bomb.png' declares", result.stderr)
    import zipfile

    with zipfile.ZipFile(out / "minimal-en.epub") as z:
        assert not [n for n in z.namelist() if "bomb" in n]
    assert peak_mb(result) < 1024


def test_thousand_deep_nesting_is_reported_and_builds(minimal: Path, tmp_path: Path) -> None:
    # found by tests/test_fuzz.py: markdown-it dropped the text past its nesting limit
    # without a word; now each cut block is an error naming its line
    quotes = append(minimal, ">" * 1000 + " deep quote\n")
    append(minimal, "".join("  " * i + ("1. " if i % 2 else "> ") for i in range(300)) + "end\n")
    line = append(minimal, "".join("  " * i + "- level\n" for i in range(1000)))
    result = run("build", str(minimal), "--out", str(tmp_path / "out"), "--edition", "en",
                 "-q", "--jobs", "1", timeout=600)
    no_traceback(result)
    assert result.returncode == 1
    cuts = re.findall(rf"{CHAPTER}:(\d+):1: error\[nesting-too-deep\]", result.stderr)
    # the quotation is cut on its own line, the list at its 20th item (two levels each)
    assert [int(c) for c in cuts] == [quotes, line + 19]
    assert (tmp_path / "out" / "minimal-en.epub").exists()
    assert peak_mb(result) < 1024


def test_nesting_within_the_limit_keeps_every_word(minimal: Path) -> None:
    from bookforge.render import render_print
    from bookforge.source.load import load_book
    from bookforge.transform import transform_edition

    append(minimal, ">" * 30 + " thirty deep\n\n" + "".join(
        "  " * i + f"- item{i}\n" for i in range(15)))
    book, _ = load_book(minimal)
    content = transform_edition(book, "en")
    html = render_print(content)
    assert "thirty deep" in html and "item14" in html
    assert not [d for d in content.diagnostics if d.code == "nesting-too-deep"]


def table(rows: int) -> str:
    return ("| Row | Value |\n|-----|-------|\n"
            + "".join(f"| row {i} | value {i} |\n" for i in range(rows)))


def test_five_thousand_row_table_checks(minimal: Path) -> None:
    append(minimal, table(5000))
    result = run("check", str(minimal), timeout=180)
    no_traceback(result)
    assert result.returncode == 0, result.stderr[-2000:]


@pytest.mark.slow
def test_five_thousand_row_table_builds(minimal: Path, tmp_path: Path) -> None:
    append(minimal, table(5000))
    out = tmp_path / "out"
    result = run("build", str(minimal), "--out", str(out), "--edition", "en", "-q",
                 "--jobs", "1", "--format", "pdf", timeout=900)
    no_traceback(result)
    assert result.returncode == 0, result.stderr[-2000:]
    text = subprocess.run(["pdftotext", str(out / "minimal-en.pdf"), "-"],
                          capture_output=True, text=True, check=True).stdout
    assert "value 4999" in text
    assert peak_mb(result) < 2048


@pytest.mark.slow
def test_megabyte_word_builds_cut(minimal: Path, tmp_path: Path) -> None:
    append(minimal, "A " + "x" * 1_000_000 + " word.\n")
    result = run("build", str(minimal), "--out", str(tmp_path / "out"), "--edition", "en",
                 "-q", "--jobs", "1", timeout=600)
    no_traceback(result)
    assert result.returncode == 1 and "word-too-long" in result.stderr
    assert (tmp_path / "out" / "minimal-en.pdf").exists()


def test_long_words_get_print_break_points_the_page_map_ignores(minimal: Path) -> None:
    """A very long word gets zero-width spaces in the print HTML only (WeasyPrint's break
    search is quadratic in a word's length); the page-list matches PDF text to the EPUB's,
    so it must read them as nothing."""
    from bookforge.epub.pagelist import normalise
    from bookforge.render import render_epub, render_print
    from bookforge.source.load import load_book
    from bookforge.transform import transform_edition

    word = "y" * 5000
    append(minimal, f"A {word} word.\n")
    book, _ = load_book(minimal)
    content = transform_edition(book, "en")
    printed = render_print(content)
    assert word not in printed and word in printed.replace("\u200b", "")
    assert any(word in p.xhtml for p in render_epub(content))
    assert normalise(f"A {word[:40]}\u200b{word[40:]} word.") == normalise(f"A {word} word.")
