"""The preview in a real browser (Playwright driving Debian's Chromium): chapter and
glossary tooltip shown, live update on save without a manual reload, the diagnostics
overlay for broken front matter and its clearing, and screenshots at two widths."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import expect, sync_playwright

from .preview_support import CHROMIUM, CHROMIUM_ARGS, preview_server

CHAPTER = Path("parts/01-alpha/01-trust.en.md")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


def test_live_preview_updates_on_save_and_shows_source_errors(browser, minimal: Path) -> None:
    chapter = minimal / CHAPTER
    original = chapter.read_text(encoding="utf-8")
    with preview_server(minimal, "--edition", "en") as server:
        page = browser.new_page(viewport={"width": 1100, "height": 500})
        page.goto(server.url)
        title = page.locator("h1.chapter-title")
        expect(title).to_have_text("Trust and Social Capital")
        expect(page.locator(".preview-toc a[aria-current=page]")).to_contain_text("Trust")

        term = page.locator("#preview-main a.term").first  # a glossed term of the text
        expect(term).to_have_text(re.compile(r"^social capital$", re.I))
        tip = page.locator("#term-tip")
        expect(tip).to_be_hidden()
        for _ in range(80):  # keyboard focus, not only hover, shows the gloss
            page.keyboard.press("Tab")
            if term.evaluate("el => el === document.activeElement"):
                break
        else:
            raise AssertionError("the glossed term cannot be reached with Tab")
        expect(tip).to_be_visible()
        expect(tip).to_contain_text("social capital")
        expect(tip).to_contain_text("(modal sosial)")
        expect(tip).to_contain_text("Networks, norms and trust that make cooperation easier.")
        page.keyboard.press("Escape")
        expect(tip).to_be_hidden()

        sheets = "Array.from(document.styleSheets, s => s.href).join(' ')"
        sheets_before = page.evaluate(sheets)
        page.evaluate("window.__not_reloaded = true; window.scrollTo(0, 300)")
        scroll_before = page.evaluate("window.scrollY")
        assert scroll_before > 0
        edited = original.replace('title: "Trust and Social Capital"', 'title: "Trust, Revised"')
        edited = edited.replace("Trust is tested every day.", "Trust is tested at dawn.")
        chapter.write_text(edited, encoding="utf-8")
        expect(title).to_have_text("Trust, Revised", timeout=15_000)
        expect(page.locator("#preview-main")).to_contain_text("Trust is tested at dawn.")
        assert page.evaluate("window.__not_reloaded") is True  # updated in place
        assert page.evaluate(sheets) == sheets_before  # a text edit reloads no stylesheet
        assert abs(page.evaluate("window.scrollY") - scroll_before) < 2

        chapter.write_text('---\ntitle: "Broken\nauthors: [\n---\n\nBody.\n', encoding="utf-8")
        overlay = page.locator("#preview-overlay")
        expect(overlay).to_be_visible(timeout=15_000)
        expect(overlay).to_contain_text(re.compile(r"parts/01-alpha/01-trust\.en\.md:\d+"))
        expect(overlay).to_contain_text("front-matter-syntax")
        expect(title).to_have_text("Trust, Revised")  # the last good version stays on show

        chapter.write_text(original, encoding="utf-8")
        expect(overlay).to_have_count(0, timeout=15_000)
        expect(title).to_have_text("Trust and Social Capital")
        assert page.evaluate("window.__not_reloaded") is True
        page.close()


def _ink(png: bytes) -> float:
    """Share of pixels that are not (near) white."""
    img = Image.open(io.BytesIO(png)).convert("L")
    hist = img.histogram()
    return 1 - sum(hist[240:]) / (img.width * img.height)


@pytest.mark.parametrize("width,height", [(1280, 900), (390, 844)])
def test_screenshot_desktop_and_phone(browser, minimal: Path, tmp_path: Path,
                                      width: int, height: int) -> None:
    with preview_server(minimal) as server:
        page = browser.new_page(viewport={"width": width, "height": height})
        page.goto(server.url + "?edition=id&doc=01-alpha-01-trust")
        title = page.locator("h1.chapter-title")
        expect(title).to_have_text("Kepercayaan dan Modal Sosial")
        png = page.screenshot()
        (tmp_path / f"preview-{width}.png").write_bytes(png)
        box = title.bounding_box()
        assert box is not None and box["width"] > 0
        assert box["x"] >= 0 and box["x"] + box["width"] <= width + 1  # no sideways overflow
        assert box["y"] + box["height"] <= height  # the title is on the first screen
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        assert 0.01 < _ink(png) < 0.6, "screenshot is blank or a solid block"
        page.close()


def test_side_by_side_shows_both_languages(browser, minimal: Path) -> None:
    with preview_server(minimal) as server:
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(server.url)
        page.get_by_role("link", name=re.compile("Berdampingan|Side by side")).click()
        titles = page.locator("h1.chapter-title")
        expect(titles).to_have_text(["Kepercayaan dan Modal Sosial", "Trust and Social Capital"])
        # the columns come from preview.css: measure once it has loaded (on a loaded machine
        # the text was there while the stylesheet was still on its way, the columns stacked)
        page.wait_for_load_state("load")
        cols = page.locator(".preview-column")
        left, right = cols.nth(0).bounding_box(), cols.nth(1).bounding_box()
        assert left and right and right["x"] > left["x"] + left["width"] - 1  # side by side
        assert cols.nth(1).get_attribute("lang") == "en"
        page.get_by_role("link", name="Inggris").click()
        expect(page.locator("html")).to_have_attribute("lang", "en")
        page.close()
