"""Localisation: gettext catalogs (Babel-managed .po files) and Babel locale formatting.

Every label a template or the code prints goes through `Localizer.gettext`; dates, lists,
numbers and language names come from Babel's CLDR data for the edition's language, and
`sort_key` orders glossary and index entries per language.

Catalogs are looked up in the book's own `locale/<lang>/LC_MESSAGES/bookforge.po` first
(so a book can add a language, or override a label, without code changes), then in the
package's `locale/`. A compiled `.mo` is used when it is at least as new as its `.po`;
otherwise the `.po` is compiled in memory. Missing labels fall back to English.
"""

from __future__ import annotations

import datetime as dt
import io
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from babel import Locale, UnknownLocaleError
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

from .errors import Diagnostic, warning

if TYPE_CHECKING:
    from .model import Book

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "bookforge"
FALLBACK = "en"
BOOK_LOCALE = "locale"  # folder inside a book that may hold extra or overriding catalogs


def catalog_dirs(book_root: Path | None) -> tuple[Path, ...]:
    """Where catalogs are searched, most specific first."""
    return (book_root / BOOK_LOCALE, LOCALE_DIR) if book_root else (LOCALE_DIR,)


def po_path(base: Path, lang: str) -> Path:
    return base / lang.replace("-", "_") / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(po: Path, lang: str) -> Catalog:
    with po.open("rb") as fh:
        return read_po(fh, locale=lang.replace("-", "_"))


def _load(base: Path, lang: str) -> Translations | None:
    po = po_path(base, lang)
    mo = po.with_suffix(".mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return Translations(fh, domain=DOMAIN)
    if not po.exists():
        return None
    buf = io.BytesIO()
    write_mo(buf, read_catalog(po, lang), use_fuzzy=False)
    buf.seek(0)
    return Translations(buf, domain=DOMAIN)


@lru_cache(maxsize=32)
def translations(lang: str, book_root: Path | None = None) -> NullTranslations:
    """The catalogs for `lang` (book first, then package), falling back to English."""
    chain: NullTranslations | None = None
    for code in dict.fromkeys((lang, FALLBACK)):
        for base in catalog_dirs(book_root):
            t = _load(base, code)
            if t is None:
                continue
            if chain is None:
                chain = t
            else:
                chain.add_fallback(t)
    return chain or NullTranslations()


def _msgid(message: object) -> str:
    ident = getattr(message, "id", "")
    return ident[0] if isinstance(ident, tuple) else str(ident)


def _translated(message: object) -> bool:
    text = getattr(message, "string", "")
    strings = text if isinstance(text, tuple) else (text,)
    return bool(strings) and all(strings) and not getattr(message, "fuzzy", False)


def label_ids() -> tuple[str, ...]:
    """Every label msgid bookforge prints: the English catalog is the complete reference."""
    catalog = read_catalog(po_path(LOCALE_DIR, FALLBACK), FALLBACK)
    return tuple(_msgid(m) for m in catalog if m.id)


def translated_ids(lang: str, book_root: Path | None = None) -> set[str]:
    """The msgids that have a non-fuzzy, non-empty translation for `lang` in any catalog."""
    done: set[str] = set()
    for base in catalog_dirs(book_root):
        po = po_path(base, lang)
        if po.exists():
            done |= {_msgid(m) for m in read_catalog(po, lang) if m.id and _translated(m)}
    return done


def check_catalogs(languages: Iterable[str], book_root: Path) -> list[Diagnostic]:
    """One warning per edition language whose labels partly or wholly fall back to English."""
    diags: list[Diagnostic] = []
    wanted = label_ids()
    for lang in languages:
        if lang == FALLBACK:
            continue
        try:
            Locale.parse(lang.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            diags.append(warning("book.toml", 0, "locale-unknown",
                                 f"Babel has no locale data for '{lang}': dates, lists and "
                                 "numbers are formatted as in English"))
        done = translated_ids(lang, book_root)
        missing = [m for m in wanted if m not in done]
        if not missing:
            continue
        where = next((po_path(b, lang) for b in catalog_dirs(book_root)
                      if po_path(b, lang).exists()), None)
        path = str(where.relative_to(book_root)) if where and where.is_relative_to(book_root) \
            else str(where) if where else "book.toml"
        shown = ", ".join(repr(m) for m in missing[:5]) + (" ..." if len(missing) > 5 else "")
        diags.append(warning(path, 0, "label-untranslated",
                             f"{len(missing)} of {len(wanted)} labels have no '{lang}' "
                             f"translation and fall back to English: {shown}"))
    return diags


def roman(n: int) -> str:
    numerals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, sym in numerals:
        while n >= value:
            out += sym
            n -= value
    return out


# Latin letters that Unicode does not decompose but that the CLDR root collation sorts
# with a base letter at the primary level.
_BASE_LETTERS = str.maketrans({"đ": "d", "ð": "d", "ø": "o", "ł": "l", "ħ": "h", "ı": "i",
                               "ŧ": "t", "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th"})
# Per-language tailorings (letter -> primary sort string). CLDR defines none for
# Indonesian, English or Malay, which all use the root order; a language that needs one
# (Spanish ñ after n, Swedish å ä ö after z) adds its letters here.
TAILORINGS: dict[str, dict[str, str]] = {}


def sort_key(text: str, lang: str) -> tuple[str, str, tuple[bool, ...], str]:
    """A sort key for `text` in `lang`: case- and accent-insensitive first, then stable.

    Babel has no collation, and PyICU is a C extension that needs ICU headers and a
    compiler on every machine that installs bookforge, so it is not worth a dependency for
    the languages bookforge ships: CLDR gives Indonesian, English and Malay no tailoring,
    so they all sort by the root collation (the Unicode Collation Algorithm's default
    table). For Latin-script glossary and index entries that order is, level by level:

    1. primary: base letters, ignoring accents and case ("Ếtika" = "etika"); digits,
       spaces and punctuation keep their code-point order, which in ASCII also puts them
       before letters, as the root order does. Letters that do not decompose (đ, ø, ł,
       æ, ß ...) are mapped to their base letters.
    2. secondary: accents (unaccented first), 3. tertiary: lower case before upper case,
    4. the text itself, so that the order is total and deterministic.

    Scripts other than Latin sort by code point, which the root order also roughly does
    within a script.
    """
    tailoring = TAILORINGS.get(lang.split("-")[0], {})
    folded = "".join(tailoring.get(c, c) for c in text.casefold())
    decomposed = unicodedata.normalize("NFKD", folded)
    primary = "".join(c for c in decomposed if not unicodedata.combining(c))
    primary = primary.translate(_BASE_LETTERS)
    secondary = unicodedata.normalize("NFD", folded)
    tertiary = tuple(c.isupper() for c in text)
    return primary, secondary, tertiary, text


class Localizer:
    """Everything language-dependent that the renderers print, for one language."""

    def __init__(self, lang: str, book_root: Path | None = None) -> None:
        self.lang = lang
        try:
            self.locale = Locale.parse(lang.replace("-", "_"))
        except (UnknownLocaleError, ValueError):
            self.locale = Locale.parse(FALLBACK)
        self._t = translations(lang, book_root)

    def gettext(self, message: str) -> str:
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def pgettext(self, context: str, message: str) -> str:
        return self._t.pgettext(context, message)

    def date(self, value: dt.date, form: str = "long") -> str:
        """`long`: "28 November 2015"; `full` adds the weekday: "Sabtu, 28 November 2015"."""
        return format_date(value, format=form, locale=self.locale)

    def join(self, items: Sequence[str]) -> str:
        """Names joined per locale: "A, B, dan C" / "A, B, and C"."""
        return format_list(list(items), locale=self.locale) if items else ""

    def number(self, value: float) -> str:
        """Thousands and decimal separators per locale: "45.210,5" / "45,210.5"."""
        return format_decimal(value, locale=self.locale)

    def language_name(self, code: str) -> str:
        """The language's name as used inside a sentence: "Inggris" / "English"."""
        try:
            name = Locale.parse(code.replace("-", "_")).get_language_name(self.locale)
        except (UnknownLocaleError, ValueError):
            name = None
        return name or code

    def language_title(self, code: str) -> str:
        """The language's name standing alone: "Bahasa Indonesia" / "Indonesian"."""
        return self.pgettext("language name", "{language}").format(
            language=self.language_name(code))


def localizer(book: Book | None, lang: str) -> Localizer:
    """The labels, dates and lists of `book`'s `lang` edition: the one way every stage
    (render, EPUB, preview, publish) gets a `Localizer`, so that a book's own catalogs
    (`locale/` in the book) apply everywhere alike. `None`: the package's catalogs only,
    for output that belongs to no book."""
    return Localizer(lang, book.root if book is not None else None)
