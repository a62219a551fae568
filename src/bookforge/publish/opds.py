"""Stage 7c, publish/opds: `Volume` -> the OPDS catalogue.

`opds.xml` is an OPDS 1.2 acquisition feed (Atom) with one entry per edition, and
`opds-root.xml` the navigation root that points to it; `opds2.json` is the same catalogue
as OPDS 2.0. Links are relative to the feed (the site root) unless a base URL is given.
"""

from __future__ import annotations

import datetime as dt
import json

from lxml import etree

from . import urls
from .collect import EditionInfo, Volume
from .urls import Urls

ATOM = "http://www.w3.org/2005/Atom"
DCTERMS = "http://purl.org/dc/terms/"
OPDS_NS = "http://opds-spec.org/2010/catalog"
NSMAP = {None: ATOM, "dc": DCTERMS, "opds": OPDS_NS}
ACQ_TYPE = "application/atom+xml;profile=opds-catalog;kind=acquisition"
NAV_TYPE = "application/atom+xml;profile=opds-catalog;kind=navigation"
OPEN_ACCESS = "http://opds-spec.org/acquisition/open-access"
SUBJECT_SCHEME = "http://purl.org/dc/terms/subject"


def updated(volume: Volume) -> str:
    moment = dt.datetime.combine(volume.config.date, dt.time(), tzinfo=dt.UTC)
    return moment.isoformat().replace("+00:00", "Z")


def _el(parent: etree._Element, tag: str, text: str | None = None, ns: str = ATOM,
        **attrs: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ns}}}{tag}", {k.rstrip("_"): v for k, v in attrs.items()})
    if text is not None:
        el.text = text
    return el


def _feed(volume: Volume, feed_id: str, title: str, self_href: str, kind_type: str,
          u: Urls) -> etree._Element:
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap=NSMAP)
    _el(feed, "id", feed_id)
    _el(feed, "title", title)
    _el(feed, "updated", updated(volume))
    author = _el(feed, "author")
    _el(author, "name", volume.config.publisher)
    _el(feed, "link", rel="self", href=u.absolute(self_href), type=kind_type)
    _el(feed, "link", rel="start", href=u.absolute(urls.OPDS_ROOT), type=NAV_TYPE)
    return feed


def _entry(feed: etree._Element, volume: Volume, e: EditionInfo, u: Urls) -> None:
    cfg = volume.config
    entry = _el(feed, "entry")
    _el(entry, "title", e.title)
    _el(entry, "id", e.identifier)
    _el(entry, "updated", updated(volume))
    for editor in cfg.editors:
        author = _el(entry, "author")
        _el(author, "name", editor.name)
    for a in e.meta.contributors:
        contributor = _el(entry, "contributor")
        _el(contributor, "name", a.name)
    for lang in e.all_languages:
        _el(entry, "language", lang, ns=DCTERMS)
    _el(entry, "publisher", cfg.publisher, ns=DCTERMS)
    _el(entry, "issued", cfg.date.isoformat(), ns=DCTERMS)
    for f in e.files:
        _el(entry, "identifier", f.identifier, ns=DCTERMS)
    if e.pages:
        _el(entry, "extent", f"{e.pages} pages", ns=DCTERMS)
    _el(entry, "rights", f"{cfg.licence.name} ({cfg.licence.url})")
    for keyword in e.keywords:
        _el(entry, "category", scheme=SUBJECT_SCHEME, term=keyword, label=keyword)
    _el(entry, "summary", e.abstract, type="text")
    if e.cover:
        href = u.absolute(urls.download(e.cover.name))
        _el(entry, "link", rel="http://opds-spec.org/image", href=href, type=e.cover.media_type)
        _el(entry, "link", rel="http://opds-spec.org/image/thumbnail",
            href=u.absolute(urls.download(e.cover.thumbnail_name)), type=e.cover.thumbnail_type)
    _el(entry, "link", rel="alternate", href=u.absolute(urls.landing(e.lang)), type="text/html",
        title=e.title)
    for f in e.files:
        _el(entry, "link", rel=OPEN_ACCESS, href=u.absolute(urls.download(f.name)),
            type=f.media_type, length=str(f.size), title=f.label)


def opds_acquisition(volume: Volume, u: Urls) -> bytes:
    cfg = volume.config
    title = " / ".join(e.title for e in volume.editions)
    feed = _feed(volume, f"urn:bookforge:{cfg.slug}:editions", title, urls.OPDS, ACQ_TYPE, u)
    for e in volume.offered:
        _entry(feed, volume, e, u)
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


def opds_root(volume: Volume, u: Urls) -> bytes:
    cfg = volume.config
    title = " / ".join(e.title for e in volume.editions)
    feed = _feed(volume, f"urn:bookforge:{cfg.slug}:root", title, urls.OPDS_ROOT, NAV_TYPE, u)
    entry = _el(feed, "entry")
    _el(entry, "title", title)
    _el(entry, "id", f"urn:bookforge:{cfg.slug}:editions")
    _el(entry, "updated", updated(volume))
    _el(entry, "content", ", ".join(e.lang for e in volume.editions), type="text")
    _el(entry, "link", rel="subsection", href=u.absolute(urls.OPDS), type=ACQ_TYPE)
    return etree.tostring(feed, xml_declaration=True, encoding="utf-8", pretty_print=True)


def _publication(volume: Volume, e: EditionInfo, u: Urls) -> dict:
    cfg = volume.config
    metadata: dict = {
        "@type": "http://schema.org/Book", "title": e.title, "identifier": e.identifier,
        "language": e.json_language, "published": cfg.date.isoformat(), "modified": updated(volume),
        "publisher": {"name": cfg.publisher},
        "editor": [{"name": x.name} for x in cfg.editors],
        "author": [{"name": a.name} for a in e.meta.authors],
        "subject": [{"name": k, "scheme": SUBJECT_SCHEME} for k in e.keywords],
        "description": e.abstract,
    }
    if e.subtitle:
        metadata["subtitle"] = e.subtitle
    if e.pages:
        metadata["numberOfPages"] = e.pages
    links = [{"rel": "self", "href": u.absolute(urls.landing(e.lang)), "type": "text/html"}]
    links += [{"rel": OPEN_ACCESS, "href": u.absolute(urls.download(f.name)),
               "type": f.media_type, "title": f.label} for f in e.files]
    images = []
    if e.cover:
        images.append({"href": u.absolute(urls.download(e.cover.name)),
                       "type": e.cover.media_type})
        if e.cover.thumbnail is not None:
            images.append({"href": u.absolute(urls.download(e.cover.thumbnail_name)),
                           "type": e.cover.thumbnail_type})
    return {"metadata": metadata, "links": links, "images": images}


def opds2(volume: Volume, u: Urls) -> bytes:
    feed = {
        "metadata": {"title": " / ".join(e.title for e in volume.editions),
                     "modified": updated(volume), "numberOfItems": len(volume.offered)},
        "links": [{"rel": "self", "href": u.absolute(urls.OPDS2),
                   "type": "application/opds+json"},
                  {"rel": "alternate", "href": u.absolute(urls.OPDS), "type": ACQ_TYPE}],
        "publications": [_publication(volume, e, u) for e in volume.offered],
    }
    return json.dumps(feed, ensure_ascii=False, indent=2).encode("utf-8")
