from pathlib import Path

import pytest

from bookforge.errors import ConfigError
from bookforge.source.config import load_config, page_size_ok, valid_isbn13


def write(book: Path, text: str) -> None:
    (book / "book.toml").write_text(text, encoding="utf-8")


def test_minimal_config_loads(minimal: Path) -> None:
    cfg = load_config(minimal)
    assert cfg.languages == ("id", "en")
    assert cfg.title["en"] == "A Minimal Test Book"
    assert [e.name for e in cfg.editors] == ["Ayu Rekaan", "Budi Contoh"]
    assert cfg.trim == "155x230mm"


def test_toml_syntax_error_names_line(minimal: Path) -> None:
    write(minimal, 'slug = "x"\nlanguages = ["id"\n')
    with pytest.raises(ConfigError) as exc:
        load_config(minimal)
    (d,) = exc.value.diagnostics
    assert d.code == "config-syntax"
    assert d.path == "book.toml" and d.line >= 2


def test_every_problem_reported_at_once(minimal: Path) -> None:
    text = (minimal / "book.toml").read_text()
    text = text.replace('slug = "minimal"', 'slug = "minimal"\ntitel = "typo"\ncolour = 3')
    text = text.replace('trim = "155x230mm"', 'trim = "huge"')
    text = text.replace('publisher = "Penerbit Contoh Rekaan"\n', "")
    write(minimal, text)
    with pytest.raises(ConfigError) as exc:
        load_config(minimal)
    by_code = {(d.code, d.message.split("'")[1]) for d in exc.value.diagnostics}
    assert ("config-unknown-key", "titel") in by_code
    assert ("config-unknown-key", "colour") in by_code
    assert ("config-type", "trim") in by_code
    assert ("config-missing-key", "publisher") in by_code
    titel = next(d for d in exc.value.diagnostics if "titel" in d.message)
    assert titel.line == 2


def test_nested_unknown_key(minimal: Path) -> None:
    text = (minimal / "book.toml").read_text() + '\n[markdown]\nallow_html = true\nsafe = 1\n'
    write(minimal, text)
    with pytest.raises(ConfigError) as exc:
        load_config(minimal)
    assert any("markdown.safe" in d.message for d in exc.value.diagnostics)


def test_isbn_checksum() -> None:
    assert valid_isbn13("978-0-306-40615-7")
    assert not valid_isbn13("978-0-306-40615-8")


@pytest.mark.parametrize("trim", ["A4", "A5", "B5", "6x9in", "170x240mm"])
def test_trims_accepted(trim: str) -> None:
    assert page_size_ok(trim)


def test_bad_trim_rejected() -> None:
    assert not page_size_ok("letterish")
