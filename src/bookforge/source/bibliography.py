"""Stage 2, source: bibliography files -> `BibFile`s of CSL-JSON entries with their lines.

Reads BibTeX/BibLaTeX (`.bib`, with bibtexparser), CSL-JSON (`.json`) and CSL-YAML
(`.yaml`, `.yml`). Every entry keeps the file and line it was written on, so a duplicate
key, a syntax error or an entry missing its year or title is reported there.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import bibtexparser
import yaml
from bibtexparser.middlewares import SeparateCoAuthors
from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts
from bibtexparser.model import DuplicateBlockKeyBlock
from pylatexenc.latex2text import LatexNodes2Text

from ..errors import Diagnostic, error, warning
from ..model import BibEntry, BibFile

# bibtexparser logs each failed block itself; we report them as diagnostics instead
logging.getLogger("bibtexparser").setLevel(logging.CRITICAL)

SUFFIXES = (".bib", ".json", ".yaml", ".yml")

# BibTeX/BibLaTeX entry types -> CSL 1.0 types (the ones citeproc-py's styles test for)
BIB_TYPES = {
    "article": "article-journal", "book": "book", "mvbook": "book", "booklet": "pamphlet",
    "collection": "book", "proceedings": "book", "inbook": "chapter",
    "incollection": "chapter", "inproceedings": "paper-conference",
    "conference": "paper-conference", "techreport": "report", "report": "report",
    "manual": "report", "phdthesis": "thesis", "mastersthesis": "thesis", "thesis": "thesis",
    "online": "webpage", "www": "webpage", "electronic": "webpage", "unpublished": "manuscript",
    "legislation": "legislation", "law": "legislation", "jurisdiction": "legal_case",
    "legal": "treaty", "dataset": "dataset", "misc": "article",
}
THESIS_GENRE = {"phdthesis": "PhD thesis", "mastersthesis": "Master's thesis"}
NAME_FIELDS = {"author": "author", "editor": "editor", "translator": "translator"}
TEXT_FIELDS = {
    "title": "title", "shorttitle": "title-short", "edition": "edition", "volume": "volume",
    "note": "note", "type": "genre", "isbn": "ISBN", "issn": "ISSN", "doi": "DOI",
    "url": "URL", "series": "collection-title", "abstract": "abstract",
    "publisher": "publisher", "institution": "publisher", "organization": "publisher",
    "school": "publisher", "address": "publisher-place", "location": "publisher-place",
    "journal": "container-title", "journaltitle": "container-title",
    "booktitle": "container-title", "eventtitle": "event", "chapter": "chapter-number",
}
LANGIDS = {"indonesian": "id", "bahasa": "id", "english": "en", "american": "en-US",
           "british": "en-GB", "malay": "ms", "vietnamese": "vi", "thai": "th",
           "french": "fr", "german": "de", "tagalog": "tl", "filipino": "tl"}
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?$")
# what a CSL type needs for a reference list entry to say anything useful
NEEDS = ("title", "issued")


_latex = LatexNodes2Text()


def _text(value: str) -> str:
    """LaTeX markup of a BibTeX value -> plain Unicode ("G{\\"o}del" -> "Gödel")."""
    # TeX quotes and dashes, which pylatexenc converts only along with other markup
    value = value.replace("``", "\u201c").replace("''", "\u201d")
    value = value.replace("---", "\u2014").replace("--", "\u2013")
    if "\\" in value or "{" in value or "$" in value:
        value = _latex.latex_to_text(value)
    return " ".join(value.replace("~", "\u00a0").split())


def _name(raw: str) -> dict[str, str]:
    """A BibTeX name -> CSL name; a name wholly in braces is an institution."""
    raw = raw.strip()
    if raw.startswith("{") and raw.endswith("}") and _balanced(raw[1:-1]):
        return {"literal": _text(raw[1:-1])}
    try:
        parts = parse_single_name_into_parts(raw, strict=False)
    except InvalidNameError:
        return {"literal": _text(raw)}
    name = {"family": _text(" ".join(parts.last)), "given": _text(" ".join(parts.first))}
    if parts.von:
        name["non-dropping-particle"] = _text(" ".join(parts.von))
    if parts.jr:
        name["suffix"] = _text(" ".join(parts.jr))
    return {k: v for k, v in name.items() if v}


def _balanced(text: str) -> bool:
    depth = 0
    for c in text:
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0


def _date(value: str) -> dict[str, Any] | None:
    m = DATE_RE.match(value.strip())
    if not m:
        return {"literal": value.strip()} if value.strip() else None
    return {"date-parts": [[int(p) for p in m.groups() if p]]}


def bibtex_to_csl(entry_type: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """One parsed BibTeX entry -> CSL-JSON (without "id")."""
    kind = entry_type.lower()
    csl: dict[str, Any] = {"type": BIB_TYPES.get(kind, "article")}
    lowered = {k.lower(): v for k, v in fields.items()}
    for name, target in NAME_FIELDS.items():
        if name in lowered:
            value = lowered[name]
            names = value if isinstance(value, list) else [value]
            csl[target] = [_name(n) for n in names]
    for name, target in TEXT_FIELDS.items():
        if name in lowered and target not in csl:
            csl[target] = _text(str(lowered[name]))
    if kind in THESIS_GENRE and "genre" not in csl:
        csl["genre"] = THESIS_GENRE[kind]
    if "number" in lowered:
        csl["issue" if csl["type"] == "article-journal" else "number"] = _text(lowered["number"])
    if "pages" in lowered:
        csl["page"] = _text(lowered["pages"]).replace("--", "-").replace("\u2013", "-")
    issued = _date(lowered.get("date") or lowered.get("year") or "")
    if issued:
        csl["issued"] = issued
    if "urldate" in lowered:
        csl["accessed"] = _date(lowered["urldate"])
    lang = str(lowered.get("langid") or lowered.get("language") or "").strip().lower()
    if lang:
        csl["language"] = LANGIDS.get(lang, lang)
    return csl


def _read_bibtex(text: str, rel: str, diags: list[Diagnostic]) -> list[BibEntry]:
    library = bibtexparser.parse_string(text, append_middleware=[SeparateCoAuthors()])
    entries = [BibEntry(e.key, bibtex_to_csl(e.entry_type, {f.key: f.value for f in e.fields}),
                        rel, e.start_line + 1)
               for e in library.entries]
    for block in library.failed_blocks:
        line = block.start_line + 1
        if isinstance(block, DuplicateBlockKeyBlock):  # bibtexparser keeps the first
            first = next((e for e in entries if e.key == block.key), None)
            where = f"{rel}:{first.line}" if first else rel
            diags.append(error(rel, line, "bib-duplicate",
                               f"duplicate key '{block.key}': already defined in {where}"))
            continue
        diags.append(error(rel, line, "bib-syntax",
                           f"cannot read this BibTeX entry: {block.error or 'syntax error'}"))
    return entries


def _json_lines(text: str) -> dict[str, int]:
    """The line of each `"id": "key"` in a CSL-JSON file (json keeps no positions)."""
    return {m.group(1): text.count("\n", 0, m.start()) + 1
            for m in re.finditer(r'"id"\s*:\s*"((?:[^"\\]|\\.)*)"', text)}


def _read_csl_json(text: str, rel: str, diags: list[Diagnostic]) -> list[BibEntry]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        diags.append(error(rel, exc.lineno, "bib-syntax", f"invalid JSON: {exc.msg}", exc.colno))
        return []
    lines = _json_lines(text)
    return _csl_items(data, rel, lambda i, key: lines.get(key, 1), diags)


def _read_csl_yaml(text: str, rel: str, diags: list[Diagnostic]) -> list[BibEntry]:
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        diags.append(error(rel, mark.line + 1 if mark else 1, "bib-syntax",
                           f"invalid YAML: {getattr(exc, 'problem', None) or exc}"))
        return []
    items_node = node
    if isinstance(node, yaml.MappingNode):  # Pandoc's `references:` document
        items_node = next((v for k, v in node.value if k.value == "references"), None)
    lines = [n.start_mark.line + 1 for n in getattr(items_node, "value", [])]
    return _csl_items(data, rel, lambda i, key: lines[i] if i < len(lines) else 1, diags)


def _csl_items(data: Any, rel: str, line_of: Any, diags: list[Diagnostic]) -> list[BibEntry]:
    if isinstance(data, dict) and "references" in data:
        data = data["references"]
    if not isinstance(data, list):
        diags.append(error(rel, 1, "bib-syntax", "a CSL bibliography is a list of entries"))
        return []
    out = []
    for i, item in enumerate(data):
        key = item.get("id") if isinstance(item, dict) else None
        if not isinstance(key, (str, int)) or not str(key).strip():
            diags.append(error(rel, line_of(i, ""), "bib-syntax",
                               f"entry {i + 1} has no \"id\""))
            continue
        csl = {k: v for k, v in item.items() if k != "id"}
        if isinstance(csl.get("issued"), (str, int)):  # CSL-YAML allows `issued: 2001`
            csl["issued"] = _date(str(csl["issued"]))
        out.append(BibEntry(str(key), csl, rel, line_of(i, str(key))))
    return out


def read_bibliography(path: Path, rel: str, diags: list[Diagnostic]) -> BibFile:
    """Read one bibliography file; problems go to `diags`."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        diags.append(error(rel, 0, "bib-format",
                           f"unknown bibliography format '{suffix}' (use .bib, .json or .yaml)"))
        return BibFile(rel)
    try:
        text = path.read_text(encoding="utf-8").replace("\r\n", "\n")
    except FileNotFoundError:
        diags.append(error(rel, 0, "bib-missing", "bibliography file not found"))
        return BibFile(rel)
    except UnicodeDecodeError as exc:
        diags.append(error(rel, 0, "bib-encoding", f"not UTF-8 ({exc.reason})"))
        return BibFile(rel)
    reader = {".bib": _read_bibtex, ".json": _read_csl_json}.get(suffix, _read_csl_yaml)
    entries = reader(text, rel, diags)
    diags += [warning(e.path, e.line, "bib-incomplete",
                      f"'{e.key}' has no {' and no '.join(_needs(missing))}")
              for e in entries if (missing := [f for f in NEEDS if f not in e.csl])]
    return BibFile(rel, tuple(entries))


def _needs(fields: Sequence[str]) -> list[str]:
    return ["year" if f == "issued" else f for f in fields]


def merge_files(files: Iterable[BibFile], diags: list[Diagnostic]) -> dict[str, BibEntry]:
    """The entries of `files` by key; a key defined twice is an error at its second place."""
    merged: dict[str, BibEntry] = {}
    for f in files:
        for entry in f.entries:
            first = merged.setdefault(entry.key, entry)
            if first is not entry:
                diags.append(error(entry.path, entry.line, "bib-duplicate",
                                   f"duplicate key '{entry.key}': already defined in "
                                   f"{first.path}:{first.line}"))
    return merged


def bibliography_paths(value: Any) -> tuple[str, ...] | None:
    """`bibliography = "refs.bib"` or a list of paths -> a tuple; None when malformed."""
    if isinstance(value, str) and value.strip():
        return (value.strip(),)
    if isinstance(value, list) and value and all(isinstance(v, str) and v.strip()
                                                 for v in value):
        return tuple(v.strip() for v in value)
    return None
