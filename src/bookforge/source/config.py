"""Stage 1, config: book.toml (and part.toml) text -> validated `BookConfig`.

The schema is declarative: each key names its type and whether it is required. Validation
collects every problem at once, each with the key and the line it is on.
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

LANG_RE = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
TRIMS = {"A4", "A5", "B5", "6x9in"}
TRIM_RE = re.compile(r"^\d+(\.\d+)?x\d+(\.\d+)?(mm|cm|in)$")
GLOSS_STYLES = ("off", "first-per-chapter", "first-per-volume")
LISTS = ("figures", "tables")  # front-matter lists: Daftar Gambar, Daftar Tabel


@dataclass(frozen=True)
class Field:
    check: Callable[[Any], str | None]  # returns a problem or None
    required: bool = False
    sub: Mapping[str, Field] | None = None  # schema of a table
    each: Mapping[str, Field] | None = None  # schema of each table in an array of tables


def _is_str(v: Any) -> str | None:
    return None if isinstance(v, str) and v.strip() else "must be a non-empty string"


def _is_bool(v: Any) -> str | None:
    return None if isinstance(v, bool) else "must be true or false"


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
    "markdown": Field(_is_table, sub={"allow_html": Field(_is_bool)}),
    "glossary": Field(_is_table, sub={"gloss": Field(_choice(*GLOSS_STYLES))}),
}

PART_SCHEMA: dict[str, Field] = {
    "title": Field(_is_lang_map, required=True),
    "intro": Field(_is_lang_map),
}


def key_line(text: str, key: str) -> int:
    """Best-effort line of `key` in TOML text (tomllib keeps no positions)."""
    last = key.split(".")[-1]
    pattern = re.compile(rf"^\s*(\[\[?\s*{re.escape(key)}\s*\]\]?|{re.escape(last)}\s*=)", re.M)
    m = pattern.search(text)
    return text.count("\n", 0, m.start()) + 1 if m else 1


def validate(data: Mapping[str, Any], schema: Mapping[str, Field], text: str, path: str,
             prefix: str = "") -> list[Diagnostic]:
    """Check `data` against `schema`; one diagnostic per bad, missing or unknown key."""
    out: list[Diagnostic] = []
    for key in data:
        if key not in schema:
            known = ", ".join(sorted(schema))
            out.append(error(path, key_line(text, prefix + key), "config-unknown-key",
                             f"unknown key '{prefix}{key}' (known keys: {known})"))
    for key, spec in schema.items():
        name = prefix + key
        if key not in data:
            if spec.required:
                out.append(error(path, 0, "config-missing-key", f"missing required key '{name}'"))
            continue
        value = data[key]
        problem = spec.check(value)
        if problem:
            out.append(error(path, key_line(text, name), "config-type", f"'{name}' {problem}"))
            continue
        if spec.sub is not None:
            out += validate(value, spec.sub, text, path, name + ".")
        if spec.each is not None:
            for i, item in enumerate(value):
                if not isinstance(item, dict):
                    out.append(error(path, key_line(text, name), "config-type",
                                     f"'{name}[{i}]' must be a table"))
                else:
                    out += validate(item, spec.each, text, path, f"{name}.")
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
        allow_html=bool(data.get("markdown", {}).get("allow_html", False)),
        gloss=data.get("glossary", {}).get("gloss", "first-per-chapter"),
    )


def page_size_ok(trim: str) -> bool:
    return _is_trim(trim) is None
