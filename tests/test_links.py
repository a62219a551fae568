"""Links between the documents of a book (transform/links.py), read back from `check`, the
print HTML, the PDF's link annotations and the EPUB's XHTML (EPUBCheck, DAISY Ace)."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from lxml import etree
from pypdf import PdfReader

from bookforge.render import render_print
from bookforge.source.load import load_book
from bookforge.transform import transform_edition

from .conftest import FIXTURES, run_cli
from .test_epub import ace_violations
from .test_outputs import epubcheck_messages

FOREIGN = FIXTURES / "foreign"
NS = {"x": "http://www.w3.org/1999/xhtml"}
CH1 = "parts/01-basics/01-getting-started"
CH2 = "parts/02-tools/01-compiler"


def unresolved() -> set[str]:
    result = run_cli("check", str(FOREIGN))
    assert result.returncode == 0, result.stdout + result.stderr
    return {line for line in (result.stdout + result.stderr).splitlines()
            if "link-unresolved" in line}


def test_check_names_every_unresolved_link_with_line_and_column() -> None:
    found = unresolved()
    expected = {
        ("front/preface.en.md", 8, 35, "ch99-appendix.html"),
        ("front/preface.id.md", 8, 38, "ch99-appendix.html"),
        (f"{CH1}.en.md", 18, 43, "#no-such-section"),
        (f"{CH1}.id.md", 18, 35, "#bagian-hilang"),
        (f"{CH2}.en.md", 13, 20, "../../appendix/ch20-notes.html#top"),
        (f"{CH2}.en.md", 14, 17, "ch03-00-common-concepts.md"),
        (f"{CH2}.id.md", 13, 17, "../../appendix/ch20-notes.html#top"),
        (f"{CH2}.id.md", 14, 15, "ch03-00-common-concepts.md"),
        # the fragment exists in the English version only
        (f"{CH2}.id.md", 12, 31, "../01-basics/01-getting-started.md#windows-notes"),
    }
    got = set()
    for line in found:
        m = re.match(r"(.+?):(\d+):(\d+): warning\[link-unresolved\]: link to '([^']+)'", line)
        assert m, line
        got.add((m.group(1), int(m.group(2)), int(m.group(3)), m.group(4)))
    assert got == expected
    only = next(line for line in found if "windows-notes" in line)
    assert f"only in {CH1}.en.md" in only


def test_source_columns_point_at_the_target() -> None:
    for line in unresolved():
        path, row, col = re.match(r"(.+?):(\d+):(\d+):", line).groups()  # type: ignore[union-attr]
        target = re.search(r"link to '([^']+)'", line).group(1)  # type: ignore[union-attr]
        text = (FOREIGN / path).read_text(encoding="utf-8").splitlines()[int(row) - 1]
        assert text[int(col) - 1:].startswith(target), (line, text)


def test_print_html_links_and_plain_text() -> None:
    book, _ = load_book(FOREIGN)
    html = render_print(transform_edition(book, "id"))
    # a path to the English file lands on the Indonesian chapter's heading with that id
    assert '<a class="internal" href="#install">Memulai</a>' in html
    assert '<a class="internal" href="#01-basics-01-getting-started">bab pertama</a>' in html
    # the slug of the Indonesian heading works in the Indonesian edition
    assert '<a class="internal" href="#install">bagian pemasangan</a>' in html
    assert '<span class="link-unresolved">catatannya</span>' in html
    assert '<span class="link-unresolved">halaman yang tak pernah dikonversi</span>' in html
    assert 'href="mailto:authors@example.org"' in html
    assert 'href="https://example.org/foreign-book"' in html
    assert "ch99-appendix.html" not in html and "ch20-notes" not in html


def test_generated_heading_slug_resolves_in_its_language() -> None:
    book, _ = load_book(FOREIGN)
    content = transform_edition(book, "en")
    html = render_print(content)
    assert '<a class="internal" href="#install">its install section</a>' in html
    assert not [d for d in content.diagnostics if "installing-the-tools" in d.message]


def test_pdf_internal_links_land_on_their_targets(built_foreign: Path) -> None:
    reader = PdfReader(built_foreign / "foreign-en.pdf")
    names = reader.named_destinations
    dests, uris = [], []
    for page in reader.pages:
        for annot in page.get("/Annots") or []:
            annot = annot.get_object()
            if "/Dest" in annot:
                dests.append(str(annot["/Dest"]))
            elif "/A" in annot and annot["/A"].get("/S") == "/URI":
                uris.append(str(annot["/A"]["/URI"]))
    assert {"install", "windows-notes", "02-tools-01-compiler"} <= set(dests)
    assert all(d in names for d in dests)
    page = reader.get_destination_page_number(names["install"])
    assert "Installing the Tools" in reader.pages[page].extract_text()
    assert "mailto:authors@example.org" in uris
    assert all(u.startswith(("http://", "https://", "mailto:")) for u in uris)


def epub_documents(epub: Path) -> dict[str, etree._Element]:
    with zipfile.ZipFile(epub) as z:
        return {Path(n).name: etree.fromstring(z.read(n)) for n in z.namelist()
                if n.endswith(".xhtml")}


@pytest.mark.parametrize("lang", ["id", "en"])
def test_epub_hrefs_point_at_files_and_ids_that_exist(built_foreign: Path, lang: str) -> None:
    docs = epub_documents(built_foreign / f"foreign-{lang}.epub")
    ids = {name: set(root.xpath("//@id")) for name, root in docs.items()}
    internal = 0
    for name, root in docs.items():
        for a in root.xpath("//x:a[@class='internal']", namespaces=NS):
            href = a.get("href")
            file, _, frag = href.partition("#")
            file = file or name
            assert file in docs and frag in ids[file], (name, href)
            internal += 1
    assert internal >= 6
    compiler = docs["02-tools-01-compiler.xhtml"]
    hrefs = compiler.xpath("//x:a[@class='internal']/@href", namespaces=NS)
    assert "01-basics-01-getting-started.xhtml#install" in hrefs


@pytest.mark.parametrize("lang", ["id", "en"])
def test_foreign_epub_passes_epubcheck(built_foreign: Path, lang: str) -> None:
    assert epubcheck_messages(built_foreign / f"foreign-{lang}.epub") == []


def test_foreign_epub_passes_ace(built_foreign: Path, tmp_path: Path) -> None:
    # headings that skip levels in the source keep a valid outline in the output
    assert ace_violations(built_foreign / "foreign-en.epub", tmp_path / "ace") == []


def test_links_pass_is_idempotent(tmp_path: Path) -> None:
    """The preview re-runs the pass on cached documents: a second run changes nothing."""
    from bookforge.transform.links import resolve_links

    book, _ = load_book(FOREIGN)
    content = transform_edition(book, "en")
    diags: list = []
    resolve_links(content.documents, book, diags)
    assert len([d for d in diags if d.code == "link-unresolved"]) == len(
        [d for d in content.diagnostics if d.code == "link-unresolved"])
    assert render_print(content) == render_print(transform_edition(book, "en"))


def heading_jumps(levels: list[int]) -> list[tuple[int, int]]:
    return [(a, b) for a, b in zip(levels, levels[1:], strict=False) if b > a + 1]


def test_skipped_headings_warn_with_their_line() -> None:
    result = run_cli("check", str(FOREIGN))
    skips = [line for line in result.stderr.splitlines() if "heading-skip" in line]
    assert {line.split(": warning")[0] for line in skips} == {
        f"{CH1}.en.md:15:1", f"{CH1}.en.md:58:1", f"{CH1}.id.md:15:1", f"{CH1}.id.md:54:1"}
    source = (FOREIGN / f"{CH1}.en.md").read_text(encoding="utf-8").splitlines()
    assert source[14].startswith("### ") and source[57].startswith("#### ")


@pytest.mark.parametrize("lang", ["id", "en"])
def test_outline_never_skips_a_level(built_foreign: Path, lang: str) -> None:
    import subprocess

    for name, root in epub_documents(built_foreign / f"foreign-{lang}.epub").items():
        levels = [int(h.tag[-1]) for h in root.iter()
                  if isinstance(h.tag, str) and re.fullmatch(r"\{[^}]+\}h[1-6]", h.tag)]
        assert heading_jumps(levels) == [], name
    struct = subprocess.run(["pdfinfo", "-struct", str(built_foreign / f"foreign-{lang}.pdf")],
                            capture_output=True, text=True, check=True).stdout
    levels = [int(m) for m in re.findall(r"^\s*H([1-6]) ", struct, re.M)]
    assert len(levels) > 10 and 3 in levels  # the chapter's own subsections are tagged
    assert heading_jumps(levels) == []
