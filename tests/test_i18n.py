"""Localisation: catalogs complete and used by every template, Babel formatting per locale,
collation, and a third language (Malay) added by a book without code changes."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po
from lxml import etree
from pypdf import PdfReader

from bookforge.i18n import LOCALE_DIR, Localizer, sort_key
from bookforge.source.load import load_book

from .conftest import FIXTURES, ROOT, run_cli

PACKAGE = ROOT / "src" / "bookforge"
TEMPLATES = PACKAGE / "templates"
LANGS = ("id", "en")


def catalog(lang: str):  # type: ignore[no-untyped-def]
    with (LOCALE_DIR / lang / "LC_MESSAGES" / "bookforge.po").open("rb") as fh:
        return read_po(fh, locale=lang)


# -- catalogs -------------------------------------------------------------------------

@pytest.mark.parametrize("lang", LANGS)
def test_no_message_is_untranslated_or_fuzzy(lang: str) -> None:
    bad = [m.id for m in catalog(lang) if m.id and (m.fuzzy or not all(
        m.string if isinstance(m.string, tuple) else (m.string,)))]
    assert bad == []


def extracted_messages() -> set[tuple[str | None, str]]:
    method_map = [("**.py", "python"), ("templates/**.html", "jinja2"),
                  ("templates/**.xhtml", "jinja2")]
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"},
               "templates/**.xhtml": {"extensions": "jinja2.ext.i18n"}}
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
            str(PACKAGE), method_map, options):
        msgid = message[0] if isinstance(message, tuple) else message
        found.add((context, msgid))
    return found


@pytest.mark.parametrize("lang", LANGS)
def test_every_message_in_the_code_is_in_the_catalog(lang: str) -> None:
    po = catalog(lang)
    messages = extracted_messages()
    assert ("language name", "{language}") in messages  # the extractor sees pgettext too
    missing = sorted(str(m) for ctx, m in messages if po.get(m, context=ctx) is None)
    assert missing == []


# Names of standards and formats, the same in every language (acronyms pass anyway).
NEUTRAL_NAMES = {"Dublin", "Core", "(oai_dc)"}
ATTRS_ONLY = re.compile(r'(\s*[\w:-]+="[^"]*")+\s*')


class _TextCollector(HTMLParser):
    """Visible text and user-facing attributes of a template with Jinja code blanked out."""

    VISIBLE_ATTRS = {"alt", "title", "aria-label", "placeholder"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        self.texts += [v or "" for k, v in attrs if k in self.VISIBLE_ATTRS]

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        # a block that fills in a tag's attributes (`<body{% block attrs %}{% endblock %}>`)
        # is text to the parser; attribute values are not printed
        if not self._skip and not ATTRS_ONLY.fullmatch(data):
            self.texts.append(data)


def untranslated_text(source: str) -> list[str]:
    """Words a template prints that are not inside a Jinja expression or tag: every piece
    of literal text left over must be punctuation, digits, symbols or acronyms (PDF,
    ORCID: the same in every language)."""
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"])
    data = "".join(value if kind == "data" else " " for _line, kind, value
                   in env.lex(source))
    collector = _TextCollector()
    collector.feed(data)
    words = []
    for text in collector.texts:
        words += [w for w in text.split() if re.search(r"[^\W\d_]", w)
                  and not re.fullmatch(r"\W*[A-Z][A-Z0-9.-]+\W*", w)
                  and w not in NEUTRAL_NAMES]
    return words


def test_template_scan_catches_literal_text() -> None:
    assert untranslated_text('<p class="x">Chapter {{ n }}</p>') == ["Chapter"]
    assert untranslated_text('<img alt="Cover" src="{{ s }}" />') == ["Cover"]
    assert untranslated_text('<body{% block a %}{% endblock %}>Hi</body>') == ["Hi"]
    assert untranslated_text('{% block a %} epub:type="x"{% endblock %}') == []
    assert untranslated_text('<p>{{ _("Chapter") }} {{ n }}: © · ({{ x }}).</p>') == []


@pytest.mark.parametrize("path", sorted(TEMPLATES.glob("*/*.*html")), ids=lambda p: p.name)
def test_templates_mark_every_visible_string_for_translation(path: Path) -> None:
    assert untranslated_text(path.read_text(encoding="utf-8")) == []


def test_wheel_ships_compiled_catalogs(tmp_path: Path) -> None:
    """setup.py compiles the .po files into .mo files inside the built package."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w",
                          str(tmp_path), str(ROOT)], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    wheel = next(tmp_path.glob("bookforge-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for lang in LANGS:
        assert f"bookforge/locale/{lang}/LC_MESSAGES/bookforge.mo" in names


# -- Babel formatting -----------------------------------------------------------------

def test_dates_lists_numbers_and_language_names_per_locale() -> None:
    day = dt.date(2015, 11, 28)
    id_, en = Localizer("id"), Localizer("en")
    assert id_.date(day) == "28 November 2015"
    assert en.date(day) == "November 28, 2015"
    assert id_.date(day, "full") == "Sabtu, 28 November 2015"
    assert en.date(day, "full") == "Saturday, November 28, 2015"
    assert id_.join(["A", "B", "C"]) == "A, B, dan C"
    assert en.join(["A", "B", "C"]) == "A, B, and C"
    assert id_.number(45210.5) == "45.210,5"
    assert en.number(45210.5) == "45,210.5"
    assert id_.language_title("id") == "Bahasa Indonesia"
    assert en.language_title("id") == "Indonesian"
    assert id_.gettext("This chapter was written in {language}.").format(
        language=id_.language_name("en")) == "Artikel ini ditulis dalam bahasa Inggris."


def test_sort_key_ignores_case_and_accents_then_breaks_ties() -> None:
    words = ["Zakat", "étika", "edukasi", "Etika", "Ekonomi", "đoan", "etika", "Đoàn"]
    assert sorted(words, key=lambda w: sort_key(w, "id")) == [
        "đoan", "Đoàn", "edukasi", "Ekonomi", "etika", "Etika", "étika", "Zakat"]
    assert sorted(words) != sorted(words, key=lambda w: sort_key(w, "id"))


# -- editions: generated labels in the right language -----------------------------------

def _catalog_strings() -> dict[str, set[str]]:
    """For each language, the label strings that differ from the other language's."""
    by_lang = {lang: {(m.context, str(m.id)): m.string if isinstance(m.string, tuple)
                      else (m.string,) for m in catalog(lang) if m.id} for lang in LANGS}
    out: dict[str, set[str]] = {lang: set() for lang in LANGS}
    for key, id_text in by_lang["id"].items():
        en_text = by_lang["en"].get(key)
        if not en_text or en_text == id_text:
            continue
        for lang, texts in (("id", id_text), ("en", en_text)):
            # the literal parts around placeholders; short fragments are too ambiguous
            out[lang] |= {p.strip(" .:,") for text in texts for p in re.split(r"\{\w+\}", text)
                          if len(p.strip(" .:,")) >= 3}
    return out


def _source_text(book_dir: Path) -> str:
    """Everything an author wrote that an edition may print: chapter files, front
    matter, part and book metadata, glossary, bibliography (its titles are printed as
    written, in the language of each work)."""
    files = [p for p in book_dir.rglob("*")
             if p.suffix in (".md", ".toml", ".csv", ".bib", ".json", ".yaml")]
    return "\n".join(p.read_text(encoding="utf-8") for p in files)


def _epub_text(path: Path) -> str:
    """The text of every XHTML document and of the NCX, their user-visible attributes,
    and the package metadata a reading system shows (Dublin Core, accessibility summary;
    not vocabulary values such as schema:accessibilityFeature "index")."""
    texts = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.endswith(".opf"):
                root = etree.fromstring(z.read(name))
                texts += [el.text or "" for el in root.iter() if isinstance(el.tag, str) and (
                    el.tag.startswith("{http://purl.org/dc/elements/1.1/}")
                    or el.get("property") == "schema:accessibilitySummary")]
            elif name.endswith((".xhtml", ".ncx")):
                root = etree.fromstring(z.read(name))
                texts.append(" ".join(root.itertext()))
                texts += [v for el in root.iter() if isinstance(el.tag, str)
                          for k, v in el.attrib.items() if k in ("alt", "title", "aria-label")]
    return "\n".join(texts)


def _pdf_text(path: Path) -> str:
    reader = PdfReader(path)
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def words(text: str) -> list[str]:
    # a word hyphenated at a line end ("se-" / "derhana") is the author's word again
    text = re.sub(r"[-\u2010\u00ad]\n\s*", "", text)
    return re.findall(r"\w+", text.casefold())


def wrong_language_labels(output_text: str, lang: str, source: str) -> list[str]:
    """Labels of the other language that an edition prints where the author did not write
    them: an occurrence is the author's when the label with the word before or after it
    also occurs in the sources (titles are repeated in contents, running heads and
    bookmarks; CSS may upper-case labels, so the comparison ignores case)."""
    other = "en" if lang == "id" else "id"
    labels = {tuple(words(s)) for s in _catalog_strings()[other] - _catalog_strings()[lang]}
    src = " " + " ".join(words(source)) + " "
    out = words(output_text)
    found = set()
    for label in labels:
        n = len(label)
        for i in range(len(out) - n + 1):
            if tuple(out[i:i + n]) != label:
                continue
            before = " ".join(out[i - 1:i + n]) if i > 0 else "\0"
            after = " ".join(out[i:i + n + 1]) if i + n < len(out) else "\0"
            if f" {before} " not in src and f" {after} " not in src:
                found.add(" ".join(label))
    return sorted(found)


def test_wrong_language_scan_can_fail() -> None:
    source = "Modal sosial tumbuh dari kepercayaan. A Chapter in English Only"
    assert wrong_language_labels("Bab 1 Modal sosial ... ABSTRACT Modal", "id", source) == \
        ["abstract"]
    assert wrong_language_labels("BAB 1 Abstrak Kata kunci: modal", "id", source) == []
    assert wrong_language_labels("Bab 2 A Chapter in English Only", "id", source) == []
    assert wrong_language_labels("Chapter 2 A Chapter in English Only", "id", source) == \
        ["chapter"]


@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", ["pdf", "epub"])
def test_minimal_editions_have_no_label_in_the_other_language(
        built_minimal: Path, lang: str, fmt: str) -> None:
    path = built_minimal / f"minimal-{lang}.{fmt}"
    text = _pdf_text(path) if fmt == "pdf" else _epub_text(path)
    assert wrong_language_labels(text, lang, _source_text(FIXTURES / "minimal")) == []


@pytest.mark.slow
@pytest.mark.parametrize("lang", LANGS)
@pytest.mark.parametrize("fmt", ["pdf", "epub"])
def test_book_editions_have_no_label_in_the_other_language(
        built_book: Path, lang: str, fmt: str) -> None:
    book, _ = load_book(ROOT / "book")
    path = built_book / f"{book.config.slug}-{lang}.{fmt}"
    text = _pdf_text(path) if fmt == "pdf" else _epub_text(path)
    assert wrong_language_labels(text, lang, _source_text(ROOT / "book")) == []


# -- a third language, added by the book --------------------------------------------------

@pytest.fixture(scope="module")
def trilingual_ms(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("trilingual")
    result = run_cli("build", str(FIXTURES / "trilingual"), "--edition", "ms", "--out",
                     str(out), "-q")
    assert result.returncode == 0, result.stderr
    return out


def test_check_warns_that_malay_labels_fall_back_to_english() -> None:
    result = run_cli("check", str(FIXTURES / "trilingual"))
    assert result.returncode == 0, result.stderr
    line = next(x for x in result.stderr.splitlines() if "label-untranslated" in x)
    assert line.startswith("locale/ms/LC_MESSAGES/bookforge.po")
    assert "'ms'" in line and "fall back to English" in line and "'Copyright'" in line


def test_malay_edition_uses_the_book_catalog_and_falls_back_to_english(
        trilingual_ms: Path) -> None:
    text = re.sub(r"\s+", " ", _pdf_text(trilingual_ms / "trilingual-ms.pdf"))
    assert "Kandungan" in text and "BAB 1" in text  # from the book's partial ms catalog
    assert "Published by" in text  # not in the ms catalog: English
    assert "Diterbitkan" not in text  # never Indonesian
    assert "Ayu Rekaan, Budi Contoh dan Chandra Khayalan" in text  # Malay list, CLDR data
    assert "Sabtu, 28 November 2015" in text
    assert "Bab dalam Bahasa Inggeris Sahaja" in text  # title from translations.ms
    assert "Artikel ini ditulis dalam bahasa Inggeris." in text


def test_malay_epub_is_tagged_ms(trilingual_ms: Path) -> None:
    with zipfile.ZipFile(trilingual_ms / "trilingual-ms.epub") as z:
        opf = next(n for n in z.namelist() if n.endswith(".opf"))
        ns = {"dc": "http://purl.org/dc/elements/1.1/"}
        assert etree.fromstring(z.read(opf)).findtext(".//dc:language", namespaces=ns) == "ms"
        docs = {n: etree.fromstring(z.read(n)) for n in z.namelist() if n.endswith(".xhtml")}
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    for name, root in docs.items():
        assert root.get("lang") == root.get(xml_lang) and root.get("lang"), name
    openers = [el for root in docs.values() for el in root.iter()
               if el.get("class") == "chapter-opener"]
    assert openers and all(el.get("lang") == "ms" == el.get(xml_lang) for el in openers)


# -- chapters in one language; abstracts in both ------------------------------------------

def _chapter_doc(epub: Path, slug: str) -> etree._Element:
    with zipfile.ZipFile(epub) as z:
        name = next(n for n in z.namelist() if n.endswith(f"{slug}.xhtml"))
        return etree.fromstring(z.read(name))


def test_opener_shows_abstracts_in_both_languages_each_tagged(built_minimal: Path) -> None:
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    for lang, other in (("id", "en"), ("en", "id")):
        root = _chapter_doc(built_minimal / f"minimal-{lang}.epub", "01-alpha-01-trust")
        blocks = root.findall(".//x:section[@class='abstract']", ns)
        assert [b.get("lang") for b in blocks] == [lang, other]
        heads = ["".join(b.find("x:p[@class='abstract-title']", ns).itertext()) for b in blocks]
        assert heads == {"id": ["Abstrak", "Abstrak dalam bahasa Inggris"],
                         "en": ["Abstract", "Abstract in Indonesian"]}[lang]
        assert "kepercayaan, modal sosial" in "".join(blocks[[lang, other].index("id")]
                                                      .itertext())


def test_one_language_chapter_keeps_its_language_with_a_note(minimal: Path,
                                                              tmp_path: Path) -> None:
    chapter = minimal / "parts" / "02-beta" / "01-only-english.en.md"
    chapter.write_text(chapter.read_text().replace(
        "keywords: [language]\n",
        "keywords: [language]\ntranslations:\n  id:\n    title: \"Bab Berbahasa Inggris\"\n"
        "    abstract: \"Bab yang ada dalam satu bahasa.\"\n    keywords: [bahasa]\n"))
    out = tmp_path / "out"
    result = run_cli("build", str(minimal), "--edition", "id", "--format", "epub", "--out",
                     str(out), "-q")
    assert result.returncode == 0, result.stderr
    root = _chapter_doc(out / "minimal-id.epub", "02-beta-01-only-english")
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    xml_lang = "{http://www.w3.org/XML/1998/namespace}lang"
    assert root.get("lang") == "en"  # the chapter's own language
    title = root.find(".//x:h1", ns)
    assert (title.text, title.get("lang"), title.get(xml_lang)) == \
        ("Bab Berbahasa Inggris", "id", "id")
    note = root.find(".//x:p[@class='original-language']", ns)
    assert (note.text, note.get("lang")) == ("Artikel ini ditulis dalam bahasa Inggris.", "id")
    blocks = root.findall(".//x:section[@class='abstract']", ns)
    assert [b.get("lang") for b in blocks] == ["id", "en"]
    assert "Bab yang ada dalam satu bahasa." in "".join(blocks[0].itertext())
    xref = root.find(".//x:a[@class='xref']/x:span", ns)  # a generated label in the text
    assert (xref.text, xref.get("lang"), xref.get(xml_lang)) == ("Gambar\u00a01.1", "id", "id")


def test_bad_translations_front_matter_is_an_error(minimal: Path) -> None:
    chapter = minimal / "parts" / "02-beta" / "01-only-english.en.md"
    chapter.write_text(chapter.read_text().replace(
        "keywords: [language]\n",
        "keywords: [language]\ntranslations:\n  id:\n    abstract: 3\n"))
    result = run_cli("check", str(minimal))
    assert result.returncode == 1
    assert "01-only-english.en.md:8:1: error[front-matter-translations]: " \
        "'translations.id.title' is required" in result.stderr


def test_check_names_both_files_where_a_translation_diverges(minimal: Path) -> None:
    chapter = minimal / "parts" / "01-alpha" / "01-trust.id.md"
    text = chapter.read_text()
    chapter.write_text(text.replace("Catatan kedua.[^dua]", "Catatan kedua.")
                       .replace("[^dua]: Catatan kaki kedua.\n", ""))
    result = run_cli("check", str(minimal))
    line = next(x for x in result.stderr.splitlines() if "translation-structure" in x)
    # the first language in book.toml is the original the others are compared with
    assert line.startswith("parts/01-alpha/01-trust.en.md:28:1: warning")
    assert "structure differs from parts/01-alpha/01-trust.id.md" in line
    assert "(here sections: 2, footnotes: 2, figures: 1, tables: 1; " \
        "there sections: 2, footnotes: 1, figures: 1, tables: 1)" in line
    assert line.endswith("first divergence at item 5: line 28 (footnote) vs "
                         "parts/01-alpha/01-trust.id.md:32 (section 'Daftar Pustaka')")


def test_check_warns_about_a_chapter_missing_in_one_language() -> None:
    result = run_cli("check", str(FIXTURES / "minimal"))
    assert "parts/02-beta/01-only-english.en.md:1:1: warning[chapter-missing-lang]: " \
        "chapter has no 'id' version" in result.stderr


# -- language tagging and hyphenation ---------------------------------------------------

def test_pdf_declares_the_edition_language(built_minimal: Path) -> None:
    import pikepdf

    for lang in LANGS:
        with pikepdf.open(built_minimal / f"minimal-{lang}.pdf") as pdf:
            assert str(pdf.Root.Lang) == lang


def test_indonesian_hyphenates_only_at_legal_points(tmp_path: Path) -> None:
    import subprocess

    import pyphen
    import weasyprint

    words = ("pertanggungjawaban kesejahteraan pemberdayaan keberlanjutan penyelenggaraan "
             "ketidakberpihakan pemerintahan kemasyarakatan perekonomian").split()
    html = ('<html lang="id"><body><p style="width: 28mm; hyphens: auto; '
            'font: 11pt serif; text-align: justify">' + " ".join(words * 2) + "</p></body></html>")
    pdf = tmp_path / "column.pdf"
    weasyprint.HTML(string=html).write_pdf(pdf)
    lines = [x.strip() for x in subprocess.run(["pdftotext", str(pdf), "-"],
             capture_output=True, text=True, check=True).stdout.splitlines() if x.strip()]
    dic, english = pyphen.Pyphen(lang="id_ID"), pyphen.Pyphen(lang="en_US")
    breaks, indonesian_only = 0, 0
    for line, following in zip(lines, lines[1:], strict=False):
        if not line.endswith(("-", "\u2010")):  # WeasyPrint hyphenates with U+2010
            continue
        head = line.split()[-1][:-1]
        word = head + following.split()[0]
        assert word in words, (line, following)
        assert len(head) in dic.positions(word), f"illegal break {head}-{word[len(head):]}"
        assert len(head) >= 2 and len(word) - len(head) >= 2
        breaks += 1
        indonesian_only += len(head) not in english.positions(word)
    assert breaks >= 3, lines  # the column is narrow enough that words must break
    assert indonesian_only, lines  # the lang="id" dictionary was used, not the English one


def test_copy_of_fixture_is_independent(tmp_path: Path) -> None:
    """The trilingual fixture's catalog lives inside the book, not in the package."""
    dest = tmp_path / "book"
    shutil.copytree(FIXTURES / "trilingual", dest)
    assert not (LOCALE_DIR / "ms").exists()
    book, _ = load_book(dest)
    assert "ms" in book.config.languages
    assert Localizer("ms", book.root).gettext("Contents") == "Kandungan"
    assert Localizer("ms", book.root).gettext("Copyright") == "Copyright"
    assert Localizer("ms").gettext("Contents") == "Contents"


def test_copyright_page_statistics_use_the_locale(built_book: Path) -> None:
    book, _ = load_book(ROOT / "book")
    patterns = {"id": r"\d+ bab, \d{1,3}(\.\d{3})+ kata",
                "en": r"\d+ chapters, \d{1,3}(,\d{3})+ words"}
    for lang, pattern in patterns.items():
        root = _chapter_doc(built_book / f"{book.config.slug}-{lang}.epub", "copyright")
        stats = root.find(".//{http://www.w3.org/1999/xhtml}p[@class='statistics']")
        assert stats is not None and re.fullmatch(pattern, stats.text), stats
        assert int(stats.text.split()[0]) == len(book.chapters())


def test_malay_glossary_shows_english_terms_with_indonesian_counterparts(
        trilingual_ms: Path) -> None:
    """glossary.csv has id and en columns only: an ms edition treats terms like English."""
    root = _chapter_doc(trilingual_ms / "trilingual-ms.epub", "glossary")
    ns = {"x": "http://www.w3.org/1999/xhtml"}
    rows = [("".join(item.find("x:dfn", ns).itertext()),
             item.find("x:span[@class='counterpart']", ns))
            for item in root.iterfind(".//x:dt", ns)]
    assert [(term, span.text, span.get("lang")) for term, span in rows] == [
        ("social capital", "(modal sosial)", "id"), ("trust", "(kepercayaan)", "id")]


def test_book_catalog_prefers_a_fresh_mo_and_recompiles_a_newer_po(tmp_path: Path) -> None:
    import os

    from babel.messages.mofile import write_mo

    from bookforge.i18n import read_catalog, translations

    folder = tmp_path / "locale" / "ms" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    po = folder / "bookforge.po"
    po.write_text('msgid ""\nmsgstr "Language: ms\\n"\n\nmsgid "Contents"\nmsgstr "Isi"\n',
                  encoding="utf-8")
    compiled = read_catalog(po, "ms")
    compiled["Contents"].string = "Kandungan"  # differs from the .po, to see which is read
    with (folder / "bookforge.mo").open("wb") as fh:
        write_mo(fh, compiled)
    os.utime(po, (1, 1))
    translations.cache_clear()
    assert Localizer("ms", tmp_path).gettext("Contents") == "Kandungan"
    os.utime(po)  # the .po is now newer than the .mo
    translations.cache_clear()
    assert Localizer("ms", tmp_path).gettext("Contents") == "Isi"


def test_check_warns_about_a_language_babel_does_not_know(tmp_path: Path) -> None:
    from bookforge.i18n import check_catalogs

    codes = [d.code for d in check_catalogs(["en", "id", "xx"], tmp_path)]
    assert codes == ["locale-unknown", "label-untranslated"]
