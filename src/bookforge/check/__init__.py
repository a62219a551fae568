"""Stage check: a book folder -> every diagnostic a build would give, without rendering.

Loads and transforms each edition as the build does, then adds what only checking looks
for: terminology (`terms`), the structure of translations (`versions`), bibliography
entries no chapter cites and the label catalogs of each language (`i18n.check_catalogs`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ..errors import Diagnostic
from ..i18n import check_catalogs
from ..source.load import load_book
from ..transform import EditionContent, transform_edition
from ..transform.citations import unused_entries
from .terms import terminology_report
from .versions import check_versions


def _noop(_: str, at: float | None = None, /) -> None:
    pass


def check(book_dir: Path, progress: Callable[..., None] = _noop) -> list[Diagnostic]:
    """Validate everything a build would use, without rendering. Raises on fatal errors."""
    progress("load")
    book, diags = load_book(book_dir)
    contents: dict[str, EditionContent] = {}
    for lang in book.config.languages:
        progress(f"transform [{lang}]")
        contents[lang] = transform_edition(book, lang)
        diags += contents[lang].diagnostics
    diags += terminology_report(book, contents)
    diags += unused_entries(book, {k for c in contents.values() for d in c.documents
                                   for k in d.cited_keys})
    diags += check_catalogs(book.config.languages, book.root) + check_versions(book)
    return sorted(set(diags))
