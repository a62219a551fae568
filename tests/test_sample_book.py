"""The sample volume in book/ meets its brief: length, parallel structure, glossary use."""

from __future__ import annotations

import re

import pytest

from bookforge.model import Source, Term
from bookforge.source.load import load_book

from .conftest import BOOK

book, _warnings = load_book(BOOK)
CHAPTERS = book.chapters()
IDS = [c.doc_id for c in CHAPTERS]
REFS_RE = re.compile(r"^##\s.*\{[^}]*\.references[^}]*\}\s*$", re.M)
FOOTNOTE_DEF_RE = re.compile(r"^\[\^[^\]]+\]:.*$", re.M)


def body_text(src: Source) -> str:
    """Body without the references section."""
    m = REFS_RE.search(src.body)
    return src.body[: m.start()] if m else src.body


def words(text: str) -> int:
    return len(text.split())


def headings(src: Source) -> list[str]:
    return [h[0] for h in re.findall(r"^(#{2,3})\s", src.body, re.M)]


def term_regex(term: Term, lang: str) -> re.Pattern[str]:
    forms = sorted({term.forms[lang], *term.variants[lang]}, key=len, reverse=True)
    alternatives = "|".join(re.escape(f).replace(r"\ ", r"\s+") for f in forms)
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)", re.I)


def test_six_parts_in_order() -> None:
    assert [p.title["en"] for p in book.parts] == [
        "Business Ethics", "Law", "Communication", "Public Health", "Public Administration",
        "Religion"]
    assert len(book.parts[4].chapters) == 5
    assert all(len(p.chapters) >= 2 for p in book.parts)


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_chapter_length_and_front_matter(chapter) -> None:  # type: ignore[no-untyped-def]
    assert set(chapter.versions) == {"id", "en"}
    for src in chapter.versions.values():
        assert words(body_text(src)) >= 1200, f"{src.rel_path}: body under 1,200 words"
        assert 120 <= words(src.abstract) <= 200, f"{src.rel_path}: abstract length"
        assert 3 <= len(src.keywords) <= 6
        assert 1 <= len(src.authors) <= 3
        assert src.short_title
        assert len(FOOTNOTE_DEF_RE.findall(src.body)) >= 2
        # the reference list is generated from the works the chapter cites (references.bib)
        assert not REFS_RE.search(src.body), f"{src.rel_path}: hand-typed references"
        cited = set(re.findall(r"@([\w-]+\w)", src.body))
        assert 4 <= len(cited) <= 10, f"{src.rel_path}: cites {len(cited)} works"


@pytest.mark.parametrize("chapter", CHAPTERS, ids=IDS)
def test_versions_have_the_same_sections(chapter) -> None:  # type: ignore[no-untyped-def]
    assert headings(chapter.versions["id"]) == headings(chapter.versions["en"])


def test_glossary_size() -> None:
    assert len(book.glossary.terms) >= 80


@pytest.mark.parametrize("required", [
    "integritas", "pelayanan publik", "penyelenggara negara", "kontrak sosial", "kepercayaan",
    "kepercayaan publik", "modal sosial", "kearifan lokal", "kebersamaan", "gotong royong",
    "altruisme", "partisipasi", "jaringan sosial", "piagam warga", "janji layanan",
    "maklumat pelayanan", "reformasi birokrasi", "akuntabilitas", "transparansi",
    "benturan kepentingan", "gratifikasi", "tata kelola"])
def test_required_terms_present(required: str) -> None:
    assert required in book.glossary.by_key()


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_term_occurs_and_every_chapter_uses_five(lang: str) -> None:
    texts = {c.doc_id: body_text(c.versions[lang]) for c in CHAPTERS}
    texts.update({f"front-{f.slug}": body_text(f.version(lang)) for f in book.front})
    unused = []
    per_chapter = {c.doc_id: 0 for c in CHAPTERS}
    for term in book.glossary.terms:
        rx = term_regex(term, lang)
        hits = [doc for doc, text in texts.items() if rx.search(text)]
        if not hits:
            unused.append(term.forms[lang])
        for doc in hits:
            if doc in per_chapter:
                per_chapter[doc] += 1
    assert unused == []
    assert {d: n for d, n in per_chapter.items() if n < 5} == {}


def test_figures_and_tables_across_volume() -> None:
    bodies = [c.versions["en"].body for c in CHAPTERS]
    figures = sum(len(re.findall(r"^!\[[^\]]+\]\([^)]+\)", b, re.M)) for b in bodies)
    tables = sum(len(re.findall(r"^Table:", b, re.M)) for b in bodies)
    assert figures >= 6 and tables >= 6
