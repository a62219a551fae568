"""publish: the download site, OPDS 1.2/2.0 feeds and MARCXML, oai_dc, ONIX records, read
back with feedparser, palace-webpub-manifest-parser, pymarc, onixcheck and pypdf."""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import time
import tomllib
import zipfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import onixcheck
import pymarc
import pypdf
import pytest
from lxml import etree, html

from bookforge.publish import PublishOptions, publish
from bookforge.publish.collect import collect
from bookforge.publish.urls import Urls

from .conftest import BOOK, FIXTURES, run_cli

BASE_URL = "https://books.example.org/minimal/"
ISBN = {"id": {"pdf": "978-602-000001-5", "epub": "978-602-000002-2"},
        "en": {"pdf": "978-602-000003-9", "epub": "978-602-000004-6"}}
ONIX = "{http://ns.editeur.org/onix/3.0/reference}"
DC = "{http://purl.org/dc/elements/1.1/}"
OPF = {"opf": "http://www.idpf.org/2007/opf", "dc": "http://purl.org/dc/elements/1.1/"}
DC_ELEMENTS = {"title", "creator", "subject", "description", "publisher", "contributor", "date",
               "type", "format", "identifier", "source", "language", "relation", "coverage",
               "rights"}


@dataclass(frozen=True)
class Published:
    book: Path  # the book folder (a copy of minimal with ISBNs and an abstract)
    build: Path
    site: Path  # published without a base URL
    absolute: Path  # published with BASE_URL
    stdout: str
    stderr: str


@pytest.fixture(scope="session")
def published(tmp_path_factory: pytest.TempPathFactory) -> Published:
    root = tmp_path_factory.mktemp("publish")
    book = root / "book"
    shutil.copytree(FIXTURES / "minimal", book)
    isbn = "\n".join(f'{lang} = {{ pdf = "{v["pdf"]}", epub = "{v["epub"]}" }}'
                     for lang, v in ISBN.items())
    with (book / "book.toml").open("a", encoding="utf-8") as fh:
        fh.write(f'\n[isbn]\n{isbn}\n\n[abstract]\nid = "Abstrak jilid uji."\n'
                 'en = "The abstract of the test volume."\n')
    build, site, absolute = root / "build", root / "site", root / "site-abs"
    result = run_cli("publish", str(book), "--build-dir", str(build), "--out", str(site), "-q")
    assert result.returncode == 0, result.stderr
    second = run_cli("publish", str(book), "--build-dir", str(build), "--out", str(absolute),
                     "--base-url", BASE_URL, "-q")
    assert second.returncode == 0, second.stderr
    return Published(book, build, site, absolute, result.stdout, result.stderr)


def config(p: Published) -> dict:
    return tomllib.loads((p.book / "book.toml").read_text(encoding="utf-8"))


def opf_metadata(epub: Path) -> dict[str, list[str]]:
    with zipfile.ZipFile(epub) as zf:
        opf = etree.fromstring(zf.read("EPUB/content.opf"))
    meta = opf.find("opf:metadata", OPF)
    out: dict[str, list[str]] = {}
    for el in meta:
        if isinstance(el.tag, str) and el.tag.startswith(DC):
            out.setdefault(el.tag[len(DC):], []).append((el.text or "").strip())
    return out


def test_publish_writes_site_and_reports_reuse(published: Published) -> None:
    assert "rebuilt editions: id, en" in published.stdout
    assert "publish-base-url" in published.stderr  # the relative OPDS 2 self link is flagged
    for rel in ("index.html", "id/index.html", "en/index.html", "opds.xml", "opds-root.xml",
                "opds2.json", "site.css", "files/minimal-id.epub", "files/minimal-en.pdf",
                "records/minimal-en.marc.xml", "records/minimal-id.onix.xml",
                "records/minimal-en.oai_dc.xml", "en/01-alpha-01-trust.html"):
        assert (published.site / rel).is_file(), rel


def test_publish_reuses_up_to_date_outputs_and_rebuilds_stale(published: Published,
                                                              tmp_path: Path) -> None:
    build = tmp_path / "build"
    shutil.copytree(published.build, build)
    future = time.time() + 60
    for f in build.iterdir():
        os.utime(f, (future, future))
    result = publish(published.book, PublishOptions(build_dir=build, out_dir=tmp_path / "s"))
    assert result.ok and result.rebuilt == ()
    chapter = published.book / "parts" / "01-alpha" / "01-trust.en.md"
    later = future + 60
    os.utime(chapter, (later, later))
    try:
        result = publish(published.book, PublishOptions(build_dir=build,
                                                         out_dir=tmp_path / "s"))
    finally:
        now = time.time()
        os.utime(chapter, (now, now))
    assert result.ok and result.rebuilt == ("id", "en")


def test_publish_refuses_a_site_folder_that_holds_the_build(published: Published) -> None:
    result = run_cli("publish", str(published.book), "--build-dir",
                     str(published.build / "x" / ".."), "--out", str(published.build), "-q")
    assert result.returncode == 1
    assert "publish-out" in result.stderr
    assert (published.build / "minimal-en.pdf").is_file()


def test_opds_acquisition_feed_reads_back_with_feedparser(published: Published) -> None:
    cfg = config(published)
    feed = feedparser.parse(str(published.site / "opds.xml"))
    assert not feed.bozo, feed.get("bozo_exception")
    assert [e.title for e in feed.entries] == [cfg["title"][lang] for lang in cfg["languages"]]
    for entry, lang in zip(feed.entries, cfg["languages"], strict=True):
        assert entry.dcterms_language == lang
        assert entry.id == "urn:isbn:" + ISBN[lang]["epub"].replace("-", "")
        assert [a.name for a in entry.authors] == [e["name"] for e in cfg["editors"]]
        assert {c.name for c in entry.contributors} == {
            "Siti Rekaan", "Nguyễn Thị Hư Cấu", "Maria Kathang-isip"}
        assert entry.summary == cfg["abstract"][lang]
        acquisitions = {link.type: link.href for link in entry.links
                        if link.rel == "http://opds-spec.org/acquisition/open-access"}
        assert set(acquisitions) == {"application/pdf", "application/epub+zip"}
        for media_type, href in acquisitions.items():
            ext = "pdf" if media_type == "application/pdf" else "epub"
            served = (published.site / href).read_bytes()
            assert served == (published.build / f"minimal-{lang}.{ext}").read_bytes()
        images = {link.rel.rsplit("/", 1)[-1]: link.href for link in entry.links
                  if "opds-spec.org/image" in link.rel}
        if images:  # the EPUB has a cover: the feed offers it and a real thumbnail
            from PIL import Image

            with Image.open(published.site / images["thumbnail"]) as thumb:
                assert thumb.format == "PNG" and thumb.width <= 240 and thumb.height <= 360
            assert (published.site / images["image"]).is_file()
        keywords = {t.term for t in entry.tags}
        expected = set()
        for md in (published.book / "parts").rglob(f"*.{lang}.md"):
            expected |= set(_front_matter(md).get("keywords", []))
        assert keywords == expected
    root = feedparser.parse(str(published.site / "opds-root.xml"))
    assert not root.bozo
    sub = [link.href for e in root.entries for link in e.links if link.rel == "subsection"]
    assert sub == ["opds.xml"]


def _front_matter(path: Path) -> dict:
    import yaml

    text = path.read_text(encoding="utf-8")
    return yaml.safe_load(text.split("---")[1])


def test_opds2_reads_back_with_palace_parser(published: Published) -> None:
    from webpub_manifest_parser.opds2 import OPDS2FeedParserFactory

    result = OPDS2FeedParserFactory().create().parse_file(str(published.absolute / "opds2.json"))
    assert result.errors == []
    cfg = config(published)
    pubs = result.root.publications
    assert [p.metadata.title for p in pubs] == [cfg["title"][lang] for lang in cfg["languages"]]
    assert [p.metadata.languages for p in pubs] == [[lang] for lang in cfg["languages"]]
    for p in pubs:
        hrefs = [link.href for link in p.links]
        assert all(h.startswith(BASE_URL) for h in hrefs)
        assert {link.type for link in p.links} >= {"application/pdf", "application/epub+zip"}
    # the parser is strict: a relative self link is an error it reports
    relative = OPDS2FeedParserFactory().create().parse_file(str(published.site / "opds2.json"))
    assert relative.errors


def test_marcxml_reads_back_with_pymarc(published: Published) -> None:
    cfg = config(published)
    for lang in cfg["languages"]:
        records = pymarc.parse_xml_to_array(
            str(published.site / f"records/minimal-{lang}.marc.xml"))
        assert len(records) == 1
        rec = records[0]
        assert rec["245"]["a"].rstrip(" :/") == cfg["title"][lang]
        assert rec["041"]["a"] == {"id": "ind", "en": "eng"}[lang]
        assert rec["008"].data[35:38] == rec["041"]["a"]
        assert len(rec["008"].data) == 40
        assert sorted(f["a"] for f in rec.get_fields("020")) == sorted(
            v.replace("-", "") for v in ISBN[lang].values())
        editors = [f["a"].rstrip(",") for f in rec.get_fields("700") if f["4"] == "edt"]
        assert editors == [e["name"] for e in cfg["editors"]]
        authors = [f["a"].rstrip(",") for f in rec.get_fields("700") if f["4"] == "aut"]
        assert "Siti Rekaan" in authors and "Maria Kathang-isip" in authors
        pages = len(pypdf.PdfReader(published.build / f"minimal-{lang}.pdf").pages)
        assert rec["300"]["a"] == f"1 online resource ({pages} pages)"
        assert [f["a"] for f in rec.get_fields("653")]
        assert rec["520"]["a"] == cfg["abstract"][lang]


def test_onix_validates_with_onixcheck(published: Published, tmp_path: Path) -> None:
    for lang in ("id", "en"):
        path = published.site / f"records/minimal-{lang}.onix.xml"
        assert onixcheck.validate(str(path)) == []
        root = etree.parse(str(path)).getroot()
        products = root.findall(f"{ONIX}Product")
        assert len(products) == 2
        ids = sorted(p.findtext(f"{ONIX}ProductIdentifier/{ONIX}IDValue") for p in products)
        assert ids == sorted(v.replace("-", "") for v in ISBN[lang].values())
        for p in products:
            d = p.find(f"{ONIX}DescriptiveDetail")
            assert d.findtext(f"{ONIX}Language/{ONIX}LanguageCode") == \
                {"id": "ind", "en": "eng"}[lang]
            codes = {f.findtext(f"{ONIX}ProductFormFeatureValue")
                     for f in d.findall(f"{ONIX}ProductFormFeature")
                     if f.findtext(f"{ONIX}ProductFormFeatureType") == "09"}
            assert {"00", "11", "13", "14", "22"} <= codes
            roles = [c.findtext(f"{ONIX}ContributorRole") for c in d.findall(f"{ONIX}Contributor")]
            assert roles[:2] == ["B01", "B01"] and "A01" in roles
            pages = int(d.findtext(f"{ONIX}Extent/{ONIX}ExtentValue"))
            assert pages == len(pypdf.PdfReader(published.build / f"minimal-{lang}.pdf").pages)
    # and the validator does reject a broken record
    broken = tmp_path / "broken.xml"
    text = (published.site / "records/minimal-en.onix.xml").read_text(encoding="utf-8")
    broken.write_text(text.replace("<NotificationType>03</NotificationType>", ""),
                      encoding="utf-8")
    assert onixcheck.validate(str(broken))


def test_oai_dc_is_well_formed_simple_dublin_core(published: Published) -> None:
    cfg = config(published)
    for lang in cfg["languages"]:
        root = etree.parse(str(published.site / f"records/minimal-{lang}.oai_dc.xml")).getroot()
        assert root.tag == "{http://www.openarchives.org/OAI/2.0/oai_dc/}dc"
        names = []
        for el in root:
            assert el.tag.startswith(DC), el.tag
            assert el.tag[len(DC):] in DC_ELEMENTS
            assert len(el) == 0 and (el.text or "").strip()
            names.append(el.tag[len(DC):])
        assert {"title", "creator", "publisher", "date", "identifier", "language",
                "rights"} <= set(names)
        values = {n: [e.text for e in root.findall(DC + n)] for n in set(names)}
        assert values["creator"] == [e["name"] for e in cfg["editors"]]
        assert "urn:isbn:" + ISBN[lang]["epub"].replace("-", "") in values["identifier"]


def test_metadata_agrees_across_toml_opf_opds_marc_onix_dc(published: Published) -> None:
    """One table per edition: each field as book.toml, the EPUB's OPF, OPDS, MARC, ONIX and
    oai_dc state it; every source must agree."""
    cfg = config(published)
    feed = feedparser.parse(str(published.site / "opds.xml"))
    for lang, entry in zip(cfg["languages"], feed.entries, strict=True):
        opf = opf_metadata(published.build / f"minimal-{lang}.epub")
        marc = pymarc.parse_xml_to_array(
            str(published.site / f"records/minimal-{lang}.marc.xml"))[0]
        onix = etree.parse(str(published.site / f"records/minimal-{lang}.onix.xml")).getroot()
        epub_product = next(p for p in onix.findall(f"{ONIX}Product")
                            if p.findtext(f"{ONIX}DescriptiveDetail/{ONIX}ProductFormDetail")
                            == "E101")
        dc = etree.parse(str(published.site / f"records/minimal-{lang}.oai_dc.xml")).getroot()
        dd = epub_product.find(f"{ONIX}DescriptiveDetail")
        pd = epub_product.find(f"{ONIX}PublishingDetail")
        iso = {"id": "ind", "en": "eng"}[lang]
        fields = {
            "title": {
                "toml": cfg["title"][lang], "opf": opf["title"][0], "opds": entry.title,
                "marc": marc["245"]["a"].rstrip(" :/"),
                "onix": dd.findtext(f"{ONIX}TitleDetail/{ONIX}TitleElement/{ONIX}TitleText"),
                "dc": dc.findtext(DC + "title").split(": ")[0]},
            "language": {
                "toml": lang, "opf": opf["language"][0], "opds": entry.dcterms_language,
                "marc": {"ind": "id", "eng": "en"}[marc["041"]["a"]],
                "onix": {"ind": "id", "eng": "en"}[dd.findtext(
                    f"{ONIX}Language/{ONIX}LanguageCode")],
                "dc": {"ind": "id", "eng": "en"}[dc.findtext(DC + "language")]},
            "editors": {
                "toml": [e["name"] for e in cfg["editors"]], "opf": opf["creator"],
                "opds": [a.name for a in entry.authors],
                "marc": [f["a"].rstrip(",") for f in marc.get_fields("700") if f["4"] == "edt"],
                "onix": [c.findtext(f"{ONIX}PersonName") for c in dd.findall(f"{ONIX}Contributor")
                         if c.findtext(f"{ONIX}ContributorRole") == "B01"],
                "dc": [e.text for e in dc.findall(DC + "creator")]},
            "publisher": {
                "toml": cfg["publisher"], "opf": opf["publisher"][0],
                "opds": entry.dcterms_publisher, "marc": marc["264"]["b"].rstrip(","),
                "onix": pd.findtext(f"{ONIX}Publisher/{ONIX}PublisherName"),
                "dc": dc.findtext(DC + "publisher")},
            "date": {
                "toml": cfg["date"].isoformat(), "opf": opf["date"][0],
                "opds": entry.published[:10],
                "marc": cfg["date"].isoformat() if marc["264"]["c"].rstrip(".") == str(
                    cfg["date"].year) else marc["264"]["c"],
                "onix": _iso(pd.findtext(f"{ONIX}PublishingDate/{ONIX}Date")),
                "dc": dc.findtext(DC + "date")},
            "epub identifier": {
                "toml": "urn:isbn:" + cfg["isbn"][lang]["epub"].replace("-", ""),
                "opf": opf["identifier"][0], "opds": entry.id,
                "marc": "urn:isbn:" + next(f["a"] for f in marc.get_fields("020")
                                           if f["q"] == "(EPUB)"),
                "onix": "urn:isbn:" + epub_product.findtext(
                    f"{ONIX}ProductIdentifier/{ONIX}IDValue"),
                "dc": next(e.text for e in dc.findall(DC + "identifier")
                           if e.text.endswith(cfg["isbn"][lang]["epub"].replace("-", "")))},
            "licence": {
                "toml": f"{cfg['licence']['name']} ({cfg['licence']['url']})",
                "opf": opf["rights"][0], "opds": entry.rights,
                "marc": f"{marc['540']['f']} ({marc['540']['u']})",
                "onix": "{} ({})".format(
                    dd.findtext(f"{ONIX}EpubLicense/{ONIX}EpubLicenseName"),
                    dd.findtext(f"{ONIX}EpubLicense/{ONIX}EpubLicenseExpression/"
                                f"{ONIX}EpubLicenseExpressionLink")),
                "dc": dc.findtext(DC + "rights")},
        }
        assert dd.findtext(f"{ONIX}Language/{ONIX}LanguageCode") == iso
        # the OPF words its rights statement per language: compare the licence's URL and name
        fields["licence"] = {k: _licence(v, cfg["licence"]["name"])
                             for k, v in fields["licence"].items()}
        for name, by_source in fields.items():
            values = {json.dumps(v, ensure_ascii=False) for v in by_source.values()}
            assert len(values) == 1, f"{lang} {name} disagrees: {by_source}"


def _licence(statement: str, name: str) -> tuple[bool, str]:
    url = re.search(r"https?://[^\s)]+", statement)
    return name in statement, url.group(0) if url else ""


def _iso(yyyymmdd: str) -> str:
    return f"{yyyymmdd[:4]}-{yyyymmdd[4:6]}-{yyyymmdd[6:]}"


def _links(page: Path) -> list[str]:
    doc = html.parse(str(page)).getroot()
    return [el.get(attr) for el in doc.iter() if isinstance(el.tag, str)
            for attr in ("href", "src") if el.get(attr)]


def test_relative_links_resolve_inside_the_site(published: Published) -> None:
    pages = sorted(published.site.rglob("*.html"))
    assert len(pages) == 1 + 2 * 3  # root, two landing pages, two chapters in each language
    for page in pages:
        for link in _links(page):
            parts = urlsplit(link)
            if parts.scheme in ("http", "https"):
                continue  # the licence, ORCID
            assert not parts.scheme and not link.startswith("/"), link
            if parts.path:
                target = (page.parent / parts.path).resolve()
                assert target.is_file() and target.is_relative_to(published.site.resolve()), \
                    f"{page.name}: {link}"


def test_base_url_makes_links_absolute(published: Published) -> None:
    for page in published.absolute.rglob("*.html"):
        for link in _links(page):
            if link.startswith("#"):
                continue
            assert urlsplit(link).scheme in ("http", "https"), f"{page}: {link}"
    feed = feedparser.parse(str(published.absolute / "opds.xml"))
    for entry in feed.entries:
        assert all(link.href.startswith(BASE_URL) for link in entry.links)
    marc = pymarc.parse_xml_to_array(str(published.absolute / "records/minimal-en.marc.xml"))[0]
    assert all(f["u"].startswith(BASE_URL) for f in marc.get_fields("856"))
    chapter = html.parse(str(published.absolute / "en/01-alpha-01-trust.html")).getroot()
    for style in ("apa", "mla"):
        cited = chapter.xpath(f'//p[contains(@class, "{style}")]')[0].text_content()
        assert cited.endswith(" " + BASE_URL + "en/01-alpha-01-trust.html")


def test_landing_page_lists_checksums_json_ld_and_abstracts(published: Published) -> None:
    page = published.site / "en" / "index.html"
    doc = html.parse(str(page)).getroot()
    for code in doc.xpath('//code[@class="sha256"]'):
        served = published.site / "files" / code.get("data-file")
        assert code.text == hashlib.sha256(served.read_bytes()).hexdigest()
    assert len(doc.xpath('//code[@class="sha256"]')) == 4
    data = json.loads(doc.xpath('//script[@type="application/ld+json"]')[0].text)
    assert data["@type"] == "Book" and data["inLanguage"] == "en"
    examples = data["workExample"]
    assert {(w["inLanguage"], w["encodingFormat"]) for w in examples} == {
        (lang, t) for lang in ("id", "en") for t in ("application/pdf", "application/epub+zip")}
    assert {w["isbn"] for w in examples} == {v for d in ISBN.values() for v in d.values()}
    assert all(w["accessibilityFeature"] and w["accessMode"] for w in examples)
    assert doc.xpath('//p[@class="abstract"]')[0].text == "The abstract of the test volume."
    assert len(doc.xpath('//ol[@class="toc"]//details')) == 2
    assert [a.text for a in doc.xpath('//ul[@class="langs"]//a')] == ["Indonesia", "English"]
    indonesian = html.parse(str(published.site / "id" / "index.html")).getroot()
    assert indonesian.get("lang") == "id"
    assert indonesian.xpath('//*[@id="downloads-heading"]')[0].text == "Unduhan"


def test_chapter_page_has_highwire_tags_and_pdf_page_range(published: Published) -> None:
    for lang, title in (("en", "Trust and Social Capital"), ("id", None)):
        doc = html.parse(str(published.site / lang / "01-alpha-01-trust.html")).getroot()
        meta: dict[str, list[str]] = {}
        for m in doc.xpath('//meta[starts-with(@name, "citation_")]'):
            meta.setdefault(m.get("name"), []).append(m.get("content"))
        title = title or meta["citation_title"][0]
        assert meta["citation_title"] == [title]
        assert meta["citation_author"] == ["Siti Rekaan", "Nguyễn Thị Hư Cấu"]
        assert len(meta["citation_author_institution"]) == 2
        first, last = int(meta["citation_firstpage"][0]), int(meta["citation_lastpage"][0])
        reader = pypdf.PdfReader(published.build / f"minimal-{lang}.pdf")
        assert title in " ".join(reader.pages[first - 1].extract_text().split())
        assert first <= last < len(reader.pages)
        pdf_url = meta["citation_pdf_url"][0]
        assert (published.site / pdf_url).is_file()
        assert meta["citation_isbn"] == [ISBN[lang]["pdf"]]
        sections = doc.xpath('//section[@class="abstract"]')
        assert {s.get("lang") for s in sections} == {"id", "en"}  # abstracts in both languages
        apa = doc.xpath('//p[contains(@class, "apa")]')[0].text_content()
        assert f"({first}\u2013{last})" in apa.replace("pp. ", "").replace("hlm. ", "")
        assert "Rekaan, S., & Cấu, N. T. H. (2025)." in apa
        mla = doc.xpath('//p[contains(@class, "mla")]')[0].text_content()
        assert mla.startswith("Rekaan, Siti, ")


def test_real_book_every_chapter_has_pdf_pages_and_valid_records(built_book: Path,
                                                                 tmp_path: Path) -> None:
    from bookforge.pipeline.driver import FORMATS, output_path
    from bookforge.publish import write_site
    from bookforge.source.load import load_book

    book, _ = load_book(BOOK)
    files = {(lang, fmt): output_path(book, lang, fmt, built_book)
             for lang in book.config.languages for fmt in FORMATS}
    volume = collect(book, files)
    write_site(volume, tmp_path / "site", Urls())
    assert len(volume.chapters) == len(book.chapters())
    for e in volume.editions:
        ranges = [c.pages[e.lang] for c in volume.chapters]
        assert all(first <= last <= e.pages for first, last in ranges)
        assert [r[0] for r in ranges] == sorted(r[0] for r in ranges)
        assert onixcheck.validate(str(tmp_path / "site" / "records" /
                                      f"{book.config.slug}-{e.lang}.onix.xml")) == []
        rec = pymarc.parse_xml_to_array(str(tmp_path / "site" / "records" /
                                            f"{book.config.slug}-{e.lang}.marc.xml"))[0]
        assert rec["505"]["a"].count(" -- ") == len(volume.chapters) - 1
    feed = feedparser.parse(str(tmp_path / "site" / "opds.xml"))
    assert not feed.bozo and len(feed.entries) == len(book.config.languages)


def test_a_book_without_a_cover_publishes_without_one(published: Published,
                                                      tmp_path: Path) -> None:
    from dataclasses import replace

    from bookforge.publish import site_files
    from bookforge.publish.collect import epub_cover
    from bookforge.source.load import load_book

    bare = tmp_path / "bare.epub"
    with zipfile.ZipFile(published.build / "minimal-en.epub") as src, \
            zipfile.ZipFile(bare, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename.endswith(".opf"):
                data = data.replace(b'properties="cover-image"', b"")
            dst.writestr(item, data)
    assert epub_cover(bare, "en") is None
    book, _ = load_book(published.book)
    files = {(lang, fmt): published.build / f"minimal-{lang}.{fmt}"
             for lang in ("id", "en") for fmt in ("pdf", "epub")}
    volume = collect(book, files)
    volume = replace(volume, editions=tuple(replace(e, cover=None) for e in volume.editions))
    out = site_files(volume, Urls())
    assert b'class="cover"' not in out["en/index.html"]
    assert b"opds-spec.org/image" not in out["opds.xml"]
    assert not any(name.startswith("files/cover") for name in out)
    assert onixcheck.validate(_write(tmp_path / "onix.xml", out["records/minimal-en.onix.xml"])) \
        == []


def _write(path: Path, data: bytes) -> str:
    path.write_bytes(data)
    return str(path)
