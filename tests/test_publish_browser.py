"""publish in a real browser: Chromium (Playwright, Debian's /usr/bin/chromium) opens the
site from a local static server, downloads an EPUB and checks it against the SHA-256 printed
on the page; axe-core reports no accessibility violations."""

from __future__ import annotations

import functools
import hashlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from .conftest import ROOT
from .test_publish import Published, published  # noqa: F401  (session fixture)

CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / ".tools" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
ARGS = ["--no-sandbox", "--headless=new", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture(scope="module")
def server(published: Published) -> Iterator[str]:  # noqa: F811
    handler = functools.partial(QuietHandler, directory=str(published.site))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}/"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def browser():  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.exists(), "Chromium missing: apt-get install chromium (see .ci/run)"
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def test_download_link_gives_the_epub_whose_checksum_the_page_prints(
        published: Published, server: str, browser, tmp_path: Path) -> None:  # noqa: F811
    page = browser.new_page(accept_downloads=True)
    page.goto(server + "en/index.html")
    item = page.locator("li.file", has=page.locator('a.download[type="application/epub+zip"]'
                                                    '[hreflang="en"]'))
    printed = item.locator("code.sha256").inner_text().strip()
    with page.expect_download() as info:
        item.locator("a.download").click()
    saved = tmp_path / "download.epub"
    info.value.save_as(saved)
    data = saved.read_bytes()
    assert data == (published.build / "minimal-en.epub").read_bytes()
    assert hashlib.sha256(data).hexdigest() == printed
    page.close()


@pytest.mark.parametrize("path", ["en/index.html", "id/01-alpha-01-trust.html", "index.html"])
def test_axe_core_reports_no_violations(server: str, browser, path: str) -> None:
    assert AXE.is_file(), "axe-core missing: run `make test` (it installs .tools/axe)"
    for width in (1280, 390):
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.goto(server + path)
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document)")
        violations = [(v["id"], [n["target"] for n in v["nodes"]]) for v in result["violations"]]
        assert violations == [], f"{path} at {width}px: {violations}"
        assert result["passes"], "axe ran no checks"
        page.close()


def test_no_javascript_needed_and_details_expand(server: str, browser) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(server + "en/index.html")
    details = page.locator("ol.toc details").first
    assert not details.locator("p").is_visible()
    details.locator("summary").click()
    assert details.locator("p").is_visible()
    href = page.locator('a.download[type="application/pdf"]').first.get_attribute("href")
    assert href == "../files/minimal-en.pdf"
    context.close()


def test_axe_core_does_find_violations_on_a_broken_page(browser) -> None:
    page = browser.new_page()
    page.set_content("<html><body><img src='x.png'><a href='#'></a></body></html>")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document)")
    assert {"image-alt", "html-has-lang"} <= {v["id"] for v in result["violations"]}
    page.close()


def test_site_works_from_file_urls(published: Published, browser) -> None:  # noqa: F811
    page = browser.new_page()
    page.goto((published.site / "index.html").as_uri())
    page.locator('a[hreflang="en"]').first.click()
    page.locator("a.chapter-link").first.click()
    assert page.locator("h1").inner_text().endswith("Trust and Social Capital")
    assert "Georgia" in page.evaluate("getComputedStyle(document.body).fontFamily")  # CSS loaded
    page.locator(".langs a[hreflang='id']").click()
    assert page.url.endswith("/id/01-alpha-01-trust.html")
    page.close()
