"""Raw HTML through nh3 (transform/sanitize.py) in each `allow_html` mode: the allowlist,
warnings naming file:line, and the usual attack vectors, read back from the rendered HTML
and, for one book, from the EPUB with EPUBCheck."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from lxml import etree

from bookforge.render import render_epub, render_print
from bookforge.source.load import load_book
from bookforge.transform import transform_edition

CHAPTER = "parts/01-alpha/01-trust.en.md"

# (markup, strings that must not survive). Each was tried in the safe and trusted modes.
VECTORS = {
    # the two bypasses of the regex sanitiser reported in the issue
    "svg-set": ('<svg><a><set attributeName="href" to="javascript:alert(1)"/></a></svg>x',
                ["javascript", "<set", "<svg", "attributeName"]),
    "style-url": ('<span style="background:url(javascript:alert(1))">s</span>',
                  ["javascript", "style=", "url("]),
    "event-handler": ('<span onclick="alert(1)" onmouseover=alert(2)>e</span>',
                      ["onclick", "onmouseover", "alert"]),
    "img-onerror": ('<img src="x" onerror="alert(1)">', ["onerror", "alert"]),
    "js-url": ('<a href="javascript:alert(1)">j</a>', ["javascript"]),
    "js-url-entities": ('<a href="jav&#x61;script&#58;alert(1)">j</a>', ["alert", "script:"]),
    "js-url-whitespace": ('<a href=" &#10;javascript:alert(1)">j</a>', ["alert"]),
    "data-url": ('<a href="data:text/html;base64,PHNjcmlwdD4=">d</a>', ["data:", "base64"]),
    "data-img": ('<img src="data:image/svg+xml,<svg onload=alert(1)>" alt="d">',
                 ["data:", "onload", "alert"]),
    "base": ('<base href="https://evil.example/">b', ["<base", "evil"]),
    "meta-refresh": ('<meta http-equiv="refresh" content="0;url=https://evil.example">m',
                     ["<meta", "refresh", "evil"]),
    "svg-script": ("<svg><script>alert(1)</script></svg>", ["<script", "alert", "<svg"]),
    "svg-foreign-object": ('<svg><foreignObject><iframe src="https://evil.example">'
                           "</iframe></foreignObject></svg>",
                           ["foreignObject", "iframe", "evil"]),
    "svg-animate": ('<svg><a><animate attributeName="href" values="javascript:alert(1)"/>'
                    "<text>t</text></a></svg>", ["javascript", "animate"]),
    "css-expression": ('<span style="width:expression(alert(1))">c</span>',
                       ["expression", "alert"]),
    "style-element": ("<style>body{background:url(https://evil.example/x)}</style>",
                      ["<style", "evil", "url("]),
    "script-split": ('<scr<script>ipt>alert(1)</script>', ["<script", "alert(1)</"]),
    "iframe": ('<iframe src="https://evil.example"></iframe>', ["iframe", "evil"]),
    "object": ('<object data="https://evil.example/x.swf"></object>', ["<object", "evil"]),
    "form": ('<form action="https://evil.example"><button>go</button></form>',
             ["<form", "evil", "<button"]),
    "math-href": ('<math href="javascript:alert(1)"><mi>x</mi></math>', ["javascript"]),
    "attr-breakout": ('<span title="&quot;><script>alert(1)</script>">t</span>',
                      ["<script", "alert(1)</"]),
}


def book_with(minimal: Path, mode: str, markup: str) -> Path:
    toml = minimal / "book.toml"
    if mode != "default":
        toml.write_text(toml.read_text() + f'\n[markdown]\nallow_html = "{mode}"\n')
    path = minimal / CHAPTER
    path.write_text(path.read_text() + "\nBefore the HTML.\n\n" + markup + "\n\nInline: "
                    + markup + " after.\n")
    return minimal


def outputs(book_dir: Path) -> tuple[str, str, list]:
    book, _ = load_book(book_dir)
    content = transform_edition(book, "en")
    epub = "".join(p.xhtml for p in render_epub(content, resource_url=lambda p: "images/" + p))
    return render_print(content), epub, list(content.diagnostics)


def added_part(html: str) -> str:
    """What the added text rendered to: from the paragraph before the HTML to its end."""
    return html[html.index("Before the HTML."): html.rindex(" after.")]


@pytest.mark.parametrize("mode", ["safe", "trusted"])
@pytest.mark.parametrize("name", sorted(VECTORS))
def test_vector_is_neutralised(minimal: Path, mode: str, name: str) -> None:
    markup, forbidden = VECTORS[name]
    print_html, epub, _ = outputs(book_with(minimal, mode, markup))
    for html in (added_part(print_html), added_part(epub)):
        lowered = html.lower()
        for bad in forbidden:
            assert bad.lower() not in lowered, (name, mode, bad, html[:600])


@pytest.mark.parametrize("mode", ["default", "safe", "trusted"])
def test_epub_xhtml_stays_well_formed(minimal: Path, mode: str) -> None:
    markup = " ".join(m for m, _ in VECTORS.values())
    _, _, diags = outputs(book_with(minimal, mode, markup))
    book, _ = load_book(minimal)
    for page in render_epub(transform_edition(book, "en")):
        etree.fromstring(page.xhtml.encode("utf-8"))  # raises on broken markup


def test_safe_allowlist_is_kept(minimal: Path) -> None:
    markup = ('<span class="caption" lang="id" dir="ltr" title="t" id="x" style="color:red">'
              'cap</span> H<sub>2</sub>O m<sup>2</sup> <small>s</small> <kbd>Ctrl</kbd> '
              '<abbr title="command line">CLI</abbr> <mark>m</mark> a<br>b '
              '<span dir="sideways">d</span>')
    print_html, epub, diags = outputs(book_with(minimal, "default", markup))
    part = added_part(print_html)
    assert '<span class="caption" lang="id" dir="ltr" title="t">cap</span>' in part
    for kept in ("<sub>2</sub>", "<sup>2</sup>", "<small>s</small>", "<kbd>Ctrl</kbd>",
                 '<abbr title="command line">CLI</abbr>', "<mark>m</mark>", "a<br />b",
                 "<span>d</span>"):
        assert kept in part
    assert "a<br />b" in added_part(epub)
    assert not [d for d in diags if d.code == "html-refused"]


def test_refused_elements_keep_their_text_and_warn(minimal: Path) -> None:
    markup = '<div class="box">boxed words</div>\n\nAn <u>underlined</u> and <b>bold</b> word.'
    path = minimal / CHAPTER
    lines_before = len(path.read_text().splitlines())
    print_html, _, diags = outputs(book_with(minimal, "safe", markup))
    part = added_part(print_html)
    assert "boxed words" in part and "underlined" in part and "bold" in part
    assert "<div" not in part and "<u>" not in part and "<b>" not in part
    refused = {(d.path, d.line, re.search(r"<(\w+)>", d.message).group(1))  # type: ignore
               for d in diags if d.code == "html-refused"}
    first = lines_before + 4  # a blank line, "Before the HTML.", a blank line
    assert (CHAPTER, first, "div") in refused
    assert (CHAPTER, first + 2, "u") in refused and (CHAPTER, first + 2, "b") in refused
    assert all(d.severity.value == "warning" for d in diags if d.code == "html-refused")


def test_trusted_keeps_block_html_without_scripts(minimal: Path) -> None:
    markup = ('<div class="box" onmouseover="x()"><b>ok</b></div>\n\n'
              '<table><tr><td>cell</td></tr></table>')
    print_html, _, _ = outputs(book_with(minimal, "trusted", markup))
    part = added_part(print_html)
    assert '<div class="box"><b>ok</b></div>' in part
    assert "<td>cell</td>" in part and "onmouseover" not in part


def test_none_shows_html_as_text(minimal: Path) -> None:
    print_html, _, diags = outputs(book_with(minimal, "none", "<kbd>Ctrl</kbd>"))
    assert "&lt;kbd&gt;Ctrl&lt;/kbd&gt;" in added_part(print_html)
    assert not [d for d in diags if d.code == "html-refused"]


@pytest.mark.parametrize(("value", "mode"), [("true", "trusted"), ("false", "none"),
                                             ('"safe"', "safe"), ('"trusted"', "trusted")])
def test_old_booleans_are_modes(minimal: Path, value: str, mode: str) -> None:
    toml = minimal / "book.toml"
    toml.write_text(toml.read_text() + f"\n[markdown]\nallow_html = {value}\n")
    book, _ = load_book(minimal)
    assert book.config.allow_html == mode


def test_default_mode_is_safe(minimal: Path) -> None:
    book, _ = load_book(minimal)
    assert book.config.allow_html == "safe"


def test_bad_mode_is_a_config_error(minimal: Path) -> None:
    from bookforge.errors import ConfigError

    toml = minimal / "book.toml"
    toml.write_text(toml.read_text() + '\n[markdown]\nallow_html = "yes"\n')
    with pytest.raises(ConfigError) as exc:
        load_book(minimal)
    assert any("markdown.allow_html" in d.message for d in exc.value.diagnostics)


def test_inline_image_goes_through_the_book_rules(minimal: Path) -> None:
    markup = ('<img src="../../assets/diagram.svg" alt="boxes" onload="x()"> and '
              '<img src="https://example.org/pixel.png" alt="pixel">')
    print_html, epub, diags = outputs(book_with(minimal, "safe", markup))
    assert '<img src="images/assets/diagram.svg" alt="boxes" />' in added_part(epub)
    assert "example.org" not in added_part(print_html)
    assert any(d.code == "resource-refused" and "pixel.png" in d.message for d in diags)


def test_error_and_warning_on_one_spot_sort() -> None:
    """A refused `javascript:` link (an error) inside refused HTML (a warning) on the same
    line used to crash sorting the diagnostics (Severity had no order)."""
    from bookforge.errors import error, warning

    both = {error("a.md", 3, "link-refused", "m"), warning("a.md", 3, "link-refused", "m")}
    assert [d.severity.value for d in sorted(both)] == ["error", "warning"]


def test_trusted_links_keep_only_absolute_urls(minimal: Path) -> None:
    markup = ('<a href="https://example.org/x">web</a> <a href="mailto:a@example.org">mail</a> '
              '<a href="other.html">relative</a> <a href="#frag">fragment</a>')
    print_html, epub, _ = outputs(book_with(minimal, "trusted", markup))
    part = added_part(epub)
    assert 'href="https://example.org/x"' in part and 'href="mailto:a@example.org"' in part
    assert "other.html" not in part and 'href="#frag"' not in part
    assert "relative" in part and "fragment" in part


@pytest.mark.parametrize("mode", ["safe", "trusted"])
def test_html_and_emphasis_never_cross(minimal: Path, mode: str) -> None:
    # found by tests/test_fuzz.py: "<span>*a</span>*" gave <span><em>a</span></em>
    markup = "<span>*abc</span>* and *x <sup>y* z</sup> and **<kbd>q</kbd>**"
    _, epub, _ = outputs(book_with(minimal, mode, markup))
    book, _ = load_book(minimal)
    for page in render_epub(transform_edition(book, "en")):
        etree.fromstring(page.xhtml.encode("utf-8"))  # raises on crossed tags
    part = added_part(epub)
    assert "<kbd>q</kbd>" in part and "abc" in part
