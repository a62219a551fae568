"""Back matter views: the term uses of an `EditionContent` -> the glossary (sorted,
grouped by initial letter, with the chapters that use each term), the index (every use,
with page ranges once the PDF layout has told us where each use landed) and the list of
contributors (every chapter author, sorted by surname, with their chapters)."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..i18n import Localizer, sort_key
from ..model import Author, Term
from ..transform.model import Document, EditionContent, TermUse


def initial(text: str) -> str:
    """The group letter of a term: its first letter without accents, upper-case."""
    base = "".join(c for c in unicodedata.normalize("NFKD", text.strip())
                   if not unicodedata.combining(c))
    first = base[:1].upper()
    return first if first.isalpha() else "#"


@dataclass(frozen=True)
class ChapterRef:
    label: str  # the chapter number, or the title of a front-matter text
    title: str
    href: str


@dataclass(frozen=True)
class GlossaryEntry:
    anchor: str
    term: str
    counterpart: str
    other_lang: str
    definition: str
    chapters: tuple[ChapterRef, ...] = ()
    term_lang: str = ""  # the language of `term`: "en" in an edition the glossary lacks


@dataclass(frozen=True)
class Locator:
    """A page (or page range) of the print index, or one use in the EPUB index."""

    href: str
    end_href: str = ""  # set for a range "12–14"
    label: str = ""  # EPUB: the text of the link
    front: bool = False  # print: a front-matter page, numbered in roman numerals


@dataclass(frozen=True)
class LocatorGroup:
    """The uses of a term in one chapter (EPUB) or the whole book (print)."""

    label: str
    locators: tuple[Locator, ...]


@dataclass(frozen=True)
class IndexEntry:
    anchor: str
    term: str
    groups: tuple[LocatorGroup, ...]
    term_lang: str = ""


@dataclass(frozen=True)
class LetterGroup:
    letter: str
    entries: tuple  # of GlossaryEntry or IndexEntry


def _group(entries: Sequence, lang: str) -> list[LetterGroup]:
    ordered = sorted(entries, key=lambda e: sort_key(e.term, lang))
    groups: list[LetterGroup] = []
    for entry in ordered:
        letter = initial(entry.term)
        if groups and groups[-1].letter == letter:
            groups[-1] = LetterGroup(letter, (*groups[-1].entries, entry))
        else:
            groups.append(LetterGroup(letter, (entry,)))
    return groups


def _form(term: Term, lang: str) -> str:
    return term.forms.get(lang) or term.forms["en"]


def _form_lang(term: Term, lang: str) -> str:
    """The language `_form` shows the term in."""
    return lang if term.forms.get(lang) else "en"


def _chapter_ref(doc: Document, href: str) -> ChapterRef:
    label = str(doc.number) if doc.number is not None else doc.source.running_title
    return ChapterRef(label=label, title=doc.source.title, href=href)


def glossary_groups(content: EditionContent, epub: bool) -> list[LetterGroup]:
    """Every glossary row in the edition's language, with the chapters that use it."""
    lang = content.lang
    users: dict[str, list[Document]] = {}
    for doc in content.documents:
        for key in dict.fromkeys(u.key for u in doc.term_uses):
            users.setdefault(key, []).append(doc)
    entries = []
    for t in content.book.glossary.terms:
        refs = tuple(_chapter_ref(d, f"{d.doc_id}.xhtml" if epub else f"#{d.doc_id}")
                     for d in users.get(t.key, []))
        # an edition in a language the glossary lacks (ms) shows the English term
        other = "id" if lang == "en" or lang not in t.forms else "en"
        entries.append(GlossaryEntry(
            anchor=t.anchor, term=_form(t, lang), counterpart=t.forms.get(other, ""),
            other_lang=other, definition=t.definitions.get(lang) or t.definitions["en"],
            chapters=refs, term_lang=_form_lang(t, lang)))
    return _group(entries, lang)


def _uses_by_key(content: EditionContent) -> dict[str, list[TermUse]]:
    out: dict[str, list[TermUse]] = {}
    for doc in content.documents:
        for use in doc.term_uses:
            out.setdefault(use.key, []).append(use)
    return out


def page_ranges(uses: Sequence[TermUse], pages: Mapping[str, int],
                front: frozenset[str] = frozenset()) -> tuple[Locator, ...]:
    """Uses -> one locator per page, consecutive pages merged into ranges ("12–14").
    `front` names the documents with roman page numbers; a range never crosses into the
    body.

    Without page numbers (the first layout) there is one locator per document that uses
    the term, at its first use there. Every use comes before the index in the print HTML,
    so what the first layout puts in the index cannot move any page it points to; the
    second layout gets the page of every use from the first and lists each page once. One
    locator per use instead made a term used 480 times in a chapter an entry of 481 page
    references, which WeasyPrint's column layout took minutes over."""
    known = sorted((pages[u.id], u.id) for u in uses if u.id in pages)
    if not known:
        firsts: dict[str, TermUse] = {}
        for use in uses:
            firsts.setdefault(use.doc_id, use)
        return tuple(Locator(href=f"#{u.id}", front=u.doc_id in front)
                     for u in firsts.values())
    first_on_page: dict[int, TermUse] = {}
    by_id = {u.id: u for u in uses}
    for page, ident in known:
        first_on_page.setdefault(page, by_id[ident])
    ordered = sorted(first_on_page)
    out: list[Locator] = []
    start = prev = ordered[0]
    for page in [*ordered[1:], None]:
        if (page is not None and page == prev + 1
                and (first_on_page[page].doc_id in front) == (first_on_page[prev].doc_id in front)):
            prev = page
            continue
        first = first_on_page[start]
        end = f"#{first_on_page[prev].id}" if prev != start else ""
        out.append(Locator(href=f"#{first.id}", end_href=end, front=first.doc_id in front))
        if page is not None:
            start = prev = page
    return tuple(out)


def index_groups(content: EditionContent, pages: Mapping[str, int] | None,
                 chapter_label: Callable[[Document], str] | None = None) -> list[LetterGroup]:
    """The index. Print (`chapter_label` None): one group of page locators per term.
    EPUB: a group per chapter, each use a link labelled 1, 2, 3 ..."""
    lang = content.lang
    uses = _uses_by_key(content)
    docs = {d.doc_id: d for d in content.documents}
    front = frozenset(d.doc_id for d in content.front())
    entries = []
    for t in content.book.glossary.terms:
        found = uses.get(t.key, [])
        if not found:
            continue
        if chapter_label is None:
            groups = (LocatorGroup("", page_ranges(found, pages or {}, front)),)
        else:
            groups = _epub_groups(found, docs, chapter_label)
        entries.append(IndexEntry(anchor=t.anchor, term=_form(t, lang), groups=groups,
                                  term_lang=_form_lang(t, lang)))
    return _group(entries, lang)


def _epub_groups(uses: Sequence[TermUse], docs: Mapping[str, Document],
                 chapter_label: Callable[[Document], str]) -> tuple[LocatorGroup, ...]:
    by_doc: dict[str, list[TermUse]] = {}
    for use in uses:
        by_doc.setdefault(use.doc_id, []).append(use)
    return tuple(
        LocatorGroup(chapter_label(docs[doc_id]),
                     tuple(Locator(href=f"{doc_id}.xhtml#{u.id}", label=str(n))
                           for n, u in enumerate(doc_uses, 1)))
        for doc_id, doc_uses in by_doc.items())


def epub_chapter_label(loc: Localizer) -> Callable[[Document], str]:
    """How the EPUB index names the chapter of a group of uses: "Bab 3", or a front title."""

    def label(doc: Document) -> str:
        if doc.number is None:
            return doc.source.running_title
        return loc.gettext("Chapter") + " " + str(doc.number)

    return label


@dataclass(frozen=True)
class ContributorEntry:
    """One author of the list of contributors, with the chapters they wrote."""

    anchor: str
    name: str
    surname: str
    affiliation: str
    orcid_url: str
    chapters: tuple[ChapterRef, ...]


def contributor_key(author: Author, lang: str) -> tuple:
    """The list of contributors' order: by surname, then the given names, per locale."""
    return (sort_key(author.surname, lang), sort_key(author.given, lang),
            sort_key(author.name, lang))


def contributors(content: EditionContent, epub: bool) -> list[ContributorEntry]:
    """Every chapter author (by name) with the chapters they wrote, sorted by surname."""
    lang = content.lang
    authors: dict[str, Author] = {}
    chapters: dict[str, list[ChapterRef]] = {}
    for doc in content.chapters():
        title = (doc.chapter.text_in(lang) or doc.source.own_text()).title
        href = f"{doc.doc_id}.xhtml" if epub else f"#{doc.doc_id}"
        for a in doc.source.authors:
            known = authors.setdefault(a.name, a)
            if not known.orcid and a.orcid:
                authors[a.name] = a
            label = str(doc.number) if doc.number is not None else ""
            chapters.setdefault(a.name, []).append(ChapterRef(label, title, href))
    ordered = sorted(authors.values(), key=lambda a: contributor_key(a, lang))
    return [ContributorEntry(anchor=f"contributor-{n}", name=a.name, surname=a.surname,
                             affiliation=a.affiliation, orcid_url=a.orcid_url,
                             chapters=tuple(chapters[a.name]))
            for n, a in enumerate(ordered, 1)]
