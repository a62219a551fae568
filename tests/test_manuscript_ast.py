"""The docx import's tree rewrite on small pandoc documents, then written with pandoc's
CommonMark writer and read back by bookforge's own Markdown parser."""

from __future__ import annotations

import json
import subprocess

import pypandoc

from bookforge.source.manuscript import WRITER
from bookforge.source.manuscript_ast import RewriteOptions, rewrite
from bookforge.transform.parse import markdown


def pandoc_ast(markdown_text: str, reader: str = "markdown") -> dict:
    out = subprocess.run([pypandoc.get_pandoc_path(), "-f", reader, "-t", "json"],
                         input=markdown_text, capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def write(ast: dict, blocks: list) -> str:
    doc = {"pandoc-api-version": ast["pandoc-api-version"], "meta": {}, "blocks": blocks}
    return subprocess.run([pypandoc.get_pandoc_path(), "-f", "json", "-t", WRITER,
                           "--wrap=none"], input=json.dumps(doc), capture_output=True,
                          text=True, check=True).stdout


OPTIONS = RewriteOptions(slug="ch", image_src=lambda src: f"../../assets/{src}",
                         cite_key=lambda key: key.upper())


def convert(markdown_text: str, title: str = "T") -> tuple[str, list[str]]:
    ast = pandoc_ast(markdown_text)
    tree = rewrite(ast, OPTIONS, title)
    return write(ast, tree.blocks), list(tree.notes)


def test_image_with_a_footnote_is_not_a_figure() -> None:
    """A paragraph holding an image and a note kept the note (it was taken as a figure)."""
    body, _ = convert("![a plan](plan.png)[^n]\n\n[^n]: Drawn by the village head.\n")
    assert "Drawn by the village head." in body
    assert "{#fig-" not in body


def test_citation_forms() -> None:
    body, _ = convert("One [see @a, p. 4; @b]. Two @c says. Three [-@d].\n")
    assert "[see @A, p. 4; @B]" in body
    assert "@C says" in body and "[-@D]" in body


def test_headings_start_at_level_two_whatever_the_document_uses() -> None:
    body, _ = convert("### Deep start\n\ntext\n\n#### Deeper\n\ntext\n")
    assert "## Deep start" in body and "### Deeper" in body


def test_table_without_header_and_with_block_cells() -> None:
    grid = """\
+-----------+-----------+
| first     | - one     |
|           | - two     |
+-----------+-----------+
| para one  | x         |
|           |           |
| para two  |           |
+-----------+-----------+
"""
    body, _ = convert(grid)
    lines = [line for line in body.splitlines() if line.startswith("|")]
    assert lines[0].split("|")[1].strip() == "first"  # the first row became the header
    assert "one; two" in lines[0] and "para one; para two" in body
    tokens = markdown(False).parse(body)
    assert [t.type for t in tokens].count("table_open") == 1


def test_merged_cells_are_split_with_a_note() -> None:
    ast = pandoc_ast("<table><tr><th colspan='2'>Both</th></tr><tr><td>a</td><td>b</td></tr>"
                     "</table>", reader="html")
    tree = rewrite(ast, OPTIONS, "T")
    body = write(ast, tree.blocks)
    assert any("merged table cells" in n for n in tree.notes)
    assert body.splitlines()[0].count("|") == 3  # two columns in every row


def test_links_bookforge_refuses_become_text_and_empty_headings_go() -> None:
    body, notes = convert("See [my notes](file:///C:/Users/rina/notes.docx) and "
                          "[the site](https://example.org).\n\n##\n\nText.\n")
    assert "See my notes and [the site](https://example.org)." in body
    assert any("file:///C:/Users/rina/notes.docx" in n for n in notes)
    assert "#" not in body.replace("https://example.org", "")
