"""Glossary export for translators: a `Glossary` -> TBX-Basic (ISO 30042:2019, DCA style)
or CSV in the `glossary.csv` format (which loads back to the same terms)."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from lxml import etree

from ..errors import GlossaryError, error, raise_if_errors
from ..model import Glossary, Term
from ..source.config import load_config
from ..source.glossary import HEADER, LANGS, load_glossary

TBX_NS = "urn:iso:std:iso:30042:ed-2"
XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
FORMATS = ("tbx", "csv")


def to_csv(glossary: Glossary) -> str:
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(HEADER)
    for t in glossary.terms:
        writer.writerow([t.forms["id"], t.forms["en"], t.definitions["id"],
                         t.definitions["en"], "|".join(t.variants["id"]),
                         "|".join(t.variants["en"])])
    return buf.getvalue()


def _el(parent: etree._Element, tag: str, text: str | None = None,
        **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{TBX_NS}}}{tag}", attrs)
    if text is not None:
        el.text = text
    return el


def _term_sec(lang_sec: etree._Element, text: str, status: str) -> None:
    sec = _el(lang_sec, "termSec")
    _el(sec, "term", text)
    _el(sec, "termNote", status, type="administrativeStatus")


def _concept(body: etree._Element, n: int, term: Term) -> None:
    concept = _el(body, "conceptEntry", id=f"c{n}")
    for lang in LANGS:
        lang_sec = _el(concept, "langSec", **{XML_LANG: lang})
        _el(lang_sec, "descrip", term.definitions[lang], type="definition")
        _term_sec(lang_sec, term.forms[lang], "preferredTerm-admn-sts")
        for variant in term.variants[lang]:
            _term_sec(lang_sec, variant, "admittedTerm-admn-sts")


def to_tbx(glossary: Glossary, title: str) -> bytes:
    """The glossary as a TBX-Basic document: one conceptEntry per row, a langSec per
    language with the definition, the term (preferred) and its variants (admitted)."""
    root = etree.Element(f"{{{TBX_NS}}}tbx", {"type": "TBX-Basic", "style": "dca",
                                              XML_LANG: LANGS[0]}, nsmap={None: TBX_NS})
    header = _el(root, "tbxHeader")
    file_desc = _el(header, "fileDesc")
    source = _el(file_desc, "sourceDesc")
    _el(source, "p", f"{title}: glossary.csv exported by bookforge")
    body = _el(_el(root, "text"), "body")
    for n, term in enumerate(glossary.terms, 1):
        _concept(body, n, term)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def export_glossary(book_dir: Path, fmt: str) -> bytes:
    """`book_dir/glossary.csv` in `fmt`; raises `GlossaryError` when the CSV is invalid."""
    book_dir = book_dir.resolve()
    config = load_config(book_dir)
    glossary, diags = load_glossary(book_dir / "glossary.csv", book_dir)
    if glossary.path is None:
        diags.append(error("glossary.csv", 0, "glossary-missing", "the book has no glossary"))
    raise_if_errors(diags, GlossaryError)
    if fmt == "csv":
        return to_csv(glossary).encode("utf-8")
    title = config.title.get(LANGS[0]) or next(iter(config.title.values()))
    return to_tbx(glossary, title)
