"""All-or-nothing writes into a book folder: files are written to a staging folder inside
the book (so each move is a rename on one file system), then moved into place together.
If any move fails, the moves already made are undone and the files they replaced are put
back, so a failed import leaves the book as it was."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import SourceError, error


@dataclass
class StagedFiles:
    root: Path  # the book folder; every target is inside it
    _stage: Path | None = None
    _planned: list[tuple[Path, Path]] = field(default_factory=list)  # (staged, target)

    def __enter__(self) -> StagedFiles:
        self._stage = Path(tempfile.mkdtemp(prefix=".bookforge-import-", dir=self.root))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._stage is not None:
            shutil.rmtree(self._stage, ignore_errors=True)

    def add(self, target: Path, data: bytes) -> None:
        """Stage `data` to become `target` (a path inside the book) at `commit`."""
        assert self._stage is not None, "use StagedFiles as a context manager"
        if not target.resolve().is_relative_to(self.root.resolve()):
            raise ValueError(f"{target} is outside {self.root}")
        staged = self._stage / f"{len(self._planned)}-{target.name}"
        staged.write_bytes(data)
        os.chmod(staged, 0o644)
        self._planned.append((staged, target))

    def commit(self) -> list[Path]:
        """Move every staged file into place, or none of them; returns the targets."""
        assert self._stage is not None
        done: list[tuple[Path, Path | None]] = []  # (target, backup of what it replaced)
        made_dirs: list[Path] = []
        current = self.root
        try:
            for i, (staged, target) in enumerate(self._planned):
                current = target
                made_dirs += _make_parents(target.parent)
                backup = None
                if target.exists():
                    backup = self._stage / f"backup-{i}"
                    os.replace(target, backup)
                done.append((target, backup))
                os.replace(staged, target)
        except OSError as exc:
            for target, backup in reversed(done):
                if target.exists():
                    target.unlink()
                if backup is not None:
                    os.replace(backup, target)
            for folder in reversed(made_dirs):
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
            raise SourceError([error(self._relative(current), 0, "import-write",
                                     f"cannot write: {exc.strerror or exc}; the book was "
                                     "left unchanged")]) from None
        return [target for _, target in self._planned]

    def _relative(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root.resolve()))
        except ValueError:
            return path.name


def _make_parents(folder: Path) -> list[Path]:
    """Create `folder` and missing parents; return those created, outermost first."""
    missing: list[Path] = []
    while not folder.exists():
        missing.append(folder)
        folder = folder.parent
    for made in reversed(missing):
        made.mkdir()
    return list(reversed(missing))
