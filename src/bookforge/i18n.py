"""Localisation: gettext catalogs (Babel-managed .po files) and Babel locale formatting.

Every label a template or the code prints goes through `Localizer.gettext`; dates, lists,
numbers and language names come from Babel's CLDR data for the edition's language.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from babel import Locale
from babel.dates import format_date
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal
from babel.support import NullTranslations, Translations

LOCALE_DIR = Path(__file__).parent / "locale"
DOMAIN = "bookforge"
FALLBACK = "en"


@lru_cache(maxsize=16)
def translations(lang: str) -> NullTranslations:
    """The catalog for `lang`, compiled in memory from its .po file, falling back to English."""
    chain: NullTranslations | None = None
    for code in (lang, FALLBACK):
        po = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.po"
        if not po.exists():
            continue
        with po.open("rb") as fh:
            catalog = read_po(fh, locale=code)
        buf = io.BytesIO()
        write_mo(buf, catalog, use_fuzzy=False)
        buf.seek(0)
        t = Translations(buf, domain=DOMAIN)
        if chain is None:
            chain = t
        elif chain is not t:
            chain.add_fallback(t)
    return chain or NullTranslations()


def roman(n: int) -> str:
    numerals = [(1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")]
    out = ""
    for value, sym in numerals:
        while n >= value:
            out += sym
            n -= value
    return out


class Localizer:
    """Everything language-dependent that the renderers print, for one language."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.locale = Locale.parse(lang.replace("-", "_"))
        self._t = translations(lang)

    def gettext(self, message: str) -> str:
        return self._t.gettext(message)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._t.ngettext(singular, plural, n)

    def date(self, value: dt.date, form: str = "long") -> str:
        return format_date(value, format=form, locale=self.locale)

    def join(self, items: Sequence[str]) -> str:
        return format_list(list(items), locale=self.locale) if items else ""

    def number(self, value: float) -> str:
        return format_decimal(value, locale=self.locale)

    def language_name(self, code: str) -> str:
        return Locale.parse(code.replace("-", "_")).get_display_name(self.locale) or code
