"""Files every stage shares: where the stylesheets are, atomic output (write to a
temporary file beside the target, then rename, so a failed build never leaves a truncated
PDF or EPUB over a good one) and checksums."""

from __future__ import annotations

import contextlib
import hashlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

STYLES_DIR = Path(__file__).resolve().parent.parent.parent / "styles"


def styles_dir() -> Path:
    """`styles/` of the checkout, or the copy shipped inside the package."""
    packaged = Path(__file__).resolve().parent / "styles"
    return STYLES_DIR if STYLES_DIR.is_dir() else packaged


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path; on success it replaces `target`, on error it is removed."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".part", dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp_path, 0o644)
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()
