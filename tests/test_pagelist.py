"""The EPUB page-list stage (epub/pagelist.py) on small layouts: where a printed page
begins, read from WeasyPrint's boxes, and the marker put at the same words in the EPUB."""

from __future__ import annotations

import weasyprint
from lxml import etree

from bookforge.epub.pagelist import XHTML_NS, insert_markers, normalise, page_map

PRINT = """<html><head><style>@page { size: 120mm 80mm; margin: 10mm; }
.footnote { float: footnote; }</style></head><body>
<section id="ch"><p>Volunteers who overstep their competence need written roles.</p>
<p style="break-before: page">their evaluation.<a class="fn-call" href="#n2">\u20602</a>\u2060<span
class="footnote" id="n2">The law devotes a chapter to it.</span> What is missing is an
obligation to respond.</p></section></body></html>"""

EPUB = f"""<html xmlns="{XHTML_NS}" xmlns:epub="http://www.idpf.org/2007/ops"><body>
<section><p>Volunteers who overstep their competence need written roles.</p>
<p>their evaluation.<a epub:type="noteref" href="#n2">2</a> What is missing is an
obligation to respond.</p></section></body></html>"""


def test_a_page_beginning_with_a_footnote_call_is_found_after_it() -> None:
    """A page whose first line carries a footnote call: the call's number is no word of
    the EPUB text, so the page's first words must leave it out. With it ("evaluation.2")
    the marker went to the first "their" of the chapter, a page too early."""
    document = weasyprint.HTML(string=PRINT).render()
    assert len(document.pages) == 2
    pmap = page_map(document, frozenset({"ch"}), ["1", "2"], "test")
    assert normalise(pmap.pages[1].text).startswith("their evaluation. what is missing")
    docs, markers = insert_markers({"ch.xhtml": EPUB}, pmap, {"ch": "ch.xhtml"})
    assert [m.label for m in markers] == ["1", "2"]
    root = etree.fromstring(docs["ch.xhtml"].encode())
    marker = root.find(f".//{{{XHTML_NS}}}span[@id='page-2']")
    assert marker is not None
    assert (marker.tail or "").startswith("their evaluation.")
