"""Small text helpers shared by several stages."""

from __future__ import annotations

import re
import unicodedata


def slugify(text: str) -> str:
    """ASCII, lower-case, hyphen-separated id usable in HTML, XML and file names."""
    norm = unicodedata.normalize("NFKD", text)
    ascii_text = norm.encode("ascii", "ignore").decode("ascii").lower()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    return slug or "x"


def word_count(text: str) -> int:
    return len(text.split())
