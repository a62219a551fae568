"""Manuscript import, the Word file itself: refuse what is not a readable .docx before
pandoc sees it, and list what pandoc's reader will not carry over (comments, tracked
changes, text boxes, charts, equations) from the document's own XML.

Takes a path; returns the core properties and warnings, or raises `SourceError`.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

import olefile
from lxml import etree

from ..errors import Diagnostic, SourceError, error, warning

# A manuscript with its figures is a few MB; 50 MB leaves room for photographs while keeping
# a stray video or disk image from being unpacked. Checked on the file's size before reading.
MAX_DOCX_BYTES = 50 * 1024 * 1024
# The parts unpacked (XML and media) may not exceed this either: a small ZIP can hold a
# huge, highly compressed member.
MAX_UNPACKED_BYTES = 4 * MAX_DOCX_BYTES

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
NS = {
    "w": W,
    "cp": "http://schemas.openxmlformats.org/package/2006/metadata/core-properties",
    "dc": "http://purl.org/dc/elements/1.1/",
    "a": "http://schemas.openxmlformats.org/drawingml/2006/main",
    "m": "http://schemas.openxmlformats.org/officeDocument/2006/math",
    "mc": "http://schemas.openxmlformats.org/markup-compatibility/2006",
}
# A text box, once: Word writes each twice (DrawingML, and VML in mc:Fallback), and a box
# inside a box goes with its outer one.
TEXT_BOX_XPATH = "//w:txbxContent[not(ancestor::mc:Fallback) and not(ancestor::w:txbxContent)]"
CHART_URI = "http://schemas.openxmlformats.org/drawingml/2006/chart"
DIAGRAM_URI = "http://schemas.openxmlformats.org/drawingml/2006/diagram"
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
# The parts whose text becomes the chapter; headers and footers hold running heads only.
TEXT_PARTS = ("word/document.xml", "word/footnotes.xml", "word/endnotes.xml")
# The reference list Zotero ("ADDIN ZOTERO_BIBL ... CSL_BIBLIOGRAPHY") and Mendeley ("ADDIN
# Mendeley Bibliography CSL_BIBLIOGRAPHY") keep in a field; pandoc drops such a field.
BIBLIOGRAPHY_FIELD_RE = re.compile(r"\b(ZOTERO_BIBL|CSL_BIBLIOGRAPHY)\b")


@dataclass(frozen=True)
class CoreProperties:
    """docProps/core.xml: what Word's File > Info shows."""

    title: str = ""
    creator: str = ""
    keywords: str = ""


@dataclass(frozen=True)
class DocxScan:
    """What the import needs to know about a Word file before converting it."""

    properties: CoreProperties
    warnings: tuple[Diagnostic, ...]
    text_boxes: int = 0
    bibliography_fields: int = 0


def _xml_parser() -> etree.XMLParser:
    # A manuscript is untrusted input: no entities, no network, no huge trees.
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                           load_dtd=False)


def check_docx(path: Path, shown: str) -> zipfile.ZipFile:
    """Open `path` as a .docx or raise `SourceError` naming it (`shown`) and the reason."""

    def refuse(code: str, message: str) -> SourceError:
        return SourceError([error(shown, 0, code, message)])

    if not path.is_file():
        raise refuse("import-missing", "file not found")
    size = path.stat().st_size
    if size > MAX_DOCX_BYTES:
        raise refuse("import-too-large",
                     f"the file is {size / 1024 / 1024:.1f} MB; bookforge imports Word files "
                     f"up to {MAX_DOCX_BYTES // 1024 // 1024} MB (compress its pictures in "
                     "Word, or import the text and add large images to assets/ by hand)")
    with open(path, "rb") as fh:
        magic = fh.read(8)
    if magic == OLE_MAGIC:
        raise refuse(*_ole_reason(path))
    if not magic.startswith(ZIP_MAGIC):
        raise refuse("import-not-docx", "not a Word .docx file (it is not a ZIP package); "
                     "save it from Word as 'Word Document (.docx)'")
    try:
        package = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise refuse("import-corrupt", f"the .docx package is damaged ({exc})") from None
    try:
        _check_members(package, refuse)
    except BaseException:
        package.close()
        raise
    return package


def _ole_reason(path: Path) -> tuple[str, str]:
    """Word saves a password-protected .docx, and every old .doc, as an OLE compound file."""
    try:
        with olefile.OleFileIO(str(path)) as ole:
            encrypted = ole.exists("EncryptedPackage") or ole.exists("EncryptionInfo")
    except Exception:  # a damaged compound file: olefile raises more than OSError  # noqa: BLE001
        encrypted = False
    if encrypted:
        return ("import-encrypted", "the document is password-protected (encrypted); remove "
                "the password in Word (File > Info > Protect Document) and save it again")
    return ("import-not-docx", "this is an old Word 97-2003 .doc file; open it in Word and "
            "save it as 'Word Document (.docx)'")


def _check_members(package: zipfile.ZipFile, refuse) -> None:  # type: ignore[no-untyped-def]
    infos = package.infolist()
    names = {i.filename for i in infos}
    if "word/document.xml" not in names:
        kind = "an OpenDocument file" if "content.xml" in names else "a ZIP file"
        raise refuse("import-not-docx", f"{kind}, not a Word document (no word/document.xml)")
    if any(i.flag_bits & 0x1 for i in infos):
        raise refuse("import-encrypted", "the package's parts are encrypted")
    unpacked = sum(i.file_size for i in infos)
    if unpacked > MAX_UNPACKED_BYTES:
        raise refuse("import-too-large",
                     f"the package unpacks to {unpacked / 1024 / 1024:.0f} MB; bookforge "
                     f"unpacks at most {MAX_UNPACKED_BYTES // 1024 // 1024} MB")
    try:
        bad = package.testzip()
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError) as exc:
        raise refuse("import-corrupt", f"the .docx package is damaged ({exc})") from None
    if bad:
        raise refuse("import-corrupt", f"the .docx package is damaged (part {bad} fails its "
                     "checksum)")


def _parse_part(package: zipfile.ZipFile, name: str, refuse):  # type: ignore[no-untyped-def]
    if name not in package.namelist():
        return None
    try:
        return etree.fromstring(package.read(name), _xml_parser())
    except etree.XMLSyntaxError as exc:
        raise refuse("import-corrupt", f"{name} is not well-formed XML ({exc})") from None


def _text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _snippet(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def scan_docx(package: zipfile.ZipFile, shown: str) -> DocxScan:
    """Core properties and the warnings for what the chapter will not contain."""

    def refuse(code: str, message: str) -> SourceError:
        return SourceError([error(shown, 0, code, message)])

    roots = [r for r in (_parse_part(package, n, refuse) for n in TEXT_PARTS) if r is not None]
    found: list[Diagnostic] = []

    def note(code: str, message: str) -> None:
        found.append(warning(shown, 0, code, message))

    comments_root = _parse_part(package, "word/comments.xml", refuse)
    comments = [] if comments_root is None else comments_root.findall("w:comment", NS)
    if comments:
        note("import-comments", f"{len(comments)} comment(s) not carried over (the first: "
             f"'{_snippet(_text(comments[0]))}'); answer them in the manuscript or the chapter")
    changes = sum(len(r.xpath("//w:ins | //w:del | //w:moveFrom | //w:moveTo", namespaces=NS))
                  for r in roots)
    if changes:
        note("import-tracked-changes", f"{changes} tracked change(s) taken as accepted "
             "(insertions kept, deletions dropped); compare the chapter with the manuscript")
    boxes = sum(len(r.xpath(TEXT_BOX_XPATH, namespaces=NS)) for r in roots)
    if boxes:
        note("import-text-boxes", f"{boxes} text box(es) moved into the text, after the "
             "paragraph each was anchored to; check that their place suits them")
    charts = sum(len(r.xpath(f"//a:graphicData[@uri='{CHART_URI}' or @uri='{DIAGRAM_URI}']",
                             namespaces=NS)) for r in roots)
    objects = sum(len(r.findall(".//w:object", NS)) for r in roots)
    if charts or objects:
        note("import-objects", f"{charts + objects} chart(s), SmartArt diagram(s) or embedded "
             "object(s) not carried over; export each as an SVG or PNG image into assets/")
    equations = sum(len(r.xpath("//m:oMath[not(ancestor::m:oMath)]", namespaces=NS))
                    for r in roots)
    if equations:
        note("import-equations", f"{equations} equation(s) kept as TeX code in backticks: "
             "bookforge does not typeset mathematics")
    fields = sum(1 for r in roots for i in r.iter(f"{{{W}}}instrText")
                 if BIBLIOGRAPHY_FIELD_RE.search(i.text or ""))
    return DocxScan(properties=_core_properties(package, refuse), warnings=tuple(found),
                    text_boxes=boxes, bibliography_fields=fields)


def _core_properties(package: zipfile.ZipFile, refuse) -> CoreProperties:  # type: ignore[no-untyped-def]
    root = _parse_part(package, "docProps/core.xml", refuse)
    if root is None:
        return CoreProperties()

    def prop(path: str) -> str:
        found = root.find(path, NS)
        return " ".join((found.text or "").split()) if found is not None else ""

    return CoreProperties(title=prop("dc:title"), creator=prop("dc:creator"),
                          keywords=prop("cp:keywords"))


def prepare_docx(source: Path, target: Path) -> None:
    """Copy the .docx so that pandoc reads all of its text: bibliography fields renamed
    (pandoc drops the reference list they show), and text boxes lifted out of their
    paragraphs (pandoc drops either the box or the paragraph around it)."""
    with zipfile.ZipFile(source) as package, zipfile.ZipFile(target, "w",
                                                             zipfile.ZIP_DEFLATED) as out:
        for info in package.infolist():
            data = package.read(info)
            if info.filename in TEXT_PARTS:
                root = etree.fromstring(data, _xml_parser())
                for instr in root.iter(f"{{{W}}}instrText"):
                    instr.text = BIBLIOGRAPHY_FIELD_RE.sub("KEPT_LIST", instr.text or "")
                _lift_text_boxes(root)
                data = etree.tostring(root, xml_declaration=True, encoding="UTF-8",
                                      standalone=True)
            out.writestr(info, data)


def _lift_text_boxes(root: etree._Element) -> None:
    """Each text box's paragraphs go right after the paragraph holding it; the run that
    drew the box goes."""
    for box in root.xpath(TEXT_BOX_XPATH, namespaces=NS):
        run = next(box.iterancestors(f"{{{W}}}r"), None)
        paragraph = next(box.iterancestors(f"{{{W}}}p"), None)
        if run is None or paragraph is None:
            continue
        content = list(box)
        run.getparent().remove(run)
        anchor = paragraph
        for block in content:
            anchor.addnext(block)
            anchor = block
