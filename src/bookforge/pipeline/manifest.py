"""Build stage, manifest: the outputs of a build -> `manifest.json` beside them.

What later steps need to know about the built files without reading them back: per
edition and format the file, its size, SHA-256 and format version, the PDF's page count and
each chapter's first and last page (1-based, from the layout the build made). The JSON has
a `version`; a reader refuses any other, and a manifest whose files have changed since.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..errors import BookforgeError, error
from ..files import atomic_path, sha256_of
from ..transform import EditionContent

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1
EPUB_VERSION = "3.0"  # the package version the EPUB writer declares
BACK_ANCHORS = ("glossary", "book-index", "contributors")  # print back matter sections


class ManifestError(BookforgeError):
    """The manifest is missing, of another version, or does not describe the files."""


@dataclass(frozen=True)
class OutputFile:
    """One built file, as the manifest records it."""

    lang: str
    format: str  # "pdf" | "epub"
    file: str  # name in the build folder
    size: int
    sha256: str
    version: str  # "1.7" for PDF 1.7, "3.0" for EPUB 3.0
    pages: int | None = None
    chapters: Mapping[str, tuple[int, int]] = field(default_factory=dict)  # doc id -> pages

    def to_json(self) -> dict:
        data: dict = {"file": self.file, "size": self.size, "sha256": self.sha256,
                      "version": self.version}
        if self.pages is not None:
            data["pages"] = self.pages
            data["chapters"] = {k: list(v) for k, v in self.chapters.items()}
        return data

    @classmethod
    def from_json(cls, lang: str, fmt: str, data: Mapping) -> OutputFile:
        return cls(lang, fmt, str(data["file"]), int(data["size"]), str(data["sha256"]),
                   str(data["version"]), data.get("pages"),
                   {k: (int(v[0]), int(v[1])) for k, v in data.get("chapters", {}).items()})


@dataclass(frozen=True)
class Manifest:
    slug: str
    files: Mapping[tuple[str, str], OutputFile]  # (lang, format) -> file

    def file(self, lang: str, fmt: str) -> OutputFile | None:
        return self.files.get((lang, fmt))


def first_pages(pages: Iterable[Iterable[str]]) -> dict[str, int]:
    """Anchor id -> index of the first page it is on, from each page's anchors (an element
    that runs over several pages is an anchor of each)."""
    first: dict[str, int] = {}
    for index, anchors in enumerate(pages):
        for anchor in anchors:
            first.setdefault(anchor, index)
    return first


def chapter_pages(content: EditionContent, pages: Iterable[Iterable[str]]
                  ) -> dict[str, tuple[int, int]]:
    """Each chapter's first and last page (1-based) from the anchors of each laid-out
    page: a chapter ends on the page before the next front text, part, chapter or back
    matter section begins."""
    pages = list(pages)
    total = len(pages)
    anchors = first_pages(pages)
    units = [*(d.doc_id for d in content.documents),
             *(f"part-{p.slug}" for p in content.book.parts), *BACK_ANCHORS]
    starts = sorted({anchors[u] for u in units if u in anchors})
    pages: dict[str, tuple[int, int]] = {}
    for doc in content.chapters():
        first = anchors.get(doc.doc_id)
        if first is None:
            continue
        following = [s for s in starts if s > first]
        pages[doc.doc_id] = (first + 1, following[0] if following else total)
    return pages


def pdf_version(path: Path) -> str:
    """The version in the PDF's header ("%PDF-1.7" -> "1.7")."""
    with path.open("rb") as fh:
        header = fh.read(16).split(b"\n")[0].strip()
    return header.removeprefix(b"%PDF-").decode("ascii", "replace")


def output_file(lang: str, fmt: str, path: Path, pages: int | None = None,
                chapters: Mapping[str, tuple[int, int]] | None = None) -> OutputFile:
    version = pdf_version(path) if fmt == "pdf" else EPUB_VERSION
    return OutputFile(lang, fmt, path.name, path.stat().st_size, sha256_of(path), version,
                      pages, dict(chapters or {}))


def manifest_path(out_dir: Path) -> Path:
    return out_dir / MANIFEST_NAME


def _load(path: Path) -> Manifest:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError([error(str(path), 0, "manifest-missing",
                                   "no build manifest: run `bookforge build` first")]) from None
    except (OSError, ValueError) as exc:
        raise ManifestError([error(str(path), 0, "manifest-invalid", str(exc))]) from exc
    if not isinstance(data, dict) or data.get("version") != MANIFEST_VERSION:
        found = data.get("version") if isinstance(data, dict) else None
        raise ManifestError([error(str(path), 0, "manifest-version",
                                   f"manifest version {found!r}, expected {MANIFEST_VERSION}: "
                                   "rebuild with this bookforge")])
    try:
        files = {(lang, fmt): OutputFile.from_json(lang, fmt, entry)
                 for lang, formats in data["editions"].items()
                 for fmt, entry in formats.items()}
        return Manifest(str(data["book"]), files)
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ManifestError([error(str(path), 0, "manifest-invalid",
                                   f"malformed manifest: {exc!r}")]) from exc


def write_manifest(out_dir: Path, slug: str, outputs: Iterable[OutputFile]) -> Path:
    """Record `outputs` in the folder's manifest, keeping the entries of other editions and
    formats that still describe their files (a build of one edition keeps the others)."""
    path = manifest_path(out_dir)
    kept: dict[tuple[str, str], OutputFile] = {}
    try:
        old = _load(path)
        if old.slug == slug:
            kept = {k: f for k, f in old.files.items() if _matches(out_dir, f)}
    except ManifestError:
        pass
    kept.update({(f.lang, f.format): f for f in outputs})
    editions: dict[str, dict] = {}
    for (lang, fmt), f in sorted(kept.items()):
        editions.setdefault(lang, {})[fmt] = f.to_json()
    data = {"version": MANIFEST_VERSION, "generator": f"bookforge {__version__}",
            "book": slug, "editions": editions}
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _matches(out_dir: Path, f: OutputFile) -> bool:
    """The file on disk is still the one the entry describes (size, then checksum)."""
    path = out_dir / f.file
    return path.is_file() and path.stat().st_size == f.size and sha256_of(path) == f.sha256


def read_manifest(out_dir: Path, slug: str, wanted: Iterable[tuple[str, str]]) -> Manifest:
    """The manifest of `out_dir`, checked to describe every (lang, format) of `wanted` as
    the files now are; a `ManifestError` names what is missing or stale."""
    path = manifest_path(out_dir)
    manifest = _load(path)
    problems = []
    if manifest.slug != slug:
        problems.append(error(str(path), 0, "manifest-stale",
                              f"the manifest is of book '{manifest.slug}', not '{slug}'"))
    for lang, fmt in wanted:
        f = manifest.file(lang, fmt)
        if f is None:
            problems.append(error(str(path), 0, "manifest-stale",
                                  f"the manifest has no {fmt} of the '{lang}' edition"))
        elif not _matches(out_dir, f):
            problems.append(error(str(out_dir / f.file), 0, "manifest-stale",
                                  "the file changed since the build that wrote the manifest"))
    if problems:
        raise ManifestError(problems)
    return manifest
