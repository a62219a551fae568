"""Manuscript fixtures for the docx import tests, made at test time.

pandoc writes the body from Markdown below (headings, lists, footnotes, a captioned table,
a captioned figure); python-docx then adds what an author's Word file carries and pandoc's
writer does not: the image's alt text, Zotero and Mendeley citation fields, a comment, a
tracked insertion and deletion, and two text boxes. All names and works are fictional.
"""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path

import docx
import pypandoc
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from PIL import Image, ImageDraw

TITLE = "Village Trust Networks in the Mekong Delta"
AUTHORS = "Rina Khayalan; Tran Van Gia Dinh"
VML_NS = "urn:schemas-microsoft-com:vml"
MC_NS = "http://schemas.openxmlformats.org/markup-compatibility/2006"
WPS_NS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
MATH_NS = "http://schemas.openxmlformats.org/officeDocument/2006/math"
CHART_NS = "http://schemas.openxmlformats.org/drawingml/2006/chart"
ALT_TEXT = "Two rectangles side by side, the left one outlined, the right one filled grey"
CAPTION = "Ties inside and across villages"
TABLE_CAPTION = "Forms of trust observed in three villages"

# The author's text, written as Markdown so pandoc can make the Word file from it.
MANUSCRIPT = f"""\
---
title: "{TITLE}"
---

Trust between neighbours is older than any cooperative. In the villages of the delta it
travels along family lines, along the canals that carry rice to the market, and through the
small favours that nobody writes down.[^lines] This chapter follows those paths through three
seasons of fieldwork and asks what a lending group can borrow from them.

# Background

The literature on social capital treats trust as a resource that a community accumulates
and spends. Farmers in the delta describe it differently: as a debt that is never fully
repaid, because repaying it would end the relationship. CITE_ONE Our interviews took place
in the dry season, when households have time to talk and the boats are repaired.

The three villages differ in size and in distance from the provincial town:

- Ấp Rạch Giả lies on the main canal and has a weekly market;
- Ấp Cồn Mẫu is an island reached by ferry twice a day;
- Ấp Bến Tưởng sits at the end of a dirt road that floods in October.

## Method

We spoke with forty-two households over three visits. Each conversation followed the same
steps:

1. a map of the household's kin in the village;
2. a list of loans given and received in the past year;
3. a walk along the canal to the places the household named.

![{CAPTION}](FIGURE_PATH)

Table: {TABLE_CAPTION}

| Village      | Households | Loans within kin | Loans across kin |
|--------------|-----------:|-----------------:|-----------------:|
| Rạch Giả     |         18 |               41 |               23 |
| Cồn Mẫu      |         11 |               29 |                6 |
| Bến Tưởng    |         13 |               35 |               12 |

# Findings

Loans across kin lines were rarer on the island, where the ferry schedule made every visit a
planned event.[^ferry] On the main canal the market brought strangers together each week and
the number of loans across families was nearly half the number within them. CITE_TWO

## Why distance matters

Distance did not reduce trust; it changed its form. Island households lent more to fewer
people, and they lent for longer. The lending group that failed there in the previous year
had asked for weekly meetings, which the ferry could not support.

# Conclusion

A lending group that follows the existing paths of trust, rather than asking people to build
new ones, has a better chance of lasting beyond its first season. The next step is to test
that claim with the cooperative that plans to open on the island next year.

# References

BIBL_START

BIBL_END

[^lines]: Family lines here include in-laws, who are often the first people asked for help.
[^ferry]: The ferry runs at six in the morning and at four in the afternoon.
"""

# Citation fields as Zotero and Mendeley write them: the CSL item travels inside the field.
ZOTERO_ITEM = {
    "id": 4101, "type": "book", "title": "Debts That Bind: Credit in River Villages",
    "author": [{"family": "Khayalan", "given": "Sari"}],
    "issued": {"date-parts": [[2019]]}, "publisher": "Penerbit Rekaan", "publisher-place": "Medan",
}
MENDELEY_ITEM = {
    "id": "ITEM-1", "type": "article-journal",
    "title": "Ferries, Markets and the Radius of Trust",
    "author": [{"family": "Contoh", "given": "Budi"}, {"family": "Rekaan", "given": "Ayu"}],
    "container-title": "Journal of Imaginary Rural Studies", "volume": "7", "page": "11-29",
    "issued": {"date-parts": [[2021]]},
}


def figure_png(path: Path) -> Path:
    image = Image.new("RGB", (240, 160), "white")
    draw = ImageDraw.Draw(image)
    draw.rectangle([20, 20, 100, 140], outline="black", width=3)
    draw.rectangle([140, 20, 220, 140], fill="grey")
    image.save(path)
    return path


BIBLIOGRAPHY = ["Contoh, B., & Rekaan, A. (2021). Ferries, markets and the radius of trust. "
                "Journal of Imaginary Rural Studies, 7, 11-29.",
                "Khayalan, S. (2019). Debts that bind: Credit in river villages. Medan: "
                "Penerbit Rekaan."]


def _run(text: str):  # type: ignore[no-untyped-def]
    run = parse_xml(f'<w:r {nsdecls("w")}><w:t xml:space="preserve"/></w:r>')
    run[0].text = text
    return run


def _fld_char(kind: str):  # type: ignore[no-untyped-def]
    return parse_xml(f'<w:r {nsdecls("w")}><w:fldChar w:fldCharType="{kind}"/></w:r>')


def _field_start(instruction: str) -> list:
    """A complex field's begin, instruction (split over two runs, as Word does with long
    instructions) and separator; its shown result and end follow."""
    half = len(instruction) // 2
    runs = [_fld_char("begin")]
    for piece in (f" {instruction[:half]}", f"{instruction[half:]} "):
        instr = parse_xml(f'<w:r {nsdecls("w")}><w:instrText xml:space="preserve"/></w:r>')
        instr[0].text = piece
        runs.append(instr)
    return [*runs, _fld_char("separate")]


def _field_runs(instruction: str, result: str) -> list:
    return [*_field_start(instruction), _run(result), _fld_char("end")]


def zotero_instruction(item: dict, shown: str) -> str:
    payload = {"citationID": "cit1", "properties": {"formattedCitation": shown,
                                                    "plainCitation": shown},
               "citationItems": [{"id": item["id"], "itemData": item}]}
    return "ADDIN ZOTERO_ITEM CSL_CITATION " + json.dumps(payload)


def mendeley_instruction(item: dict, shown: str) -> str:
    payload = {"citationItems": [{"id": item["id"], "itemData": item}],
               "properties": {"noteIndex": 0},
               "mendeley": {"formattedCitation": shown, "plainTextFormattedCitation": shown}}
    return "ADDIN CSL_CITATION " + json.dumps(payload)


def _replace_marker(document: docx.document.Document, marker: str, runs: list) -> None:
    """Put `runs` where the text `marker` stands in a paragraph (pandoc wrote it as a run)."""
    for paragraph in document.paragraphs:
        for run in paragraph.runs:
            if marker in run.text:
                before, after = run.text.split(marker, 1)
                run.text = before
                anchor = run._r
                for new in runs:
                    anchor.addnext(new)
                    anchor = new
                if after:
                    tail = copy.deepcopy(run._r)
                    tail.find(qn("w:t")).text = after
                    anchor.addnext(tail)
                return
    raise AssertionError(f"marker {marker} not in the document")


def _paragraph_with(document: docx.document.Document, text: str):  # type: ignore[no-untyped-def]
    return next(p for p in document.paragraphs if text in p.text)


def _add_tracked_change(document: docx.document.Document) -> None:
    paragraph = _paragraph_with(document, "The next step is to test")
    w = nsdecls("w")
    paragraph._p.append(parse_xml(
        f'<w:ins {w} w:id="901" w:author="Editor Rekaan" w:date="2026-01-05T10:00:00Z">'
        '<w:r><w:t xml:space="preserve"> We thank the ferry crews.</w:t></w:r></w:ins>'))
    paragraph._p.append(parse_xml(
        f'<w:del {w} w:id="902" w:author="Editor Rekaan" w:date="2026-01-05T10:01:00Z">'
        '<w:r><w:delText xml:space="preserve"> A sentence the editor struck.</w:delText>'
        '</w:r></w:del>'))


def _add_text_boxes(document: docx.document.Document) -> None:
    """An old-style (VML) text box, and a modern one as Word 2010+ writes it: DrawingML
    with a VML copy in mc:Fallback."""
    paragraph = _paragraph_with(document, "Distance did not reduce trust")
    paragraph._p.append(parse_xml(
        f'<w:r {nsdecls("w")} xmlns:v="{VML_NS}"><w:pict><v:shape style="width:200pt;'
        'height:40pt"><v:textbox><w:txbxContent><w:p><w:r><w:t>A side note in a floating '
        'box.</w:t></w:r></w:p></w:txbxContent></v:textbox></v:shape></w:pict></w:r>'))
    box = ('<w:txbxContent><w:p><w:r><w:t>The ferry timetable, pinned by the landing.</w:t>'
           '</w:r></w:p></w:txbxContent>')
    paragraph = _paragraph_with(document, "Loans across kin lines were rarer")
    paragraph._p.insert(1, parse_xml(
        f'<w:r {nsdecls("w", "wp", "a")} xmlns:mc="{MC_NS}" xmlns:wps="{WPS_NS}" '
        f'xmlns:v="{VML_NS}"><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing>'
        '<wp:anchor><wp:extent cx="914400" cy="457200"/><wp:docPr id="80" name="Text Box 1"/>'
        f'<a:graphic><a:graphicData uri="{WPS_NS}"><wps:wsp><wps:txbx>{box}</wps:txbx>'
        '</wps:wsp></a:graphicData></a:graphic></wp:anchor></w:drawing></mc:Choice>'
        f'<mc:Fallback><w:pict><v:shape><v:textbox>{box}</v:textbox></v:shape></w:pict>'
        '</mc:Fallback></mc:AlternateContent></w:r>'))


def make_manuscript(folder: Path, name: str = "manuscript.docx", *, authors: str = AUTHORS,
                    title_property: bool = True) -> Path:
    """The full manuscript: every feature the importer carries over or warns about."""
    folder.mkdir(parents=True, exist_ok=True)
    png = figure_png(folder / "figure-source.png")
    markdown = MANUSCRIPT.replace("FIGURE_PATH", png.name)
    if not title_property:  # the title then only survives as the first heading
        markdown = markdown.replace(f'---\ntitle: "{TITLE}"\n---\n', f"# {TITLE}\n")
    source = folder / "manuscript-source.md"
    source.write_text(markdown, encoding="utf-8")
    target = folder / name
    subprocess.run([pypandoc.get_pandoc_path(), source.name, "-o", target.name],
                   cwd=folder, check=True)

    document = docx.Document(str(target))
    props = document.core_properties
    props.author = authors
    if not title_property:
        props.title = ""
    for doc_pr in document.element.body.iter(qn("wp:docPr")):
        doc_pr.set("descr", ALT_TEXT)
    _replace_marker(document, "CITE_ONE",
                    _field_runs(zotero_instruction(ZOTERO_ITEM, "(Khayalan 2019)"),
                                "(Khayalan 2019)"))
    _replace_marker(document, "CITE_TWO",
                    _field_runs(mendeley_instruction(MENDELEY_ITEM, "(Contoh and Rekaan 2021)"),
                                "(Contoh and Rekaan 2021)"))
    # The reference list Zotero keeps in a field that spans two paragraphs.
    bibl = ('ADDIN ZOTERO_BIBL {"uncited":[],"omitted":[],"custom":[]} CSL_BIBLIOGRAPHY')
    _replace_marker(document, "BIBL_START", [*_field_start(bibl), _run(BIBLIOGRAPHY[0])])
    _replace_marker(document, "BIBL_END", [_run(BIBLIOGRAPHY[1]), _fld_char("end")])
    commented = _paragraph_with(document, "Our interviews took place").runs[-1]
    document.add_comment(commented, text="Which year?", author="Editor Rekaan")
    _add_tracked_change(document)
    _add_text_boxes(document)
    document.save(str(target))
    return target


def make_plain_docx(path: Path, title: str, paragraphs: list[str], author: str = "",
                    keywords: str = "") -> Path:
    """A small Word file written by python-docx alone: properties and paragraphs."""
    document = docx.Document()
    document.core_properties.title = title
    document.core_properties.author = author
    document.core_properties.keywords = keywords
    for text in paragraphs:
        document.add_paragraph(text)
    path.parent.mkdir(parents=True, exist_ok=True)
    document.save(str(path))
    return path


def _internal_link(text: str, anchor: str):  # type: ignore[no-untyped-def]
    link = parse_xml(f'<w:hyperlink {nsdecls("w")} w:anchor="{anchor}"/>')
    link.append(_run(text))
    return link


def _add_contents_line(document: docx.document.Document, text: str, anchor: str) -> None:
    """A line of Word's table of contents: a link to the heading's `_Toc` bookmark."""
    document.add_paragraph()._p.append(_internal_link(text, anchor))


def _bookmarked(paragraph, name: str):  # type: ignore[no-untyped-def]
    w = nsdecls("w")
    paragraph._p.insert(1, parse_xml(f'<w:bookmarkStart {w} w:id="7{len(name)}" '
                                     f'w:name="{name}"/>'))
    paragraph._p.append(parse_xml(f'<w:bookmarkEnd {w} w:id="7{len(name)}"/>'))
    return paragraph


def make_word_style_docx(folder: Path) -> Path:
    """A manuscript as Word itself builds one (python-docx, its default template): a title
    property, an Abstract section with keywords, a table of contents linking to bookmarked
    headings, Heading 1/2, a TIFF picture without alt text, "Caption" paragraphs that number
    the figure and the table the way Word's Insert Caption does, and a link to a heading."""
    folder.mkdir(parents=True, exist_ok=True)
    tiff = folder / "river.tif"
    Image.new("RGB", (90, 60), (40, 90, 160)).save(tiff)
    document = docx.Document()
    document.core_properties.title = "Reading the River: Notes from a Ferry Landing"
    document.core_properties.author = "Dewi Angan-Angan"
    document.add_heading("Abstract", 1)
    document.add_paragraph("A morning at a ferry landing, read as a record of who trusts "
                           "whom.")
    document.add_paragraph("Keywords: ferries; rivers, trust")
    _add_contents_line(document, "Introduction", "_Toc1")
    _add_contents_line(document, "Who waits", "_Toc2")
    _bookmarked(document.add_heading("Introduction", 1), "_Toc1")
    document.add_paragraph("The landing wakes before the town does. Vendors set out their "
                           "baskets while the first ferry is still a light on the water.")
    document.add_picture(str(tiff))
    document.add_paragraph("Figure 1: The landing at dawn", style="Caption")
    _bookmarked(document.add_heading("Who waits", 2), "_Toc2")
    document.add_paragraph("Table 1: People waiting on three mornings", style="Caption")
    table = document.add_table(rows=3, cols=2)
    for r, row in enumerate([("Morning", "People"), ("Monday", "31"), ("Friday", "54")]):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    document.add_paragraph("Friday is market day, and the queue reaches the road.")
    formula = document.add_paragraph("The waiting area is ")
    formula._p.append(parse_xml(
        f'<m:oMath xmlns:m="{MATH_NS}"><m:r><m:t>A=π</m:t></m:r><m:sSup><m:e><m:r>'
        '<m:t>r</m:t></m:r></m:e><m:sup><m:r><m:t>2</m:t></m:r></m:sup></m:sSup></m:oMath>'))
    chart = document.add_paragraph("Queue lengths over the year: ")
    chart._p.append(parse_xml(
        f'<w:r {nsdecls("w", "wp", "a", "r")}><w:drawing><wp:inline><wp:extent cx="914400" '
        'cy="914400"/><wp:docPr id="90" name="Chart 1"/><a:graphic><a:graphicData '
        f'uri="{CHART_NS}"><c:chart xmlns:c="{CHART_NS}" r:id="rId999"/></a:graphicData>'
        '</a:graphic></wp:inline></w:drawing></w:r>'))
    link = document.add_paragraph("As said in ")
    link._p.append(_internal_link("the introduction", "_Toc1"))
    target = folder / "word-style.docx"
    document.save(str(target))
    return target
