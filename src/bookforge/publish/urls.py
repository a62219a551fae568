"""Where everything lives on the published site, and how one page links to another.

Without a base URL every link is relative to the page it is written in, so the site works
from file:// and from any sub-path; with one, every link is absolute.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

CSS = "site.css"
OPDS = "opds.xml"
OPDS_ROOT = "opds-root.xml"
OPDS2 = "opds2.json"


def landing(lang: str) -> str:
    return f"{lang}/index.html"


def chapter(lang: str, doc_id: str) -> str:
    return f"{lang}/{doc_id}.html"


def chapter_citation(lang: str, doc_id: str, fmt: str) -> str:
    """The chapter's own citation as a file: fmt "bib" (BibTeX) or "ris"."""
    return f"{lang}/{doc_id}.{fmt}"


def download(name: str) -> str:
    return f"files/{name}"


def record(slug: str, lang: str, kind: str) -> str:
    """kind: "marc" | "oai_dc" | "onix"."""
    return f"records/{slug}-{lang}.{kind}.xml"


@dataclass(frozen=True)
class Urls:
    base_url: str | None = None

    def href(self, target: str, page: str) -> str:
        """The link from site path `page` to site path `target` (which may carry #frag)."""
        if self.base_url:
            return self.absolute(target)
        path, _, frag = target.partition("#")
        rel = posixpath.relpath(path, posixpath.dirname(page) or ".")
        return rel + (f"#{frag}" if frag else "")

    def absolute(self, target: str) -> str:
        """An absolute URL when a base URL is known, else the site-root-relative path."""
        if not self.base_url:
            return target
        return self.base_url.rstrip("/") + "/" + target
