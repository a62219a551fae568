from pathlib import Path

from bookforge.source.glossary import load_glossary

HEADER = "id,en,definition_id,definition_en,variants_id,variants_en\n"


def load(book: Path, text: str | bytes):  # type: ignore[no-untyped-def]
    path = book / "glossary.csv"
    if isinstance(text, str):
        path.write_text(text, encoding="utf-8")
    else:
        path.write_bytes(text)
    return load_glossary(path, book)


def test_variants_split(minimal: Path) -> None:
    glossary, diags = load_glossary(minimal / "glossary.csv", minimal)
    assert not diags
    trust = glossary.by_key()["kepercayaan"]
    assert trust.forms == {"id": "kepercayaan", "en": "trust"}
    assert trust.variants["id"] == ("kepercayaannya",)


def test_duplicate_term_names_both_lines(minimal: Path) -> None:
    _, diags = load(minimal, HEADER + "a,b,c,d,,\n" + "x,y,z,w,,\n" + "A,q,r,s,,\n")
    (d,) = diags
    assert d.code == "glossary-duplicate" and d.line == 4 and "line 2" in d.message


def test_empty_cell(minimal: Path) -> None:
    _, diags = load(minimal, HEADER + "a,b,,d,,\n")
    (d,) = diags
    assert d.code == "glossary-empty" and d.line == 2 and "definition_id" in d.message


def test_line_numbers_count_multiline_cells(minimal: Path) -> None:
    _, diags = load(minimal, HEADER + 'a,b,"one\ntwo",d,,\n' + "a,c,e,f,,\n")
    (d,) = diags
    assert d.line == 4


def test_bad_encoding(minimal: Path) -> None:
    _, diags = load(minimal, (HEADER + "kepercayaan,trust,caf\xe9,x,,\n").encode("latin-1"))
    (d,) = diags
    assert d.code == "glossary-encoding" and d.line == 2


def test_wrong_header(minimal: Path) -> None:
    _, diags = load(minimal, "term,translation\n")
    assert diags[0].code == "glossary-header"
