"""`insert_markers`: page-break markers go where each printed page begins, found by the
page's first words (after the previous page's last ones), in XHTML that stays valid."""

from __future__ import annotations

from lxml import etree

from bookforge.epub.pagelist import PageMap, PageStart, insert_markers

XHTML = "http://www.w3.org/1999/xhtml"
EPUB = "http://www.idpf.org/2007/ops"


def page(body: str) -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?>\n<html xmlns="{XHTML}" '
            f'xmlns:epub="{EPUB}"><head><title>t</title></head><body>{body}</body></html>')


def markers_in(xhtml: str) -> list[tuple[str, str, str]]:
    """(id, aria-label, the text right after) of every marker, in document order."""
    root = etree.fromstring(xhtml.encode("utf-8"))
    out = []
    for span in root.iter(f"{{{XHTML}}}span"):
        if span.get(f"{{{EPUB}}}type") == "pagebreak":
            after = span.tail or ""
            if not after.strip() and span.getnext() is not None:
                after = "".join(span.getnext().itertext())
            out.append((span.get("id"), span.get("aria-label"), after.strip()[:12]))
    return out


CHAPTER = page('<section><h1>Trust</h1><p>Social capital grows from trust. Trust is '
               'tested every day, and <em>trust</em> is tested again at night.</p>'
               '<p>The second paragraph begins here.</p></section>')


def test_each_page_starts_where_its_first_words_are() -> None:
    pmap = PageMap((PageStart("7", "ch", "Social capital grows"),
                    PageStart("8", "ch", "is tested", before="tested every day, and trust"),
                    PageStart("9", "ch", "The second paragraph")), "fp")
    docs, markers = insert_markers({"ch.xhtml": CHAPTER}, pmap, {"ch": "ch.xhtml"})
    assert [(m.file_name, m.number, m.label) for m in markers] == [
        ("ch.xhtml", 1, "7"), ("ch.xhtml", 2, "8"), ("ch.xhtml", 3, "9")]
    found = markers_in(docs["ch.xhtml"])
    # the document's first page opens it, heading included; "is tested" occurs twice:
    # the previous page's last words pick the second one
    assert found == [("page-1", "7", "Trust"), ("page-2", "8", "is tested ag"),
                     ("page-3", "9", "The second p")]
    text = "".join(etree.fromstring(docs["ch.xhtml"].encode()).itertext())
    assert text == "".join(etree.fromstring(CHAPTER.encode()).itertext())  # nothing lost


def test_blank_pages_go_with_the_next_page_and_unknown_text_with_the_last() -> None:
    second = page("<section><h1>Two</h1><p>Another chapter opens.</p></section>")
    pmap = PageMap((PageStart("1", "ch", "Social capital"), PageStart("2", "", ""),
                    PageStart("3", "two", "Another chapter"),
                    PageStart("4", "two", "words the EPUB does not have"),
                    PageStart("5", "", "")), "fp")
    docs, markers = insert_markers({"ch.xhtml": CHAPTER, "two.xhtml": second}, pmap,
                                   {"ch": "ch.xhtml", "two": "two.xhtml"})
    assert [m.file_name for m in markers] == ["ch.xhtml", "two.xhtml", "two.xhtml",
                                             "two.xhtml", "two.xhtml"]
    ids = [i for i, _, _ in markers_in(docs["two.xhtml"])]
    assert ids == ["page-2", "page-3", "page-4", "page-5"]  # the blank before its page,
    # an unplaceable page at the previous marker, a trailing blank at the end


def test_top_only_documents_get_their_markers_first() -> None:
    nav = page('<nav epub:type="toc"><ol><li>Contents</li></ol></nav>')
    pmap = PageMap((PageStart("v", "toc", "Contents"),), "fp")
    docs, _ = insert_markers({"nav.xhtml": nav}, pmap, {"toc": "nav.xhtml"},
                             frozenset({"nav.xhtml"}))
    body = etree.fromstring(docs["nav.xhtml"].encode()).find(f"{{{XHTML}}}body")
    assert body[0].get("id") == "page-1" and body[0].get("role") == "doc-pagebreak"
    assert docs["nav.xhtml"].startswith('<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE html>')
