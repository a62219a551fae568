"""Stage 7a, publish/collect: a loaded `Book` and its built PDF/EPUB files -> `Volume`.

`Volume` is the plain metadata every publish writer (site, OPDS, catalogue records) reads:
the editions, each file with its size, pages, format version and SHA-256, the chapters with
their page ranges in each edition's PDF (read from the PDF outline with pypdf).
"""

from __future__ import annotations

import hashlib
import io
import re
import uuid
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pypdf
from lxml import etree

from ..i18n import Localizer
from ..model import Author, Book, BookConfig, Chapter

MEDIA_TYPES = {"pdf": "application/pdf", "epub": "application/epub+zip"}
IMAGE_TYPES = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
               ".svg": "image/svg+xml", ".webp": "image/webp", ".gif": "image/gif"}
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


@dataclass(frozen=True)
class EditionInfo:
    lang: str
    title: str
    subtitle: str
    abstract: str
    keywords: tuple[str, ...]
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
    parallel: tuple[EditionInfo, ...] = ()  # the side-by-side editions, e.g. id+en

    @property
    def offered(self) -> tuple[EditionInfo, ...]:
        """Every edition the site offers: one per language, then the parallel ones."""
        return self.editions + self.parallel

    def edition(self, lang: str) -> EditionInfo:
        return next(e for e in self.editions if e.lang == lang)

    @property
    def authors(self) -> tuple[Author, ...]:
        """Every chapter author once, in the order of the chapters."""
        return tuple(dict.fromkeys(a for c in self.chapters for a in c.authors))

    @property
    def contributors(self) -> tuple[Author, ...]:
        """The chapter authors who are not also editors of the volume."""
        editors = {e.name for e in self.config.editors}
        return tuple(a for a in self.authors if a.name not in editors)


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


def _outline(reader: pypdf.PdfReader) -> list[tuple[int, str, int]]:
    """The PDF outline flattened to (depth, title, 1-based page)."""
    out: list[tuple[int, str, int]] = []

    def walk(items: list, depth: int) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item, depth + 1)
                continue
            page = reader.get_destination_page_number(item)
            if page is not None and page >= 0:
                out.append((depth, str(item.title).strip(), page + 1))

    walk(reader.outline, 0)
    return out


def chapter_pages(reader: pypdf.PdfReader, titles: list[str]) -> dict[str, tuple[int, int]]:
    """First and last page of each chapter title in the PDF, from its outline: a chapter
    ends on the page before the next outline entry at its depth or above."""
    entries = _outline(reader)
    total = len(reader.pages)
    found: dict[str, tuple[int, int]] = {}
    for i, (depth, title, first) in enumerate(entries):
        if title not in titles or title in found:
            continue
        following = [p for d, _, p in entries[i + 1:] if d <= depth]
        last = max(first, (following[0] - 1) if following else total)
        found[title] = (first, last)
    return found


def _pdf_facts(reader: pypdf.PdfReader) -> tuple[str, int]:
    header = reader.pdf_header  # "%PDF-1.7"
    return header.removeprefix("%PDF-"), len(reader.pages)


def _opf(zf: zipfile.ZipFile) -> tuple[str, etree._Element]:
    container = etree.fromstring(zf.read("META-INF/container.xml"))
    opf_path = container.find(".//c:rootfile", OPF_NS).get("full-path")
    return opf_path, etree.fromstring(zf.read(opf_path))


def _epub_facts(path: Path) -> tuple[str, str]:
    with zipfile.ZipFile(path) as zf:
        _, opf = _opf(zf)
    ident_id = opf.get("unique-identifier")
    ident = opf.find(f".//dc:identifier[@id='{ident_id}']", OPF_NS)
    return opf.get("version", ""), (ident.text or "").strip() if ident is not None else ""


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


def file_info(book: Book, lang: str, fmt: str, path: Path,
              reader: pypdf.PdfReader | None = None) -> FileInfo:
    """`reader`: the PDF at `path` when the caller has it open already."""
    isbn = book.config.isbn_for(lang, fmt)
    if fmt == "pdf":
        version, pages = _pdf_facts(reader or pypdf.PdfReader(path))
        identifier = ("urn:isbn:" + re.sub(r"[\s-]", "", isbn)) if isbn else \
            _pdf_uuid(book, lang)
    else:
        version, identifier = _epub_facts(path)
        pages = None
    return FileInfo(lang=lang, format=fmt, source=path, name=path.name,
                    size=path.stat().st_size, sha256=sha256_of(path),
                    media_type=MEDIA_TYPES[fmt], version=version, identifier=identifier,
                    isbn=isbn, pages=pages)


def _pdf_uuid(book: Book, lang: str) -> str:
    seed = f"bookforge:{book.config.slug}:{lang}:pdf"
    return "urn:uuid:" + str(uuid.uuid5(uuid.NAMESPACE_URL, seed))


def _plain(markdown: str) -> str:
    """Markdown of one paragraph -> plain text (emphasis, links and notes dropped)."""
    text = re.sub(r"\[\^[^\]]+\]", "", markdown)
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)(\{[^}]*\})?", r"\1", text)
    text = re.sub(r"\[([^\]]*)\]\{[^}]*\}", r"\1", text)
    text = re.sub(r"[*_`]+", "", text)
    return " ".join(text.split())


def volume_abstract(book: Book, lang: str) -> str:
    """book.toml's `abstract`, else the opening paragraph of the first front-matter text
    written in `lang`, else the subtitle."""
    cfg = book.config
    if cfg.abstract.get(lang):
        return " ".join(cfg.abstract[lang].split())
    for chapter in book.front:
        if lang in chapter.versions:
            for para in re.split(r"\n\s*\n", chapter.versions[lang].body):
                para = para.strip()
                if para and not para.startswith(("#", "!", "|", "-", ">")):
                    return _plain(para)
    return cfg.subtitle.get(lang, "")


def _chapter_info(chapter: Chapter, number: int, part_title: Mapping[str, str],
                  languages: tuple[str, ...], pages: Mapping[str, Mapping[str, tuple[int, int]]]
                  ) -> ChapterInfo:
    first = next(iter(chapter.versions.values()))
    titles = {lang: chapter.version(lang).title for lang in languages}
    return ChapterInfo(
        doc_id=chapter.doc_id, number=number, title=titles, authors=first.authors,
        abstract={lang: s.abstract for lang, s in chapter.versions.items() if s.abstract},
        keywords={lang: s.keywords for lang, s in chapter.versions.items()},
        part_title=part_title,
        pages={lang: pages[lang][titles[lang]] for lang in languages
               if titles[lang] in pages.get(lang, {})},
    )


def collect(book: Book, files: Mapping[tuple[str, str], Path],
            cover_files: Mapping[str, Path] | None = None) -> Volume:
    """Gather the volume's metadata from the book and its built files, keyed (lang, format)."""
    cfg = book.config
    languages = tuple(lang for lang in cfg.languages if any(k[0] == lang for k in files))
    chapter_titles = {lang: [c.version(lang).title for c in book.chapters()]
                      for lang in languages}
    readers = {lang: pypdf.PdfReader(files[(lang, "pdf")])  # one parse of each PDF's pages
               for lang in languages if (lang, "pdf") in files}
    pages = {lang: chapter_pages(reader, chapter_titles[lang])
             for lang, reader in readers.items()}
    editions = []
    for lang in languages:
        infos = tuple(file_info(book, lang, fmt, files[(lang, fmt)], readers.get(lang))
                      for fmt in ("pdf", "epub") if (lang, fmt) in files)
        keywords = tuple(dict.fromkeys(k for c in book.chapters()
                                       for k in c.version(lang).keywords
                                       if c.version(lang).lang == lang))
        cover = _cover(lang, files, cover_files or {})
        editions.append(EditionInfo(
            lang=lang, title=cfg.title.get(lang) or next(iter(cfg.title.values())),
            subtitle=cfg.subtitle.get(lang, ""), abstract=volume_abstract(book, lang),
            keywords=keywords, files=infos, cover=cover))
    chapters = []
    number = 0
    for part in book.parts:
        for chapter in part.chapters:
            number += 1
            chapters.append(_chapter_info(chapter, number, part.title, languages, pages))
    return Volume(config=cfg, editions=tuple(editions), chapters=tuple(chapters),
                  parallel=tuple(_parallel_info(book, pair, files, editions)
                                 for pair in cfg.parallel
                                 if any(k[0] == "+".join(pair) for k in files)))


def _parallel_info(book: Book, pair: tuple[str, str], files: Mapping[tuple[str, str], Path],
                   editions: list[EditionInfo]) -> EditionInfo:
    """A parallel edition: both languages' titles and keywords, its own files."""
    name = "+".join(pair)
    by_lang = {e.lang: e for e in editions}
    cfg = book.config
    titles = [cfg.title.get(lang) or next(iter(cfg.title.values())) for lang in pair]
    keywords = tuple(dict.fromkeys(k for lang in pair if lang in by_lang
                                   for k in by_lang[lang].keywords))
    infos = tuple(file_info(book, name, fmt, files[(name, fmt)])
                  for fmt in ("pdf", "epub") if (name, fmt) in files)
    cover = epub_cover(files[(name, "epub")], name) if (name, "epub") in files else None
    return EditionInfo(lang=pair[0], title=" = ".join(titles),
                       subtitle=cfg.subtitle.get(pair[0], ""),
                       abstract=volume_abstract(book, pair[0]), keywords=keywords,
                       files=infos, cover=cover, name=name, languages=pair)


def _cover(lang: str, files: Mapping[tuple[str, str], Path],
           cover_files: Mapping[str, Path]) -> Cover | None:
    path = cover_files.get(lang)
    if path and path.suffix.lower() in IMAGE_TYPES:
        ext = path.suffix.lower()
        return _cover_of(path, path.read_bytes(), lang, ext)
    if (lang, "epub") in files:
        return epub_cover(files[(lang, "epub")], lang)
    return None
