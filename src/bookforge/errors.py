"""Diagnostics and the exception family shared by every stage.

A stage never prints: it returns or raises `Diagnostic`s, and the command line decides how
to show them (``path:line:col: severity[code]: message``, like a compiler).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path


class Severity(enum.Enum):
    ERROR = "error"
    WARNING = "warning"

    def __lt__(self, other: Severity) -> bool:
        # diagnostics sort by position first; an error and a warning on one spot still sort
        return self.value < other.value


@dataclass(frozen=True, order=True)
class Diagnostic:
    path: str
    line: int
    column: int
    severity: Severity
    code: str
    message: str

    def format(self) -> str:
        where = self.path
        if self.line:
            where += f":{self.line}:{self.column or 1}"
        return f"{where}: {self.severity.value}[{self.code}]: {self.message}"

    @property
    def is_error(self) -> bool:
        return self.severity is Severity.ERROR


def error(path: str | Path, line: int, code: str, message: str, column: int = 1) -> Diagnostic:
    return Diagnostic(str(path), line, column if line else 0, Severity.ERROR, code, message)


def warning(path: str | Path, line: int, code: str, message: str, column: int = 1) -> Diagnostic:
    return Diagnostic(str(path), line, column if line else 0, Severity.WARNING, code, message)


class BookforgeError(Exception):
    """Bad input or a failed build; carries every diagnostic found before giving up."""

    def __init__(self, diagnostics: Iterable[Diagnostic]) -> None:
        self.diagnostics = tuple(diagnostics)
        super().__init__("\n".join(d.format() for d in self.diagnostics))

    def __reduce__(self):  # type: ignore[no-untyped-def]
        """Pickle by diagnostics (an edition built in a worker process raises it there)."""
        return type(self), (self.diagnostics,)


class ConfigError(BookforgeError):
    """book.toml or part.toml is invalid."""


class SourceError(BookforgeError):
    """A chapter's front matter or Markdown is invalid."""


class GlossaryError(BookforgeError):
    """glossary.csv is invalid."""


class RenderError(BookforgeError):
    """Rendering or writing an output failed."""


def raise_if_errors(diagnostics: Iterable[Diagnostic], kind: type[BookforgeError]) -> None:
    found = [d for d in diagnostics if d.is_error]
    if found:
        raise kind(found)
