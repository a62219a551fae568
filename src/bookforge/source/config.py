"""Stage 1, config: book.toml (and part.toml) text -> validated `BookConfig`.

The schema is declarative: each key names its type and whether it is required. Validation
collects every problem at once, each with the key and the line it is on. The same
mechanism (`Field`, `validate`) checks book.toml, part.toml and chapter front matter
(`FRONT_MATTER_SCHEMA`); a `Dialect` says how each file format names and places problems.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import ConfigError, Diagnostic, error, raise_if_errors
from ..model import Author, BookConfig, Licence, Series
from .bibliography import bibliography_paths

LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
TRIMS = {"A4", "A5", "B5", "6x9in"}
TRIM_RE = re.compile(r"^(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(mm|cm|in)$")
GLOSS_STYLES = ("off", "first-per-chapter", "first-per-volume")
LISTS = ("figures", "tables")  # front-matter lists: Daftar Gambar, Daftar Tabel


@dataclass(frozen=True)
class Field:
    check: Callable[[Any], str | None]  # returns a problem or None
    required: bool = False
    sub: Mapping[str, Field] | None = None  # schema of a table
    each: Mapping[str, Field] | None = None  # schema of each table in an array of tables
    values: Mapping[str, Field] | None = None  # schema of each value of a table whose keys
    # are free (front matter `translations: {<lang>: {...}}`), each key checked by `keys`
    keys: Callable[[Any], str | None] | None = None
    code: str = ""  # the code of every problem in this key and below ("": the dialect's)


@dataclass(frozen=True)
class Dialect:
    """How problems in one kind of file are coded and placed."""

    unknown: str  # code of an unknown key
    missing: str  # of a missing required key
    type: str  # of a value of the wrong kind
    line: Callable[[str, str], int]  # (file text, dotted key) -> line of the key
    missing_line: Callable[[str, str], int]  # the same for a key that is not there


def _is_str(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else "must be a non-empty string"


def _is_bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "must be true or false"


HTML_MODES = ("none", "safe", "trusted")


def _is_html_mode(v: Any) -> str | None:
    """`allow_html`: a mode, or the old true/false (trusted/none)."""
    if isinstance(v, bool) or v in HTML_MODES:
        return None
    return 'must be "none", "safe" or "trusted" (true and false mean "trusted" and "none")'


def html_mode(v: Any) -> str:
    if isinstance(v, bool):
        return "trusted" if v else "none"
    return str(v)


def _is_date(v: Any) -> str | None:
    ok = isinstance(v, dt.date) and not isinstance(v, dt.datetime)
    return None if ok else "must be a date such as 2026-11-28"


def _is_lang_list(v: Any) -> str | None:
    if not isinstance(v, list) or not v or not all(isinstance(x, str) for x in v):
        return "must be a non-empty list of language codes"
    bad = [x for x in v if not LANG_RE.match(x)]
    return f"not BCP 47 language codes: {', '.join(bad)}" if bad else None


def _is_str_list(v: Any) -> str | None:
    if isinstance(v, list) and all(isinstance(x, str) and x for x in v):
        return None
    return "must be a list of strings"


def _is_table(v: Any) -> str | None:
    return None if isinstance(v, dict) else "must be a table"


def _is_lang_map(v: Any) -> str | None:
    if not isinstance(v, dict) or not v:
        return "must be a table of language code = text"
    for k, text in v.items():
        if not LANG_RE.match(k):
            return f"'{k}' is not a language code"
        if not isinstance(text, str) or not text.strip():
            return f"'{k}' must be a non-empty string"
    return None


def _is_trim(v: Any) -> str | None:
    if isinstance(v, str) and (v in TRIMS or TRIM_RE.match(v)):
        return None
    return "must be A4, A5, B5, 6x9in or WIDTHxHEIGHT with mm, cm or in (e.g. 155x230mm)"


def _is_slug(v: Any) -> str | None:
    if isinstance(v, str) and re.fullmatch(r"[a-z0-9][a-z0-9-]*", v):
        return None
    return "must be lower-case letters, digits and hyphens"


def _is_isbn_map(v: Any) -> str | None:
    if not isinstance(v, dict):
        return "must be a table: <lang> = { pdf = \"...\", epub = \"...\" }"
    for lang, formats in v.items():
        if not isinstance(formats, dict) or set(formats) - {"pdf", "epub"}:
            return f"'{lang}' must be a table with pdf and/or epub"
        for fmt, isbn in formats.items():
            if not isinstance(isbn, str) or not valid_isbn13(isbn):
                return f"{lang}.{fmt} is not a valid ISBN-13: {isbn!r}"
    return None


def _is_lists(v: Any) -> str | None:
    if isinstance(v, list) and all(x in LISTS for x in v) and len(set(v)) == len(v):
        return None
    return f"must be a list of distinct names from: {', '.join(LISTS)}"


def _choice(*options: str) -> Callable[[Any], str | None]:
    def check(v: Any) -> str | None:
        return None if v in options else f"must be one of: {', '.join(options)}"

    return check


def valid_isbn13(isbn: str) -> bool:
    digits = re.sub(r"[\s-]", "", isbn)
    if not re.fullmatch(r"97[89]\d{10}", digits):
        return False
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == int(digits[12])


PERSON = {
    "name": Field(_is_str, required=True),
    "surname": Field(_is_str),
    "affiliation": Field(_is_str),
    "orcid": Field(_is_str),
    "email": Field(_is_str),
}

BOOK_SCHEMA: dict[str, Field] = {
    "slug": Field(_is_slug, required=True),
    "languages": Field(_is_lang_list, required=True),
    "date": Field(_is_date, required=True),
    "publisher": Field(_is_str, required=True),
    "place": Field(_is_str, required=True),
    "trim": Field(_is_trim),
    "front": Field(_is_str_list),
    "lists": Field(_is_lists),  # front-matter lists of figures and tables, in book order
    "parts": Field(_is_str_list, required=True),
    "title": Field(_is_lang_map, required=True),
    "subtitle": Field(_is_lang_map),
    "editors": Field(lambda v: None if isinstance(v, list) and v else "must be [[editors]] tables",
                     required=True, each=PERSON),
    "licence": Field(_is_table, required=True, sub={
        "name": Field(_is_str, required=True),
        "url": Field(_is_str, required=True),
    }),
    "colophon": Field(_is_lang_map),
    "abstract": Field(_is_lang_map),
    "series": Field(_is_table, sub={  # the collection the volume belongs to, optional
        "title": Field(_is_lang_map, required=True),
        "number": Field(lambda v: None if type(v) is int and v > 0 else "must be a number >= 1"),
    }),
    "isbn": Field(_is_isbn_map),
    "markdown": Field(_is_table, sub={"allow_html": Field(_is_html_mode)}),
    "glossary": Field(_is_table, sub={"gloss": Field(_choice(*GLOSS_STYLES)),
                                      "parallel_gloss": Field(_choice(*GLOSS_STYLES))}),
    "bibliography": Field(lambda v: None if bibliography_paths(v) else
                          "must be a path or a list of paths (.bib, .json, .yaml)"),
    "citation_style": Field(_is_str),
    "parallel": Field(_is_str_list),  # side-by-side editions, "id+en" (verso language first)
}

PART_SCHEMA: dict[str, Field] = {
    "title": Field(_is_lang_map, required=True),
    "intro": Field(_is_lang_map),
}


def _is_text(v: Any) -> str | None:
    return None if isinstance(v, str) else "must be a string"


def _is_strings(v: Any) -> str | None:
    ok = isinstance(v, list) and all(isinstance(x, str) for x in v)
    return None if ok else "must be a list of strings"


def _is_people(v: Any) -> str | None:
    return None if isinstance(v, list) and v else "must be a list of {name, affiliation}"


def _is_lang_code(v: Any) -> str | None:
    return None if isinstance(v, str) and LANG_RE.match(v) else "must be a language code"


FRONT_AUTHOR = {
    "name": Field(_is_str, required=True),
    "surname": Field(_is_text),
    "affiliation": Field(_is_text),
    "orcid": Field(_is_text),
    "email": Field(_is_text),
}

TRANSLATION_SCHEMA: dict[str, Field] = {  # a chapter's text in another language
    "title": Field(_is_str, required=True),
    "short_title": Field(_is_text),
    "abstract": Field(_is_text),
    "keywords": Field(_is_strings),
}

def _is_paths(v: Any) -> str | None:
    return None if bibliography_paths(v) is not None else "must be a path or a list of paths"


FRONT_MATTER_SCHEMA: dict[str, Field] = {  # of a front-matter text; chapters add authors
    "title": Field(_is_str, required=True, code="front-matter-title"),
    "short_title": Field(_is_text),
    "authors": Field(_is_people, each=FRONT_AUTHOR, code="front-matter-authors"),
    "abstract": Field(_is_text),
    "keywords": Field(_is_strings),
    "translations": Field(_is_table, values=TRANSLATION_SCHEMA, keys=_is_lang_code,
                          code="front-matter-translations"),
    "bibliography": Field(_is_paths),
}

CHAPTER_SCHEMA: dict[str, Field] = {
    **FRONT_MATTER_SCHEMA,
    "authors": Field(_is_people, required=True, each=FRONT_AUTHOR, code="front-matter-authors"),
}


def key_line(text: str, key: str) -> int:
    """Best-effort line of `key` in TOML text (tomllib keeps no positions)."""
    last = key.split(".")[-1]
    pattern = re.compile(rf"^\s*(\[\[?\s*{re.escape(key)}\s*\]\]?|{re.escape(last)}\s*=)", re.M)
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


TOML = Dialect("config-unknown-key", "config-missing-key", "config-type", key_line,
               lambda text, key: 0)


def validate(data: Mapping[str, Any], schema: Mapping[str, Field], text: str, path: str,
             prefix: str = "", dialect: Dialect = TOML, code: str = "") -> list[Diagnostic]:
    """Check `data` against `schema`; one diagnostic per bad, missing or unknown key.
    `code`, when given, is the code of every problem (a `Field.code` of an outer key)."""
    out: list[Diagnostic] = []

    def problem(line: int, kind: str, message: str) -> None:
        out.append(error(path, line, code or kind, message))

    for key in data:
        if key not in schema:
            known = ", ".join(sorted(schema))
            problem(dialect.line(text, f"{prefix}{key}"), dialect.unknown,
                    f"unknown key '{prefix}{key}' (known keys: {known})")
    for key, spec in schema.items():
        name = prefix + key
        inner = code or spec.code
        if key not in data:
            if spec.required:
                out.append(error(path, dialect.missing_line(text, name), inner or dialect.missing,
                                 f"'{name}' is required"))
            continue
        value = data[key]
        bad = spec.check(value)
        if bad:
            out.append(error(path, dialect.line(text, name), inner or dialect.type,
                             f"'{name}' {bad}"))
            continue
        out += _validate_inside(value, spec, text, path, name, dialect, inner)
    return out


def _validate_inside(value: Any, spec: Field, text: str, path: str, name: str,
                     dialect: Dialect, code: str) -> list[Diagnostic]:
    """The tables inside a key's value: `sub`, `each` and `values` of its `Field`."""
    out: list[Diagnostic] = []
    if spec.sub is not None:
        out += validate(value, spec.sub, text, path, name + ".", dialect, code)
    items = [(f"{name}[{i}]", f"{name}[{i}].", item) for i, item in enumerate(value)] \
        if spec.each is not None else []
    for key, item in (value.items() if spec.values is not None else ()):
        bad = spec.keys(key) if spec.keys else None
        if bad:
            out.append(error(path, dialect.line(text, name), code or dialect.type,
                             f"'{name}' key '{key}' {bad}"))
        else:
            items.append((f"{name}.{key}", f"{name}.{key}.", item))
    schema = spec.each if spec.each is not None else spec.values
    for label, prefix, item in items:
        if not isinstance(item, dict):
            out.append(error(path, dialect.line(text, name), code or dialect.type,
                             f"'{label}' must be a table"))
        elif schema is not None:
            out += validate(item, schema, text, path, prefix, dialect, code)
    return out


def read_toml(path: Path, rel: str) -> tuple[dict[str, Any], str]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([error(rel, 0, "config-missing-file", "file not found")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([error(rel, 0, "config-encoding", f"not UTF-8: {exc.reason}")]) from None
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        m = re.search(r"line (\d+), column (\d+)", str(exc))
        if m:
            line, col = int(m.group(1)), int(m.group(2))
        else:  # "at end of document"
            line, col = max(text.count("\n"), 1), 1
        msg = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
        diag = error(rel, line, "config-syntax", f"invalid TOML: {msg}", col)
        raise ConfigError([diag]) from None


def author(d: Mapping[str, Any]) -> Author:
    """An `Author` from a validated book.toml `[[editors]]` table or front matter entry."""
    return Author(name=d["name"].strip(), affiliation=d.get("affiliation") or "",
                  orcid=d.get("orcid"), email=d.get("email"),
                  family_name=(d.get("surname") or "").strip() or None)


def load_config(book_dir: Path) -> BookConfig:
    """Read and validate `book_dir/book.toml`; raise `ConfigError` with every problem."""
    rel = "book.toml"
    data, text = read_toml(book_dir / "book.toml", rel)
    diags = validate(data, BOOK_SCHEMA, text, rel)
    raise_if_errors(diags, ConfigError)
    languages = tuple(data["languages"])
    for key in ("title",):
        missing = [lang for lang in languages if lang not in data[key]]
        if missing:
            diags.append(error(rel, key_line(text, key), "config-missing-lang",
                               f"'{key}' has no text for {', '.join(missing)}"))
    diags += _parallel_problems(data.get("parallel", []), languages, text, rel)
    raise_if_errors(diags, ConfigError)
    return BookConfig(
        slug=data["slug"],
        languages=languages,
        date=data["date"],
        publisher=data["publisher"],
        place=data["place"],
        trim=data.get("trim", "155x230mm"),
        front=tuple(data.get("front", ())),
        lists=tuple(x for x in LISTS if x in data.get("lists", ())),
        parts=tuple(data["parts"]),
        title=dict(data["title"]),
        subtitle=dict(data.get("subtitle", {})),
        editors=tuple(author(e) for e in data["editors"]),
        licence=Licence(data["licence"]["name"], data["licence"]["url"]),
        colophon=dict(data.get("colophon", {})),
        abstract=dict(data.get("abstract", {})),
        series=Series(dict(data["series"]["title"]), data["series"].get("number"))
        if "series" in data else None,
        isbn={k: dict(v) for k, v in data.get("isbn", {}).items()},
        allow_html=html_mode(data.get("markdown", {}).get("allow_html", "safe")),
        gloss=data.get("glossary", {}).get("gloss", "first-per-chapter"),
        bibliography=bibliography_paths(data.get("bibliography")) or (),
        citation_style=data.get("citation_style", "apa").strip(),
        parallel=tuple(tuple(p.split("+")) for p in data.get("parallel", ())),  # type: ignore[misc]
        parallel_gloss=data.get("glossary", {}).get("parallel_gloss", "off"),
    )


def trim_size(trim: str) -> tuple[str, str, str] | None:
    """"155x230mm" -> ("155", "230", "mm"); None for a named size (A4, A5, B5, 6x9in)."""
    m = TRIM_RE.fullmatch(trim)
    return (m[1], m[2], m[3]) if m else None


def _parallel_problems(pairs: list[str], languages: tuple[str, ...], text: str,
                       rel: str) -> list[Diagnostic]:
    """Each `parallel` entry is two different languages of the book joined by "+"."""
    out = []
    for pair in pairs:
        codes = pair.split("+")
        if len(codes) != 2 or codes[0] == codes[1] or not set(codes) <= set(languages):
            out.append(error(rel, key_line(text, "parallel"), "config-parallel",
                             f"'parallel' entry {pair!r} must be two different languages of "
                             f"{list(languages)} joined by '+', e.g. "
                             f"\"{'+'.join(languages[:2])}\""))
    return out


def page_size_ok(trim: str) -> bool:
    return _is_trim(trim) is None
