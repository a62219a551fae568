import hashlib
from pathlib import Path

import pytest

from bookforge import __version__
from bookforge.errors import RenderError
from bookforge.files import atomic_path

from .conftest import run_cli


def test_help_and_version() -> None:
    r = run_cli("--help")
    assert r.returncode == 0 and "build" in r.stdout and "check" in r.stdout
    r = run_cli("--version")
    assert r.returncode == 0 and __version__ in r.stdout


@pytest.mark.parametrize("args", [(), ("frobnicate",), ("build", "--format", "docx")])
def test_usage_errors_exit_2(args: tuple[str, ...]) -> None:
    r = run_cli(*args)
    assert r.returncode == 2
    assert "Traceback" not in r.stderr


def test_check_clean_book(minimal: Path) -> None:
    r = run_cli("check", str(minimal))
    assert r.returncode == 0, r.stderr
    assert "0 error(s)" in r.stderr


def test_check_reports_like_a_compiler(minimal: Path) -> None:
    path = minimal / "parts/01-alpha/01-trust.id.md"
    path.write_text(path.read_text().replace("Lihat [](#fig-alpha-1)", "Lihat [](#fig-x)"))
    r = run_cli("check", str(minimal))
    assert r.returncode == 1
    assert ("parts/01-alpha/01-trust.id.md:17:1: error[xref-unknown]: "
            "cross-reference to unknown id 'fig-x'") in r.stderr
    assert "Traceback" not in r.stderr


def test_check_bad_toml_no_traceback(minimal: Path) -> None:
    (minimal / "book.toml").write_text("slug = \n")
    r = run_cli("check", str(minimal))
    assert r.returncode == 1
    assert "book.toml:1:" in r.stderr and "config-syntax" in r.stderr
    assert "Traceback" not in r.stderr


def test_missing_book_dir(tmp_path: Path) -> None:
    r = run_cli("build", str(tmp_path / "nope"))
    assert r.returncode == 1 and "Traceback" not in r.stderr


def test_failed_build_keeps_previous_outputs(minimal: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run_cli("build", str(minimal), "--out", str(out), "-q").returncode == 0
    before = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir()}
    # and the hidden token naming the build's unit cache (pdf/cache.py)
    assert set(before) == {"minimal-id.pdf", "minimal-en.pdf", "minimal-id.epub",
                           "minimal-en.epub", "manifest.json", ".bookforge-units"}
    (minimal / "glossary.csv").write_text(
        "id,en,definition_id,definition_en,variants_id,variants_en\na,b,c,d,,\na,e,f,g,,\n")
    r = run_cli("build", str(minimal), "--out", str(out), "-q")
    assert r.returncode == 1
    assert "glossary.csv:3:1: error[glossary-duplicate]" in r.stderr
    after = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in out.iterdir()}
    assert after == before


def test_build_one_edition_one_format(minimal: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    r = run_cli("build", str(minimal), "--out", str(out), "--edition", "en", "--format", "epub")
    assert r.returncode == 0, r.stderr
    assert sorted(p.name for p in out.iterdir()) == [".bookforge-units", "manifest.json",
                                                     "minimal-en.epub"]
    assert "wrote" in r.stdout and "transform [en]" in r.stderr


def test_unknown_edition(minimal: Path, tmp_path: Path) -> None:
    r = run_cli("build", str(minimal), "--out", str(tmp_path), "--edition", "fr")
    assert r.returncode == 1 and "edition-unknown" in r.stderr


def test_atomic_path_keeps_old_file_on_error(tmp_path: Path) -> None:
    target = tmp_path / "book.pdf"
    target.write_bytes(b"good")
    with pytest.raises(RenderError):
        with atomic_path(target) as tmp:
            tmp.write_bytes(b"half-writ")
            raise RenderError([])
    assert target.read_bytes() == b"good"
    assert list(tmp_path.iterdir()) == [target]
