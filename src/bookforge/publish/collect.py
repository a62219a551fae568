"""Stage 7a, publish/collect: a loaded `Book` and its built PDF/EPUB files -> `Volume`.

`Volume` is the plain metadata every publish writer (site, OPDS, catalogue records) reads:
the editions (their `EditionMeta`), each file with its size, pages, format version and
SHA-256 and the chapters with their page ranges in each edition's PDF, as the build's
manifest records them (nothing is read back from the PDF).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from lxml import etree

from ..i18n import Localizer, localizer
from ..model import Author, Book, BookConfig, Chapter
from ..pipeline.manifest import Manifest, OutputFile, read_manifest
from ..transform.citations import cited_works
from ..transform.meta import EditionMeta, edition_meta, parallel_meta
from ..transform.resources import IMAGE_TYPES

MEDIA_TYPES = {"pdf": "application/pdf", "epub": "application/epub+zip"}
# ISO 639-2/B codes used by MARC 21 and ONIX, for the BCP 47 primary subtags we expect.
ISO639_2 = {"id": "ind", "en": "eng", "ms": "may", "vi": "vie", "th": "tha", "tl": "tgl",
            "fil": "fil", "km": "khm", "lo": "lao", "my": "bur", "zh": "chi", "ar": "ara",
            "fr": "fre", "de": "ger", "nl": "dut", "ja": "jpn", "ko": "kor", "es": "spa",
            "pt": "por"}
OPF_NS = {"c": "urn:oasis:names:tc:opendocument:xmlns:container",
          "opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}


@dataclass(frozen=True)
class Accessibility:
    """What bookforge's output of one format provides, in schema.org and ONIX terms."""

    features: tuple[str, ...]  # schema.org accessibilityFeature
    onix: tuple[str, ...]  # ONIX codelist 196 codes
    access_modes: tuple[str, ...] = ("textual", "visual")
    hazards: tuple[str, ...] = ("none",)


# Claims follow from how bookforge writes each format: EPUB navigation document, one
# reading order, alt text required on figures, xml:lang on every document; tagged PDF
# with bookmarks and /Lang.
ACCESSIBILITY = {
    "epub": Accessibility(
        features=("tableOfContents", "structuralNavigation", "readingOrder",
                  "alternativeText", "displayTransformability"),
        onix=("10", "11", "13", "14", "22", "29", "36")),
    "pdf": Accessibility(
        features=("tableOfContents", "structuralNavigation", "readingOrder",
                  "alternativeText", "taggedPDF"),
        onix=("11", "13", "14", "22")),
}


def accessibility_summary(fmt: str, loc: Localizer) -> str:
    if fmt == "epub":
        return loc.gettext("Navigable table of contents, one logical reading order, text "
                           "alternatives for images, the language marked on every document, "
                           "and text the reader can resize and restyle.")
    return loc.gettext("Tagged PDF with bookmarks, one logical reading order, text "
                       "alternatives for images and the document language set.")


def iso639_2(lang: str) -> str:
    primary = lang.split("-")[0].lower()
    return ISO639_2.get(primary, primary if len(primary) == 3 else "und")


@dataclass(frozen=True)
class FileInfo:
    """One built output file as published."""

    lang: str
    format: str  # "pdf" | "epub"
    source: Path  # the file in the build folder
    name: str  # file name on the site, under files/
    size: int
    sha256: str
    media_type: str
    version: str  # "1.7" for PDF 1.7, "3.0" for EPUB 3.0
    identifier: str  # urn:isbn:... or urn:uuid:...
    isbn: str | None = None
    pages: int | None = None

    @property
    def label(self) -> str:
        return f"{self.format.upper()} {self.version}"


@dataclass(frozen=True)
class Cover:
    source: Path | None  # a file in the build folder, or None when it lives in the EPUB
    data: bytes
    name: str  # file name on the site, under files/
    media_type: str
    thumbnail: bytes | None = None  # a small PNG for catalogues (raster covers only)

    @property
    def thumbnail_name(self) -> str:
        return self.name if self.thumbnail is None else \
            PurePosixPath(self.name).stem + "-thumbnail.png"

    @property
    def thumbnail_type(self) -> str:
        return self.media_type if self.thumbnail is None else "image/png"


THUMBNAIL_BOX = (240, 360)


def thumbnail(data: bytes, media_type: str) -> bytes | None:
    """A PNG at most THUMBNAIL_BOX pixels, or None for vector covers (they scale)."""
    if media_type == "image/svg+xml":
        return None
    from PIL import Image  # WeasyPrint depends on Pillow

    with Image.open(io.BytesIO(data)) as image:
        image.thumbnail(THUMBNAIL_BOX)
        out = io.BytesIO()
        image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _cover_of(source: Path | None, data: bytes, lang: str, ext: str) -> Cover:
    media_type = IMAGE_TYPES[ext]
    return Cover(source, data, f"cover-{lang}{ext}", media_type, thumbnail(data, media_type))


@dataclass(frozen=True)
class ChapterInfo:
    """A chapter with what its landing page and the records need, per language."""

    doc_id: str
    number: int
    title: Mapping[str, str]  # lang -> title in the edition of that language
    authors: tuple[Author, ...]
    abstract: Mapping[str, str]  # lang -> abstract, only for languages it was written in
    keywords: Mapping[str, tuple[str, ...]]
    part_title: Mapping[str, str]
    pages: Mapping[str, tuple[int, int]]  # lang -> first and last page in that edition's PDF
    references: tuple[Mapping[str, Any], ...] = ()  # CSL-JSON of the works it cites


@dataclass(frozen=True)
class EditionInfo:
    meta: EditionMeta
    files: tuple[FileInfo, ...]
    cover: Cover | None = None
    # a parallel edition: its name ("id+en") and both languages; `lang` is the first
    name: str = ""
    languages: tuple[str, ...] = ()

    @property
    def edition_name(self) -> str:
        return self.name or self.lang

    @property
    def all_languages(self) -> tuple[str, ...]:
        return self.languages or (self.lang,)

    @property
    def json_language(self) -> str | list[str]:
        """schema.org inLanguage, OPDS 2 language: one code, or the list of both."""
        return list(self.languages) if self.languages else self.lang

    @property
    def lang(self) -> str:
        return self.meta.lang

    @property
    def title(self) -> str:
        """The edition's title; both languages' for a parallel edition ("A = B")."""
        if self.meta.other_title:
            return f"{self.meta.title} = {self.meta.other_title}"
        return self.meta.title

    @property
    def subtitle(self) -> str:
        return self.meta.subtitle

    @property
    def abstract(self) -> str:
        return self.meta.abstract

    @property
    def keywords(self) -> tuple[str, ...]:
        return self.meta.keywords

    def file(self, fmt: str) -> FileInfo | None:
        return next((f for f in self.files if f.format == fmt), None)

    @property
    def pages(self) -> int | None:
        pdf = self.file("pdf")
        return pdf.pages if pdf else None

    @property
    def identifier(self) -> str:
        epub = self.file("epub")
        return epub.identifier if epub else self.files[0].identifier


@dataclass(frozen=True)
class Volume:
    config: BookConfig
    editions: tuple[EditionInfo, ...]
    chapters: tuple[ChapterInfo, ...]
    book: Book

    def localizer(self, lang: str) -> Localizer:
        """The labels of the `lang` edition, with the book's own catalogs."""
        return localizer(self.book, lang)
    parallel: tuple[EditionInfo, ...] = ()  # the side-by-side editions, e.g. id+en

    @property
    def offered(self) -> tuple[EditionInfo, ...]:
        """Every edition the site offers: one per language, then the parallel ones."""
        return self.editions + self.parallel

    def edition(self, lang: str) -> EditionInfo:
        return next(e for e in self.editions if e.lang == lang)


def _opf(zf: zipfile.ZipFile) -> tuple[str, etree._Element]:
    container = etree.fromstring(zf.read("META-INF/container.xml"))
    opf_path = container.find(".//c:rootfile", OPF_NS).get("full-path")
    return opf_path, etree.fromstring(zf.read(opf_path))


def epub_cover(path: Path, lang: str) -> Cover | None:
    """The cover image the EPUB declares (manifest item with properties="cover-image")."""
    with zipfile.ZipFile(path) as zf:
        opf_path, opf = _opf(zf)
        for item in opf.iterfind(".//opf:manifest/opf:item", OPF_NS):
            if "cover-image" in (item.get("properties") or "").split():
                href = str(PurePosixPath(opf_path).parent / item.get("href", ""))
                ext = PurePosixPath(href).suffix.lower()
                if ext in IMAGE_TYPES:
                    return _cover_of(None, zf.read(href), lang, ext)
    return None


def file_info(meta: EditionMeta, fmt: str, path: Path, built: OutputFile) -> FileInfo:
    """The published file: facts from the build manifest, identifiers from `meta`."""
    return FileInfo(lang=meta.edition, format=fmt, source=path, name=path.name, size=built.size,
                    sha256=built.sha256, media_type=MEDIA_TYPES[fmt], version=built.version,
                    identifier=meta.identifiers[fmt], isbn=meta.isbns.get(fmt),
                    pages=built.pages)


def _chapter_info(book: Book, chapter: Chapter, number: int, part_title: Mapping[str, str],
                  languages: tuple[str, ...], pages: Mapping[str, Mapping[str, tuple[int, int]]]
                  ) -> ChapterInfo:
    first = next(iter(chapter.versions.values()))
    titles = {lang: chapter.version(lang).title for lang in languages}
    return ChapterInfo(
        doc_id=chapter.doc_id, number=number, title=titles, authors=first.authors,
        abstract={lang: s.abstract for lang, s in chapter.versions.items() if s.abstract},
        keywords={lang: s.keywords for lang, s in chapter.versions.items()},
        part_title=part_title,
        pages={lang: pages[lang][chapter.doc_id] for lang in languages
               if chapter.doc_id in pages.get(lang, {})},
        references=tuple(e.csl for e in cited_works(book, chapter)),
    )


def collect(book: Book, files: Mapping[tuple[str, str], Path],
            cover_files: Mapping[str, Path] | None = None,
            manifest: Manifest | None = None) -> Volume:
    """Gather the volume's metadata from the book, its built files (keyed (lang, format))
    and the build's manifest (read from the files' folder when not given; a
    `ManifestError` when it is missing or does not describe the files)."""
    cfg = book.config
    languages = tuple(lang for lang in cfg.languages if any(k[0] == lang for k in files))
    if manifest is None:
        folder = next(iter(files.values())).parent
        manifest = read_manifest(folder, cfg.slug, files)
    built = {key: manifest.files[key] for key in files}
    pages = {lang: built[(lang, "pdf")].chapters for lang in languages
             if (lang, "pdf") in built}
    editions = [_edition_info(edition_meta(book, lang), files, built, cover_files)
                for lang in languages]
    chapters = []
    number = 0
    for part in book.parts:
        for chapter in part.chapters:
            number += 1
            chapters.append(_chapter_info(book, chapter, number, part.title, languages, pages))
    parallel = tuple(_edition_info(parallel_meta(book, pair), files, built, cover_files)
                     for pair in cfg.parallel
                     if any(k[0] == "+".join(pair) for k in files))
    return Volume(config=cfg, editions=tuple(editions), chapters=tuple(chapters), book=book,
                  parallel=parallel)


def _edition_info(meta: EditionMeta, files: Mapping[tuple[str, str], Path],
                  built: Mapping[tuple[str, str], OutputFile],
                  cover_files: Mapping[str, Path] | None) -> EditionInfo:
    """An edition as the site offers it: its metadata, its built files and cover."""
    name = meta.edition
    infos = tuple(file_info(meta, fmt, files[(name, fmt)], built[(name, fmt)])
                  for fmt in ("pdf", "epub") if (name, fmt) in files)
    return EditionInfo(meta, infos, _cover(name, files, cover_files or {}),
                       name=meta.name, languages=meta.languages if meta.name else ())


def _cover(lang: str, files: Mapping[tuple[str, str], Path],
           cover_files: Mapping[str, Path]) -> Cover | None:
    path = cover_files.get(lang)
    if path and path.suffix.lower() in IMAGE_TYPES:
        ext = path.suffix.lower()
        return _cover_of(path, path.read_bytes(), lang, ext)
    if (lang, "epub") in files:
        return epub_cover(files[(lang, "epub")], lang)
    return None
