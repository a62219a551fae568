"""Manuscript import, citations: the works a Word file's Zotero/Mendeley fields carry
(CSL items, read by pandoc) -> stable citation keys and the book's bibliography file with
the new works added.

Zotero and Mendeley number their items per library ("4101", "ITEM-1"), so two chapters'
keys would collide; each work gets an author-year-word key instead ("khayalan2019debts"),
and a work the bibliography already holds keeps the key it has there.

The bibliography is book.toml's top-level `bibliography` (a path or a list of paths: .bib,
CSL-JSON .json, CSL-YAML .yaml); new works go into the first. Without one, they go into
`references.json`, and the user is told to name it in book.toml.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from ..errors import ConfigError, SourceError, error
from .pandoc import run_pandoc

DEFAULT_BIBLIOGRAPHY = "references.json"
FORMATS = {".bib": "bibtex", ".json": "csljson", ".yaml": "cslyaml", ".yml": "cslyaml"}
STOP_WORDS = {"a", "an", "the", "on", "of", "in", "and", "to", "for", "di", "dan", "yang",
              "dalam", "ke", "dari", "sebuah", "suatu"}

CslItem = dict[str, Any]


@dataclass(frozen=True)
class Bibliography:
    path: Path  # inside the book
    rel: str  # as book.toml names it
    named: bool  # False: the default file, not (yet) in book.toml

    @property
    def format(self) -> str:
        return FORMATS[self.path.suffix.lower()]


@dataclass(frozen=True)
class MergedReferences:
    keys: Mapping[str, str]  # the manuscript's item id -> the key the chapter cites
    added: tuple[str, ...]  # keys new to the bibliography
    text: str | None  # the bibliography's new content, None when nothing changes


def with_bibliography_key(toml_text: str, rel: str = DEFAULT_BIBLIOGRAPHY) -> str:
    """book.toml's text with a top-level `bibliography = "<rel>"` line added before its first
    table, the rest (comments included) left as written."""
    lines = toml_text.splitlines(keepends=True)
    at = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), len(lines))
    if at and not lines[at - 1].endswith("\n"):
        lines[at - 1] += "\n"
    key = f'bibliography = "{rel}"  # added by bookforge import: the works chapters cite\n'
    return "".join([*lines[:at], key, *lines[at:]])


def bibliography_of(book_dir: Path, config: Mapping[str, Any]) -> Bibliography:
    """The file new works go into: book.toml's first `bibliography`, or the default."""
    value = config.get("bibliography")
    paths = [value] if isinstance(value, str) else value
    if value is None or paths == []:
        return Bibliography(book_dir / DEFAULT_BIBLIOGRAPHY, DEFAULT_BIBLIOGRAPHY, named=False)
    if not isinstance(paths, list) or not all(isinstance(p, str) and p for p in paths):
        raise ConfigError([error("book.toml", 0, "config-type",
                                 "'bibliography' must be a path or a list of paths")])
    rel = paths[0]
    path = (book_dir / rel).resolve()
    if not path.is_relative_to(book_dir.resolve()):
        raise ConfigError([error("book.toml", 0, "config-value",
                                 f"bibliography '{rel}' is outside the book folder")])
    if path.suffix.lower() not in FORMATS:
        raise ConfigError([error("book.toml", 0, "config-value",
                                 f"bibliography '{rel}' must be .bib, .json or .yaml")])
    return Bibliography(path, rel, named=True)


def read_items(bib: Bibliography) -> list[CslItem]:
    """The works a bibliography file holds, as CSL items (an absent file holds none)."""
    if not bib.path.is_file():
        return []
    try:
        text = bib.path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise SourceError([error(bib.rel, 0, "bibliography-read", str(exc))]) from None
    try:
        if bib.format == "csljson":
            data = json.loads(text) if text.strip() else []
        elif bib.format == "cslyaml":
            data = yaml.safe_load(text) or []
            data = data.get("references", []) if isinstance(data, dict) else data
        else:
            data = json.loads(run_pandoc(["-f", "biblatex", "-t", "csljson"], bib.rel,
                                         text.encode("utf-8")))
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise SourceError([error(bib.rel, 0, "bibliography-syntax",
                                 f"cannot read it ({exc})")]) from None
    if not isinstance(data, list) or not all(isinstance(i, dict) for i in data):
        raise SourceError([error(bib.rel, 0, "bibliography-syntax",
                                 "expected a list of CSL items")])
    return data


def _ascii_word(text: str) -> str:
    norm = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]", "", norm.lower())


def _year(item: Mapping[str, Any]) -> str:
    parts = (item.get("issued") or {}).get("date-parts") or [[]]
    return str(parts[0][0]) if parts and parts[0] else ""


def _first_name(item: Mapping[str, Any]) -> str:
    for role in ("author", "editor", "translator"):
        for person in item.get(role) or ():
            name = person.get("family") or person.get("literal") or ""
            if _ascii_word(name):
                return name
    return ""


def make_key(item: Mapping[str, Any]) -> str:
    """`surnameYEARword`, in ASCII: what Better BibTeX and most editors would write."""
    words = [w for w in re.split(r"\W+", str(item.get("title") or "")) if w]
    word = next((w for w in words if w.lower() not in STOP_WORDS), words[0] if words else "")
    key = _ascii_word(_first_name(item).split()[-1] if _first_name(item) else "") \
        + _year(item) + _ascii_word(word)
    return key or "work"


def _identity(item: Mapping[str, Any]) -> tuple[str, str, str]:
    """What makes two CSL items the same work, whatever their keys."""
    return (_ascii_word(str(item.get("title") or "")), _year(item),
            _ascii_word(_first_name(item)))


def merge_items(cited: Sequence[CslItem], existing: Sequence[CslItem]
                ) -> tuple[dict[str, str], list[CslItem]]:
    """Keys for the cited works and the items to add (works not in `existing`)."""
    known = {_identity(i): str(i.get("id")) for i in existing if i.get("title")}
    used = {str(i.get("id")) for i in existing}
    keys: dict[str, str] = {}
    added: list[CslItem] = []
    for item in cited:
        ident = _identity(item)
        if item.get("title") and ident in known:
            keys[str(item["id"])] = known[ident]
            continue
        base = make_key(item)
        key, n = base, 1
        while key in used:
            n += 1
            key = f"{base}{chr(ord('a') + n - 1)}" if n <= 26 else f"{base}-{n}"
        used.add(key)
        known[ident] = key
        keys[str(item["id"])] = key
        added.append({**item, "id": key})
    return keys, added


def merged_text(bib: Bibliography, existing: Sequence[CslItem], added: Sequence[CslItem]
                ) -> str:
    """The bibliography file with `added` appended; the existing text is kept as it is
    where the format allows (BibTeX, a CSL-YAML list), so the editor's comments survive."""
    old = bib.path.read_text(encoding="utf-8") if bib.path.is_file() else ""
    if bib.format == "csljson":
        return json.dumps([*existing, *added], ensure_ascii=False, indent=2) + "\n"
    if bib.format == "bibtex":
        new = run_pandoc(["-f", "csljson", "-t", "bibtex"], bib.rel,
                         json.dumps(list(added)).encode("utf-8")).decode("utf-8")
        sep = "" if not old or old.endswith("\n\n") else ("\n" if old.endswith("\n") else "\n\n")
        return old + sep + new
    dumped = yaml.safe_dump(list(added), allow_unicode=True, sort_keys=False)
    data = yaml.safe_load(old) if old.strip() else None
    if data is None:
        return "references:\n" + _indent(dumped, "  ")
    sep = "" if old.endswith("\n") else "\n"
    if isinstance(data, list):
        appended = old + sep + dumped
    elif _references_last(old):
        m = re.search(r"^references\s*:\s*\n(?:\s*#.*\n)*( *)- ", old, re.M)
        appended = old + sep + _indent(dumped, m.group(1) if m else "  ")
    else:
        appended = ""
    try:  # appending keeps the editor's comments; make sure it still reads as intended
        again = yaml.safe_load(appended) if appended else None
    except yaml.YAMLError:
        again = None
    items = again.get("references") if isinstance(again, dict) else again
    if items == [*existing, *added]:
        return appended
    body = [*existing, *added] if isinstance(data, list) else {**data,
                                                              "references": [*existing, *added]}
    return yaml.safe_dump(body, allow_unicode=True, sort_keys=False)


def _indent(text: str, indent: str) -> str:
    return "".join(f"{indent}{line}" if line.strip() else line
                   for line in text.splitlines(True))


def _references_last(text: str) -> bool:
    """Whether `references:` is the last top-level key, so items can simply be appended."""
    keys = re.findall(r"^([A-Za-z_][\w-]*)\s*:", text, re.M)
    return bool(keys) and keys[-1] == "references"


def merge_references(book_dir: Path, config: Mapping[str, Any], cited: Sequence[CslItem]
                     ) -> tuple[Bibliography, MergedReferences]:
    """Keys for `cited` and the bibliography's new text (None if it need not change)."""
    bib = bibliography_of(book_dir, config)
    existing = read_items(bib) if cited else []
    keys, added = merge_items(cited, existing)
    text = merged_text(bib, existing, added) if added else None
    return bib, MergedReferences(keys=keys, added=tuple(i["id"] for i in added), text=text)

