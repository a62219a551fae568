"""The pandoc binary that pypandoc-binary ships in its wheel, run as a sandboxed filter
(pandoc may read only the files named on its command line), with a time limit."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

import pypandoc

from ..errors import SourceError, error

TIMEOUT_SECONDS = 180


def run_pandoc(args: Sequence[str], shown: str, data: bytes | None = None,
               cwd: Path | None = None) -> bytes:
    """pandoc's standard output for `args` (stdin `data`); `SourceError` naming `shown`."""
    command = [pypandoc.get_pandoc_path(), "--sandbox", *args]
    try:
        done = subprocess.run(command, input=data, capture_output=True, cwd=cwd,
                              timeout=TIMEOUT_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        raise SourceError([error(shown, 0, "import-pandoc",
                                 f"pandoc took longer than {TIMEOUT_SECONDS} s")]) from None
    except OSError as exc:
        raise SourceError([error(shown, 0, "import-pandoc",
                                 f"pandoc could not be run ({exc})")]) from None
    if done.returncode:
        reason = " ".join(done.stderr.decode("utf-8", "replace").split())[:300]
        raise SourceError([error(shown, 0, "import-pandoc", f"pandoc could not read it: "
                                 f"{reason or f'exit status {done.returncode}'}")])
    return done.stdout
