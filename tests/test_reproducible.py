"""Reproducible outputs: the same sources give the same bytes, and every embedded timestamp
(EPUB dcterms:modified and zip entry times, PDF CreationDate and ModDate) is
SOURCE_DATE_EPOCH when set, else book.toml's date, never the build's clock."""

from __future__ import annotations

import datetime as dt
import hashlib
import time
import zipfile
from pathlib import Path

import pikepdf
import pytest
from lxml import etree

from bookforge.errors import ConfigError
from bookforge.source.config import load_config
from bookforge.source.timestamp import source_timestamp, w3c

from .conftest import FIXTURES, run_cli

OPF = {"opf": "http://www.idpf.org/2007/opf"}


def build(book: Path, out: Path, cache: Path, monkeypatch: pytest.MonkeyPatch,
          epoch: str | None = None) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))  # no page map from an earlier run
    if epoch is None:
        monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    else:
        monkeypatch.setenv("SOURCE_DATE_EPOCH", epoch)
    result = run_cli("build", str(book), "--out", str(out), "--edition", "en", "-q")
    assert result.returncode == 0, result.stderr


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def stamps(epub: Path) -> tuple[str, set[tuple[int, ...]]]:
    """dcterms:modified and the set of zip entry times of an EPUB."""
    with zipfile.ZipFile(epub) as z:
        times = {info.date_time for info in z.infolist()}
        root = etree.fromstring(z.read("EPUB/content.opf"))
    modified = root.findtext(".//opf:meta[@property='dcterms:modified']", namespaces=OPF)
    return modified, times


def pdf_dates(pdf: Path) -> tuple[str, str]:
    with pikepdf.open(pdf) as doc:
        return str(doc.docinfo["/CreationDate"]), str(doc.docinfo["/ModDate"])


def test_builds_are_byte_identical_and_dated_by_the_book(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    book = FIXTURES / "minimal"
    build(book, tmp_path / "a", tmp_path / "cache-a", monkeypatch)
    time.sleep(2.1)  # zip times have a 2 s resolution: a clock-dated entry would differ
    build(book, tmp_path / "b", tmp_path / "cache-b", monkeypatch)
    for name in ("minimal-en.pdf", "minimal-en.epub"):
        assert digest(tmp_path / "a" / name) == digest(tmp_path / "b" / name), name
    modified, times = stamps(tmp_path / "a" / "minimal-en.epub")
    assert modified == "2025-11-28T00:00:00Z"  # book.toml date = 2025-11-28
    assert times == {(2025, 11, 28, 0, 0, 0)}
    assert pdf_dates(tmp_path / "a" / "minimal-en.pdf") == ("D:20251128000000Z",) * 2


def test_source_date_epoch_is_every_timestamp(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    build(FIXTURES / "minimal", tmp_path, tmp_path / "cache", monkeypatch, "1700000000")
    modified, times = stamps(tmp_path / "minimal-en.epub")
    assert modified == "2023-11-14T22:13:20Z"
    assert times == {(2023, 11, 14, 22, 13, 20)}
    assert pdf_dates(tmp_path / "minimal-en.pdf") == ("D:20231114221320Z",) * 2


def test_a_bad_source_date_epoch_is_a_diagnostic(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    result = run_cli("build", str(FIXTURES / "minimal"), "--out", str(tmp_path),
                     "--edition", "en", "--format", "epub")
    assert result.returncode == 1
    assert "SOURCE_DATE_EPOCH:" in result.stderr and "error[source-date-epoch]" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "minimal-en.epub").exists()


def test_source_timestamp() -> None:
    config = load_config(FIXTURES / "minimal")
    assert w3c(source_timestamp(config, {"SOURCE_DATE_EPOCH": "1700000000"})) \
        == "2023-11-14T22:13:20Z"
    assert source_timestamp(config, {}) == dt.datetime(2025, 11, 28, tzinfo=dt.UTC)
    assert source_timestamp(config, {"SOURCE_DATE_EPOCH": " "}) == source_timestamp(config, {})
    with pytest.raises(ConfigError):
        source_timestamp(config, {"SOURCE_DATE_EPOCH": "-5"})
