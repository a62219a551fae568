"""PDF options and the fonts a PDF needs: what the parts of the build that do not lay
anything out (the driver, the cache, the join in the main process) need to know, without
importing WeasyPrint (two thirds of a rebuild's start-up); `layout` does the laying out."""

from __future__ import annotations

import re
import shutil
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..errors import Diagnostic, warning

# The faces print.css asks for, and the Debian packages that provide them.
FONTS = {"TeX Gyre Pagella": "fonts-texgyre", "Noto Sans": "fonts-noto-core"}
VARIANTS = ("pdf/a-3u", "pdf/ua-1")


@dataclass(frozen=True)
class PdfOptions:
    trim: str = "155x230mm"
    tagged: bool = True
    variant: str | None = None
    print_ready: bool = False


DEFAULT_OPTIONS = PdfOptions()


def page_css(trim: str) -> str:
    """The @page size rule for a book.toml trim (A4, A5, B5, 6x9in, 155x230mm ...)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)x(\d+(?:\.\d+)?)(mm|cm|in)", trim)
    size = f"{m[1]}{m[3]} {m[2]}{m[3]}" if m else trim
    return f"@page {{ size: {size}; }}"


@lru_cache(maxsize=1)
def missing_fonts() -> tuple[str, ...]:
    """The font families of FONTS that fontconfig does not know (all, without fc-list)."""
    if not shutil.which("fc-list"):
        return tuple(FONTS)
    listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True,
                            check=False).stdout
    families = {name.strip().casefold() for line in listed.splitlines()
                for name in line.split(",")}
    return tuple(f for f in FONTS if f.casefold() not in families)


def font_diagnostics(target: Path) -> list[Diagnostic]:
    missing = missing_fonts()
    if not missing:
        return []
    packages = " ".join(sorted({FONTS[f] for f in missing}))
    return [warning(target.name, 0, "font-missing",
                    f"font(s) {', '.join(missing)} not installed; the PDF uses fallback "
                    f"faces (install with: apt-get install {packages})")]
