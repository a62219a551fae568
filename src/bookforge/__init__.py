"""bookforge: a bilingual (Indonesian/English) e-book compiler."""

__version__ = "0.1.0"
