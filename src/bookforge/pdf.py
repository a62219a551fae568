"""Stage 6a, pdf: the print HTML of an edition -> a PDF file (WeasyPrint).

Only files inside the book folder and bookforge's `styles/` may be read: the URL fetcher
refuses everything else (other files, `..` escapes, http/https) and reports it.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import weasyprint
from weasyprint.urls import URLFetcher

from .errors import Diagnostic, RenderError, error
from .output import atomic_path

STYLES_DIR = Path(__file__).resolve().parent.parent.parent / "styles"


def styles_dir() -> Path:
    """`styles/` of the checkout, or the copy shipped inside the package."""
    packaged = Path(__file__).resolve().parent / "styles"
    return STYLES_DIR if STYLES_DIR.is_dir() else packaged


class BookFetcher(URLFetcher):
    """Serves `file:` URLs under the allowed roots and refuses everything else."""

    def __init__(self, roots: list[Path], refused: list[str]) -> None:
        super().__init__(allowed_protocols=("file", "data"))
        self.roots = [r.resolve() for r in roots]
        self.refused = refused

    def fetch(self, url, headers=None):  # type: ignore[no-untyped-def]
        parts = urlsplit(url)
        if parts.scheme == "data":
            return super().fetch(url, headers)
        if parts.scheme == "file":
            path = Path(unquote(parts.path)).resolve()
            if any(path.is_relative_to(r) for r in self.roots) and path.is_file():
                return super().fetch(path.as_uri(), headers)
        self.refused.append(url)
        raise ValueError(f"bookforge refuses to read {url}")


def page_css(trim: str) -> str:
    """The @page size rule for a book.toml trim (A4, A5, B5, 6x9in, 155x230mm ...)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(mm|cm|in)", trim)
    size = f"{m[1]}{m[3]} {m[2]}{m[3]}" if m else trim
    return f"@page {{ size: {size}; }}"


@dataclass(frozen=True)
class PdfResult:
    path: Path
    pages: int
    diagnostics: tuple[Diagnostic, ...]


def write_pdf(html: str, book_root: Path, target: Path, trim: str = "155x230mm",
              stylesheets: list[Path] | None = None, tagged: bool = True,
              variant: str | None = None) -> PdfResult:
    refused: list[str] = []
    roots = [book_root, styles_dir()]
    fetcher = BookFetcher(roots, refused)
    sheets = stylesheets or [styles_dir() / "print.css"]
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    try:
        document = weasyprint.HTML(string=html, base_url=book_root.as_uri() + "/",
                                   url_fetcher=fetcher).render(
            stylesheets=[weasyprint.CSS(filename=str(s), url_fetcher=fetcher) for s in sheets]
            + [weasyprint.CSS(string=page_css(trim))])
        with atomic_path(target) as tmp:
            document.write_pdf(tmp, pdf_tags=tagged, pdf_variant=variant,
                               custom_metadata=True)
    except (OSError, ValueError) as exc:
        raise RenderError([error(str(target), 0, "pdf-write", str(exc))]) from exc
    diags = tuple(error(str(target.name), 0, "resource-refused", f"refused to read {u}")
                  for u in dict.fromkeys(refused))
    return PdfResult(path=target, pages=len(document.pages), diagnostics=diags)
