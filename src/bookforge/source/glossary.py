"""Glossary loading: glossary.csv -> `Glossary` of `Term`s, validated with CSV line numbers."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..errors import Diagnostic, error
from ..model import Glossary, Term

HEADER = ["id", "en", "definition_id", "definition_en", "variants_id", "variants_en"]
LANGS = ("id", "en")


def load_glossary(path: Path, book_dir: Path) -> tuple[Glossary, list[Diagnostic]]:
    rel = str(path.relative_to(book_dir)) if path.is_relative_to(book_dir) else str(path)
    if not path.exists():
        return Glossary(path=None), []
    diags: list[Diagnostic] = []
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        return Glossary(path=path), [error(rel, line, "glossary-encoding",
                                           f"not UTF-8: {exc.reason}")]
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        rows = list(reader)
    except csv.Error as exc:
        return Glossary(path=path), [error(rel, reader.line_num, "glossary-csv", str(exc))]
    if not rows or [h.strip() for h in rows[0]] != HEADER:
        return Glossary(path=path), [error(rel, 1, "glossary-header",
                                           "header must be: " + ",".join(HEADER))]
    terms: list[Term] = []
    seen: dict[tuple[str, str], int] = {}
    # csv.reader's line_num counts physical lines; keep the start line of each record
    line = 1
    starts = []
    for row in rows:
        starts.append(line)
        line += sum(cell.count("\n") for cell in row) + 1
    for row, lineno in zip(rows[1:], starts[1:], strict=True):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) != len(HEADER):
            diags.append(error(rel, lineno, "glossary-columns",
                               f"expected {len(HEADER)} columns, found {len(row)}"))
            continue
        cells = dict(zip(HEADER, (c.strip() for c in row), strict=True))
        empty = [h for h in HEADER[:4] if not cells[h]]
        if empty:
            diags.append(error(rel, lineno, "glossary-empty", f"empty cell: {', '.join(empty)}"))
            continue
        dup = False
        for lang in LANGS:
            k = (lang, cells[lang].casefold())
            if k in seen:
                diags.append(error(rel, lineno, "glossary-duplicate",
                                   f"duplicate term '{cells[lang]}' (first on line {seen[k]})"))
                dup = True
            else:
                seen[k] = lineno
        if dup:
            continue
        terms.append(Term(
            key=cells["id"],
            forms={lang: cells[lang] for lang in LANGS},
            definitions={lang: cells[f"definition_{lang}"] for lang in LANGS},
            variants={lang: tuple(v.strip() for v in cells[f"variants_{lang}"].split("|")
                                  if v.strip()) for lang in LANGS},
            line=lineno,
        ))
    return Glossary(path=path, terms=tuple(terms)), diags
