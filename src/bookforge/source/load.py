"""Stage 2, load: the book folder -> `Book` (parts, chapters, front matter, glossary).

Reads files and front matter only; Markdown bodies are parsed by the next stage. Every
problem in every file is collected before `SourceError` is raised.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, Diagnostic, SourceError, error, warning
from ..model import BibFile, Book, Chapter, Part, Source, Translation
from .bibliography import bibliography_paths, merge_files, read_bibliography
from .config import (
    CHAPTER_SCHEMA,
    FRONT_MATTER_SCHEMA,
    LANG_RE,
    PART_SCHEMA,
    Dialect,
    author,
    load_config,
    read_toml,
    validate,
)
from .glossary import load_glossary

CHAPTER_RE = re.compile(r"^(?P<slug>\d{2}-[a-z0-9][a-z0-9-]*)\.(?P<lang>[a-z]{2,3})\.md$")
FRONT_RE = re.compile(r"^(?P<slug>[a-z0-9][a-z0-9-]*)\.(?P<lang>[a-z]{2,3})\.md$")
FRONT_MATTER_RE = re.compile(r"\A---[ \t]*\n(?P<yaml>.*?\n)?---[ \t]*(\n|\Z)", re.S)

# What `bookforge import docx` writes when the manuscript names no author; check warns.
AUTHOR_PLACEHOLDER = "[Author name]"
# libyaml's loader where PyYAML was built with it: the same documents, a tenth of the time
# (front matter of 150 files was a twentieth of a one-chapter rebuild)
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_book(book_dir: Path) -> tuple[Book, list[Diagnostic]]:
    """Load the whole book. Returns the book and its warnings; raises on any error."""
    book_dir = book_dir.resolve()
    if not book_dir.is_dir():
        raise ConfigError([error(str(book_dir), 0, "book-missing", "not a directory")])
    config = load_config(book_dir)
    diags: list[Diagnostic] = []

    front: list[Chapter] = []
    for name in config.front:
        versions: dict[str, Source] = {}
        for lang in config.languages:
            path = book_dir / "front" / f"{name}.{lang}.md"
            if path.is_file():
                src = read_source(path, book_dir, lang, "front", diags)
                if src:
                    versions[lang] = src
        if not versions:
            diags.append(error("book.toml", 0, "front-missing",
                               f"front matter '{name}' has no file front/{name}.<lang>.md"))
            continue
        front.append(Chapter(slug=name, kind="front", versions=versions))

    parts: list[Part] = []
    for slug in config.parts:
        part = load_part(book_dir, slug, config.languages, diags)
        if part:
            parts.append(part)

    glossary, gdiags = load_glossary(book_dir / "glossary.csv", book_dir)
    diags += gdiags
    sources = [s for c in (*front, *(c for p in parts for c in p.chapters))
               for s in c.versions.values()]
    bibliographies = load_bibliographies(book_dir, config.bibliography, sources, diags)

    errors = [d for d in diags if d.is_error]
    if errors:
        raise SourceError(sorted(errors))
    book = Book(root=book_dir, config=config, front=tuple(front), parts=tuple(parts),
                glossary=glossary, bibliographies=bibliographies)
    return book, sorted(diags)


def load_bibliographies(book_dir: Path, book_paths: Sequence[str], sources: Sequence[Source],
                        diags: list[Diagnostic]) -> dict[str, BibFile]:
    """Read book.toml's bibliography files and those the chapters name (relative to the
    chapter file), each once; a file outside the book is refused."""
    wanted: dict[str, str] = {}  # book-relative path -> who named it
    for p in book_paths:
        wanted.setdefault(p, "book.toml")
    for src in sources:
        for p in src.bibliography:
            wanted.setdefault(p, src.rel_path)
    files: dict[str, BibFile] = {}
    for rel, named_in in wanted.items():
        path = (book_dir / rel).resolve()
        if not path.is_relative_to(book_dir):
            diags.append(error(named_in, 0, "bib-outside",
                               f"bibliography '{rel}' is outside the book folder"))
            continue
        found: list[Diagnostic] = []
        files[rel] = read_bibliography(path, rel, found)
        diags += [d if d.code != "bib-missing" else error(named_in, 0, d.code,
                                                          f"bibliography '{rel}' not found")
                  for d in found]
    merge_files((files[p] for p in book_paths if p in files), diags)
    for src in sources:
        if src.bibliography:
            merge_files((files[p] for p in src.bibliography if p in files), diags)
    return files


def load_part(book_dir: Path, slug: str, languages: tuple[str, ...],
              diags: list[Diagnostic]) -> Part | None:
    part_dir = book_dir / "parts" / slug
    rel = f"parts/{slug}/part.toml"
    if not part_dir.is_dir():
        diags.append(error("book.toml", 0, "part-missing", f"part folder parts/{slug} not found"))
        return None
    try:
        data, text = read_toml(part_dir / "part.toml", rel)
    except ConfigError as exc:
        diags += exc.diagnostics
        return None
    problems = validate(data, PART_SCHEMA, text, rel)
    diags += problems
    if any(d.is_error for d in problems):
        return None
    missing = [lang for lang in languages if lang not in data["title"]]
    if missing:
        diags.append(warning(rel, 1, "part-missing-lang",
                             f"part title has no text for {', '.join(missing)}"))

    by_slug: dict[str, dict[str, Source]] = {}
    for path in sorted(part_dir.iterdir()):
        if path.suffix != ".md":
            continue
        m = CHAPTER_RE.match(path.name)
        if not m:
            diags.append(error(path.relative_to(book_dir), 0, "chapter-name",
                               "chapter files are named NN-slug.LANG.md (e.g. 01-trust.id.md)"))
            continue
        src = read_source(path, book_dir, m["lang"], "chapter", diags)
        if src:
            by_slug.setdefault(m["slug"], {})[m["lang"]] = src
    chapters = tuple(Chapter(slug=s, kind="chapter", versions=v, part_slug=slug)
                     for s, v in sorted(by_slug.items()))
    if not chapters:
        diags.append(warning(rel, 0, "part-empty", "part has no chapters"))
    return Part(slug=slug, path=part_dir, title=dict(data["title"]),
                intro=dict(data.get("intro", {})), chapters=chapters)


def split_front_matter(text: str) -> tuple[str | None, str, int]:
    """Return (yaml text or None, body, 1-based line where the body starts)."""
    m = FRONT_MATTER_RE.match(text)
    if not m:
        return None, text, 1
    return m.group("yaml") or "", text[m.end():], text.count("\n", 0, m.end()) + 1


def read_source(path: Path, book_dir: Path, lang: str, kind: str,
                diags: list[Diagnostic]) -> Source | None:
    rel = str(path.relative_to(book_dir))
    if not LANG_RE.match(lang):
        diags.append(error(rel, 0, "source-lang", f"'{lang}' is not a language code"))
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        diags.append(error(rel, 0, "source-encoding", f"not UTF-8 ({exc.reason})"))
        return None
    text = text.replace("\r\n", "\n")
    raw, body, body_line = split_front_matter(text)
    if raw is None:
        diags.append(error(rel, 1, "front-matter-missing",
                           "the file must start with YAML front matter between '---' lines"))
        return None
    try:
        meta = yaml.load(raw, Loader=SAFE_LOADER) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        col = mark.column + 1 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        diags.append(error(rel, line, "front-matter-syntax", f"invalid YAML: {problem}", col))
        return None
    if not isinstance(meta, dict):
        diags.append(error(rel, 2, "front-matter-type", "front matter must be a mapping"))
        return None
    before = len(diags)
    check_meta(meta, rel, raw, kind, lang, diags)
    if len(diags) > before and any(d.is_error for d in diags[before:]):
        return None
    return Source(
        lang=lang, path=path, rel_path=rel, title=meta["title"].strip(), body=body,
        body_line=body_line, short_title=(meta.get("short_title") or "").strip(),
        authors=tuple(author(a) for a in meta.get("authors") or ()),
        abstract=" ".join((meta.get("abstract") or "").split()),
        keywords=tuple(str(k).strip() for k in meta.get("keywords") or ()),
        translations={str(code): _translation(str(code), t)
                      for code, t in (meta.get("translations") or {}).items()},
        bibliography=_chapter_bibliography(meta.get("bibliography"), path, book_dir),
    )


def _chapter_bibliography(value: Any, path: Path, book_dir: Path) -> tuple[str, ...]:
    """Front matter `bibliography` paths, relative to the chapter file -> book-relative."""
    rels = bibliography_paths(value) or ()
    return tuple(os.path.relpath(os.path.normpath(path.parent / r), book_dir) for r in rels)


def _translation(lang: str, t: Mapping[str, Any]) -> Translation:
    return Translation(lang=lang, title=t["title"].strip(),
                       short_title=(t.get("short_title") or "").strip(),
                       abstract=" ".join((t.get("abstract") or "").split()),
                       keywords=tuple(str(k).strip() for k in t.get("keywords") or ()))


def _meta_line(raw: str, key: str) -> int:
    """Line of the file where the top-level front matter key of `key` ("authors[1].name"
    -> "authors") is; the first line of the front matter when it is not there."""
    top = re.split(r"[.\[]", key, maxsplit=1)[0]
    m = re.search(rf"^{re.escape(top)}\s*:", raw, re.M)
    return raw.count("\n", 0, m.start()) + 2 if m else 2


YAML = Dialect("front-matter-key", "front-matter-missing", "front-matter-type", _meta_line,
               _meta_line)


def check_meta(meta: Mapping[str, Any], rel: str, raw: str, kind: str, lang: str,
               diags: list[Diagnostic]) -> None:
    """Front matter against its schema, then what a schema cannot say."""
    schema = CHAPTER_SCHEMA if kind == "chapter" else FRONT_MATTER_SCHEMA
    found = validate(meta, schema, raw, rel, dialect=YAML)
    diags += found
    if found:
        return
    line = _meta_line(raw, "authors")
    for i, a in enumerate(meta.get("authors") or (), 1):
        if a["name"].strip() == AUTHOR_PLACEHOLDER:
            diags.append(warning(rel, line, "front-matter-author-placeholder",
                                 f"author {i} is the placeholder '{AUTHOR_PLACEHOLDER}' the "
                                 "import wrote: put the author's name here"))
        surname = a.get("surname")
        if surname is not None and surname.strip() not in a["name"]:
            diags.append(error(rel, line, "front-matter-authors",
                               f"author {i}: surname '{surname}' is not part of the name "
                               f"'{a['name']}'"))
    if lang in (meta.get("translations") or {}):
        diags.append(error(rel, _meta_line(raw, "translations"), "front-matter-translations",
                           f"'translations' key '{lang}' must be a language other than "
                           f"the file's own ('{lang}')"))
    if kind == "chapter":
        for key in ("abstract", "keywords"):
            if not meta.get(key):
                diags.append(warning(rel, 2, "front-matter-" + key, f"'{key}' is missing"))
