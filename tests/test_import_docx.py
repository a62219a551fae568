"""`bookforge import docx`: a Word manuscript made at test time (tests/docx_support.py)
imported into a copy of the minimal fixture book, then read back: the chapter's front
matter with PyYAML, its text with pandoc, the book with `bookforge check`, the EPUB with
EPUBCheck and lxml, and the Word file's own counts with pandoc and its XML."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pypandoc
import pytest
import yaml
from lxml import etree
from msoffcrypto.format.ooxml import OOXMLFile
from PIL import Image

from bookforge.errors import ConfigError, SourceError
from bookforge.source import staged
from bookforge.source.config import load_config
from bookforge.source.load import AUTHOR_PLACEHOLDER, split_front_matter
from bookforge.source.manuscript import ImportOptions, _Images, import_docx
from bookforge.source.manuscript_docx import MAX_DOCX_BYTES
from bookforge.source.manuscript_refs import merge_references

from .conftest import FIXTURES, run_cli
from .docx_support import (
    ALT_TEXT,
    BIBLIOGRAPHY,
    CAPTION,
    MENDELEY_ITEM,
    TABLE_CAPTION,
    TITLE,
    ZOTERO_ITEM,
    make_manuscript,
    make_plain_docx,
    make_word_style_docx,
)
from .test_outputs import epubcheck_messages, pdf_text

CHAPTER = "parts/02-beta/02-village-trust-networks.en.md"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
X = {"x": "http://www.w3.org/1999/xhtml", "epub": "http://www.idpf.org/2007/ops"}


def words(text: str) -> Counter[str]:
    return Counter(re.findall(r"\w+", text.casefold()))


def pandoc_plain(path: Path, reader: str) -> str:
    return subprocess.run([pypandoc.get_pandoc_path(), "-f", reader, "-t", "plain",
                           "--wrap=none", str(path)], capture_output=True, text=True,
                          check=True).stdout


def tree_digest(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def docx_counts(docx: Path) -> dict[str, int]:
    """Footnotes, images and tables as the Word file's XML holds them."""
    with zipfile.ZipFile(docx) as z:
        body = etree.fromstring(z.read("word/document.xml"))
        notes = etree.fromstring(z.read("word/footnotes.xml"))
    return {"notes": sum(1 for n in notes.iter(f"{W}footnote") if n.get(f"{W}type") is None),
            "images": sum(1 for _ in body.iter(
                "{http://schemas.openxmlformats.org/drawingml/2006/main}blip")),
            "tables": sum(1 for _ in body.iter(f"{W}tbl"))}


def import_cli(docx: Path, book: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("import", "docx", str(docx), str(book), "--part", "beta", "--lang", "en",
                   *extra)


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The full manuscript imported into a fresh copy of the minimal book, and built."""
    tmp = tmp_path_factory.mktemp("import")
    docx = make_manuscript(tmp / "word")
    book = tmp / "book"
    shutil.copytree(FIXTURES / "minimal", book)
    result = import_cli(docx, book)
    out = tmp / "out"
    build = run_cli("build", str(book), "--out", str(out), "-q")
    return {"docx": docx, "book": book, "import": result, "build": build, "out": out}


def test_import_writes_chapter_asset_and_bibliography(imported: dict) -> None:
    r = imported["import"]
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    book = imported["book"]
    assert f"wrote {CHAPTER}" in r.stdout
    assert (book / "assets/village-trust-networks-1.en.png").is_file()
    raw, body, _ = split_front_matter((book / CHAPTER).read_text(encoding="utf-8"))
    meta = yaml.safe_load(raw)
    assert meta["title"] == TITLE
    assert [a["name"] for a in meta["authors"]] == ["Rina Khayalan", "Tran Van Gia Dinh"]
    assert TITLE not in body  # the title is front matter, never a heading of the body
    assert re.findall(r"^(#+) (.+)$", body, re.M) == [
        ("##", "Background"), ("###", "Method"), ("##", "Findings"),
        ("###", "Why distance matters"), ("##", "Conclusion"),
        ("##", "References {.references}")]
    # the reference list of Zotero's bibliography field, as bookforge's bullet list
    refs = body.split("{.references}")[1].split("[^1]:")[0]
    assert [" ".join(e.split()) for e in re.split(r"^- ", refs, flags=re.M)[1:]] == BIBLIOGRAPHY
    # a figure: the image alone in its paragraph, Word's alt text, the caption as its title
    figure = re.search(r"^!\[(.+?)\]\((\S+) \"(.+?)\"\)\{#(\S+)\}$", body, re.M | re.S)
    assert figure, body
    assert " ".join(figure[1].split()) == ALT_TEXT
    assert figure[2] == "../../assets/village-trust-networks-1.en.png"
    assert figure[3] == CAPTION and figure[4] == "fig-village-trust-networks-1"
    # a table: `Table:` caption right before a pipe table
    assert re.search(rf"^Table: {TABLE_CAPTION} {{#tbl-village-trust-networks-1}}\n\n"
                     r"\| Village +\| Households", body, re.M)
    assert "[@khayalan2019debts]" in body and "[@contoh2021ferries]" in body


def test_citation_works_go_to_the_bibliography(imported: dict) -> None:
    r = imported["import"]
    refs = json.loads((imported["book"] / "references.json").read_text(encoding="utf-8"))
    by_key = {i["id"]: i for i in refs}
    assert set(by_key) == {"khayalan2019debts", "contoh2021ferries"}
    assert by_key["khayalan2019debts"]["title"] == ZOTERO_ITEM["title"]
    assert by_key["contoh2021ferries"]["container-title"] == MENDELEY_ITEM["container-title"]
    assert by_key["contoh2021ferries"]["author"][1] == {"family": "Rekaan", "given": "Ayu"}
    # book.toml now names the file (a line added before its first table, comments kept),
    # so check and build find the works the chapter cites
    assert 'book.toml now names (bibliography = "references.json")' in r.stderr
    toml = (imported["book"] / "book.toml").read_text(encoding="utf-8")
    assert re.search(r'^bibliography = "references.json"', toml, re.M)
    assert toml.index("bibliography =") < toml.index("\n[")
    assert load_config(imported["book"]).bibliography == ("references.json",)


def test_import_warns_about_what_it_dropped(imported: dict) -> None:
    err = imported["import"].stderr
    docx = str(imported["docx"])
    assert f"{docx}: warning[import-comments]: 1 comment(s)" in err and "Which year?" in err
    assert f"{docx}: warning[import-tracked-changes]: 2 tracked change(s)" in err
    assert f"{docx}: warning[import-text-boxes]: 2 text box(es) moved into the text" in err
    assert f"{docx}: warning[import-bibliography-field]" in err
    body = " ".join((imported["book"] / CHAPTER).read_text(encoding="utf-8").split())
    assert "We thank the ferry crews." in body  # the tracked insertion, accepted
    assert "struck" not in body and "Which year" not in body
    # each text box's text follows the paragraph it was anchored to, which stays whole
    # (pandoc alone drops the boxes, or the paragraph around a box: they are lifted out)
    assert ("which the ferry could not support. A side note in a floating box. ## Conclusion"
            in body)
    assert ("Loans across kin lines were rarer on the island, where the ferry schedule made"
            in body)
    assert "[@contoh2021ferries] The ferry timetable, pinned by the landing. ###" in body


def test_imported_book_checks_and_builds(imported: dict) -> None:
    r = run_cli("check", str(imported["book"]))
    assert r.returncode == 0, r.stderr
    assert "0 error(s)" in r.stderr
    assert imported["build"].returncode == 0, imported["build"].stderr
    for lang in ("id", "en"):
        assert epubcheck_messages(imported["out"] / f"minimal-{lang}.epub") == []
    pdf = pdf_text(imported["out"] / "minimal-en.pdf")
    for text in (TITLE, CAPTION, TABLE_CAPTION, "The ferry runs at six in the morning",
                 "Ấp Cồn Mẫu is an island"):
        assert text in pdf


def test_counts_before_and_after(imported: dict) -> None:
    """Words (pandoc -t plain of the docx vs. the chapter), footnotes, images and tables
    (the docx XML vs. the chapter and the built EPUB)."""
    docx, book = imported["docx"], imported["book"]
    before = words(pandoc_plain(docx, "docx"))
    chapter = book / CHAPTER
    raw, _, _ = split_front_matter(chapter.read_text(encoding="utf-8"))
    after = words(yaml.safe_load(raw)["title"] + "\n" + pandoc_plain(chapter, "commonmark_x"))
    kept = sum((before & after).values()) / sum(before.values())
    assert kept >= 0.97, (kept, dict(before - after))

    counts = docx_counts(docx)
    assert counts == {"notes": 2, "images": 1, "tables": 1}
    text = chapter.read_text(encoding="utf-8")
    assert len(re.findall(r"^\[\^\w+\]:", text, re.M)) == counts["notes"]
    assert len(re.findall(r"^!\[", text, re.M)) == counts["images"]
    assert len(re.findall(r"^Table: ", text, re.M)) == counts["tables"]
    with zipfile.ZipFile(imported["out"] / "minimal-en.epub") as z:
        page = etree.fromstring(z.read("EPUB/02-beta-02-village-trust-networks.xhtml"))
        assert "EPUB/images/assets/village-trust-networks-1.en.png" in z.namelist()
    notes = page.findall(".//x:aside[@epub:type='footnote']", X)
    figures = page.findall(".//x:figure", X)
    tables = page.findall(".//x:table", X)
    assert (len(notes), len(figures), len(tables)) == (2, 1, 1)
    assert figures[0].find(".//x:img", X).get("alt") == ALT_TEXT
    assert CAPTION in "".join(figures[0].find("x:figcaption", X).itertext())
    assert TABLE_CAPTION in "".join(tables[0].find("x:caption", X).itertext())
    body = page.find(".//x:body", X)
    alts = [img.get("alt") for img in body.iterfind(".//x:img", X)]
    epub_words = words(" ".join([*body.itertext(), *alts]))
    kept = sum((before & epub_words).values()) / sum(before.values())
    assert kept >= 0.97, (kept, dict(before - epub_words))


def test_title_from_heading_placeholder_author_slug_and_number(minimal: Path,
                                                               tmp_path: Path) -> None:
    docx = make_manuscript(tmp_path / "word", authors="", title_property=False)
    r = import_cli(docx, minimal, "--slug", "delta", "--number", "7")
    assert r.returncode == 0, r.stderr
    assert "warning[import-authors]" in r.stderr
    path = minimal / "parts/02-beta/07-delta.en.md"
    raw, body, _ = split_front_matter(path.read_text(encoding="utf-8"))
    meta = yaml.safe_load(raw)
    assert meta["title"] == TITLE and TITLE not in body
    assert meta["authors"] == [{"name": AUTHOR_PLACEHOLDER}]
    assert body.count("\n## ") == 4  # the title's heading is gone, the rest moved up
    c = run_cli("check", str(minimal))
    assert c.returncode == 0, c.stderr
    assert ("parts/02-beta/07-delta.en.md:3:1: warning[front-matter-author-placeholder]"
            in c.stderr)


def test_other_language_takes_the_chapters_number(minimal: Path, tmp_path: Path) -> None:
    docx = make_plain_docx(tmp_path / "kepercayaan.docx", "Kepercayaan di Delta",
                           ["Paragraf pertama tentang kepercayaan."], author="Rina Khayalan",
                           keywords="trust, delta")
    r = run_cli("import", "docx", str(docx), str(minimal), "--part", "01-alpha", "--lang", "en",
                "--slug", "trust")
    assert r.returncode == 1 and "01-trust.en.md: error[import-exists]" in r.stderr
    (minimal / "parts/01-alpha/01-trust.en.md").unlink()
    r = run_cli("import", "docx", str(docx), str(minimal), "--part", "alpha", "--lang", "en",
                "--slug", "trust")
    assert r.returncode == 0, r.stderr
    assert "wrote parts/01-alpha/01-trust.en.md" in r.stdout
    raw, _, _ = split_front_matter((minimal / "parts/01-alpha/01-trust.en.md").read_text())
    assert yaml.safe_load(raw)["keywords"] == ["trust", "delta"]  # the keywords property


def test_never_overwrites_without_force(minimal: Path, tmp_path: Path) -> None:
    docx = make_manuscript(tmp_path / "word")
    assert import_cli(docx, minimal).returncode == 0
    # an edited manuscript: a different image under the same name
    image = minimal / "assets/village-trust-networks-1.en.png"
    image.write_bytes(image.read_bytes() + b"edited")
    before = tree_digest(minimal)
    r = import_cli(docx, minimal, "--number", "2")
    assert r.returncode == 1
    assert f"{CHAPTER}: error[import-exists]" in r.stderr
    assert "assets/village-trust-networks-1.en.png: error[import-exists]" in r.stderr
    assert "Traceback" not in r.stderr
    assert tree_digest(minimal) == before
    r = import_cli(docx, minimal, "--number", "2", "--force")
    assert r.returncode == 0, r.stderr
    assert not image.read_bytes().endswith(b"edited")
    # the works are in references.json already: nothing is added twice
    refs = json.loads((minimal / "references.json").read_text(encoding="utf-8"))
    assert sorted(i["id"] for i in refs) == ["contoh2021ferries", "khayalan2019debts"]
    assert "wrote references.json" not in r.stdout


def test_failed_write_leaves_the_book_unchanged(minimal: Path, tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """A move fails half-way: what was moved is taken back, what was replaced is put back,
    and no staging folder is left behind. First a fresh import (the third move, of
    references.json, fails), then a --force re-import over an edited chapter and image."""
    docx = make_manuscript(tmp_path / "word")
    before = tree_digest(minimal)
    real_replace = os.replace
    calls = []

    def failing_replace(src: object, dst: object) -> None:
        calls.append(dst)
        if len(calls) == 3:
            raise OSError(28, "No space left on device", str(dst))
        real_replace(src, dst)

    monkeypatch.setattr(staged.os, "replace", failing_replace)
    with pytest.raises(SourceError) as exc:
        import_docx(ImportOptions(docx=docx, book_dir=minimal, part="beta", lang="en"))
    assert "references.json: error[import-write]" in exc.value.diagnostics[0].format()
    assert tree_digest(minimal) == before
    assert not any(p.name.startswith(".bookforge-import-") for p in minimal.iterdir())
    assert not (minimal / "assets/village-trust-networks-1.en.png").exists()

    monkeypatch.setattr(staged.os, "replace", real_replace)
    import_docx(ImportOptions(docx=docx, book_dir=minimal, part="beta", lang="en"))
    chapter, image = minimal / CHAPTER, minimal / "assets/village-trust-networks-1.en.png"
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\nAn editor's sentence.\n",
                       encoding="utf-8")
    image.write_bytes(image.read_bytes() + b"retouched")
    before = tree_digest(minimal)
    calls.clear()
    monkeypatch.setattr(staged.os, "replace", failing_replace)
    with pytest.raises(SourceError):  # chapter to backup, chapter in, image to backup: fails
        import_docx(ImportOptions(docx=docx, book_dir=minimal, part="beta", lang="en",
                                  force=True))
    assert tree_digest(minimal) == before
    assert "An editor's sentence." in chapter.read_text(encoding="utf-8")


def _encrypted(path: Path) -> Path:
    """A password-protected .docx as Word writes it (ECMA-376 agile encryption)."""
    plain = make_plain_docx(path.with_suffix(".plain.docx"), "Secret", ["Hidden text."])
    with open(plain, "rb") as src, open(path, "wb") as dst:
        OOXMLFile(src).encrypt("a password", dst)
    return path


def _word97(path: Path) -> Path:
    """An OLE compound file without encryption streams, as an old .doc is: the encrypted
    file with its two encryption streams renamed in the directory."""
    data = _encrypted(path.with_suffix(".enc.docx")).read_bytes()
    for name in ("EncryptedPackage", "EncryptionInfo"):
        wide = name.encode("utf-16-le")
        assert wide in data
        data = data.replace(wide, ("X" + name[1:]).encode("utf-16-le"))
    path.write_bytes(data)
    return path


def _text(path: Path) -> Path:
    path.write_text("Just some text, not Word.", encoding="utf-8")
    return path


def _truncated(path: Path) -> Path:
    data = make_plain_docx(path.with_suffix(".full.docx"), "Cut", ["Text."]).read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _not_word(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("content.xml", "<office:document/>")
    return path


def _huge(path: Path) -> Path:
    with open(path, "wb") as fh:  # a sparse 200 MB file: refused by its size, never read
        fh.truncate(200 * 1024 * 1024)
    return path


BROKEN = {
    "text": (_text, "import-not-docx"),
    "truncated": (_truncated, "import-corrupt"),
    "odt": (_not_word, "import-not-docx"),
    "encrypted": (_encrypted, "import-encrypted"),
    "word97": (_word97, "import-not-docx"),
    "huge": (_huge, "import-too-large"),
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_bad_input_is_refused(kind: str, minimal: Path, tmp_path: Path) -> None:
    make, code = BROKEN[kind]
    docx = make(tmp_path / f"{kind}.docx")
    before = tree_digest(minimal)
    r = import_cli(docx, minimal)
    assert r.returncode == 1
    assert f"{docx}: error[{code}]" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "nothing written" in r.stderr
    assert tree_digest(minimal) == before
    if kind == "word97":
        assert "old Word 97-2003 .doc file" in r.stderr
    if kind == "huge":
        assert f"up to {MAX_DOCX_BYTES // 1024 // 1024} MB" in r.stderr


def test_usage_errors(minimal: Path, tmp_path: Path) -> None:
    docx = make_plain_docx(tmp_path / "a.docx", "A Title", ["Text."], author="Rina Khayalan")
    r = run_cli("import", "docx", str(docx), str(minimal), "--part", "gamma", "--lang", "en")
    assert r.returncode == 1 and "error[import-part]" in r.stderr and "01-alpha" in r.stderr
    r = run_cli("import", "docx", str(docx), str(minimal), "--part", "beta", "--lang", "fr")
    assert r.returncode == 1 and "error[import-lang]" in r.stderr
    r = run_cli("import", "docx", str(docx), str(minimal), "--part", "beta")
    assert r.returncode == 2


# -- the bibliography: keys, and merging into the book's file ------------------------------

OLD_BIB = """% kept by the volume editor: do not reorder
@book{sari2019,
  author = {Khayalan, Sari},
  title = {Debts That Bind: Credit in River Villages},
  year = {2019},
  publisher = {Penerbit Rekaan},
}

@article{contoh2021ferries,
  author = {Contoh, Budi},
  title = {A Different Work That Happens to Take the Same Key},
  journal = {Imaginary Letters},
  year = {2021},
}
"""


def bib_items(text: str) -> dict[str, dict]:
    out = subprocess.run([pypandoc.get_pandoc_path(), "-f", "biblatex", "-t", "csljson"],
                         input=text, capture_output=True, text=True, check=True).stdout
    return {i["id"]: i for i in json.loads(out)}


def test_merge_into_bibtex_keeps_text_and_existing_keys(tmp_path: Path) -> None:
    (tmp_path / "refs.bib").write_text(OLD_BIB, encoding="utf-8")
    bib, merged = merge_references(tmp_path, {"bibliography": ["refs.bib", "more.json"]},
                                   [ZOTERO_ITEM | {"id": "4101"}, MENDELEY_ITEM])
    assert bib.rel == "refs.bib"
    # the same work under the editor's key keeps it; a clashing key gets a suffix
    assert merged.keys == {"4101": "sari2019", "ITEM-1": "contoh2021ferriesb"}
    assert merged.added == ("contoh2021ferriesb",)
    assert merged.text is not None and merged.text.startswith(OLD_BIB)
    items = bib_items(merged.text)
    assert set(items) == {"sari2019", "contoh2021ferries", "contoh2021ferriesb"}
    assert items["contoh2021ferriesb"]["title"] == MENDELEY_ITEM["title"]
    assert items["contoh2021ferriesb"]["container-title"] == MENDELEY_ITEM["container-title"]


def test_merge_into_csl_yaml_and_json(tmp_path: Path) -> None:
    (tmp_path / "refs.yaml").write_text("# CSL-YAML, by hand\nreferences:\n- id: other2000\n"
                                        "  title: Another Work\n  type: book\n",
                                        encoding="utf-8")
    _, merged = merge_references(tmp_path, {"bibliography": "refs.yaml"}, [ZOTERO_ITEM])
    assert merged.text is not None and merged.text.startswith("# CSL-YAML, by hand\n")
    data = yaml.safe_load(merged.text)["references"]
    assert [i["id"] for i in data] == ["other2000", "khayalan2019debts"]
    assert data[1]["author"] == ZOTERO_ITEM["author"]

    (tmp_path / "refs.json").write_text(json.dumps([ZOTERO_ITEM | {"id": "k19"}]))
    _, merged = merge_references(tmp_path, {"bibliography": "refs.json"},
                                 [ZOTERO_ITEM, MENDELEY_ITEM])
    assert merged.keys == {"4101": "k19", "ITEM-1": "contoh2021ferries"}
    assert [i["id"] for i in json.loads(merged.text or "")] == ["k19", "contoh2021ferries"]


def test_bibliography_outside_the_book_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError):
        merge_references(tmp_path, {"bibliography": "../elsewhere.bib"}, [ZOTERO_ITEM])


def test_import_adds_works_to_the_bib_book_toml_names(minimal: Path, tmp_path: Path) -> None:
    toml = minimal / "book.toml"
    toml.write_text('bibliography = "refs.bib"\n' + toml.read_text(encoding="utf-8"),
                    encoding="utf-8")
    (minimal / "refs.bib").write_text(OLD_BIB, encoding="utf-8")
    r = import_cli(make_manuscript(tmp_path / "word"), minimal)
    assert r.returncode == 0, r.stderr
    assert "wrote refs.bib" in r.stdout and not (minimal / "references.json").exists()
    body = (minimal / CHAPTER).read_text(encoding="utf-8")
    assert "[@sari2019]" in body and "[@contoh2021ferriesb]" in body
    assert set(bib_items((minimal / "refs.bib").read_text(encoding="utf-8"))) == {
        "sari2019", "contoh2021ferries", "contoh2021ferriesb"}


def test_word_style_manuscript(minimal: Path, tmp_path: Path) -> None:
    """Word's own captions ("Figure 1: ...") lose their number, a TIFF becomes a PNG, a
    figure without alt text takes its caption (with a warning), the Abstract section and
    its Keywords line become front matter, the table of contents goes, and a link to a
    heading keeps working."""
    docx = make_word_style_docx(tmp_path / "word")
    r = run_cli("import", "docx", str(docx), str(minimal), "--part", "01-alpha", "--lang",
                "en")
    assert r.returncode == 0, r.stderr
    assert "wrote parts/01-alpha/02-reading-the-river-notes.en.md" in r.stdout
    assert "no alt text" in r.stderr
    image = minimal / "assets/reading-the-river-notes-1.en.png"
    assert image.read_bytes().startswith(b"\x89PNG")
    text = (minimal / "parts/01-alpha/02-reading-the-river-notes.en.md").read_text()
    raw, body, _ = split_front_matter(text)
    meta = yaml.safe_load(raw)
    assert meta["keywords"] == ["ferries", "rivers", "trust"]
    assert meta["abstract"] == ("A morning at a ferry landing, read as a record of who "
                                "trusts whom.")
    assert meta["authors"] == [{"name": "Dewi Angan-Angan"}]
    assert "table of contents was left out" in r.stderr
    assert "Abstract" not in body and "Keywords" not in body
    assert body.lstrip().startswith("## Introduction {#reading-the-river-notes-introduction}")
    assert "[the introduction](#reading-the-river-notes-introduction)" in body
    assert "The waiting area is `A = \\pi r^{2}`" in body
    assert "warning[import-equations]: 1 equation(s)" in r.stderr
    assert "warning[import-objects]: 1 chart(s)" in r.stderr
    assert ('![The landing at dawn](../../assets/reading-the-river-notes-1.en.png '
            '"The landing at dawn"){#fig-reading-the-river-notes-1}') in " ".join(body.split())
    assert "Table: People waiting on three mornings {#tbl-" in body
    assert "## Introduction" in body and "### Who waits" in body
    c = run_cli("check", str(minimal))
    assert c.returncode == 0, c.stderr


def test_cmyk_tiff_becomes_an_rgb_png(tmp_path: Path) -> None:
    """PNG has no CMYK: such a TIFF (common from print workflows) was left out."""
    Image.new("CMYK", (20, 10), (0, 60, 60, 0)).save(tmp_path / "print.tif")
    images = _Images(media_root=tmp_path, slug="s", lang="en", assets=tmp_path / "assets")
    assert images.src("print.tif") == "../../assets/s-1.en.png"
    assert images.warnings == []
    with Image.open(io.BytesIO(images.files["print.tif"][1])) as png:
        assert (png.format, png.mode, png.size) == ("PNG", "RGB", (20, 10))
