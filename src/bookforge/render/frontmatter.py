"""Front matter views for the print edition: the cataloguing-in-publication block of the
copyright page (the national library's KDT in the Indonesian edition, a CIP record in
English), built from `book.toml` and the parts."""

from __future__ import annotations

from dataclasses import dataclass

from ..i18n import Localizer, roman
from ..model import Author, BookConfig
from ..source.config import trim_size


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
    statement = (f"{full_title} / {loc.gettext('editors')}, {editors}. — "
                 f"{cfg.place} : {cfg.publisher}, {cfg.date.year}.")
    numbered = " ".join(f"{n}. {s}." for n, s in enumerate(subjects, 1))
    added = " ".join(f"{roman(n)}. {inverted(e)}." for n, e in enumerate(cfg.editors, 1))
    isbn_line = (f"ISBN {isbn} (PDF)" if isbn
                 else loc.gettext("ISBN not yet assigned"))
    return CipView(heading=loc.gettext("Cataloguing-in-Publication Data"),
                   statement=statement, extent=trim_cm(cfg.trim, loc) + ".",
                   isbn=isbn_line, tracings=f"{numbered} {added}".strip())
