"""Generated chapters (hypothesis): nested lists, tables, footnotes, links of every kind,
inline HTML, code, headings at any level, words in the region's scripts and very long
words. For each: no traceback from transform and render, well-formed EPUB XHTML, and every
word of the source in the EPUB's text. A small bounded subset is built for real (check,
PDF and EPUB) and must pass EPUBCheck 0/0. `make fuzz` runs many more (BOOKFORGE_FUZZ_
EXAMPLES, BOOKFORGE_FUZZ_BUILDS) and prints how many inputs it tried."""

from __future__ import annotations

import os
import shutil
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from lxml import etree

from bookforge.check import check
from bookforge.pipeline.driver import BuildOptions, build
from bookforge.render import render_epub, render_print
from bookforge.source.load import load_book
from bookforge.transform import transform_edition

from .conftest import FIXTURES
from .test_outputs import epubcheck_messages

EXAMPLES = int(os.environ.get("BOOKFORGE_FUZZ_EXAMPLES", "25"))
BUILDS = int(os.environ.get("BOOKFORGE_FUZZ_BUILDS", "2"))
TARGET = "parts/02-beta/01-only-english.en.md"
FRONT_MATTER = ('---\ntitle: "A Generated Chapter"\nauthors:\n  - name: "Fuzz Rekaan"\n'
                'abstract: "Generated."\nkeywords: [generated]\n---\n\n')
TRIED = {"render": 0, "build": 0}
# Shrinking a failure of a whole book build can take many minutes: on request only.
PHASES = tuple(Phase) if os.environ.get("BOOKFORGE_FUZZ_SHRINK") else tuple(
    p for p in Phase if p is not Phase.shrink)


def letters(first: int, last: int) -> str:
    return "".join(chr(c) for c in range(first, last + 1)
                   if unicodedata.category(chr(c)).startswith("L"))


SCRIPTS = {
    "thai": letters(0x0E01, 0x0E2E),
    "khmer": letters(0x1780, 0x17A2),
    "myanmar": letters(0x1000, 0x102A),
    "lao": letters(0x0E81, 0x0EAE),
    "javanese": letters(0xA984, 0xA9B2),
    "jawi": "ابتثجحخدذرزسشصضطظعغفقكلمنوهيڤچڠݢۏڽ",
    "vietnamese": ("aăâbcdđeêghiklmnoôơpqrstuưvxyàảãáạằẳẵắặầẩẫấậèẻẽéẹềểễếệìỉĩíịòỏõóọ"
                   "ồổỗốộờởỡớợùủũúụừửữứựỳỷỹýỵ"),
    "latin": "abcdefghijklmnopqrstuvwxyz",
}

word = st.one_of(
    *[st.text(alphabet=chars, min_size=1, max_size=12) for chars in SCRIPTS.values()],
    st.text(alphabet=SCRIPTS["latin"], min_size=60, max_size=400),  # very long words
)


@dataclass
class Piece:
    markdown: str
    words: tuple[str, ...] = ()  # words that must appear in the EPUB's text


def words_piece(ws: list[str]) -> Piece:
    return Piece(" ".join(ws), tuple(ws))


@st.composite
def inline(draw: st.DrawFn) -> Piece:
    ws = draw(st.lists(word, min_size=1, max_size=4))
    text = " ".join(ws)
    kind = draw(st.sampled_from([
        "plain", "em", "strong", "code", "link-frag", "link-missing-frag", "link-chapter",
        "link-chapter-any-lang", "link-missing-file", "link-http", "link-mailto",
        "html-allowed", "html-refused", "html-script", "footnote", "html-unclosed",
        "html-crossed", "xref-section", "link-generated-slug", "specials", "html-entity"]))
    md = {
        "plain": text, "em": f"*{text}*", "strong": f"**{text}**", "code": f"`{text}`",
        "link-frag": f"[{text}](#sec-one)", "link-missing-frag": f"[{text}](#nowhere)",
        "link-chapter": f"[{text}](../01-alpha/01-trust.en.md#alpha-framework)",
        "link-chapter-any-lang": f"[{text}](../01-alpha/01-trust.md)",
        "link-missing-file": f"[{text}](ch07-missing.html#x)",
        "link-http": f"[{text}](https://example.org/{len(text)})",
        "link-mailto": f"[{text}](mailto:someone@example.org)",
        "html-allowed": f'<span class="x" lang="th">{text}</span> H<sub>{text}</sub>',
        "html-refused": f'<u onclick="alert(1)">{text}</u> <font>{text}</font>',
        "html-script": f"{text} <script>alert('{len(text)}')</script>",
        "footnote": f"{text}[^n{len(text)}]",
        "html-unclosed": f"<span><kbd>{text}</kbd>",
        "html-crossed": f"<span>*{text}</span>* <sup>**{text}</sup>**",
        "xref-section": f"{text} [](#sec-one)",
        "link-generated-slug": f"[{text}](#{ws[0]})",
        "specials": f"{text} & < > 5 * 3 \\ {{#x}} [^nope]",
        "html-entity": f"{text} &amp; &#x41; &nbsp; &bogus;",
    }[kind]
    return Piece(md, tuple(ws))


@st.composite
def paragraph(draw: st.DrawFn) -> Piece:
    parts = draw(st.lists(inline(), min_size=1, max_size=6))
    return Piece(" ".join(p.markdown for p in parts), tuple(w for p in parts for w in p.words))


@st.composite
def heading(draw: st.DrawFn) -> Piece:
    level = draw(st.integers(1, 6))
    ws = draw(st.lists(word, min_size=1, max_size=3))
    ident = draw(st.sampled_from(["", " {#sec-one}", " {#sec-two}"]))
    return Piece("#" * level + " " + " ".join(ws) + ident, tuple(ws))


@st.composite
def nested_list(draw: st.DrawFn) -> Piece:
    items = draw(st.lists(st.tuples(st.integers(0, 7), paragraph()), min_size=1, max_size=8))
    lines, depth, ws = [], 0, []
    for want, para in items:
        depth = min(want, depth + 1)
        marker = draw(st.sampled_from(["-", "1."]))
        lines.append("   " * depth + f"{marker} {para.markdown}")
        ws += para.words
    return Piece("\n".join(lines), tuple(ws))


@st.composite
def table(draw: st.DrawFn) -> Piece:
    cols = draw(st.integers(1, 4))
    rows = draw(st.lists(st.lists(word, min_size=cols, max_size=cols), min_size=1, max_size=6))
    head = "| " + " | ".join(f"h{i}" for i in range(cols)) + " |"
    sep = "|" + "|".join("---" for _ in range(cols)) + "|"
    body = ["| " + " | ".join(r) + " |" for r in rows]
    return Piece("\n".join([head, sep, *body]), tuple(w for r in rows for w in r))


@st.composite
def code(draw: st.DrawFn) -> Piece:
    lang = draw(st.sampled_from(["python", "rust", "javascript", "", "no-such-lang"]))
    lines = draw(st.lists(st.lists(word, min_size=1, max_size=8), min_size=1, max_size=5))
    text = "\n".join("    " * (i % 3) + " ".join(ws) for i, ws in enumerate(lines))
    return Piece(f"```{lang}\n{text}\n```", tuple(w for ws in lines for w in ws))


@st.composite
def html_block(draw: st.DrawFn) -> Piece:
    para = draw(paragraph())
    tag = draw(st.sampled_from(["div", "section", "details", "table", "span", "p"]))
    # Markdown inside an HTML block is text (CommonMark): a footnote call there calls nothing
    text = para.markdown.replace("[^n", "[^in-html-")
    return Piece(f'<{tag} class="x">\n{text}\n</{tag}>', ())


@st.composite
def quote(draw: st.DrawFn) -> Piece:
    depth = draw(st.integers(1, 30))
    para = draw(paragraph())
    return Piece(">" * depth + " " + para.markdown, para.words)


block = st.one_of(paragraph(), heading(), nested_list(), table(), code(), html_block(),
                  quote())


@st.composite
def chapter(draw: st.DrawFn) -> Piece:
    blocks = draw(st.lists(block, min_size=1, max_size=10))
    body = "\n\n".join(b.markdown for b in blocks)
    ws = [w for b in blocks for w in b.words]
    notes = sorted({int(n) for n in __import__("re").findall(r"\[\^n(\d+)\]", body)})
    for n in notes:
        note = draw(paragraph())
        body += f"\n\n[^n{n}]: {note.markdown}"
        ws += note.words
    return Piece(body + "\n", tuple(ws))


def make_book(root: Path, body: str) -> Path:
    book = root / "book"
    shutil.copytree(FIXTURES / "minimal", book)
    (book / TARGET).write_text(FRONT_MATTER + body, encoding="utf-8")
    return book


def epub_text(pages: list) -> str:  # type: ignore[type-arg]
    text = []
    for page in pages:
        root = etree.fromstring(page.xhtml.encode("utf-8"))  # well-formed, or this raises
        ids = root.xpath("//@id")
        assert len(ids) == len(set(ids)), (page.file_name, sorted(ids))
        # "".join: a highlighted word is split over spans; a space would cut it in two
        text.append("".join(root.itertext()))
    return " ".join(text)


def missing_words(words: tuple[str, ...], text: str) -> list[str]:
    return [w for w in words if w not in text]


@settings(max_examples=EXAMPLES, deadline=None, derandomize=EXAMPLES <= 25, phases=PHASES,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(chapter())
def test_generated_chapters_render(piece: Piece) -> None:
    TRIED["render"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        book_dir = make_book(Path(tmp), piece.markdown)
        book, _ = load_book(book_dir)
        content = transform_edition(book, "en")
        render_print(content)
        pages = render_epub(content)
        assert missing_words(piece.words, epub_text(pages)) == []
        transform_edition(book, "id")


@pytest.mark.slow  # a whole build and EPUBCheck per example: about 45 s each
@settings(max_examples=BUILDS, deadline=None, derandomize=BUILDS <= 3, phases=PHASES,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(chapter())
def test_generated_chapters_build_and_pass_epubcheck(piece: Piece) -> None:
    TRIED["build"] += 1
    with tempfile.TemporaryDirectory() as tmp:
        book_dir = make_book(Path(tmp), piece.markdown)
        # errors the generator can cause on purpose: two headings with one {#id}, and an
        # empty link to a section id no heading has
        expected = {"duplicate-id", "xref-unknown"}
        diags = check(book_dir)
        assert {d.code for d in diags if d.is_error} <= expected, [d.format() for d in diags]
        out = Path(tmp) / "out"
        result = build(book_dir, BuildOptions(editions=("en",), out_dir=out, jobs=1))
        assert {d.code for d in result.diagnostics if d.is_error} <= expected
        epub = out / "minimal-en.epub"
        assert epubcheck_messages(epub) == []
        with zipfile.ZipFile(epub) as z:
            text = " ".join("".join(etree.fromstring(z.read(n)).itertext())
                            for n in z.namelist() if n.endswith(".xhtml"))
        assert missing_words(piece.words, text) == []


def test_zz_report_how_many_inputs_were_tried() -> None:
    """Printed with `pytest -s` (make fuzz): how many generated chapters ran."""
    print(f"\nfuzz: tried {TRIED['render']} generated chapters through transform and render, "
          f"{TRIED['build']} through check, PDF, EPUB and EPUBCheck")
    assert TRIED["render"] == 0 or TRIED["render"] >= min(EXAMPLES, 1)
