"""PDF stage (issue 6): read the PDFs back with pypdf, pikepdf and poppler, and walk the
WeasyPrint layout they were written from: page labels, outline, fonts, tags, running heads,
contents page numbers, footnotes and overflowing boxes."""

from __future__ import annotations

import re
import subprocess
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pikepdf
import pytest
from pypdf import PdfReader

from bookforge.i18n import roman, sort_key
from bookforge.model import Book
from bookforge.pdf import layout
from bookforge.pdf.edition import print_edition
from bookforge.pdf.layout import PdfOptions, final_layout
from bookforge.render import render_print
from bookforge.source.load import load_book
from bookforge.transform import transform_edition

from .conftest import BOOK, run_cli

LANGS = ("id", "en")
MM = 72 / 25.4


@pytest.fixture(scope="module")
def book() -> Book:
    return load_book(BOOK)[0]


def pdf_path(built: Path, book: Book, lang: str) -> Path:
    return built / f"{book.config.slug}-{lang}.pdf"


def compact(text: str) -> str:
    """Text without spaces and hyphens, so line breaks inside titles do not matter."""
    return re.sub(r"[\s\-\u2010\u00ad]", "", text)


def page_texts(path: Path) -> list[str]:
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True,
                         text=True, check=True).stdout
    return out.split("\f")[:-1]


def area_text(path: Path, page: int, top: bool) -> str:
    """Text in the top (running head) or bottom (drop folio) 17 mm of a 0-based page."""
    with pikepdf.open(path) as pdf:
        box = [float(v) for v in pdf.pages[page].MediaBox]
    width, height = box[2] - box[0], box[3] - box[1]
    band = int(17 * MM)
    y = 0 if top else int(height) - band
    out = subprocess.run(["pdftotext", "-f", str(page + 1), "-l", str(page + 1), "-x", "0",
                          "-y", str(y), "-W", str(int(width)), "-H", str(band), "-layout",
                          str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


def outline_tree(reader: PdfReader) -> list[tuple[str, int, list]]:  # type: ignore[type-arg]
    def build(items: list) -> list:  # type: ignore[type-arg]
        nodes: list = []  # type: ignore[type-arg]
        for item in items:
            if isinstance(item, list):
                nodes[-1][2].extend(build(item))
            else:
                nodes.append((" ".join(item.title.split()),
                              reader.get_destination_page_number(item), []))
        return nodes

    return build(reader.outline)


def chapter_pages(reader: PdfReader) -> list[tuple[str, int, str, int]]:
    """(part title, part page, chapter title, chapter page) from the outline."""
    return [(p, pp, c, cp) for p, pp, kids in outline_tree(reader) for c, cp, _ in kids
            if kids and any(k[2] for k in kids)]


# -- structure ------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_page_count_and_labels(built_book: Path, book: Book, lang: str) -> None:
    reader = PdfReader(pdf_path(built_book, book, lang))
    chapters = len(book.chapters())
    assert 6 * chapters <= len(reader.pages) <= 20 * chapters + 40
    first_part = outline_tree(reader)
    body = next(page for title, page, kids in first_part
                if title == " ".join(book.parts[0].title[lang].split()))
    labels = reader.page_labels
    assert body >= 8  # half-title, title, copyright, preface, contents
    assert labels[:body] == [roman(n).lower() for n in range(1, body + 1)]
    assert labels[body:] == [str(n) for n in range(1, len(labels) - body + 1)]


@pytest.mark.parametrize("lang", LANGS)
def test_outline_part_chapter_section(built_book: Path, book: Book, lang: str) -> None:
    tree = outline_tree(PdfReader(pdf_path(built_book, book, lang)))
    top = [title for title, _, _ in tree]
    parts = [" ".join(p.title[lang].split()) for p in book.parts]
    assert [t for t in top if t in parts] == parts
    with_sections = 0
    for part in book.parts:
        node = next(n for n in tree if n[0] == " ".join(part.title[lang].split()))
        expected = [" ".join(c.version(lang).title.split()) for c in part.chapters]
        assert [kid[0] for kid in node[2]] == expected
        with_sections += sum(bool(kid[2]) for kid in node[2])
        pages = [kid[1] for kid in node[2]]
        assert pages == sorted(pages) and pages[0] > node[1]
    assert with_sections == len(book.chapters())
    assert tree[-1][1] > tree[-2][1]  # back matter after the last part


@pytest.mark.parametrize("lang", LANGS)
def test_metadata_tags_and_fonts(built_book: Path, book: Book, lang: str) -> None:
    path = pdf_path(built_book, book, lang)
    with pikepdf.open(path) as pdf:
        assert str(pdf.Root.Lang) == lang
        assert bool(pdf.Root.MarkInfo.Marked) is True
        assert "/StructTreeRoot" in pdf.Root and len(pdf.Root.StructTreeRoot.K) > 0
        info = pdf.docinfo
        assert str(info.Title) == book.config.title[lang]
        assert all(e.name in str(info.Author) for e in book.config.editors)
        assert str(info.Subject) == book.config.subtitle[lang]
        assert len(str(info.Keywords).split(",")) >= 5
        assert str(info.CreationDate).startswith(f"D:{book.config.date:%Y%m%d}")
        assert "/PageLabels" in pdf.Root
        links = [a for page in pdf.pages for a in page.get("/Annots", [])
                 if a.get("/Subtype") == "/Link" and "/Dest" in a or
                 a.get("/A", {}).get("/S") == "/GoTo"]
        assert len(links) >= len(book.chapters())  # contents entries at least
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True,
                           check=True).stdout.splitlines()[2:]
    assert fonts
    for row in fonts:
        name, emb, sub = row.split()[0], row.split()[-5], row.split()[-4]
        assert (emb, sub) == ("yes", "yes") and "+" in name, row
    installed = subprocess.run(["fc-list", ":", "family"], capture_output=True,
                               text=True).stdout
    if "TeX Gyre Pagella" in installed:
        assert any("Pagella" in row for row in fonts)


# -- pages ----------------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_running_heads_and_openers(built_book: Path, book: Book, lang: str) -> None:
    path = pdf_path(built_book, book, lang)
    reader = PdfReader(path)
    labels = reader.page_labels
    texts = page_texts(path)
    running = {" ".join(c.version(lang).title.split()): c.version(lang).running_title
               for c in book.chapters()}
    starts = chapter_pages(reader)
    assert len(starts) == len(book.chapters())
    for n, (part, _, title, opener) in enumerate(starts):
        assert opener % 2 == 0, f"{title} opens on a verso"
        assert area_text(path, opener, top=True) == "", f"running head on opener {title}"
        assert area_text(path, opener, top=False) == labels[opener]
        verso, recto = opener + 1, opener + 2
        end = starts[n + 1][3] if n + 1 < len(starts) else len(texts)
        if recto < end and texts[recto].strip():
            assert area_text(path, verso, top=True) == f"{labels[verso]} {part}"
            head = area_text(path, recto, top=True)
            assert compact(head) == compact(f"{running[title]} {labels[recto]}"), head


@pytest.mark.parametrize("lang", LANGS)
def test_contents_page_numbers(built_book: Path, book: Book, lang: str) -> None:
    path = pdf_path(built_book, book, lang)
    reader = PdfReader(path)
    labels = reader.page_labels
    texts = page_texts(path)
    tree = outline_tree(reader)
    toc_page = next(page for title, page, _ in tree if title.startswith(("Daftar Isi",
                                                                         "Contents")))
    body = chapter_pages(reader)[0][1]
    toc = " ".join(" ".join(texts[toc_page:body]).split())
    checked = 0
    parts = {" ".join(p.title[lang].split()) for p in book.parts}
    entries = [(title, page) for title, page, _ in tree if page != toc_page]
    entries += [(c, cp) for title, _, kids in tree if title in parts for c, cp, _ in kids]
    for title, page in entries:
        flexible = r"[\s\-\u2010\u00ad]*".join(map(re.escape, compact(title)))
        m = re.search(flexible + r"[.\s]*\b(\d+|[ivxlc]+)\b", toc)
        assert m, f"{title!r} not in the contents"
        printed = labels.index(m[1])
        assert printed == page, f"{title}: contents say {m[1]}, it is on {labels[page]}"
        assert compact(title) in compact(texts[printed])
        checked += 1
    assert checked == len(entries) >= len(book.chapters()) + len(book.parts) + 2


# -- layout ---------------------------------------------------------------------------------

def descendants(box: Any) -> Iterator[Any]:
    for child in getattr(box, "children", ()):
        yield child
        yield from descendants(child)


def overflowing(document: Any, tolerance: float = 1.0) -> list[str]:
    """Boxes outside their page's content area (margin boxes excluded)."""
    found = []
    for number, page in enumerate(document.pages, 1):
        page_box = page._page_box
        left, top = page_box.content_box_x(), page_box.content_box_y()
        right, bottom = left + page_box.width, top + page_box.height
        for box in content_boxes(page):
            # the root's height holds its children's bottom margins (a root's margins do
            # not collapse, CSS 2.1 8.3.1), which a page may end inside: what it draws
            # is its descendants, checked one by one
            if not hasattr(box, "border_width") or box.element_tag in ("html", "body"):
                continue
            x, y = box.border_box_x(), box.border_box_y()
            w, h = box.border_width(), box.border_height()
            if (x < left - tolerance or y < top - tolerance or x + w > right + tolerance
                    or y + h > bottom + tolerance):
                text = getattr(box, "text", "") or box.element_tag
                found.append(f"page {number}: {type(box).__name__} {text!r} "
                             f"at ({x:.0f},{y:.0f}) {w:.0f}x{h:.0f}")
    return found


def content_boxes(page: Any) -> Iterator[Any]:
    for child in page._page_box.children:
        if type(child).__name__ != "MarginBox":
            yield child
            yield from descendants(child)


def _blank_page() -> Any:
    """The blank verso the join puts after a unit with an odd page count."""
    box = SimpleNamespace(page_type=SimpleNamespace(blank=True, name=""), children=[],
                          content_box_x=lambda: 0, content_box_y=lambda: 0, width=0, height=0)
    return SimpleNamespace(_page_box=box)


@pytest.fixture(scope="module")
def unit_htmls(book: Book) -> dict[str, tuple[str, ...]]:
    """Per edition, the HTML of each of its units as the build lays them out."""
    out = {}
    for lang in LANGS:
        content = transform_edition(book, lang)
        options = PdfOptions(trim=book.config.trim)
        out[lang] = print_edition(lambda p, c=content: render_print(c, anchor_pages=p),
                                  book.root, options, None).htmls
    return out


@pytest.fixture(scope="module")
def layouts(book: Book, unit_htmls: dict[str, tuple[str, ...]]) -> dict[str, Any]:
    """Both editions laid out as the build lays them out: in units (each with its footnote
    repair), their pages in the order the join puts them, blank versos included."""
    out = {}
    for lang in LANGS:
        options = PdfOptions(trim=book.config.trim)
        pages: list[Any] = []
        for html in unit_htmls[lang]:
            unit = final_layout(html, book.root, options).document.pages
            pages += [*unit, *([_blank_page()] * (len(unit) % 2))]
        out[lang] = SimpleNamespace(document=SimpleNamespace(pages=pages))
    return out


@pytest.mark.parametrize("lang", LANGS)
def test_no_box_overflows_the_page(layouts: dict[str, Any], lang: str) -> None:
    problems = [p for p in overflowing(layouts[lang].document)]
    assert problems == [], "\n".join(problems[:20])


@pytest.mark.parametrize("lang", LANGS)
def test_blank_pages_are_empty(built_book: Path, book: Book, layouts: dict[str, Any],
                               lang: str) -> None:
    texts = page_texts(pdf_path(built_book, book, lang))
    blank = [i for i, page in enumerate(layouts[lang].document.pages)
             if page._page_box.page_type.blank]
    assert blank and all(i % 2 == 1 for i in blank)  # blank pages are versos
    assert [i for i in blank if texts[i].strip()] == []  # no running head, no folio


def footnote_pages(document: Any) -> tuple[dict[str, int], dict[str, int], dict[str, str]]:
    """Footnote id -> page index of its call, of its text; and its first words."""
    calls: dict[str, int] = {}
    placed: dict[str, int] = {}
    words: dict[str, str] = {}
    for index, page in enumerate(document.pages):
        for box in content_boxes(page):
            if (box.element_tag or "").endswith("::footnote-call"):
                calls.setdefault(box.element.get("id"), index)
                words[box.element.get("id")] = " ".join(
                    "".join(box.element.itertext()).split()[:4])
            if type(box).__name__ == "FootnoteAreaBox":
                for d in descendants(box):
                    if d.element is not None and "footnote" in (d.element.get("class") or ""):
                        placed.setdefault(d.element.get("id"), index)
    return calls, placed, words


@pytest.mark.parametrize("lang", LANGS)
def test_footnotes_follow_their_call(built_book: Path, book: Book, layouts: dict[str, Any],
                                     lang: str) -> None:
    """Every footnote is printed, numbered per chapter, on its call's page or the next."""
    document = layouts[lang].document
    texts = page_texts(pdf_path(built_book, book, lang))
    assert len(texts) == len(document.pages)
    calls, placed, words = footnote_pages(document)
    assert len(calls) >= 10 and set(calls) == set(placed)
    for fid, call_page in calls.items():
        assert placed[fid] in (call_page, call_page + 1), fid
        assert compact(words[fid]) in compact(texts[placed[fid]]), words[fid]
    first = [fid for fid in calls if fid.endswith("-fn-1")]
    assert len(first) >= 5  # the printed number restarts at 1 in every chapter
    for fid in first:
        assert compact("1. " + words[fid]) in compact(texts[placed[fid]]), fid


@pytest.mark.parametrize("lang", LANGS)
def test_footnotes_on_the_page_of_their_call(layouts: dict[str, Any], lang: str) -> None:
    """WeasyPrint 70 moves a page's footnotes to the next page to keep two lines of a
    paragraph at its foot; final_layout lays such paragraphs out again (pdf.footnote_thieves)."""
    calls, placed, _ = footnote_pages(layouts[lang].document)
    assert {f: p for f, p in calls.items() if placed[f] != p} == {}


@pytest.mark.parametrize("in_place", [True, False], ids=["in-place", "restarted"])
def test_a_footnote_thief_is_repaired_at_its_page(
        book: Book, unit_htmls: dict[str, tuple[str, ...]],
        monkeypatch: pytest.MonkeyPatch, in_place: bool) -> None:
    """The repair does not wait for the whole unit: the page that sent a footnote away is
    laid out again at once with its last paragraph kept whole (layout._watched_remake_page),
    or, where that cannot be done in place, the layout stops there and starts again with
    the paragraph's CSS; either way the PDF is the one laid out with the repair given from
    the start."""
    options = PdfOptions(trim=book.config.trim)
    found = None
    for html in unit_htmls["id"]:  # a unit of the sample book whose plain layout has one
        plain = layout.layout(html, book.root, options)  # (a layout is watched in final_layout)
        thieves = layout.footnote_thieves(plain.document)
        if len(thieves) == 1:
            found = html, plain, thieves
            break
    assert found is not None, "no footnote thief in the sample book's Indonesian units"
    html, plain, thieves = found
    calls, placed, _ = footnote_pages(plain.document)
    assert any(placed[f] != p for f, p in calls.items())  # the plain layout has one
    made: list[int] = []

    def counted(index, *args):  # type: ignore[no-untyped-def]
        made.append(index)
        return remake(index, *args)

    remake = layout._REMAKE_PAGE
    monkeypatch.setattr(layout, "_REMAKE_PAGE", counted)
    if not in_place:
        monkeypatch.setattr(layout, "_keep_lines", lambda root, block: False)
    laid = layout.final_layout(html, book.root, options)
    pages = len(laid.document.pages)
    if in_place:  # one layout, the thief's page made twice in a row
        assert laid.layouts == 1
        assert len(made) == pages + 1
        page = next(made[i] for i in range(1, len(made)) if made[i] == made[i - 1])
        assert made == [*range(page + 1), *range(page, pages)]
    else:  # the first layout stopped at the thief's page
        assert laid.layouts == 2
        stopped = made.index(0, 1)  # pages the first (stopped) layout made
        assert stopped < len(plain.document.pages)
        assert len(made) == stopped + pages
    calls, placed, _ = footnote_pages(laid.document)
    assert {f: p for f, p in calls.items() if placed[f] != p} == {}
    monkeypatch.setattr(layout, "_REMAKE_PAGE", remake)
    repaired = layout.layout(html, book.root, options, layout.keep_footnotes_css(thieves))
    assert laid.document.write_pdf() == repaired.document.write_pdf()


def test_long_urls_break_and_print_ready(minimal: Path, tmp_path: Path) -> None:
    chapter = minimal / "parts" / "01-alpha" / "01-trust.en.md"
    long_url = "https://example.org/" + "very-long-path-segment/" * 12 + "end"
    chapter.write_text(chapter.read_text() + f"\n\nSee {long_url} and "
                       "https://orcid.org/0000-0002-1825-0097" + "X" * 80 + ".\n")
    book, _ = load_book(minimal)
    laid = final_layout(render_print(transform_edition(book, "en")), minimal,
                        PdfOptions(trim=book.config.trim))
    assert overflowing(laid.document) == []
    result = run_cli("build", str(minimal), "--out", str(tmp_path), "--edition", "en",
                     "--format", "pdf", "--print-ready", "-q")
    assert result.returncode == 0, result.stderr
    with pikepdf.open(tmp_path / "minimal-en.pdf") as pdf:
        page = pdf.pages[0]
        media = [float(v) for v in page.MediaBox]
        trim = [float(v) for v in page.TrimBox]
    assert abs((media[2] - media[0]) - (trim[2] - trim[0]) - 6 * MM) < 0.5


@pytest.mark.parametrize("columns", [5, 8])
def test_wide_tables_stay_inside_the_page_and_keep_words_whole(minimal: Path,
                                                                columns: int) -> None:
    """Columns of long words, a URL and a code path in a table: nothing past the page (in
    any face), and up to five columns a cell breaks a word only where hyphenation may
    (never 'Waji/b'); with more, a word breaks where it must."""
    chapter = minimal / "parts" / "01-alpha" / "01-trust.en.md"
    words = ["Pertanggungjawaban", "Kesejahteraan", "Ketidakberpihakan", "Akuntabilitas",
             "Wajib", "Opsional", "Keterbukaan", "Pemberantasan"][:columns]
    url = "https://example.org/" + "segment/" * 10 + "end"
    rows = [words, [*words[4:], *words[:4]],
            [f"`/var/lib/{'x' * 60}`", url, *words[2:]]]
    table = "\n".join(["| " + " | ".join(f"Kolom {w}" for w in words) + " |",
                       "|" + "---|" * len(words),
                       *("| " + " | ".join(r) + " |" for r in rows)])
    chapter.write_text(chapter.read_text() + f"\n\nTable: Wide {{#tbl-wide}}\n\n{table}\n")
    book, _ = load_book(minimal)
    laid = final_layout(render_print(transform_edition(book, "en")), minimal,
                        PdfOptions(trim=book.config.trim))
    assert overflowing(laid.document) == []
    broken = []
    for page in laid.document.pages:
        for box in content_boxes(page):
            if (type(box).__name__ == "TextBox" and box.element_tag in ("td", "th")
                    and box.text.strip()):
                last = box.text.rstrip().split()[-1]  # a line's end in a cell
                if (any(w.startswith(last) and w != last for w in words)
                        and not last.endswith(("\u2010", "-"))):
                    broken.append(last)
    assert broken == [] or columns > 5


def test_pdf_a3u_variant(minimal: Path, tmp_path: Path) -> None:
    result = run_cli("build", str(minimal), "--out", str(tmp_path), "--edition", "id",
                     "--format", "pdf", "--pdf-variant", "pdf/a-3u", "-q")
    assert result.returncode == 0, result.stderr
    with pikepdf.open(tmp_path / "minimal-id.pdf") as pdf:
        xmp = pdf.Root.Metadata.read_bytes().decode()
        assert re.search(r"pdfaid:part[>=\"']+3", xmp)
        assert re.search(r"pdfaid:conformance[>=\"']+U", xmp)
        assert "/OutputIntents" in pdf.Root and "/PageLabels" in pdf.Root


def test_missing_font_is_a_warning(minimal: Path, tmp_path: Path,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    from bookforge.pdf import layout as pdf
    from bookforge.pdf import options

    monkeypatch.setattr(options, "missing_fonts", lambda: ("TeX Gyre Pagella",))
    book, _ = load_book(minimal)
    result = pdf.write_pdf(render_print(transform_edition(book, "id")), minimal,
                           tmp_path / "x.pdf", book.config.trim)
    assert [(d.code, d.is_error) for d in result.diagnostics] == [("font-missing", False)]
    assert "fonts-texgyre" in result.diagnostics[0].message
    assert result.pages == len(PdfReader(tmp_path / "x.pdf").pages)


# -- contributors, author ids, footnote links, contents layout -----------------------------

def section_text(path: Path, reader: PdfReader, heading: str) -> str:
    """The text of a back-matter section, from its outline entry to the next or the end."""
    tree = outline_tree(reader)
    start = next(n for n, (title, _, _) in enumerate(tree) if title == heading)
    end = tree[start + 1][1] if start + 1 < len(tree) else len(reader.pages)
    return " ".join(" ".join(page_texts(path)[tree[start][1]:end]).split())


@pytest.mark.parametrize("lang", LANGS)
def test_contributors_sorted_by_surname(built_book: Path, book: Book, lang: str) -> None:
    path = pdf_path(built_book, book, lang)
    reader = PdfReader(path)
    heading = {"id": "Daftar Kontributor", "en": "List of Contributors"}[lang]
    text = section_text(path, reader, heading)
    authors: dict[str, Any] = {}
    written: dict[str, list[str]] = {}
    for chapter in book.chapters():
        for a in chapter.version(lang).authors:
            authors.setdefault(a.name, a)
            written.setdefault(a.name, []).append(chapter.version(lang).title)
    positions = {name: text.find(name) for name in authors}
    assert [n for n, at in positions.items() if at < 0] == []
    printed = sorted(authors, key=lambda n: positions[n])
    expected = sorted(authors, key=lambda n: (sort_key(authors[n].surname, lang),
                                              sort_key(authors[n].given, lang)))
    assert printed == expected
    # family name first: "Đỗ Thị Giả Tưởng" sorts under D, before "Rosalinda Guniguni"
    assert positions["Đỗ Thị Giả Tưởng"] < positions["Rosalinda Guniguni"]
    for n, name in enumerate(printed):
        end = positions[printed[n + 1]] if n + 1 < len(printed) else len(text)
        entry = compact(text[positions[name]:end])
        assert all(compact(title) in entry for title in written[name]), name


def test_orcid_email_and_footnote_links(minimal: Path, tmp_path: Path) -> None:
    orcid = "0000-0002-1825-0097"
    for lang in LANGS:
        chapter = minimal / "parts" / "01-alpha" / f"01-trust.{lang}.md"
        chapter.write_text(chapter.read_text().replace(
            '  - name: "Siti Rekaan"\n',
            f'  - name: "Siti Rekaan"\n    orcid: "{orcid}"\n    email: "siti@example.org"\n'))
    result = run_cli("build", str(minimal), "--out", str(tmp_path), "--edition", "en",
                     "--format", "pdf", "-q")
    assert result.returncode == 0, result.stderr
    path = tmp_path / "minimal-en.pdf"
    reader = PdfReader(path)
    opener = next(kid[1] for _, _, kids in outline_tree(reader) for kid in kids
                  if kid[0] == "Trust and Social Capital")
    texts = page_texts(path)
    assert f"https://orcid.org/{orcid}" in texts[opener] and "siti@example.org" in texts[opener]
    assert f"https://orcid.org/{orcid}" in section_text(path, reader, "List of Contributors")
    uris, notes = [], []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            for annot in page.obj.get("/Annots") or []:
                action = annot.get("/A") or {}
                rect = [float(v) for v in annot.Rect]
                if "/URI" in action:
                    uris.append(str(action.URI))
                elif "-fn-" in str(annot.get("/Dest") or action.get("/D") or ""):
                    notes.append((str(annot.get("/Dest") or action.get("/D")),
                                  abs(rect[3] - rect[1])))
    assert f"https://orcid.org/{orcid}" in uris and "mailto:siti@example.org" in uris
    # every footnote call is a link with a clickable height to its note's page
    assert len(notes) >= 2 and all(height > 4 for _, height in notes)
    for dest, _ in notes:
        page = reader.get_destination_page_number(reader.named_destinations[dest])
        assert "footnote" in texts[page]


@pytest.mark.parametrize("lang", LANGS)
def test_contents_numbers_never_on_their_own_line(built_book: Path, book: Book,
                                                  lang: str) -> None:
    path = pdf_path(built_book, book, lang)
    reader = PdfReader(path)
    tree = outline_tree(reader)
    toc_page = next(page for title, page, _ in tree if title in ("Daftar Isi", "Contents"))
    body = chapter_pages(reader)[0][1]
    assert lone_numbers(path, range(toc_page, body)) == []


def lone_numbers(path: Path, pages: range) -> list[str]:
    """Lines of the contents pages with a page number but no title text: only the number,
    or a leader and the number (the drop folio at the foot of the first page aside)."""
    lone = []
    for page in pages:
        lines = [line.strip() for line in page_texts(path)[page].splitlines()]
        numbers = [line for line in lines if re.fullmatch(r"[.\s]*(\d+|[ivxlc]+)", line)]
        folio = area_text(path, page, top=False)
        if folio in numbers:
            numbers.remove(folio)
        lone += numbers
    return lone


def test_contents_numbers_stay_with_long_titles(minimal: Path, tmp_path: Path) -> None:
    """Titles of every length up to a line and a half: the number never wraps alone."""
    words = "Integrity in public service is a habit of many small and ordinary acts".split()
    template = (minimal / "parts" / "02-beta" / "01-only-english.en.md").read_text()
    for n in range(2, 26):
        title = " ".join(words * 3)[: 55 + 3 * n].rstrip()
        text = re.sub(r'^title: .*$', f'title: "{title}"', template, count=1, flags=re.M)
        (minimal / "parts" / "02-beta" / f"{n:02d}-long-{n}.en.md").write_text(text)
    book, _ = load_book(minimal)
    laid = final_layout(render_print(transform_edition(book, "en")), minimal,
                        PdfOptions(trim=book.config.trim))
    path = tmp_path / "toc.pdf"
    laid.document.write_pdf(path)
    reader = PdfReader(path)
    tree = outline_tree(reader)
    toc_page = next(page for title, page, _ in tree if title == "Contents")
    body = chapter_pages(reader)[0][1]
    assert lone_numbers(path, range(toc_page, body)) == []


@pytest.mark.parametrize("lang", LANGS)
def test_footnote_calls_never_start_a_line(layouts: dict[str, Any], lang: str) -> None:
    """The linked call stays on the line of the word it follows."""
    starts, calls = [], 0
    for index, page in enumerate(layouts[lang].document.pages):
        for box in content_boxes(page):
            if type(box).__name__ != "LineBox":
                continue
            texts = [d for d in descendants(box) if type(d).__name__ == "TextBox"
                     and d.text.strip("\u2060 ")]
            calls += sum("fn-call" in (d.element.get("class") or "") for d in texts)
            if texts and "fn-call" in (texts[0].element.get("class") or ""):
                starts.append((index, texts[0].element.get("href")))
    assert calls >= 10 and starts == []
