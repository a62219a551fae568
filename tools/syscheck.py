"""Check the system libraries, programs and fonts bookforge needs, and say exactly which
`apt-get install` line fixes what is missing. Standard library only: it runs before the
virtual environment exists.

Usage: syscheck.py build | test      libraries (and the test tools); exit 1 if any missing
       syscheck.py fonts [--install] [--fallback]
           the PDF's faces. --install (what `make book` passes): when they are missing on a
           Debian-like system, install exactly the missing packages with a non-interactive
           apt-get if running as root or with passwordless sudo, else stop with the exact
           command. --fallback (`make book FONTS=fallback`): only warn, and let the PDF use
           fallback faces. Without apt-get (another system) it warns and goes on: install
           the families yourself for the designed PDF.
"""

from __future__ import annotations

import ctypes.util
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass

NEEDS = {
    "build": [
        ("library", "pango-1.0", "libpango-1.0-0 libpangoft2-1.0-0"),
        ("library", "harfbuzz", "libharfbuzz0b"),
        ("library", "fontconfig", "fontconfig"),
    ],
    "test": [
        ("program", "java", "default-jre-headless"),
        ("program", "pdftotext", "poppler-utils"),
        ("program", "pdffonts", "poppler-utils"),
        ("program", "qpdf", "qpdf"),
        ("program", "pandoc", "pandoc"),
        ("program", "chromium", "chromium"),
        ("program", "npm", "npm"),
    ],
}

# The faces styles/print.css asks for and the Debian packages that ship them; the same
# table as bookforge.pdf.layout.FONTS (tests/test_syscheck.py keeps the two equal).
FONTS = {"TeX Gyre Pagella": "fonts-texgyre", "Noto Sans": "fonts-noto-core"}
FALLBACK_HINT = "make book FONTS=fallback"


def missing(kind: str) -> list[str]:
    packages = []
    for what, name, package in NEEDS[kind]:
        found = ctypes.util.find_library(name) if what == "library" else shutil.which(name)
        if not found:
            print(f"missing {what} '{name}'", file=sys.stderr)
            packages.append(package)
    return packages


def font_families() -> set[str]:
    """Every family name fontconfig knows, case-folded (none without fc-list)."""
    if not shutil.which("fc-list"):
        return set()
    listed = subprocess.run(["fc-list", ":", "family"], capture_output=True, text=True,
                            check=False).stdout
    return {name.strip().casefold() for line in listed.splitlines() for name in line.split(",")}


def missing_fonts(families: set[str]) -> list[str]:
    return [f for f in FONTS if f.casefold() not in families]


def font_packages(fonts: Sequence[str]) -> list[str]:
    return sorted({FONTS[f] for f in fonts})


@dataclass(frozen=True)
class FontPlan:
    """What `syscheck.py fonts` does: "ok", "install" (run `commands`), "stop" (print the
    command, exit 1) or "fallback" (warn, exit 0)."""

    action: str
    message: str = ""
    commands: tuple[tuple[str, ...], ...] = ()


def font_plan(fonts: Sequence[str], install: bool, fallback: bool, has_apt: bool,
              is_root: bool, sudo_ok: bool) -> FontPlan:
    if not fonts:
        return FontPlan("ok")
    packages = font_packages(fonts)
    names = ", ".join(fonts)
    command = "sudo apt-get install -y " + " ".join(packages)
    if fallback:
        return FontPlan("fallback", f"warning: PDF fonts missing ({names}); building with "
                                    f"fallback faces as asked. For the designed PDF: "
                                    f"{command}")
    if not has_apt:
        return FontPlan("fallback", f"warning: PDF fonts missing ({names}) and no apt-get "
                                    f"here; the PDF uses fallback faces. Install the "
                                    f"families {names} with your system's package manager "
                                    f"for the designed PDF.")
    if install and (is_root or sudo_ok):
        prefix: tuple[str, ...] = () if is_root else ("sudo", "-n")
        env = ("env", "DEBIAN_FRONTEND=noninteractive")
        return FontPlan("install", f"PDF fonts missing ({names}); installing {' '.join(packages)}",
                        ((*prefix, *env, "apt-get", "update", "-qq"),
                         (*prefix, *env, "apt-get", "install", "-y", "-qq",
                          "--no-install-recommends", *packages)))
    return FontPlan("stop", f"PDF fonts missing ({names}); install with:  {command}\n"
                            f"or build with fallback faces (not the designed PDF):  "
                            f"{FALLBACK_HINT}")


def passwordless_sudo() -> bool:
    if not shutil.which("sudo"):
        return False
    return subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False,
                          timeout=30).returncode == 0


def check_fonts(argv: Sequence[str],
                run: Callable[[Sequence[str]], int] = lambda c: subprocess.call(list(c))) -> int:
    install, fallback = "--install" in argv, "--fallback" in argv
    fonts = missing_fonts(font_families())
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    plan = font_plan(fonts, install, fallback, has_apt=bool(shutil.which("apt-get")),
                     is_root=is_root, sudo_ok=bool(fonts) and not is_root and passwordless_sudo())
    if plan.message:
        print(plan.message, file=sys.stderr)
    if plan.action == "stop":
        return 1
    if plan.action != "install":
        return 0
    for command in plan.commands:
        print("+ " + " ".join(command), file=sys.stderr)
        if run(command) != 0:
            print("font installation failed; install by hand with:  sudo apt-get install -y "
                  + " ".join(font_packages(fonts)), file=sys.stderr)
            return 1
    still = missing_fonts(font_families())
    hidden = os.environ.get("FONTCONFIG_FILE")
    if still and hidden:
        # the faces are installed; the user's own fontconfig file leaves them out, and
        # no installing changes that: their choice, built with fallback faces, said so
        print(f"warning: installed, but FONTCONFIG_FILE={hidden} hides {', '.join(still)}"
              " from fontconfig: the PDF is built with fallback faces (unset FONTCONFIG_FILE"
              " for the designed ones)", file=sys.stderr)
        return 0
    if still:
        print(f"fonts still not visible to fontconfig after installing: {', '.join(still)}"
              f"; to build with fallback faces anyway:  {FALLBACK_HINT}", file=sys.stderr)
        return 1
    return 0


def main() -> int:
    if sys.argv[1:2] == ["fonts"]:
        return check_fonts(sys.argv[2:])
    kinds = ["build"] + (["test"] if sys.argv[1:] == ["test"] else [])
    packages = sorted({p for k in kinds for p in missing(k)})
    if packages:
        print("fix with:  sudo apt-get install -y " + " ".join(packages), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
