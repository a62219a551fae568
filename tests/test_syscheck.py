"""tools/syscheck.py: what `make book` does about the PDF's fonts on a machine without them
(install, stop with the command, or fall back with a warning)."""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from bookforge.pdf.options import FONTS

from .conftest import ROOT

spec = importlib.util.spec_from_file_location("syscheck", ROOT / "tools" / "syscheck.py")
assert spec and spec.loader
syscheck = importlib.util.module_from_spec(spec)
sys.modules["syscheck"] = syscheck  # dataclasses look their module up there
spec.loader.exec_module(syscheck)

BOTH = ["TeX Gyre Pagella", "Noto Sans"]
COMMAND = "sudo apt-get install -y fonts-noto-core fonts-texgyre"


def test_the_font_table_is_the_one_the_pdf_stage_checks() -> None:
    assert syscheck.FONTS == FONTS


def plan(fonts: Sequence[str], **kw: bool):  # type: ignore[no-untyped-def]
    args = dict(install=True, fallback=False, has_apt=True, is_root=False, sudo_ok=False)
    return syscheck.font_plan(list(fonts), **{**args, **kw})


def test_nothing_to_do_when_the_faces_are_there() -> None:
    assert plan([]).action == "ok"


def test_root_installs_exactly_the_missing_packages_non_interactively() -> None:
    p = plan(["Noto Sans"], is_root=True)
    assert p.action == "install"
    install = p.commands[-1]
    assert install[:2] == ("env", "DEBIAN_FRONTEND=noninteractive")
    assert install[2:5] == ("apt-get", "install", "-y")
    assert install[-1] == "fonts-noto-core" and "fonts-texgyre" not in install


def test_passwordless_sudo_installs_through_sudo_n() -> None:
    p = plan(BOTH, sudo_ok=True)
    assert p.action == "install"
    assert all(c[:2] == ("sudo", "-n") for c in p.commands)
    assert p.commands[-1][-2:] == ("fonts-noto-core", "fonts-texgyre")


def test_without_rights_it_stops_with_the_exact_command() -> None:
    p = plan(BOTH)
    assert p.action == "stop"
    assert COMMAND in p.message and "FONTS=fallback" in p.message


@pytest.mark.parametrize("kw", [dict(fallback=True, is_root=True), dict(has_apt=False)])
def test_fallback_warns_and_goes_on(kw: dict[str, bool]) -> None:
    p = plan(BOTH, **kw)
    assert p.action == "fallback" and p.message.startswith("warning:")
    assert not p.commands


def dejavu_only(tmp_path: Path) -> dict[str, str]:
    conf = tmp_path / "fonts.conf"
    conf.write_text('<?xml version="1.0"?>\n<fontconfig><dir>/usr/share/fonts/truetype/dejavu'
                    f'</dir><cachedir>{tmp_path / "cache"}</cachedir></fontconfig>\n',
                    encoding="utf-8")
    return {"FONTCONFIG_FILE": str(conf)}


def test_the_real_check_on_a_machine_with_dejavu_only(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    env = dejavu_only(tmp_path)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert syscheck.missing_fonts(syscheck.font_families()) == BOTH
    stop = subprocess.run([sys.executable, str(ROOT / "tools" / "syscheck.py"), "fonts"],
                          capture_output=True, text=True)
    assert stop.returncode == 1 and COMMAND in stop.stderr
    fallback = subprocess.run([sys.executable, str(ROOT / "tools" / "syscheck.py"), "fonts",
                               "--fallback"], capture_output=True, text=True)
    assert fallback.returncode == 0 and fallback.stderr.startswith("warning:")


def test_install_runs_the_commands_and_checks_again(tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """The install path with apt-get replaced: the commands run in order. Faces hidden
    afterwards by the user's own fontconfig file are a warning (the build goes on with
    fallback faces, as that file asks); faces still missing without one are an error."""
    for key, value in dejavu_only(tmp_path).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(syscheck, "passwordless_sudo", lambda: True)
    which = shutil.which
    monkeypatch.setattr(shutil, "which",
                        lambda name: "apt-get" if name == "apt-get" else which(name))
    ran: list[Sequence[str]] = []
    assert syscheck.check_fonts(["--install"], run=lambda c: ran.append(c) or 0) == 0
    assert [c[c.index("apt-get") + 1] for c in ran] == ["update", "install"]
    assert ran[-1][-2:] == ("fonts-noto-core", "fonts-texgyre")
    monkeypatch.delenv("FONTCONFIG_FILE")
    monkeypatch.setattr(syscheck, "missing_fonts", lambda families: BOTH)
    assert syscheck.check_fonts(["--install"], run=lambda c: ran.append(c) or 0) == 1


def package(packages: Sequence[str], **kw: bool):  # type: ignore[no-untyped-def]
    args = dict(install=True, has_apt=True, is_root=False, sudo_ok=False)
    return syscheck.package_plan("system packages for the tests", list(packages),
                                 **{**args, **kw})


def test_missing_test_programs_are_installed_as_root_and_named_otherwise() -> None:
    """`make test` on a fresh machine: root (or passwordless sudo) installs exactly the
    missing packages, once each; without rights, or without --install, it names them."""
    assert package([]).action == "ok"
    root = package(["qpdf", "poppler-utils", "poppler-utils"], is_root=True)
    assert root.action == "install"
    assert root.commands[-1][-2:] == ("poppler-utils", "qpdf")
    assert root.commands[-1][:2] == ("env", "DEBIAN_FRONTEND=noninteractive")
    assert all(c[:2] == ("sudo", "-n") for c in package(["qpdf"], sudo_ok=True).commands)
    for kw in (dict(), dict(install=False, is_root=True), dict(has_apt=False, is_root=True)):
        stop = package(["pandoc", "chromium"], **kw)
        assert stop.action == "stop" and not stop.commands
        assert stop.message.endswith("sudo apt-get install -y chromium pandoc")


def test_check_packages_runs_the_install_and_checks_again(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The install path with apt-get replaced: update then install of the missing package;
    a program still absent afterwards is an error, not a silent pass."""
    which = shutil.which
    monkeypatch.setattr(shutil, "which",
                        lambda name: "apt-get" if name == "apt-get" else which(name))
    monkeypatch.setattr(syscheck, "passwordless_sudo", lambda: True)
    monkeypatch.setattr(syscheck.ctypes.util, "find_library", lambda name: name)
    monkeypatch.setattr(syscheck.os, "geteuid", lambda: 0)
    ran: list[Sequence[str]] = []
    present = {p for _, p, _ in syscheck.NEEDS["test"]} - {"qpdf"}
    monkeypatch.setattr(syscheck, "missing",
                        lambda kind: [] if kind == "build" else
                        [pkg for _, name, pkg in syscheck.NEEDS[kind] if name not in present])
    assert syscheck.check_packages(["test", "--install"],
                                   run=lambda c: ran.append(c) or 0) == 1
    assert [c[c.index("apt-get") + 1] for c in ran] == ["update", "install"]
    assert ran[-1][-1] == "qpdf"
    present.add("qpdf")
    ran.clear()
    assert syscheck.check_packages(["test", "--install"],
                                   run=lambda c: ran.append(c) or 0) == 0
    assert ran == []


def test_a_library_shipped_in_two_packages_is_two_apt_get_arguments(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Pango is two Debian packages: installing it passes each as its own argument
    (one argument "libpango-1.0-0 libpangoft2-1.0-0" names no package apt-get knows)."""
    monkeypatch.setattr(syscheck.ctypes.util, "find_library",
                        lambda name: None if name == "pango-1.0" else name)
    packages = syscheck.missing("build")
    assert packages == ["libpango-1.0-0", "libpangoft2-1.0-0"]
    install = package(packages, is_root=True).commands[-1]
    assert install[-2:] == ("libpango-1.0-0", "libpangoft2-1.0-0")
