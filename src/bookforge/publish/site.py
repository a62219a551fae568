"""Stage 7b, publish/site: `Volume` -> the static download site's HTML pages.

One landing page per language (cover, metadata, abstract, contents with expandable chapter
abstracts, downloads with size, pages, format version and SHA-256, schema.org JSON-LD) and
one landing page per chapter and language (Highwire citation_* tags, "cite this").
Templates are under templates/publish/; every label goes through gettext.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from babel.numbers import format_decimal
from markupsafe import Markup

from ..i18n import Localizer
from ..render import render_template
from . import urls
from .cite import CitedChapter, apa, bibtex, highwire_reference, mla, ris
from .collect import (
    ACCESSIBILITY,
    ChapterInfo,
    EditionInfo,
    FileInfo,
    Volume,
    accessibility_summary,
)
from .urls import Urls

BOOK_FORMATS = {"pdf": "https://schema.org/EBook", "epub": "https://schema.org/EBook"}


@dataclass(frozen=True)
class Page:
    path: str  # site path, e.g. "en/index.html"
    html: str


def human_size(n: int, loc: Localizer) -> str:
    if n < 1024:
        return f"{n} B"
    value, unit = (n / 1024, "KB") if n < 1024 * 1024 else (n / 1024 / 1024, "MB")
    return f"{format_decimal(round(value, 1), format='#,##0.0', locale=loc.locale)} {unit}"


def json_script(data: object) -> Markup:
    """JSON for a <script type="application/ld+json"> element: '</' cannot end it early."""
    text = json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")
    return Markup(text)


def _switcher(volume: Volume, lang: str, target, page: str, u: Urls) -> list[dict]:  # type: ignore[no-untyped-def]
    return [{"lang": e.lang, "name": volume.localizer(e.lang).language_name(e.lang),
             "href": u.href(target(e.lang), page), "current": e.lang == lang}
            for e in volume.editions]


def _file_view(f: FileInfo, loc: Localizer, page: str, u: Urls) -> dict:
    return {"format": f.format.upper(), "label": f.label,
            "href": u.href(urls.download(f.name), page), "name": f.name,
            "type": f.media_type, "size": human_size(f.size, loc),
            "bytes": f.size, "pages": f.pages, "sha256": f.sha256, "isbn": f.isbn}


def _chapter_view(ch: ChapterInfo, lang: str, loc: Localizer, page: str, u: Urls) -> dict:
    return {"title": ch.title[lang], "href": u.href(urls.chapter(lang, ch.doc_id), page),
            "authors": loc.join([a.name for a in ch.authors]), "number": ch.number,
            "abstract": ch.abstract.get(lang) or next(iter(ch.abstract.values()), ""),
            "abstract_lang": lang if lang in ch.abstract else next(iter(ch.abstract), lang),
            "pages": ch.pages.get(lang)}


def _parts(volume: Volume, lang: str, loc: Localizer, page: str, u: Urls) -> list[dict]:
    parts: list[dict] = []
    for ch in volume.chapters:
        title = ch.part_title.get(lang) or next(iter(ch.part_title.values()))
        if not parts or parts[-1]["title"] != title:
            parts.append({"title": title, "chapters": []})
        parts[-1]["chapters"].append(_chapter_view(ch, lang, loc, page, u))
    return parts


def work_examples(volume: Volume, u: Urls) -> list[dict]:
    out = []
    for e in volume.offered:
        for f in e.files:
            a11y = ACCESSIBILITY[f.format]
            item = {"@type": "Book", "@id": f.identifier, "name": e.title,
                    "inLanguage": e.json_language, "bookFormat": BOOK_FORMATS[f.format],
                    "encodingFormat": f.media_type, "url": u.absolute(urls.download(f.name)),
                    "contentSize": str(f.size), "accessMode": list(a11y.access_modes),
                    "accessibilityFeature": list(a11y.features),
                    "accessibilityHazard": list(a11y.hazards),
                    "accessibilitySummary": accessibility_summary(
                        f.format, volume.localizer(e.lang))}
            if f.isbn:
                item["isbn"] = f.isbn
            if f.pages:
                item["numberOfPages"] = f.pages
            out.append(item)
    return out


def book_json_ld(volume: Volume, edition: EditionInfo, u: Urls) -> dict:
    cfg = volume.config
    data = {
        "@context": "https://schema.org", "@type": "Book", "name": edition.title,
        "inLanguage": edition.lang, "datePublished": cfg.date.isoformat(),
        "url": u.absolute(urls.landing(edition.lang)),
        "editor": [_person(p) for p in edition.meta.editors],
        "author": [_person(a) for a in edition.meta.authors],
        "publisher": {"@type": "Organization", "name": cfg.publisher,
                      "address": {"@type": "PostalAddress", "addressLocality": cfg.place}},
        "license": cfg.licence.url, "abstract": edition.abstract,
        "keywords": ", ".join(edition.keywords),
        "workExample": work_examples(volume, u),
    }
    if edition.subtitle:
        data["alternativeHeadline"] = edition.subtitle
    if edition.pages:
        data["numberOfPages"] = edition.pages
    return data


def _person(a) -> dict:  # type: ignore[no-untyped-def]
    person = {"@type": "Person", "name": a.name}
    if a.affiliation:
        person["affiliation"] = {"@type": "Organization", "name": a.affiliation}
    return person


def _common(volume: Volume, lang: str, page: str, u: Urls, target) -> dict:  # type: ignore[no-untyped-def]
    cfg = volume.config
    loc = volume.localizer(lang)
    edition = volume.edition(lang)
    return dict(
        lang=lang, book_title=edition.title, css=u.href(urls.CSS, page),
        home=u.href(urls.landing(lang), page), opds=u.href(urls.OPDS, page),
        switcher=_switcher(volume, lang, target, page, u), licence=cfg.licence,
        publisher=cfg.publisher, year=cfg.date.year,
        editor_names=loc.join([e.name for e in cfg.editors]),
    )


def landing_page(volume: Volume, lang: str, u: Urls) -> Page:
    cfg = volume.config
    loc = volume.localizer(lang)
    page = urls.landing(lang)
    edition = volume.edition(lang)
    ordered = [edition, *(e for e in volume.editions if e.lang != lang), *volume.parallel]

    def language(e: EditionInfo) -> str:  # "Indonesia – Inggris" for a parallel edition
        return " – ".join(loc.language_name(x) for x in e.all_languages)

    downloads = [{"lang": e.lang, "anchor": e.edition_name.replace("+", "-"),
                  "language": language(e), "title": e.title,
                  "files": [_file_view(f, loc, page, u) for f in e.files]} for e in ordered]
    records = [{"language": language(e),
                "marc": u.href(urls.record(cfg.slug, e.edition_name, "marc"), page),
                "onix": u.href(urls.record(cfg.slug, e.edition_name, "onix"), page),
                "oai_dc": u.href(urls.record(cfg.slug, e.edition_name, "oai_dc"), page)}
               for e in ordered]
    cover = None
    if edition.cover:
        cover = u.href(urls.download(edition.cover.name), page)
    html = render_template(
        "publish/landing.html", loc, page_title=edition.title, title=edition.title,
        subtitle=edition.subtitle, abstract=edition.abstract, cover=cover,
        date_iso=cfg.date.isoformat(), date_long=loc.date(cfg.date, "long"),
        place=cfg.place, language_name=loc.language_name(lang),
        isbns=[(f.format.upper(), f.isbn) for f in edition.files if f.isbn],
        downloads=downloads, records=records,
        parts=_parts(volume, lang, loc, page, u), opds2=u.href(urls.OPDS2, page),
        canonical=u.absolute(page) if u.base_url else None,
        json_ld=json_script(book_json_ld(volume, edition, u)),
        **_common(volume, lang, page, u, urls.landing))
    return Page(page, html)


def highwire(volume: Volume, ch: ChapterInfo, lang: str, u: Urls) -> list[tuple[str, str]]:
    """Highwire Press citation_* tags, as Google Scholar and Zotero read them."""
    cfg = volume.config
    edition = volume.edition(lang)
    tags = [("citation_title", ch.title[lang])]
    for a in ch.authors:
        tags.append(("citation_author", a.name))
        if a.affiliation:
            tags.append(("citation_author_institution", a.affiliation))
        if a.orcid:
            tags.append(("citation_author_orcid", a.orcid))
    tags += [("citation_inbook_title", edition.title),
             *(("citation_editor", e.name) for e in cfg.editors),
             ("citation_publication_date", cfg.date.strftime("%Y/%m/%d")),
             ("citation_publisher", cfg.publisher), ("citation_language", lang)]
    pages = ch.pages.get(lang)
    if pages:
        tags += [("citation_firstpage", str(pages[0])), ("citation_lastpage", str(pages[1]))]
    pdf = edition.file("pdf")
    if pdf:
        tags.append(("citation_pdf_url", u.absolute(urls.download(pdf.name))))
        if pdf.isbn:
            tags.append(("citation_isbn", pdf.isbn))
    keywords = ch.keywords.get(lang) or next(iter(ch.keywords.values()), ())
    if keywords:
        tags.append(("citation_keywords", "; ".join(keywords)))
    if ch.abstract.get(lang):
        tags.append(("citation_abstract", ch.abstract[lang]))
    tags.append(("citation_abstract_html_url", u.absolute(urls.chapter(lang, ch.doc_id))))
    tags += [("citation_reference", highwire_reference(csl)) for csl in ch.references]
    return tags


def cited_chapter(volume: Volume, ch: ChapterInfo, lang: str, u: Urls) -> CitedChapter:
    """The chapter as the edition in `lang` prints it, for its citations."""
    cfg = volume.config
    page = urls.chapter(lang, ch.doc_id)
    return CitedChapter(authors=ch.authors, title=ch.title[lang],
                        book_title=volume.edition(lang).title, editors=cfg.editors,
                        publisher=cfg.publisher, year=cfg.date.year, pages=ch.pages.get(lang),
                        url=u.absolute(page) if u.base_url else "", place=cfg.place,
                        lang=lang)


def citation_files(volume: Volume, ch: ChapterInfo, lang: str, u: Urls) -> Iterator[Page]:
    """The chapter's citation as BibTeX and RIS, for reference managers."""
    cited = cited_chapter(volume, ch, lang, u)
    yield Page(urls.chapter_citation(lang, ch.doc_id, "bib"), bibtex(cited))
    yield Page(urls.chapter_citation(lang, ch.doc_id, "ris"), ris(cited))


def chapter_page(volume: Volume, ch: ChapterInfo, lang: str, u: Urls) -> Page:
    loc = volume.localizer(lang)
    page = urls.chapter(lang, ch.doc_id)
    edition = volume.edition(lang)
    pdf = edition.file("pdf")
    pages = ch.pages.get(lang)
    cited = cited_chapter(volume, ch, lang, u)
    abstracts = [{"lang": code, "language": loc.language_name(code), "text": text}
                 for code, text in sorted(ch.abstract.items(), key=lambda kv: kv[0] != lang)]
    keywords = [{"lang": code, "language": loc.language_name(code), "text": "; ".join(k)}
                for code, k in sorted(ch.keywords.items(), key=lambda kv: kv[0] != lang) if k]
    pdf_href = u.href(urls.download(pdf.name) + (f"#page={pages[0]}" if pages else ""), page) \
        if pdf else None
    html = render_template(
        "publish/chapter.html", loc, page_title=ch.title[lang], title=ch.title[lang],
        part_title=ch.part_title.get(lang) or next(iter(ch.part_title.values())),
        number=ch.number, authors=ch.authors, abstracts=abstracts, keywords=keywords,
        pages=pages, pdf_href=pdf_href, meta=highwire(volume, ch, lang, u),
        apa=apa(cited, loc), mla=mla(cited, loc),
        bibtex_href=u.href(urls.chapter_citation(lang, ch.doc_id, "bib"), page),
        ris_href=u.href(urls.chapter_citation(lang, ch.doc_id, "ris"), page),
        canonical=u.absolute(page) if u.base_url else None,
        **_common(volume, lang, page, u, lambda code: urls.chapter(code, ch.doc_id)))
    return Page(page, html)


def index_page(volume: Volume, u: Urls) -> Page:
    """The site root: every language's landing page, each named in its own language."""
    first = volume.editions[0].lang
    entries = [{"lang": e.lang, "title": e.title,
                "href": u.href(urls.landing(e.lang), "index.html"),
                "language": volume.localizer(e.lang).language_name(e.lang)}
               for e in volume.editions]
    html = render_template("publish/index.html", volume.localizer(first), page_title=" / ".join(
        e.title for e in volume.editions), entries=entries, css=u.href(urls.CSS, "index.html"),
        lang=first, opds=u.href(urls.OPDS, "index.html"))
    return Page("index.html", html)


def site_pages(volume: Volume, u: Urls) -> Iterator[Page]:
    yield index_page(volume, u)
    for e in volume.editions:
        yield landing_page(volume, e.lang, u)
        for ch in volume.chapters:
            yield chapter_page(volume, ch, e.lang, u)
            yield from citation_files(volume, ch, e.lang, u)


def stylesheet() -> bytes:
    return (Path(__file__).resolve().parent.parent / "templates" / "publish" / "site.css") \
        .read_bytes()
