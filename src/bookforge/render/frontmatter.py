"""Front matter views: the cataloguing-in-publication block of the copyright page (the
national library's KDT in the Indonesian edition, a CIP record in English), built from
`book.toml` and the parts; the lists of figures and tables; and the order of the front
matter (half-title, title, copyright, dedication/epigraph, contents, lists, preface ...)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ..i18n import Localizer, roman
from ..model import Author, BookConfig
from ..source.config import trim_size
from ..transform.model import EditionContent, Label
from .markdown import label_text


@dataclass(frozen=True)
class CipView:
    heading: str
    statement: str  # title : subtitle / editors. -- place : publisher, year.
    extent: str  # the trim in centimetres
    isbn: str  # "ISBN 978-... (PDF)", or a "not yet assigned" note
    tracings: str  # 1. Subject. 2. Subject. I. Editor. II. Editor.


def inverted(author: Author) -> str:
    """"Rekaan, Ayu": surname first, as catalogue headings give names."""
    given = author.given
    return f"{author.surname}, {given}" if given else author.surname


def trim_cm(trim: str, loc: Localizer) -> str:
    """155x230mm -> "15,5 x 23 cm" (in the edition's number format); named sizes as is."""
    size = trim_size(trim)
    if size is None:
        return trim
    factor = {"mm": 0.1, "cm": 1.0, "in": 2.54}[size[2]]
    w, h = (round(float(v) * factor, 1) for v in size[:2])
    return f"{loc.number(w)} × {loc.number(h)} cm"


def cip_view(cfg: BookConfig, title: str, subtitle: str,
             subjects: list[str], isbn: str | None, loc: Localizer) -> CipView:
    editors = ", ".join(inverted(e) for e in cfg.editors)
    full_title = f"{title} : {subtitle}" if subtitle else title
    role = loc.gettext("editors")  # outside the f-string, where pybabel can extract it
    statement = (f"{full_title} / {role}, {editors}. — "
                 f"{cfg.place} : {cfg.publisher}, {cfg.date.year}.")
    numbered = " ".join(f"{n}. {s}." for n, s in enumerate(subjects, 1))
    added = " ".join(f"{roman(n)}. {inverted(e)}." for n, e in enumerate(cfg.editors, 1))
    isbn_line = (f"ISBN {isbn} (PDF)" if isbn
                 else loc.gettext("ISBN not yet assigned"))
    return CipView(heading=loc.gettext("Cataloguing-in-Publication Data"),
                   statement=statement, extent=trim_cm(cfg.trim, loc) + ".",
                   isbn=isbn_line, tracings=f"{numbered} {added}".strip())


# -- lists of figures and tables (book.toml `lists`) ------------------------------------

LIST_IDS = {"figures": "list-of-figures", "tables": "list-of-tables"}
LIST_KINDS = {"figures": "figure", "tables": "table"}
LIST_EPUB_TYPES = {"figures": "loi", "tables": "lot"}  # EPUB 3 structural semantics
# Front texts printed before the contents (Chicago 1.4): the rest follow the lists.
BEFORE_CONTENTS = frozenset({"dedication", "epigraph"})


@dataclass(frozen=True)
class ListEntry:
    label: str  # "Gambar 3.1"
    caption: str
    href: str
    page: str = ""  # the printed folio, once a layout has placed the figure or table


@dataclass(frozen=True)
class FloatList:
    """A list of figures or of tables: after the contents, before the preface."""

    id: str  # also the EPUB document's id
    title: str
    epub_type: str
    entries: tuple[ListEntry, ...]


def list_title(name: str, loc: Localizer) -> str:
    return loc.gettext("List of Figures") if name == "figures" else loc.gettext("List of Tables")


def float_lists(content: EditionContent, loc: Localizer, href: Callable[[Label], str],
                folio: Callable[[Label], str] = lambda _label: "") -> list[FloatList]:
    """The lists `book.toml` asks for, in book order, each entry linked with `href`; `folio`
    gives an entry's printed page (print, from a layout's anchor pages). A list with no
    entry (a book without tables) is left out."""
    out = []
    for name in content.book.config.lists:
        entries = tuple(ListEntry(label_text(c, loc), c.title, href(c), folio(c))
                        for d in content.documents for c in d.captions
                        if c.kind == LIST_KINDS[name])
        if entries:
            out.append(FloatList(LIST_IDS[name], list_title(name, loc), LIST_EPUB_TYPES[name],
                                 entries))
    return out


def folios(content: EditionContent, anchor_pages: Mapping[str, int],
           body_start: str) -> Callable[[Label], str]:
    """Anchor -> printed folio, from a layout's anchor -> page index map: roman for the
    front matter (counted from the first page), arabic from the page of `body_start` (the
    first part opener, where styles/print.css restarts the count). Unplaced: ""."""
    start = anchor_pages.get(body_start)
    front = {d.doc_id for d in content.front()}

    def folio(label: Label) -> str:
        index = anchor_pages.get(label.id)
        if index is None:
            return ""
        if label.doc_id in front or start is None or index < start:
            return roman(index + 1).lower()
        return str(index - start + 1)

    return folio


def before_contents(doc_id: str) -> bool:
    """Whether a front text (doc id "front-<name>") is printed before the contents."""
    return doc_id.removeprefix("front-") in BEFORE_CONTENTS
