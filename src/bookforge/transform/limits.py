"""Transform guard: inputs far beyond any real book are diagnosed before they are parsed,
so they cost neither a traceback nor an hour of layout. A chapter over `MAX_SOURCE_CHARS`
is left out of the edition and a word over `MAX_WORD_CHARS` is cut, each with an error
naming file:line; the rest of the book still builds (and the build exits 1)."""

from __future__ import annotations

import dataclasses
import re

from ..errors import Diagnostic, error
from ..model import Source

MAX_SOURCE_CHARS = 2_000_000  # about 300,000 words: several times the longest chapter
MAX_WORD_CHARS = 10_000  # WeasyPrint breaks a word in time quadratic in its length
_LONG_WORD_RE = re.compile(rf"\S{{{MAX_WORD_CHARS + 1},}}")


def within_limits(source: Source, diags: list[Diagnostic]) -> Source:
    """`source`, or a copy whose body keeps within the limits."""
    body = source.body
    if len(body) > MAX_SOURCE_CHARS:
        diags.append(error(source.rel_path, source.body_line, "source-too-large",
                           f"the text is {len(body):,} characters; bookforge lays out at "
                           f"most {MAX_SOURCE_CHARS:,} per file: split it into chapters "
                           "(left out of this build)"))
        return dataclasses.replace(source, body="")
    if len(body) > MAX_WORD_CHARS and _LONG_WORD_RE.search(body):
        def cut(m: re.Match[str]) -> str:
            line = source.body_line + body.count("\n", 0, m.start())
            col = m.start() - (body.rfind("\n", 0, m.start()) + 1) + 1
            diags.append(error(source.rel_path, line, "word-too-long",
                               f"a word of {len(m.group(0)):,} characters (at most "
                               f"{MAX_WORD_CHARS:,}); cut to its first {MAX_WORD_CHARS:,}",
                               column=col))
            return m.group(0)[:MAX_WORD_CHARS]

        return dataclasses.replace(source, body=_LONG_WORD_RE.sub(cut, body))
    return source
