"""Shared fixtures: copies of the fixture books to break, and one build of book/ per run."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BOOK = ROOT / "book"
# Fixtures that build or lay out the whole sample book: every test using one is `slow`,
# so `pytest -m "not slow"` is the quick inner loop (`make test` still runs everything).
SLOW_FIXTURES = {"built_book", "layouts"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.slow)


@pytest.fixture
def minimal(tmp_path: Path) -> Path:
    """A fresh, writable copy of tests/fixtures/minimal."""
    dest = tmp_path / "book"
    shutil.copytree(FIXTURES / "minimal", dest)
    return dest


@pytest.fixture
def fixture_book(tmp_path: Path) -> Callable[[str], Path]:
    def copy(name: str) -> Path:
        dest = tmp_path / name
        shutil.copytree(FIXTURES / name, dest)
        return dest

    return copy


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "bookforge", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=900)


@pytest.fixture(scope="session")
def built_book(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """book/ built once per test session: both editions, PDF and EPUB."""
    out = tmp_path_factory.mktemp("build")
    result = run_cli("build", str(BOOK), "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def built_minimal(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("build-minimal")
    result = run_cli("build", str(FIXTURES / "minimal"), "--out", str(out), "-q")
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="session")
def built_foreign(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tests/fixtures/foreign (links, code, inline HTML, skipped headings) built once."""
    out = tmp_path_factory.mktemp("build-foreign")
    result = run_cli("build", str(FIXTURES / "foreign"), "--out", str(out), "-q", "--jobs", "1")
    assert result.returncode == 0, result.stderr
    return out
