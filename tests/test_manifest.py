"""The build manifest: a versioned JSON beside the outputs with what publish needs (sizes,
checksums, page counts, each chapter's pages), checked against the files themselves."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pypdf
import pytest

from bookforge.pipeline.manifest import MANIFEST_VERSION, ManifestError, read_manifest
from bookforge.publish.collect import collect
from bookforge.source.load import load_book

from .conftest import FIXTURES, run_cli


def _outline_starts(reader: pypdf.PdfReader) -> dict[str, int]:
    """Outline title -> 1-based page, read back from the PDF."""
    out: dict[str, int] = {}

    def walk(items: list) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                out.setdefault(str(item.title).strip(),
                               reader.get_destination_page_number(item) + 1)

    walk(reader.outline)
    return out


def _page_text(pdf: Path, page: int) -> str:
    return subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), str(pdf), "-"],
                          capture_output=True, text=True, check=True).stdout


@pytest.fixture(scope="module")
def trilingual_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("trilingual")
    result = run_cli("build", str(FIXTURES / "trilingual"), "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    return out


def test_manifest_describes_every_file(trilingual_build: Path) -> None:
    data = json.loads((trilingual_build / "manifest.json").read_text())
    assert data["version"] == MANIFEST_VERSION and data["book"] == "trilingual"
    book, _ = load_book(FIXTURES / "trilingual")
    assert set(data["editions"]) == set(book.config.languages)
    for lang, formats in data["editions"].items():
        assert set(formats) == {"pdf", "epub"}
        for fmt, entry in formats.items():
            path = trilingual_build / entry["file"]
            assert path.name == f"trilingual-{lang}.{fmt}"
            assert entry["size"] == path.stat().st_size
            assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
        pdf = trilingual_build / formats["pdf"]["file"]
        reader = pypdf.PdfReader(pdf)
        assert formats["pdf"]["pages"] == len(reader.pages)
        assert formats["pdf"]["version"] == reader.pdf_header.removeprefix("%PDF-")
        starts = _outline_starts(reader)
        chapters = formats["pdf"]["chapters"]
        assert list(chapters) == [c.doc_id for c in book.chapters()]  # every chapter
        for chapter in book.chapters():
            first, last = chapters[chapter.doc_id]
            title = (chapter.text_in(lang) or chapter.version(lang).own_text()).title
            assert starts[title] == first  # the PDF's own bookmark agrees
            assert title.split()[0] in _page_text(pdf, first)
            assert first <= last < formats["pdf"]["pages"]


def test_publish_reads_pages_from_the_manifest(trilingual_build: Path, tmp_path: Path) -> None:
    build = tmp_path / "build"
    shutil.copytree(trilingual_build, build)
    book, _ = load_book(FIXTURES / "trilingual")
    files = {(lang, fmt): build / f"trilingual-{lang}.{fmt}"
             for lang in book.config.languages for fmt in ("pdf", "epub")}
    volume = collect(book, files)
    manifest = json.loads((build / "manifest.json").read_text())
    for e in volume.editions:
        chapters = manifest["editions"][e.lang]["pdf"]["chapters"]
        # the chapter written in English only has its pages in every edition (the PDF
        # outline, read back by title, missed it where its title is a translation)
        assert {c.doc_id: list(c.pages[e.lang]) for c in volume.chapters} == chapters
        assert e.file("pdf").pages == manifest["editions"][e.lang]["pdf"]["pages"]

    (build / "trilingual-en.pdf").write_bytes((build / "trilingual-en.pdf").read_bytes()
                                              + b"\n% edited\n")
    with pytest.raises(ManifestError) as stale:
        collect(book, files)
    assert [d.code for d in stale.value.diagnostics] == ["manifest-stale"]
    assert stale.value.diagnostics[0].path.endswith("trilingual-en.pdf")

    (build / "manifest.json").unlink()
    with pytest.raises(ManifestError) as missing:
        read_manifest(build, "trilingual", files)
    assert "manifest-missing" in str(missing.value) and "bookforge build" in str(missing.value)

    (build / "manifest.json").write_text(json.dumps({"version": 99}))
    with pytest.raises(ManifestError, match="manifest-version"):
        read_manifest(build, "trilingual", files)


def test_building_one_edition_keeps_the_others(trilingual_build: Path, tmp_path: Path) -> None:
    build = tmp_path / "build"
    shutil.copytree(trilingual_build, build)
    before = json.loads((build / "manifest.json").read_text())
    result = run_cli("build", str(FIXTURES / "trilingual"), "--out", str(build),
                     "--edition", "ms", "--format", "epub", "-q")
    assert result.returncode == 0, result.stderr
    after = json.loads((build / "manifest.json").read_text())
    assert after["editions"]["id"] == before["editions"]["id"]
    assert after["editions"]["ms"]["pdf"] == before["editions"]["ms"]["pdf"]
    ms_epub = build / "trilingual-ms.epub"
    assert after["editions"]["ms"]["epub"]["sha256"] == \
        hashlib.sha256(ms_epub.read_bytes()).hexdigest()


def test_the_site_uses_the_book_catalog(trilingual_build: Path) -> None:
    """The `ms` labels exist only in the book's own catalog: the site shows them too."""
    from bookforge.publish import site_files
    from bookforge.publish.urls import Urls

    book, _ = load_book(FIXTURES / "trilingual")
    files = {(lang, fmt): trilingual_build / f"trilingual-{lang}.{fmt}"
             for lang in book.config.languages for fmt in ("pdf", "epub")}
    landing = site_files(collect(book, files), Urls())["ms/index.html"].decode()
    assert "Kandungan" in landing and "Abstrak" in landing
    assert ">Contents<" not in landing and ">Abstract<" not in landing
