"""The terminology engine on the `terms` fixture: matching rules, first-use glosses, links,
forced and suppressed terms, gloss styles, terminology QA and the glossary export."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from lxml import etree

from bookforge.check import check
from bookforge.i18n import Localizer
from bookforge.publish.termbase import to_csv, to_tbx
from bookforge.render.backmatter import page_ranges
from bookforge.render.markdown import RenderContext, render_body
from bookforge.source.glossary import load_glossary
from bookforge.source.load import load_book
from bookforge.transform import transform_edition
from bookforge.transform.model import Document, EditionContent, TermUse

from .conftest import FIXTURES, run_cli

TERMS = FIXTURES / "terms"


def edition(book_dir: Path, lang: str) -> EditionContent:
    book, _ = load_book(book_dir)
    return transform_edition(book, lang)


def doc(content: EditionContent, slug: str) -> Document:
    return next(d for d in content.documents if d.doc_id.endswith(slug))


def html(content: EditionContent, d: Document, target: str = "print") -> str:
    ctx = RenderContext(target=target, loc=Localizer(content.lang), labels=content.labels,
                        href_for=lambda label, doc: f"#{label.id}", resource_url=lambda p: p)
    return render_body(d, ctx)


def linked(page: str) -> list[str]:
    """The text of every term link, in order."""
    return re.findall(r'<a class="term"[^>]*>(.*?)</a>', page)


@pytest.fixture(scope="module")
def id_rules() -> tuple[EditionContent, Document]:
    content = edition(TERMS, "id")
    return content, doc(content, "01-rules")


def test_longest_match_variants_and_capitals(id_rules) -> None:  # type: ignore[no-untyped-def]
    content, d = id_rules
    keys = [u.key for u in d.term_uses]
    # "Kepercayaan publik" is one use of the longer term, not "kepercayaan" + text
    assert keys[0] == "kepercayaan publik"
    assert linked(html(content, d))[:3] == ["Kepercayaan publik", "Modal sosial",
                                             "Kepercayaannya"]
    kepercayaan = [u for u in d.term_uses if u.key == "kepercayaan"]
    assert len(kepercayaan) == 2 and kepercayaan[0].glossed  # the variant counts as a use


def test_links_code_alt_headings_references_and_noterm_are_skipped(id_rules) -> None:  # type: ignore[no-untyped-def]
    content, d = id_rules
    page = html(content, d)
    assert linked(page).count("kepercayaan") == 0  # link text, code, alt, noterm
    assert "Kepercayaan" in linked(page)  # "Kepercayaan muncul lagi"
    assert '<span class="noterm">kepercayaan</span>' in page
    assert "<code>kepercayaan</code>" in page
    assert re.search(r'<h2[^>]*>\s*Kepercayaan di Subjudul</h2>', page)
    assert "<em>Kepercayaan</em>" in page  # the references section


def test_first_use_glossed_once_and_never_doubled(id_rules) -> None:  # type: ignore[no-untyped-def]
    content, d = id_rules
    page = html(content, d)
    assert ('Kepercayaan publik</a><span class="gloss"> (<i lang="en">public trust</i>)'
            '</span>') in page
    # the author glossed "modal sosial" already: no second "(social capital)"
    assert page.count("social capital") == 1
    modal = [u for u in d.term_uses if u.key == "modal sosial"]
    assert len(modal) == 2 and not any(u.glossed for u in modal)
    assert sum(u.glossed for u in d.term_uses if u.key == "kepercayaan publik") == 1


def test_every_use_links_with_an_id(id_rules) -> None:  # type: ignore[no-untyped-def]
    content, d = id_rules
    page = html(content, d)
    for use in d.term_uses:
        anchor = "term-" + re.sub(r"[^a-z]+", "-", use.key)
        assert f'id="{use.id}" href="#{anchor}"' in page
    epub = html(content, d, "epub")
    assert 'href="glossary.xhtml#term-kepercayaan-publik" role="doc-glossref"' in epub
    assert '<i lang="en" xml:lang="en">public trust</i>' in epub


def test_forced_term_and_unknown_key(id_rules, fixture_book: Callable[[str], Path]) -> None:  # type: ignore[no-untyped-def]
    content, d = id_rules
    forced = [u for u in d.term_uses if u.key == "tata kelola"]
    assert len(forced) == 1 and forced[0].line == 16 and forced[0].glossed
    assert ">pengelolaan</a><span class=\"gloss\"> (<i lang=\"en\">governance</i>)" in html(
        content, d)
    book = fixture_book("terms")
    path = book / "parts/01-rules/02-more.id.md"
    path.write_text(path.read_text() + "\n[uang]{.term key=\"tidak ada\"} di sini.\n")
    diags = edition(book, "id").diagnostics
    assert any(x.code == "term-unknown" and x.line == 9 and "tidak ada" in x.message
               for x in diags)


def test_english_edition_glosses_with_indonesian() -> None:
    content = edition(TERMS, "en")
    d = doc(content, "01-rules")
    page = html(content, d)
    assert 'Public trust</a><span class="gloss"> (<i lang="id">kepercayaan publik</i>)' in page
    assert [u.key for u in d.term_uses] == ["kepercayaan publik", "kepercayaan",
                                            "tata kelola", "kepercayaan"]


@pytest.mark.parametrize(("style", "second_chapter_glossed"), [
    ("first-per-chapter", 1), ("first-per-volume", 0), ("off", 0)])
def test_gloss_styles(fixture_book: Callable[[str], Path], style: str,
                      second_chapter_glossed: int) -> None:
    book = fixture_book("terms")
    toml = book / "book.toml"
    toml.write_text(toml.read_text().replace('"first-per-chapter"', f'"{style}"'))
    content = edition(book, "id")
    second = doc(content, "02-more")
    assert len(second.term_uses) == 2  # every use is still linked
    assert sum(u.glossed for u in second.term_uses) == second_chapter_glossed
    first_glossed = sum(u.glossed for u in doc(content, "01-rules").term_uses)
    assert (first_glossed == 0) == (style == "off")


def test_page_ranges_merge_consecutive_pages() -> None:
    uses = [TermUse("k", f"u{n}", "ch", 1) for n in range(7)]
    pages = {"u0": 11, "u1": 12, "u2": 12, "u3": 13, "u4": 20, "u5": 22, "u6": 23}
    ranges = [(r.href, r.end_href) for r in page_ranges(uses, pages)]
    assert ranges == [("#u0", "#u3"), ("#u4", ""), ("#u5", "#u6")]
    front = [TermUse("k", "f0", "front-x", 1), *uses[:1]]
    split = page_ranges(front, {"f0": 10, "u0": 11}, frozenset({"front-x"}))
    assert [(r.href, r.end_href, r.front) for r in split] == [("#f0", "", True),
                                                              ("#u0", "", False)]


def test_check_reports_terminology(fixture_book: Callable[[str], Path]) -> None:
    diags = [d for d in check(TERMS) if d.code.startswith(("term", "glossary"))]
    shown = [d.format() for d in diags]
    assert ("parts/01-rules/01-rules.id.md:9:1: warning[term-mismatch]: modal sosial: 2 in "
            "01-rules.id.md, social capital: 0 in 01-rules.en.md") in shown
    assert ("parts/01-rules/01-rules.id.md:16:1: warning[glossary-suggestion]: "
            "*good governance* at line 16 is not in the glossary") in shown
    unused = sorted(d.message.split("'")[1] for d in diags if d.code == "glossary-unused")
    assert unused == ["bank sentral", "ekonomi"]  # "perekonomian", "ekonomi-nya" are not uses
    # fixing the English chapter silences the mismatch
    book = fixture_book("terms")
    en = book / "parts/01-rules/01-rules.en.md"
    en.write_text(en.read_text() + "\nSocial capital helps.\n")
    assert not [d for d in check(book) if d.code == "term-mismatch"]


def test_check_cli_prints_terminology_warnings() -> None:
    result = run_cli("check", str(TERMS))
    assert result.returncode == 0, result.stderr
    assert "warning[term-mismatch]: modal sosial: 2 in 01-rules.id.md" in result.stderr


# -- export -------------------------------------------------------------------------------

XML_NS = "http://www.w3.org/XML/1998/namespace"
TBX_RNG = """\
<grammar xmlns="http://relaxng.org/ns/structure/1.0" ns="urn:iso:std:iso:30042:ed-2"
         datatypeLibrary="http://www.w3.org/2001/XMLSchema-datatypes">
  <start><element name="tbx">
    <attribute name="type"><value>TBX-Basic</value></attribute>
    <attribute name="style"><value>dca</value></attribute>
    <attribute name="lang" ns="XMLNS"><data type="language"/></attribute>
    <element name="tbxHeader"><element name="fileDesc"><element name="sourceDesc">
      <oneOrMore><element name="p"><text/></element></oneOrMore>
    </element></element></element>
    <element name="text"><element name="body">
      <oneOrMore><element name="conceptEntry">
        <attribute name="id"><data type="ID"/></attribute>
        <oneOrMore><element name="langSec">
          <attribute name="lang" ns="XMLNS"><data type="language"/></attribute>
          <zeroOrMore><element name="descrip">
            <attribute name="type"><value>definition</value></attribute><text/>
          </element></zeroOrMore>
          <oneOrMore><element name="termSec">
            <element name="term">
              <data type="string"><param name="minLength">1</param></data>
            </element>
            <element name="termNote">
              <attribute name="type"><value>administrativeStatus</value></attribute>
              <choice><value>preferredTerm-admn-sts</value><value>admittedTerm-admn-sts</value></choice>
            </element>
          </element></oneOrMore>
        </element></oneOrMore>
      </element></oneOrMore>
    </element></element>
  </element></start>
</grammar>
"""


def test_tbx_export_is_valid_tbx_basic(tmp_path: Path) -> None:
    out = tmp_path / "g.tbx"
    result = run_cli("glossary", "export", str(TERMS), "--format", "tbx", "--out", str(out))
    assert result.returncode == 0, result.stderr
    tree = etree.parse(str(out))  # well-formed
    schema = etree.RelaxNG(etree.fromstring(TBX_RNG.replace("XMLNS", XML_NS).encode()))
    assert schema.validate(tree), schema.error_log
    ns = {"t": "urn:iso:std:iso:30042:ed-2", "xml": "http://www.w3.org/XML/1998/namespace"}
    glossary, _ = load_glossary(TERMS / "glossary.csv", TERMS)
    concepts = tree.findall(".//t:conceptEntry", ns)
    assert len(concepts) == len(glossary.terms)
    first = concepts[0]
    id_sec = first.find("t:langSec[@xml:lang='id']", ns)
    terms = [t.text for t in id_sec.findall(".//t:term", ns)]
    assert terms == ["kepercayaan", "kepercayaannya"]
    assert first.find("t:langSec[@xml:lang='en']/t:termSec/t:term", ns).text == "trust"
    assert id_sec.find("t:descrip", ns).text.startswith("Keyakinan")


def test_csv_export_round_trips(tmp_path: Path) -> None:
    glossary, _ = load_glossary(TERMS / "glossary.csv", TERMS)
    text = to_csv(glossary)
    assert text == (TERMS / "glossary.csv").read_text(encoding="utf-8")
    copy = tmp_path / "glossary.csv"
    copy.write_text(text, encoding="utf-8")
    again, diags = load_glossary(copy, tmp_path)
    assert not diags and again.terms == glossary.terms
    rows = list(csv.reader(io.StringIO(to_csv(again))))
    assert rows[0][0] == "id" and len(rows) == len(glossary.terms) + 1
    assert etree.fromstring(to_tbx(again, "x")) is not None


def test_export_reports_a_bad_glossary(fixture_book: Callable[[str], Path]) -> None:
    book = fixture_book("terms")
    (book / "glossary.csv").write_text("term,translation\n", encoding="utf-8")
    result = run_cli("glossary", "export", str(book), "--format", "tbx")
    assert result.returncode == 1
    assert "glossary.csv:1:1: error[glossary-header]" in result.stderr
    assert "Traceback" not in result.stderr
