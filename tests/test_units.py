"""The edition laid out in units and joined (pdf/units.py, pdf/join.py, pdf/cache.py), read
back with poppler and pikepdf: one structure tree whose ParentTree covers every page, every
chapter title in the tagged reading order, one nested outline, roman then arabic page
labels, links from the contents, the index and cross-references landing on the page that
holds their target, fonts embedded; and the unit cache: an edit lays out only what it
must, a corrupt entry is laid out again, a changed stylesheet invalidates everything."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pikepdf
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pypdf import PdfReader

from bookforge.pdf import cache as unit_cache
from bookforge.pdf import join as pdf_join
from bookforge.pdf import layout as pdf_layout
from bookforge.pdf import units as pdf_units
from bookforge.pdf.cache import UnitCache, in_process
from bookforge.pdf.edition import PrintedEdition, print_edition
from bookforge.pdf.layout import PdfOptions
from bookforge.pdf.units import split_units as split_units
from bookforge.render import render_print
from bookforge.source.load import load_book
from bookforge.transform import transform_edition

from .conftest import BOOK, FIXTURES, run_cli

MM = 72 / 25.4
UNITS = FIXTURES / "units"
DEPENDENT = {"toc", "book-index", "contributors"}


def compact(text: str) -> str:
    return re.sub(r"[\s\-\u2010\u00ad]", "", text)


def page_text(path: Path, index: int) -> str:
    return subprocess.run(["pdftotext", "-layout", "-f", str(index + 1), "-l", str(index + 1),
                           str(path), "-"], capture_output=True, text=True, check=True).stdout


def rect_text(path: Path, index: int, rect: list[float], height: float,
              width: float | None = None) -> str:
    """The text inside an annotation's rectangle (PDF points, origin bottom left); with
    `width`, of the whole lines it spans."""
    x1, x2 = sorted(rect[0::2])
    y1, y2 = sorted(rect[1::2])
    if width is not None:
        x1, x2 = 0, width
    out = subprocess.run(["pdftotext", "-f", str(index + 1), "-l", str(index + 1),
                          "-x", str(int(x1) - 1), "-y", str(int(height - y2) - 1),
                          "-W", str(int(x2 - x1) + 3), "-H", str(int(y2 - y1) + 3),
                          "-layout", str(path), "-"], capture_output=True, text=True,
                         check=True).stdout
    return " ".join(out.split())


DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@pytest.fixture(scope="module", params=["designed", "dejavu"])
def built_units(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
                ) -> Path:
    """The fixture built with the fonts installed, and with only DejaVu visible (other
    metrics: other page breaks, the same checks)."""
    out = tmp_path_factory.mktemp("units")
    env = dict(os.environ, XDG_CACHE_HOME=str(out / "cache"))
    if request.param == "dejavu":
        if not DEJAVU.is_dir():
            pytest.skip("DejaVu fonts not installed")
        conf = out / "fonts.conf"
        conf.write_text(f"<?xml version='1.0'?><fontconfig><dir>{DEJAVU}</dir>"
                        f"<cachedir>{out / 'fc-cache'}</cachedir></fontconfig>")
        env["FONTCONFIG_FILE"] = str(conf)
    result = subprocess.run([sys.executable, "-m", "bookforge", "build", str(UNITS), "--out",
                             str(out), "--edition", "en", "-q"], capture_output=True,
                            text=True, env=env, timeout=900)
    assert result.returncode == 0, result.stderr
    return out / "units-en.pdf"


def named_pages(pdf: pikepdf.Pdf) -> dict[str, int]:
    """Named destination -> 0-based page index."""
    index = {page.objgen: n for n, page in enumerate(pdf.pages)}
    tree = pikepdf.NameTree(pdf.Root.Names.Dests)
    return {str(k): index[v[0].objgen] for k, v in tree.items()}


def section_pages(path: Path, titles: tuple[str, ...], after: tuple[str, ...]
                  ) -> tuple[int, int]:
    """The pages of the back-matter section whose outline entry is one of `titles`."""
    reader = PdfReader(path)
    pages = {item.title: reader.get_destination_page_number(item) for item in reader.outline
             if not isinstance(item, list)}
    start = next(pages[t] for t in titles if t in pages)
    end = next((pages[t] for t in after if t in pages), len(reader.pages))
    return start, end


def links(pdf: pikepdf.Pdf, pages: range) -> list[tuple[int, str, list[float]]]:
    """(page, destination name, rectangle) of the internal links on `pages`."""
    out = []
    for n in pages:
        for annot in pdf.pages[n].obj.get("/Annots", []):
            if annot.get("/Subtype") == "/Link" and "/Dest" in annot:
                out.append((n, str(annot.Dest), [float(v) for v in annot.Rect]))
    return out


def test_every_page_has_a_parent_tree_entry(built_units: Path) -> None:
    with pikepdf.open(built_units) as pdf:
        root = pdf.Root.StructTreeRoot
        tree = {int(k): v for k, v in pikepdf.NumberTree(root.ParentTree).items()}
        keys = [int(page.obj.StructParents) for page in pdf.pages]
        assert len(set(keys)) == len(keys) == len(pdf.pages)
        assert all(k in tree and isinstance(tree[k], pikepdf.Array) for k in keys)
        annots = [int(a.StructParent) for p in pdf.pages for a in p.obj.get("/Annots", [])]
        assert annots and all(k in tree and tree[k].get("/Type") == "/StructElem"
                              for k in annots)
        # WeasyPrint gives a link's annotation to the Link element or a Span inside it
        assert all("/Link" in (tree[k].S, tree[k].P.get("/S")) for k in annots)
        assert not set(annots) & set(keys)
        assert int(root.ParentTreeNextKey) > max(keys + annots)
        # every marked-content entry points into the one tree, up to its one Document
        document = root.K[0]
        assert document.S == "/Document" and len(root.K) == 1
        for key in keys:
            for element in tree[key]:
                while element.objgen != document.objgen:
                    element = element.P
        assert pdf.Root.MarkInfo.Marked
        roots = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary)
                 and o.get("/Type") == "/StructTreeRoot"]
        assert len(roots) == 1  # no unit's own root copied along


def test_struct_text_has_every_chapter_title_in_order(built_units: Path) -> None:
    text = subprocess.run(["pdfinfo", "-struct-text", str(built_units)], capture_output=True,
                          text=True, check=True).stdout
    book, _ = load_book(UNITS)
    strings = " ".join(re.findall(r'"(.*)"', text))
    at = 0
    for chapter in book.chapters():
        title = chapter.version("en").title
        found = strings.find(title, at)
        assert found > at, f"{title!r} not in the tag tree after position {at}"
        at = found


def test_outline_labels_and_recto_units(built_units: Path) -> None:
    reader = PdfReader(built_units)
    book, _ = load_book(UNITS)
    labels = reader.page_labels
    tree = [(item, reader.get_destination_page_number(item)) for item in reader.outline
            if not isinstance(item, list)]
    nested = [item for item in reader.outline if isinstance(item, list)]
    titles = [item.title for item, _ in tree]
    assert titles[:2] == ["Contents", "Foreword"]  # book order: contents before foreword
    assert [p.title["en"] for p in book.parts] == titles[2:4]
    assert titles[4:] == ["Glossary", "Index", "List of Contributors"]
    chapters = [item for item in nested[0] if not isinstance(item, list)]
    assert [c.title for c in chapters] == [c.version("en").title for c in book.parts[0].chapters]
    body = dict((item.title, page) for item, page in tree)["The Harbour"]
    assert labels[:body] == [f"{n}" for n in ("i ii iii iv v vi vii viii ix x".split()[:body])]
    assert labels[body:] == [str(n) for n in range(1, len(labels) - body + 1)]
    for item, page in tree:  # every unit opens on a recto
        assert page % 2 == 0, item.title
    for chapter in chapters:
        assert reader.get_destination_page_number(chapter) % 2 == 0


def test_contents_links_land_on_their_entry(built_units: Path) -> None:
    with pikepdf.open(built_units) as pdf:
        height, width = float(pdf.pages[0].MediaBox[3]), float(pdf.pages[0].MediaBox[2])
        dests = named_pages(pdf)
        labels = PdfReader(built_units).page_labels
        toc = next(n for n in range(len(pdf.pages)) if "Contents" in page_text(built_units, n)
                   and ". . ." in page_text(built_units, n))
        checked = 0
        for page, name, rect in links(pdf, range(toc, toc + 2)):
            entry = rect_text(built_units, page, rect, height, width)  # the folio hangs out
            m = re.fullmatch(r"(.*?)[ .]*\b([ivxlc]+|\d+)", entry)
            assert m, entry
            title, folio = m[1].strip(), m[2]
            target = dests[name]
            assert labels[target] == folio, f"{title}: contents say {folio}"
            words = re.sub(r"^(Part [IVX]+|\d+)\s+", "", title)
            assert compact(words) in compact(page_text(built_units, target)), title
            checked += 1
        assert checked >= 10


def test_index_and_xref_links_land_on_their_page(built_units: Path) -> None:
    with pikepdf.open(built_units) as pdf:
        height = float(pdf.pages[0].MediaBox[3])
        dests = named_pages(pdf)
        labels = PdfReader(built_units).page_labels
        index, end = section_pages(built_units, ("Index",), ("List of Contributors",))
        checked = 0
        for page, name, rect in links(pdf, range(index, end)):
            folio = rect_text(built_units, page, rect, height).strip("–, ")
            if not folio.isdigit():
                continue  # a term, not a locator
            target = dests[name]
            assert labels[target] == folio, name
            assert re.search(r"ledgers?|witnesses", page_text(built_units, target), re.I)
            checked += 1
        assert checked >= 4
        xrefs = [(p, n) for p, n, _ in links(pdf, range(len(pdf.pages))) if n == "fig-ledger"]
        assert xrefs  # from two chapters on
        assert {dests["fig-ledger"]} == {dests[n] for _, n in xrefs}
        assert "A ledger" in page_text(built_units, dests["fig-ledger"])
        assert any(p > dests["fig-ledger"] + 4 for p, _ in xrefs)


def test_contributors_pages_land_on_their_chapters(built_units: Path) -> None:
    book, _ = load_book(UNITS)
    titles = {c.version("en").title for c in book.chapters()}
    with pikepdf.open(built_units) as pdf:
        height, width = float(pdf.pages[0].MediaBox[3]), float(pdf.pages[0].MediaBox[2])
        dests = named_pages(pdf)
        labels = PdfReader(built_units).page_labels
        start, end = section_pages(built_units, ("List of Contributors",), ())
        checked = set()
        for page, name, rect in links(pdf, range(start, end)):
            line = rect_text(built_units, page, rect, height, width)  # a link may be split
            m = re.fullmatch(r"(?:\d+\s+)?(.*?),\s*(\d+)", line)
            assert m, line
            assert m[1] in titles and labels[dests[name]] == m[2], m[0]
            assert compact(m[1]) in compact(page_text(built_units, dests[name]))
            checked.add(name)
        assert len(checked) == len(book.chapters())


def test_fonts_embedded_and_subset(built_units: Path) -> None:
    rows = subprocess.run(["pdffonts", str(built_units)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    assert rows
    for row in rows:
        emb, sub = row.split()[-5], row.split()[-4]
        assert (emb, sub) == ("yes", "yes"), row


def test_folios_are_artifacts_on_every_numbered_page(built_units: Path) -> None:
    labels = PdfReader(built_units).page_labels
    with pikepdf.open(built_units) as pdf:
        stamped = []
        for n, page in enumerate(pdf.pages):
            streams = page.obj.Contents
            data = b"".join(s.read_bytes() for s in streams) if isinstance(
                streams, pikepdf.Array) else streams.read_bytes()
            if b"/Artifact BMC q /BookforgeFolio Do Q EMC" in data:
                stamped.append(n)
    assert len(stamped) > len(labels) // 2
    for n in stamped:
        lines = [ln.split() for ln in page_text(built_units, n).splitlines() if ln.strip()]
        assert labels[n] in (*lines[0], lines[-1][-1]), (n, labels[n], lines[0], lines[-1])


# -- the cache ------------------------------------------------------------------------------

def printed(book_dir: Path, cache: UnitCache, target: Path) -> PrintedEdition:
    book, _ = load_book(book_dir)
    content = transform_edition(book, "en")
    return print_edition(lambda pages: render_print(content, anchor_pages=pages), book.root,
                         PdfOptions(trim=book.config.trim), target, in_process, cache, "en")


def test_one_chapter_edit_lays_out_that_unit_and_the_page_lists(
        fixture_book: Any, tmp_path: Path) -> None:
    book_dir = fixture_book("units")
    cache = UnitCache(tmp_path / "cache")
    cold = printed(book_dir, cache, tmp_path / "cold.pdf")
    # each unit and its folio sheet, and the contents' draft (laid out without numbers)
    assert len(cold.laid_out) == 2 * len(cold.units) + 1 >= 19
    warm = printed(book_dir, cache, tmp_path / "warm.pdf")
    assert warm.laid_out == ()
    assert (tmp_path / "warm.pdf").read_bytes() == (tmp_path / "cold.pdf").read_bytes()
    chapter = book_dir / "parts" / "01-harbour" / "02-tides.en.md"
    longer = "\n\n".join(["The tide table was copied out by hand for every pier. " * 12] * 8)
    chapter.write_text(chapter.read_text(encoding="utf-8") + "\n\n" + longer + "\n",
                       encoding="utf-8")
    edited = printed(book_dir, cache, tmp_path / "edited.pdf")
    # the copyright page prints the edition's word count: the front unit changes too
    sections = {n for n in edited.laid_out if not n.startswith("folios ")}
    assert sections == {"01-harbour-02-tides", *DEPENDENT, "half-title"}
    # folio sheets only for pages whose folio changed: the edited chapter's and later
    start = int(cold.labels[cold.anchor_pages["01-harbour-02-tides"]])
    sheets = [n.split()[1] for n in edited.laid_out if n.startswith("folios ")]
    assert sheets and all(s.isdigit() and int(s) >= start for s in sheets), sheets
    assert edited.pages > cold.pages  # later units moved, and were not laid out again
    fresh = printed(book_dir, UnitCache(tmp_path / "other"), tmp_path / "fresh.pdf")
    assert len(fresh.laid_out) == len(cold.laid_out)
    assert (tmp_path / "edited.pdf").read_bytes() == (tmp_path / "fresh.pdf").read_bytes()
    moved = cold.anchor_pages["01-harbour-03-witnesses"]
    assert edited.anchor_pages["01-harbour-03-witnesses"] > moved


def test_the_join_reads_what_the_workers_found_or_walks_the_file(
        fixture_book: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each unit's worker names the objects the join edits (elements under the Document,
    links to other units) as the join's own walk of the file finds them; numbers that are
    not those objects make the join walk the file, to the same PDF."""
    book_dir = fixture_book("units")
    first = printed(book_dir, UnitCache(tmp_path / "cache"), tmp_path / "a.pdf")
    for unit in first.units:
        if not unit.pdf:
            continue
        with pikepdf.open(io.BytesIO(unit.pdf)) as source:
            outside = tuple(e.objgen[0] for e in pdf_join._outside_elements(source))
            links = tuple((a.objgen[0], name) for a, name in pdf_join._unit_links(source))
        assert (unit.outside, unit.links) == (outside, links), unit.name
    assert sum(len(u.links or ()) for u in first.units) > 20
    assert all(u.outside for u in first.units if u.pdf)
    found = pdf_units.pdf_objects

    def shifted(pdf: Any) -> tuple[tuple[int, ...], tuple[tuple[int, str], ...]]:
        outside, links = found(pdf)
        return tuple(n + 1 for n in outside), tuple((n + 1, name) for n, name in links)

    monkeypatch.setattr(pdf_units, "pdf_objects", shifted)
    walked = printed(book_dir, UnitCache(tmp_path / "other"), tmp_path / "b.pdf")
    assert walked.units[1].outside != first.units[1].outside
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()


def test_corrupt_entry_is_laid_out_again(fixture_book: Any, tmp_path: Path) -> None:
    book_dir = fixture_book("units")
    cache = UnitCache(tmp_path / "cache")
    printed(book_dir, cache, tmp_path / "a.pdf")
    entries = sorted((tmp_path / "cache").rglob("*.unit"), key=lambda p: p.stat().st_size)
    victim = entries[-1]
    data = bytearray(victim.read_bytes())
    data[len(data) // 2] ^= 0xFF
    victim.write_bytes(bytes(data))
    again = printed(book_dir, cache, tmp_path / "b.pdf")
    assert len(again.laid_out) == 1  # the corrupt unit
    assert (tmp_path / "a.pdf").read_bytes() == (tmp_path / "b.pdf").read_bytes()
    third = printed(book_dir, cache, tmp_path / "c.pdf")
    assert third.laid_out == ()


def test_changed_stylesheet_invalidates_every_unit(fixture_book: Any, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    book_dir = fixture_book("units")
    cache = UnitCache(tmp_path / "cache")
    first = printed(book_dir, cache, tmp_path / "a.pdf")
    styles = tmp_path / "styles"
    shutil.copytree(pdf_layout.styles_dir(), styles)
    with (styles / "print.css").open("a", encoding="utf-8") as css:
        css.write("\nh2 { letter-spacing: 0.02em; }\n")
    monkeypatch.setattr(pdf_layout, "styles_dir", lambda: styles)
    monkeypatch.setattr(unit_cache, "styles_dir", lambda: styles)
    second = printed(book_dir, cache, tmp_path / "b.pdf")
    assert set(second.laid_out) == set(first.laid_out)


def test_cold_build_after_removing_the_output_folder(minimal: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    out = tmp_path / "out"
    args = ("build", str(minimal), "--out", str(out), "--edition", "en", "--format", "pdf")
    first = run_cli(*args)
    second = run_cli(*args)
    shutil.rmtree(out)
    third = run_cli(*args)
    counts = [re.search(r"(\d+) of (\d+) units laid out", r.stderr) for r in
              (first, second, third)]
    assert all(counts), first.stderr
    assert counts[0][1] == counts[0][2] == counts[2][1]
    assert int(counts[1][1]) < int(counts[1][2])


# -- book/ ----------------------------------------------------------------------------------

@pytest.mark.slow
@pytest.mark.parametrize("lang", ("id", "en"))
def test_book_index_locators(built_book: Path, lang: str) -> None:
    """At least 40 index locators of book/ link to the page they print, and that page
    holds a use of the term."""
    book, _ = load_book(BOOK)
    path = built_book / f"{book.config.slug}-{lang}.pdf"
    labels = PdfReader(path).page_labels
    with pikepdf.open(path) as pdf:
        height = float(pdf.pages[0].MediaBox[3])
        dests = named_pages(pdf)
        start, end = section_pages(path, ("Indeks", "Index"),
                                   ("Daftar Kontributor", "List of Contributors"))
        found = links(pdf, range(start, end))
        checked = 0
        for page, name, rect in found[::max(1, len(found) // 60)]:
            folio = rect_text(path, page, rect, height).strip("–, ")
            if not re.fullmatch(r"\d+|[ivxlc]+", folio):
                continue
            assert labels[dests[name]] == folio, name
            checked += 1
        assert checked >= 40


def test_table_header_ids_unique_across_units(built_units: Path) -> None:
    """Each unit numbers its header cells alike; the joined tree keeps IDs unique and every
    /Headers entry names an ID of the same table's cells."""
    with pikepdf.open(built_units) as pdf:
        ids: list[str] = []
        headers: list[str] = []
        stack = list(pdf.Root.StructTreeRoot.K)
        while stack:
            element = stack.pop()
            if not isinstance(element, pikepdf.Dictionary):
                continue
            if "/ID" in element:
                ids.append(str(element.ID))
            attributes = element.get("/A")
            if isinstance(attributes, pikepdf.Dictionary) and "/Headers" in attributes:
                headers += [str(h) for h in attributes.Headers]
            kids = element.get("/K")
            stack += list(kids) if isinstance(kids, pikepdf.Array) else [kids]
    assert len(ids) >= 4 and len(set(ids)) == len(ids)
    assert headers and set(headers) <= set(ids)


def test_page_list_from_the_same_units(built_units: Path) -> None:
    """The EPUB built with the PDF gets its page-list from the units the PDF is joined from:
    every page's marker sits before that page's first words."""
    from .test_epub import check_page_list

    check_page_list(built_units.with_suffix(".epub"), built_units)


def test_cold_build_lays_each_page_referencing_unit_out_once(fixture_book: Any,
                                                             tmp_path: Path) -> None:
    """The contents' draft places the front texts after it, so the index and the
    contributors, which print their folios, are not laid out a second time; the body's
    folio sheets come from the cache the dependent batch filled."""
    book_dir = fixture_book("units")
    cold = printed(book_dir, UnitCache(tmp_path / "cache"), tmp_path / "cold.pdf")
    sections = [n for n in cold.laid_out if not n.startswith("folios ")]
    assert sections.count("book-index") == 1 and sections.count("contributors") == 1
    # each unit once, the contents twice at most (its draft and the layout with numbers)
    assert sections.count("toc") <= 2
    assert len(sections) - sections.count("toc") == len(set(sections) - {"toc"})
    sheets = [n for n in cold.laid_out if n.startswith("folios ")]
    assert len(sheets) == len(set(sheets)) == len(cold.units)


def _tree(element: Any) -> tuple[Any, ...]:
    tag = element.tag if isinstance(element.tag, str) else "<!-- -->"
    return (tag, sorted(element.attrib.items()), element.text or "", element.tail or "",
            [_tree(child) for child in element])


@pytest.mark.parametrize("book_dir", [BOOK, FIXTURES / "foreign", UNITS],
                         ids=["book", "foreign", "units"])
def test_units_parsed_by_lxml_as_by_weasyprint(book_dir: Path) -> None:
    # a unit's HTML parsed by lxml is the tree WeasyPrint's HTML5 parser builds from it
    import tinyhtml5

    book, _ = load_book(book_dir)
    units = split_units(render_print(transform_edition(book, "en")))
    assert len(units) > 3
    for unit in units:
        ours = pdf_layout._lxml_tree(unit.html)
        assert ours is not None, unit.name
        assert _tree(ours) == _tree(tinyhtml5.parse(unit.html, namespace_html_elements=False))


@pytest.mark.parametrize("body", [
    "<table><tr><td>1</td></tr></table>",  # HTML5 adds the tbody
    "<table><colgroup></colgroup><col><tbody><tr><td>1</td></tr></tbody></table>",
    "<table>moved out<tbody><tr><td>1</td></tr></tbody></table>",
    "<pre>\nfirst line</pre>",  # HTML5 drops the newline
    '<p><svg viewBox="0 0 2 2"><circle r="1"/></svg></p>',  # namespaced in HTML5
    "<p><math><mi>x</mi></math></p>",
    "<p>a<wbr>b</p>", "<h1>a<h2>b</h2></h1>", "<p><button>a<button>b</button></button></p>",
    "<form><textarea>\nx</textarea></form>",
])
def test_units_lxml_cannot_parse_alike_go_to_weasyprint(body: str) -> None:
    import lxml.html

    html = lxml.html.tostring(lxml.html.document_fromstring(
        f"<!DOCTYPE html><html><head><title>t</title></head><body>{body}</body></html>"),
        encoding="unicode")
    assert pdf_layout._lxml_tree(html) is None


@settings(max_examples=300, deadline=None)
@given(st.lists(st.lists(st.integers(1, 6), max_size=4), min_size=1, max_size=6),
       st.floats(0, 700))
def test_outline_nests_as_weasyprint_nests_one_document(pages: list[list[int]],
                                                         y: float) -> None:
    # the joined outline's tree is the one WeasyPrint builds for the same bookmarks in one
    # document, whatever levels are skipped or repeated across unit boundaries
    from types import SimpleNamespace

    from weasyprint.anchors import make_page_bookmark_tree
    from weasyprint.matrix import Matrix

    from bookforge.pdf.join import SCALE, bookmark_tree, placements
    from bookforge.pdf.units import UnitLayout

    marks = [tuple((level, f"b{p}.{i}", (3.0 * i, y / (i + 1)), "open")
                   for i, level in enumerate(levels)) for p, levels in enumerate(pages)]
    units = [UnitLayout(f"u{p}", b"", 1, {}, ("",), (m,), (500.0,), (("", "", ""),))
             for p, m in enumerate(marks)]
    where = placements(units)  # (each unit one page and a blank verso)
    expected: list = []
    skipped: list[int] = []
    last_by_depth: list = [expected]
    level = 0
    for place, m in zip(where, marks, strict=True):
        page = SimpleNamespace(bookmarks=list(m))
        matrix = Matrix(a=SCALE, d=-SCALE, f=500.0 * SCALE)
        level = make_page_bookmark_tree(page, skipped, last_by_depth, level, place.first,
                                        matrix)
    assert bookmark_tree(units, where) == expected
