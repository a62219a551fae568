"""Manuscript import: an author's Word file -> a chapter of the book.

`import_docx` checks the file (manuscript_docx), has pandoc's docx reader turn it into a
document tree with citations, rewrites that tree into a bookforge chapter body
(manuscript_ast), writes it with pandoc's CommonMark writer, gives the cited works keys and
adds them to the book's bibliography (manuscript_refs), and writes the chapter, its images
and the bibliography together or not at all (staged). Nothing is written before every
step has succeeded; nothing existing is replaced unless `force`.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PIL import Image

from ..errors import ConfigError, Diagnostic, SourceError, error, warning
from ..text import slugify
from .config import BOOK_SCHEMA, LANG_RE, read_toml
from .load import AUTHOR_PLACEHOLDER, CHAPTER_RE
from .manuscript_ast import ChapterTree, RewriteOptions, meta_text, rewrite, stringify
from .manuscript_docx import DocxScan, check_docx, prepare_docx, scan_docx
from .manuscript_refs import (
    DEFAULT_BIBLIOGRAPHY,
    Bibliography,
    merge_references,
    with_bibliography_key,
)
from .pandoc import run_pandoc
from .staged import StagedFiles

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
SLUG_MAX = 32
SLUG_STOP_WORDS = {"a", "an", "the", "of", "in", "on", "and", "for", "to", "from", "with",
                   "by", "at", "di", "dan", "yang", "dalam", "ke", "dari", "untuk", "pada"}
# Writer extensions bookforge's Markdown does not read: with them off, pandoc writes
# sub/superscripts as Unicode, strike-through as text, and never raw HTML or fenced divs.
WRITER = ("commonmark_x-raw_html-raw_attribute-bracketed_spans-fenced_divs-smart-subscript"
          "-superscript-strikeout-tex_math_dollars-task_lists-emoji-alerts-yaml_metadata_block")
COLUMNS = "92"
KEPT_IMAGE_FORMATS = {"PNG": ".png", "JPEG": ".jpg", "GIF": ".gif", "WEBP": ".webp"}
# Names Word or a library put in the author property when nobody typed one.
NOT_AN_AUTHOR = {"python-docx", "microsoft office user", "user", "admin", "administrator",
                 "author", "unknown", "owner", "windows user", "pandoc"}


@dataclass(frozen=True)
class ImportOptions:
    docx: Path
    book_dir: Path
    part: str
    lang: str
    slug: str | None = None
    number: int | None = None
    force: bool = False


@dataclass(frozen=True)
class ImportResult:
    chapter: str  # the chapter file, relative to the book
    written: tuple[str, ...]  # every file written or replaced, relative to the book
    figures: int
    tables: int
    footnotes: int
    citations: tuple[str, ...]  # the keys the chapter cites
    added_references: tuple[str, ...]  # keys new to the bibliography
    bibliography: str | None  # the bibliography file written, relative to the book
    diagnostics: tuple[Diagnostic, ...]  # warnings: what could not be carried over


@dataclass(frozen=True)
class BookTarget:
    """Where the chapter goes: the book (and its raw book.toml) and the part folder."""

    root: Path
    config: Mapping[str, Any]
    part_dir: Path


@dataclass
class _Images:
    """The images the chapter uses, named `<slug>-<n>.<lang>.<ext>` in assets/."""

    media_root: Path
    slug: str
    lang: str
    assets: Path
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)  # src -> (name, data)
    warnings: list[str] = field(default_factory=list)

    def src(self, pandoc_src: str) -> str | None:
        if pandoc_src not in self.files:
            data, ext = self._readable(pandoc_src)
            if data is None:
                return None
            name = f"{self.slug}-{len(self.files) + 1}.{self.lang}{ext}"
            self.files[pandoc_src] = (name, data)
        return f"../../assets/{self.files[pandoc_src][0]}"

    def _readable(self, pandoc_src: str) -> tuple[bytes | None, str]:
        path = (self.media_root / pandoc_src).resolve()
        shown = Path(pandoc_src).name
        if not path.is_relative_to(self.media_root.resolve()) or not path.is_file():
            self.warnings.append(f"image {shown} is linked, not embedded, in the Word file "
                                 "and was left out; add it to assets/")
            return None, ""
        data = path.read_bytes()
        if path.suffix.lower() == ".svg" or data.lstrip()[:5] in (b"<?xml", b"<svg "):
            return data, ".svg"
        if path.suffix.lower() in (".emf", ".wmf"):
            self.warnings.append(f"image {shown} is a Windows metafile, which e-books cannot "
                                 "show: its alt text stands in; export it as SVG or PNG into "
                                 "assets/ and put it back")
            return None, ""
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.format in KEPT_IMAGE_FORMATS:
                    return data, KEPT_IMAGE_FORMATS[image.format]
                out = io.BytesIO()
                # TIFF, BMP: bookforge's formats are PNG, JPEG, GIF, WebP and SVG
                rgb = image if image.mode in ("RGB", "RGBA", "L", "LA", "P") \
                    else image.convert("RGB")
                rgb.save(out, "PNG")
                return out.getvalue(), ".png"
        except Exception as exc:  # Pillow raises many kinds for a bad image  # noqa: BLE001
            self.warnings.append(f"image {shown} could not be read ({exc}); its alt text "
                                 "stands in")
            return None, ""


def import_docx(options: ImportOptions) -> ImportResult:
    """Import one Word file as a chapter. Raises `SourceError`/`ConfigError`; writes
    nothing then."""
    shown = str(options.docx)
    target = _book_target(options)
    package = check_docx(options.docx, shown)
    with package:
        scan = scan_docx(package, shown)
    with tempfile.TemporaryDirectory(prefix="bookforge-import-") as work:
        return _convert_and_write(options, target, scan, Path(work), shown)


def _convert_and_write(options: ImportOptions, target: BookTarget, scan: DocxScan, work: Path,
                       shown: str) -> ImportResult:
    docx_path = options.docx.resolve()
    if scan.bibliography_fields or scan.text_boxes:
        docx_path = work / "manuscript.docx"
        prepare_docx(options.docx, docx_path)
    ast = json.loads(run_pandoc(["-f", "docx+citations", "-t", "json", "--extract-media=x",
                                 str(docx_path)], shown, cwd=work))
    title = _title(ast, scan)
    if not title:
        raise SourceError([error(shown, 0, "import-title", "the document has no title "
                                 "property and no heading to take a title from")])
    slug = options.slug or slug_from_title(title)
    chapter_path = _chapter_path(options, target, slug)
    cited = _cited_items(ast, shown)
    bib, merged = merge_references(target.root, target.config, cited)
    images = _Images(media_root=work, slug=slug, lang=options.lang,
                     assets=target.root / "assets")
    tree = rewrite(ast, RewriteOptions(slug=slug, image_src=images.src,
                                       cite_key=lambda k: merged.keys.get(k, k)), title)
    body = _markdown(ast, tree, work, shown)
    diags = list(scan.warnings)
    if scan.bibliography_fields:
        diags.append(warning(shown, 0, "import-bibliography-field",
                             "the reference list Zotero/Mendeley kept in a field is now "
                             "plain text: it no longer updates with the citations"))
    diags += [warning(shown, 0, "import-image", w) for w in images.warnings]
    diags += [warning(shown, 0, "import-incomplete", n) for n in tree.notes]
    authors = _authors(tree, scan)
    if not authors:
        diags.append(warning(shown, 0, "import-authors", "the document names no author: "
                             f"replace '{AUTHOR_PLACEHOLDER}' in the chapter's front matter"))
    text = front_matter(title, authors, tree.abstract, tree.keywords or _keywords(scan)) + body

    assets, conflicts = _planned_assets(images, options.force)
    if chapter_path.exists() and not options.force:
        conflicts.insert(0, _rel(chapter_path, target.root))
    if conflicts:
        raise SourceError([error(c, 0, "import-exists", "already exists; pass --force to "
                                 "replace it (nothing was written)") for c in conflicts])
    with StagedFiles(target.root) as staged:
        staged.add(chapter_path, text.encode("utf-8"))
        for path, data in assets:
            staged.add(path, data)
        if merged.text is not None:
            staged.add(bib.path, merged.text.encode("utf-8"))
            if not bib.named:  # so that the book's check and build find the cited works
                toml = target.root / "book.toml"
                staged.add(toml, with_bibliography_key(toml.read_text(encoding="utf-8"))
                           .encode("utf-8"))
        written = staged.commit()
    diags += _citation_notes(bib, merged.added, bool(cited), shown)
    return ImportResult(
        chapter=_rel(chapter_path, target.root),
        written=tuple(_rel(p, target.root) for p in written),
        figures=tree.figures, tables=tree.tables,
        footnotes=len(re.findall(r"^\[\^[^\]]+\]:", body, re.M)),
        citations=tuple(sorted(set(merged.keys.values()))), added_references=merged.added,
        bibliography=_rel(bib.path, target.root) if merged.text is not None else None,
        diagnostics=tuple(diags))


def _book_target(options: ImportOptions) -> BookTarget:
    root = options.book_dir.resolve()
    if not (root / "book.toml").is_file():
        raise ConfigError([error(str(options.book_dir), 0, "book-missing",
                                 "not a book folder (no book.toml)")])
    config, _ = read_toml(root / "book.toml", "book.toml")
    languages = [str(x) for x in config.get("languages") or []]
    if not LANG_RE.match(options.lang) or (languages and options.lang not in languages):
        raise ConfigError([error("book.toml", 0, "import-lang",
                                 f"'{options.lang}' is not one of the book's languages "
                                 f"({', '.join(languages)})")])
    parts = [str(x) for x in config.get("parts") or []]
    matches = [p for p in parts if p == options.part or re.sub(r"^\d+-", "", p) == options.part]
    if len(matches) != 1:
        raise ConfigError([error("book.toml", 0, "import-part",
                                 f"no part '{options.part}' in book.toml's parts "
                                 f"({', '.join(parts) or 'none'})")])
    part_dir = root / "parts" / matches[0]
    if not part_dir.is_dir():
        raise ConfigError([error("book.toml", 0, "part-missing",
                                 f"part folder parts/{matches[0]} not found")])
    return BookTarget(root=root, config=config, part_dir=part_dir)


def _title(ast: Mapping[str, Any], scan: DocxScan) -> str:
    """The title property (or Word's Title style), else the first heading."""
    title = meta_text(ast.get("meta", {}), "title") or scan.properties.title
    if title:
        return title
    first = next((b for b in ast["blocks"] if b["t"] == "Header"), None)
    return stringify(first["c"][2]) if first else ""


def slug_from_title(title: str) -> str:
    """The title's first words, up to SLUG_MAX characters, without a dangling 'of the'."""
    words = slugify(title).split("-")
    kept: list[str] = []
    for word in words:
        if kept and len("-".join([*kept, word])) > SLUG_MAX:
            break
        kept.append(word)
    while len(kept) > 1 and kept[-1] in SLUG_STOP_WORDS:
        kept.pop()
    return "-".join(kept)[: SLUG_MAX]


def _chapter_path(options: ImportOptions, target: BookTarget, slug: str) -> Path:
    if not SLUG_RE.match(slug):
        raise SourceError([error(str(options.docx), 0, "import-slug",
                                 f"'{slug}' is not a slug (lower-case letters, digits, '-')")])
    number = options.number
    if number is None:
        existing = [CHAPTER_RE.match(p.name) for p in target.part_dir.glob("*.md")]
        numbered = [(int(m["slug"][:2]), m["slug"][3:]) for m in existing if m]
        same = [n for n, s in numbered if s == slug]  # another language of this chapter
        number = same[0] if same else max((n for n, _ in numbered), default=0) + 1
    if not 1 <= number <= 99:
        raise SourceError([error(str(options.docx), 0, "import-number",
                                 f"chapter number {number} is not between 1 and 99")])
    return target.part_dir / f"{number:02d}-{slug}.{options.lang}.md"


def _cited_items(ast: Mapping[str, Any], shown: str) -> list[dict[str, Any]]:
    """The CSL items of the works the citation fields carry (pandoc's `references`)."""
    meta = ast.get("meta", {})
    if "references" not in meta:
        return []
    only_refs = {"pandoc-api-version": ast["pandoc-api-version"],
                 "meta": {"references": meta["references"]}, "blocks": []}
    items = json.loads(run_pandoc(["-f", "json", "-t", "csljson"], shown,
                                  json.dumps(only_refs).encode("utf-8")))
    return [i for i in items if isinstance(i, dict) and i.get("id")]


def _markdown(ast: Mapping[str, Any], tree: ChapterTree, work: Path, shown: str) -> str:
    doc = {"pandoc-api-version": ast["pandoc-api-version"], "meta": {}, "blocks": tree.blocks}
    out = run_pandoc(["-f", "json", "-t", WRITER, "--wrap=auto", f"--columns={COLUMNS}"],
                     shown, json.dumps(doc).encode("utf-8"), cwd=work)
    return out.decode("utf-8")


def _authors(tree: ChapterTree, scan: DocxScan) -> list[str]:
    names = list(tree.authors) or re.split(r"\s*;\s*", scan.properties.creator)
    return [n.strip() for n in names if n.strip() and n.strip().lower() not in NOT_AN_AUTHOR]


def _keywords(scan: DocxScan) -> tuple[str, ...]:
    return tuple(k for k in re.split(r"\s*[;,]\s*", scan.properties.keywords) if k)


def _yaml_string(text: str) -> str:
    # A JSON string is a valid YAML double-quoted scalar, with the same escapes.
    return json.dumps(text, ensure_ascii=False)


def front_matter(title: str, authors: Sequence[str], abstract: str,
                 keywords: Sequence[str]) -> str:
    """The chapter's YAML front matter, in the style docs/source-format.md shows."""
    lines = ["---", f"title: {_yaml_string(title)}", "authors:"]
    for name in authors or [AUTHOR_PLACEHOLDER]:
        lines.append(f"  - name: {_yaml_string(name)}")
    if abstract:
        lines.append(f"abstract: {_yaml_string(abstract)}")
    if keywords:
        lines.append(f"keywords: [{', '.join(_yaml_string(k) for k in keywords)}]")
    return "\n".join([*lines, "---", "", ""])


def _planned_assets(images: _Images, force: bool) -> tuple[list[tuple[Path, bytes]], list[str]]:
    """The images to write, and the existing different files that would be replaced. An
    identical file already in assets/ (a re-import) is neither."""
    planned: list[tuple[Path, bytes]] = []
    conflicts: list[str] = []
    for name, data in images.files.values():
        path = images.assets / name
        if path.is_file() and _digest(path.read_bytes()) == _digest(data):
            continue
        if path.exists() and not force:
            conflicts.append(f"assets/{name}")
        planned.append((path, data))
    return planned, conflicts


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _citation_notes(bib: Bibliography, added: Sequence[str], cited: bool,
                    shown: str) -> list[Diagnostic]:
    notes: list[Diagnostic] = []
    if added and not bib.named:
        notes.append(warning("book.toml", 0, "import-bibliography",
                             f"the cited works were written to {DEFAULT_BIBLIOGRAPHY}, which "
                             f'book.toml now names (bibliography = "{DEFAULT_BIBLIOGRAPHY}")'))
    if cited and "bibliography" not in BOOK_SCHEMA:
        notes.append(warning(shown, 0, "import-citations",
                             "this bookforge does not format citations yet: they stay in the "
                             "text as [@key] until it does"))
    return notes


def _rel(path: Path, root: Path) -> str:
    return path.resolve().relative_to(root.resolve()).as_posix()
