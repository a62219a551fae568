"""Images: resolve each `src` against the chapter file and refuse anything outside the
book folder (absolute paths, `..` escapes, `file:` and remote URLs). A refused or missing
image is replaced by its alt text and reported; the build goes on without it."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from urllib.parse import unquote, urlsplit

from PIL import Image

from ..errors import Diagnostic, error
from .model import Document

IMAGE_TYPES = {".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg",
               ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp"}
IMAGE_SUFFIXES = set(IMAGE_TYPES)
# A raster image declaring more pixels than this is refused before anything decodes it (a
# decompression bomb: a few bytes that unpack to gigabytes); 100 Mpx is 10,000 x 10,000.
MAX_IMAGE_PIXELS = 100_000_000


def raster_problem(path: Path, src: str) -> str | None:
    """Why a raster image cannot go into the book (too large, unreadable), or None."""
    try:
        with Image.open(path) as image:  # reads the header only
            width, height = image.size
    except Image.DecompressionBombError:
        return f"image '{src}' declares far too many pixels (a decompression bomb?)"
    except (OSError, ValueError, SyntaxError) as exc:
        return f"image '{src}' cannot be read: {exc}"
    if width * height > MAX_IMAGE_PIXELS:
        return (f"image '{src}' declares {width:,} x {height:,} pixels; at most "
                f"{MAX_IMAGE_PIXELS:,} pixels")
    return None


def check_resource(src: str, base: Path, root: Path) -> tuple[Path | None, str | None]:
    """Return (resolved path, None) or (None, reason) for a source-relative URL."""
    parts = urlsplit(src)
    if parts.scheme or parts.netloc:
        return None, f"'{src}' is not a file inside the book ({parts.scheme or 'remote'} URL)"
    raw = unquote(parts.path)
    if raw.startswith("/") or raw.startswith("\\"):
        return None, f"'{src}' is an absolute path; use a path relative to the chapter"
    path = (base / raw).resolve()
    if not path.is_relative_to(root):
        return None, f"'{src}' points outside the book folder"
    if not path.is_file():
        return None, f"image '{src}' not found"
    if path.suffix.lower() not in IMAGE_SUFFIXES:
        return None, f"'{src}' is not an image (SVG, PNG, JPEG, GIF or WebP)"
    if path.suffix.lower() != ".svg":
        problem = raster_problem(path, src)
        if problem:
            return None, problem
    return path, None


BAD_LINK_SCHEMES = ("javascript", "vbscript", "data", "file")


def resolve_images(doc: Document, root: Path, diags: list[Diagnostic]) -> Document:
    """`doc` with its images resolved and recorded. Runs on the fresh tokens of the
    structure pass (see `transform_document`), which it still edits in place."""
    images: list[str] = []
    base = doc.source.path.parent
    for tok in doc.tokens:
        for child in tok.children or []:
            if child.type == "link_open":
                href = str(child.attrGet("href") or "")
                scheme = urlsplit(href.strip()).scheme.lower()
                if scheme in BAD_LINK_SCHEMES:
                    diags.append(error(doc.source.rel_path, doc.parsed.line_of(tok),
                                       "link-refused", f"link to a {scheme}: URL removed"))
                    child.attrSet("href", "")
            if child.type != "image":
                continue
            src = str(child.attrGet("src") or "")
            path, problem = check_resource(src, base, root)
            if path is None:
                code = "resource-missing" if problem and "not found" in problem \
                    else "resource-refused"
                diags.append(error(doc.source.rel_path, doc.parsed.line_of(tok), code,
                                   str(problem)))
                child.meta["refused"] = True
                child.attrSet("src", "")
            else:
                rel = path.relative_to(root).as_posix()
                child.meta["book_path"] = rel
                if rel not in images:
                    images.append(rel)
    return replace(doc, images=tuple(images))
