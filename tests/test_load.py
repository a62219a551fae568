from pathlib import Path

import pytest

from bookforge.errors import SourceError
from bookforge.source.load import load_book

CHAPTER = "parts/01-alpha/01-trust.id.md"


def test_minimal_book_loads(minimal: Path) -> None:
    book, warnings = load_book(minimal)
    assert [p.slug for p in book.parts] == ["01-alpha", "02-beta"]
    ch = book.parts[0].chapters[0]
    assert set(ch.versions) == {"id", "en"}
    assert ch.versions["id"].authors[1].name == "Nguyễn Thị Hư Cấu"
    assert ch.versions["id"].running_title == "Kepercayaan"
    only = book.parts[1].chapters[0]
    assert set(only.versions) == {"en"}
    assert only.version("id").lang == "en"  # the original stands in for a missing version
    assert len(book.glossary.terms) == 2
    assert not [w for w in warnings if w.is_error]


def test_bad_front_matter_names_file_and_line(minimal: Path) -> None:
    path = minimal / CHAPTER
    text = path.read_text().replace('short_title: "Kepercayaan"', 'short_title: [unclosed')
    path.write_text(text)
    with pytest.raises(SourceError) as exc:
        load_book(minimal)
    (d,) = exc.value.diagnostics
    assert d.path == CHAPTER
    assert d.code == "front-matter-syntax"
    assert d.line in (3, 4)  # the broken line or the one after it, as YAML reports


def test_unknown_front_matter_key_and_missing_title(minimal: Path) -> None:
    path = minimal / CHAPTER
    text = path.read_text().replace('title: "Kepercayaan dan Modal Sosial"', "titel: x")
    path.write_text(text)
    with pytest.raises(SourceError) as exc:
        load_book(minimal)
    codes = {d.code for d in exc.value.diagnostics}
    assert {"front-matter-key", "front-matter-title"} <= codes
    key = next(d for d in exc.value.diagnostics if d.code == "front-matter-key")
    assert key.line == 2


def test_errors_in_several_files_reported_together(minimal: Path) -> None:
    (minimal / CHAPTER).write_text("no front matter here\n")
    (minimal / "parts/02-beta/01-only-english.en.md").write_text("---\ntitle: [\n---\n")
    with pytest.raises(SourceError) as exc:
        load_book(minimal)
    paths = {d.path for d in exc.value.diagnostics}
    assert paths == {CHAPTER, "parts/02-beta/01-only-english.en.md"}


def test_badly_named_chapter_file(minimal: Path) -> None:
    (minimal / "parts/01-alpha/Trust.md").write_text("---\ntitle: x\n---\n")
    with pytest.raises(SourceError) as exc:
        load_book(minimal)
    assert exc.value.diagnostics[0].code == "chapter-name"


def test_missing_part_folder(minimal: Path) -> None:
    text = (minimal / "book.toml").read_text().replace('"02-beta"]', '"02-beta", "03-gamma"]')
    (minimal / "book.toml").write_text(text)
    with pytest.raises(SourceError) as exc:
        load_book(minimal)
    assert any("03-gamma" in d.message for d in exc.value.diagnostics)


def test_author_surname_explicit_or_last_word(minimal: Path) -> None:
    path = minimal / CHAPTER
    name = '  - name: "Nguyễn Thị Hư Cấu"\n'
    path.write_text(path.read_text().replace(name, name + '    surname: "Nguyễn"\n'))
    book, _ = load_book(minimal)
    first, second = book.parts[0].chapters[0].versions["id"].authors
    assert (first.surname, first.given) == ("Rekaan", "Siti")
    assert (second.surname, second.given) == ("Nguyễn", "Thị Hư Cấu")


def test_author_surname_must_be_part_of_the_name(minimal: Path) -> None:
    path = minimal / CHAPTER
    path.write_text(path.read_text().replace(
        '  - name: "Nguyễn Thị Hư Cấu"\n', '  - name: "Nguyễn Thị Hư Cấu"\n    surname: "Tran"\n'))
    with pytest.raises(SourceError) as exc:
        load_book(minimal)
    (d,) = exc.value.diagnostics
    assert d.code == "front-matter-authors" and "Tran" in d.message
