"""Stage 7d, publish/records: `Volume` -> catalogue records for each edition.

MARC 21 (MARCXML, one record per edition, RDA-style), Dublin Core (`oai_dc`) and ONIX 3.0
(one `Product` per format). Each carries language, keywords, contributors with roles,
ISBN when book.toml has one, extent in pages and, in ONIX, codelist 196 accessibility.
"""

from __future__ import annotations

import datetime as dt

from lxml import etree

from ..model import Author
from ..transform.meta import isbn_digits
from . import urls
from .collect import (
    ACCESSIBILITY,
    ChapterInfo,
    EditionInfo,
    FileInfo,
    Volume,
    accessibility_summary,
    iso639_2,
)
from .urls import Urls

MARC_NS = "http://www.loc.gov/MARC21/slim"
OAI_DC_NS = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC_NS = "http://purl.org/dc/elements/1.1/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
ONIX_NS = "http://ns.editeur.org/onix/3.0/reference"
ONIX_FORM_DETAIL = {"epub": "E101", "pdf": "E107"}


def _xml(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="utf-8", pretty_print=True)


# --- MARC 21 --------------------------------------------------------------------------


def _control(record: etree._Element, tag: str, value: str) -> None:
    etree.SubElement(record, f"{{{MARC_NS}}}controlfield", tag=tag).text = value


def _data(record: etree._Element, tag: str, ind: str, *subfields: tuple[str, str]) -> None:
    field = etree.SubElement(record, f"{{{MARC_NS}}}datafield", tag=tag, ind1=ind[0],
                             ind2=ind[1])
    for code, value in subfields:
        etree.SubElement(field, f"{{{MARC_NS}}}subfield", code=code).text = value


def _fixed_008(volume: Volume, lang: str) -> str:
    cfg = volume.config
    entered = cfg.date.strftime("%y%m%d")
    # 18-34 for books: no illustrations coded, online (23 'o'), conference publication (29).
    books = "    " + " " + "o" + "    " + " " + "0" + "0" + "0" + " " + "0" + " "
    value = f"{entered}s{cfg.date.year}    xx {books}{iso639_2(lang)} d"
    assert len(value) == 40, value
    return value


def _contents_note(chapters: tuple[ChapterInfo, ...], lang: str) -> str:
    return " -- ".join(f"{c.title[lang]} / {' ; '.join(a.name for a in c.authors)}"
                       for c in chapters)


def marc_record(volume: Volume, e: EditionInfo, u: Urls) -> etree._Element:
    cfg = volume.config
    loc = volume.localizer(e.lang)
    record = etree.Element(f"{{{MARC_NS}}}record")
    etree.SubElement(record, f"{{{MARC_NS}}}leader").text = "00000nam a22000007i 4500"
    _control(record, "001", f"{cfg.slug}-{e.edition_name}")
    _control(record, "005", dt.datetime.combine(cfg.date, dt.time()).strftime("%Y%m%d%H%M%S.0"))
    _control(record, "006", "m     o  d        ")
    _control(record, "007", "cr |n|||||||||")
    _control(record, "008", _fixed_008(volume, e.lang))
    for f in e.files:
        if f.isbn:
            _data(record, "020", "  ", ("a", isbn_digits(f.isbn)), ("q", f"({f.format.upper()})"))
    for f in e.files:
        if not f.isbn:
            _data(record, "024", "8 ", ("a", f.identifier), ("q", f"({f.format.upper()})"))
    _data(record, "040", "  ", ("b", iso639_2(e.lang)), ("e", "rda"))
    _data(record, "041", "0 ", *(("a", iso639_2(x)) for x in e.all_languages))
    title = [("a", e.title + (" :" if e.subtitle else " /"))]
    if e.subtitle:
        title.append(("b", e.subtitle + " /"))
    title.append(("c", loc.gettext("edited by") + " " + loc.join([x.name for x in cfg.editors])
                  + "."))
    _data(record, "245", "00", *title)
    for other in volume.editions:
        if other.lang not in e.all_languages:
            _data(record, "246", "31", ("a", other.title))
    _data(record, "264", " 1", ("a", cfg.place + " :"), ("b", cfg.publisher + ","),
          ("c", f"{cfg.date.year}."))
    if e.pages:
        _data(record, "300", "  ", ("a", f"1 online resource ({e.pages} pages)"))
    _data(record, "336", "  ", ("a", "text"), ("b", "txt"), ("2", "rdacontent"))
    _data(record, "337", "  ", ("a", "computer"), ("b", "c"), ("2", "rdamedia"))
    _data(record, "338", "  ", ("a", "online resource"), ("b", "cr"), ("2", "rdacarrier"))
    _data(record, "347", "  ", ("a", "text file"),
          *(("b", f.format.upper()) for f in e.files))
    for f in e.files:
        _data(record, "341", "0 ", ("a", "textual"), ("3", f.format.upper()))
    if volume.chapters:
        _data(record, "505", "0 ", ("a", _contents_note(volume.chapters, e.lang)))
    if e.abstract:
        _data(record, "520", "3 ", ("a", e.abstract))
    for f in e.files:
        _data(record, "532", "8 ", ("a", accessibility_summary(f.format, loc)),
              ("3", f.format.upper()))
    _data(record, "540", "  ", ("f", cfg.licence.name), ("u", cfg.licence.url))
    _data(record, "546", "  ", ("a", loc.join([loc.language_name(x) for x in e.all_languages])))
    for keyword in e.keywords:
        _data(record, "653", " 0", ("a", keyword))
    for editor in cfg.editors:
        _data(record, "700", "0 ", *_marc_name(editor, "editor", "edt"))
    for author in e.meta.contributors:
        _data(record, "700", "0 ", *_marc_name(author, "author", "aut"))
    for f in e.files:
        _data(record, "856", "40", ("3", f.label), ("q", f.media_type),
              ("u", u.absolute(urls.download(f.name))))
    _data(record, "856", "42", ("3", loc.gettext("Download page")),
          ("u", u.absolute(urls.landing(e.lang))))
    return record


def _marc_name(a: Author, relator: str, code: str) -> list[tuple[str, str]]:
    out = [("a", a.name + ","), ("e", relator + "."), ("4", code)]
    if a.affiliation:
        out.insert(2, ("u", a.affiliation))
    return out


def marcxml(volume: Volume, e: EditionInfo, u: Urls) -> bytes:
    collection = etree.Element(f"{{{MARC_NS}}}collection", nsmap={"marc": MARC_NS})
    collection.append(marc_record(volume, e, u))
    return _xml(collection)


# --- Dublin Core ------------------------------------------------------------------------


def oai_dc(volume: Volume, e: EditionInfo, u: Urls) -> bytes:
    cfg = volume.config
    root = etree.Element(f"{{{OAI_DC_NS}}}dc", nsmap={"oai_dc": OAI_DC_NS, "dc": DC_NS,
                                                        "xsi": XSI_NS})
    root.set(f"{{{XSI_NS}}}schemaLocation",
             f"{OAI_DC_NS} http://www.openarchives.org/OAI/2.0/oai_dc.xsd")

    def dc(tag: str, text: str) -> None:
        etree.SubElement(root, f"{{{DC_NS}}}{tag}").text = text

    dc("title", e.title + (f": {e.subtitle}" if e.subtitle else ""))
    for editor in cfg.editors:
        dc("creator", editor.name)
    for author in e.meta.contributors:
        dc("contributor", author.name)
    for keyword in e.keywords:
        dc("subject", keyword)
    if e.abstract:
        dc("description", e.abstract)
    dc("publisher", cfg.publisher)
    dc("date", cfg.date.isoformat())
    dc("type", "Text")
    dc("type", "Book")
    for f in e.files:
        dc("format", f.media_type)
    if e.pages:
        dc("format", f"{e.pages} pages")
    for f in e.files:
        dc("identifier", f.identifier)
    dc("identifier", u.absolute(urls.landing(e.lang)))
    for lang in e.all_languages:
        dc("language", iso639_2(lang))
    for other in volume.offered:
        if other.edition_name != e.edition_name:
            dc("relation", other.identifier)
    dc("rights", f"{cfg.licence.name} ({cfg.licence.url})")
    return _xml(root)


# --- ONIX 3.0 ---------------------------------------------------------------------------


def _o(parent: etree._Element, tag: str, text: str | None = None) -> etree._Element:
    el = etree.SubElement(parent, f"{{{ONIX_NS}}}{tag}")
    if text is not None:
        el.text = text
    return el


def _onix_contributor(parent: etree._Element, n: int, a: Author, role: str) -> None:
    c = _o(parent, "Contributor")
    _o(c, "SequenceNumber", str(n))
    _o(c, "ContributorRole", role)
    _o(c, "PersonName", a.name)
    if a.affiliation:
        aff = _o(c, "ProfessionalAffiliation")
        _o(aff, "Affiliation", a.affiliation)


def _descriptive(product: etree._Element, volume: Volume, e: EditionInfo, f: FileInfo) -> None:
    d = _o(product, "DescriptiveDetail")
    _o(d, "ProductComposition", "00")
    _o(d, "ProductForm", "ED")
    _o(d, "ProductFormDetail", ONIX_FORM_DETAIL[f.format])
    loc = volume.localizer(e.lang)
    for code in ("00", *ACCESSIBILITY[f.format].onix):
        feature = _o(d, "ProductFormFeature")
        _o(feature, "ProductFormFeatureType", "09")
        _o(feature, "ProductFormFeatureValue", code)
        if code == "00":
            _o(feature, "ProductFormFeatureDescription", accessibility_summary(f.format, loc))
    _o(d, "EpubTechnicalProtection", "00")
    licence = _o(d, "EpubLicense")
    _o(licence, "EpubLicenseName", volume.config.licence.name)
    expression = _o(licence, "EpubLicenseExpression")
    _o(expression, "EpubLicenseExpressionType", "01")  # human-readable
    _o(expression, "EpubLicenseExpressionLink", volume.config.licence.url)
    title = _o(d, "TitleDetail")
    _o(title, "TitleType", "01")
    element = _o(title, "TitleElement")
    _o(element, "TitleElementLevel", "01")
    _o(element, "TitleText", e.title)
    if e.subtitle:
        _o(element, "Subtitle", e.subtitle)
    n = 0
    for editor in volume.config.editors:
        n += 1
        _onix_contributor(d, n, editor, "B01")
    for author in e.meta.contributors:
        n += 1
        _onix_contributor(d, n, author, "A01")
    for lang in e.all_languages:
        language = _o(d, "Language")
        _o(language, "LanguageRole", "01")
        _o(language, "LanguageCode", iso639_2(lang))
    if e.pages:
        extent = _o(d, "Extent")
        _o(extent, "ExtentType", "00")
        _o(extent, "ExtentValue", str(e.pages))
        _o(extent, "ExtentUnit", "03")
    if e.keywords:
        subject = _o(d, "Subject")
        _o(subject, "SubjectSchemeIdentifier", "20")
        _o(subject, "SubjectHeadingText", "; ".join(e.keywords))


def _resource(collateral: etree._Element, content_type: str, mode: str, link: str) -> None:
    resource = _o(collateral, "SupportingResource")
    _o(resource, "ResourceContentType", content_type)
    _o(resource, "ContentAudience", "00")
    _o(resource, "ResourceMode", mode)
    version = _o(resource, "ResourceVersion")
    _o(version, "ResourceForm", "02")
    _o(version, "ResourceLink", link)


def onix_product(volume: Volume, e: EditionInfo, f: FileInfo, u: Urls) -> etree._Element:
    cfg = volume.config
    product = etree.Element(f"{{{ONIX_NS}}}Product")
    _o(product, "RecordReference", f"bookforge.{cfg.slug}.{e.edition_name}.{f.format}")
    _o(product, "NotificationType", "03")
    ident = _o(product, "ProductIdentifier")
    if f.isbn:
        _o(ident, "ProductIDType", "15")
        _o(ident, "IDValue", isbn_digits(f.isbn))
    else:
        _o(ident, "ProductIDType", "01")
        _o(ident, "IDTypeName", "bookforge")
        _o(ident, "IDValue", f.identifier)
    _descriptive(product, volume, e, f)
    collateral = _o(product, "CollateralDetail")
    if e.abstract:
        text = _o(collateral, "TextContent")
        _o(text, "TextType", "03")
        _o(text, "ContentAudience", "00")
        _o(text, "Text", e.abstract)
    if e.cover:  # front cover (01), an image (03), a downloadable file (02)
        _resource(collateral, "01", "03", u.absolute(urls.download(e.cover.name)))
        _resource(collateral, "27", "03", u.absolute(urls.download(e.cover.thumbnail_name)))
    # open access: the product file itself is the full content (28), text (04)
    _resource(collateral, "28", "04", u.absolute(urls.download(f.name)))
    publishing = _o(product, "PublishingDetail")
    publisher = _o(publishing, "Publisher")
    _o(publisher, "PublishingRole", "01")
    _o(publisher, "PublisherName", cfg.publisher)
    _o(publishing, "CityOfPublication", cfg.place)
    _o(publishing, "PublishingStatus", "04")
    date = _o(publishing, "PublishingDate")
    _o(date, "PublishingDateRole", "01")
    _o(date, "Date", cfg.date.strftime("%Y%m%d"))
    return product


def onix(volume: Volume, e: EditionInfo, u: Urls) -> bytes:
    root = etree.Element(f"{{{ONIX_NS}}}ONIXMessage", nsmap={None: ONIX_NS}, release="3.0")
    header = _o(root, "Header")
    sender = _o(header, "Sender")
    _o(sender, "SenderName", volume.config.publisher)
    _o(header, "SentDateTime", volume.config.date.strftime("%Y%m%d"))
    for f in e.files:
        root.append(onix_product(volume, e, f, u))
    return _xml(root)
