"""Check the system libraries, programs and fonts bookforge needs, and say exactly which
`apt-get install` line fixes what is missing. Standard library only: it runs before the
virtual environment exists.

Usage: syscheck.py build | test [--install]
           the libraries (and the tools the tests read outputs with). Missing ones: with
           --install (what `make book` and `make test` pass) on a Debian-like system as root
           or with passwordless sudo, a non-interactive apt-get of exactly the missing
           packages; otherwise exit 1 with the exact command.
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
        # WeasyPrint subsets the embedded fonts with it; without it, with fontTools, which
        # is slower (and WeasyPrint warns that later versions require it)
        ("library", "harfbuzz-subset", "libharfbuzz-subset0"),
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
# table as bookforge.pdf.options.FONTS (tests/test_syscheck.py keeps the two equal).
FONTS = {"TeX Gyre Pagella": "fonts-texgyre", "Noto Sans": "fonts-noto-core"}
FALLBACK_HINT = "make book FONTS=fallback"


def missing(kind: str) -> list[str]:
    packages = []
    for what, name, package in NEEDS[kind]:
        found = ctypes.util.find_library(name) if what == "library" else shutil.which(name)
        if not found:
            print(f"missing {what} '{name}'", file=sys.stderr)
            packages += package.split()  # one apt-get argument per package
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
class Plan:
    """What syscheck does about missing packages: "ok", "install" (run `commands`),
    "stop" (print the command, exit 1) or, for fonts only, "fallback" (warn, exit 0)."""

    action: str
    message: str = ""
    commands: tuple[tuple[str, ...], ...] = ()


def apt_commands(packages: Sequence[str], is_root: bool) -> tuple[tuple[str, ...], ...]:
    prefix: tuple[str, ...] = () if is_root else ("sudo", "-n")
    env = ("env", "DEBIAN_FRONTEND=noninteractive")
    return ((*prefix, *env, "apt-get", "update", "-qq"),
            (*prefix, *env, "apt-get", "install", "-y", "-qq", "--no-install-recommends",
             *packages))


def package_plan(what: str, packages: Sequence[str], install: bool, has_apt: bool,
                 is_root: bool, sudo_ok: bool) -> Plan:
    """Missing system packages (`what` says which, for the message)."""
    if not packages:
        return Plan("ok")
    packages = sorted(set(packages))
    if install and has_apt and (is_root or sudo_ok):
        return Plan("install", f"{what} missing; installing {' '.join(packages)}",
                    apt_commands(packages, is_root))
    return Plan("stop", f"{what} missing; fix with:  sudo apt-get install -y "
                        + " ".join(packages))


def font_plan(fonts: Sequence[str], install: bool, fallback: bool, has_apt: bool,
              is_root: bool, sudo_ok: bool) -> Plan:
    if not fonts:
        return Plan("ok")
    packages = font_packages(fonts)
    names = ", ".join(fonts)
    command = "sudo apt-get install -y " + " ".join(packages)
    if fallback:
        return Plan("fallback", f"warning: PDF fonts missing ({names}); building with "
                                f"fallback faces as asked. For the designed PDF: "
                                f"{command}")
    if not has_apt:
        return Plan("fallback", f"warning: PDF fonts missing ({names}) and no apt-get "
                                f"here; the PDF uses fallback faces. Install the "
                                f"families {names} with your system's package manager "
                                f"for the designed PDF.")
    if install and (is_root or sudo_ok):
        return Plan("install", f"PDF fonts missing ({names}); installing {' '.join(packages)}",
                    apt_commands(packages, is_root))
    return Plan("stop", f"PDF fonts missing ({names}); install with:  {command}\n"
                        f"or build with fallback faces (not the designed PDF):  "
                        f"{FALLBACK_HINT}")


def passwordless_sudo() -> bool:
    if not shutil.which("sudo"):
        return False
    return subprocess.run(["sudo", "-n", "true"], capture_output=True, check=False,
                          timeout=30).returncode == 0


def run_plan(plan: Plan, run: Callable[[Sequence[str]], int]) -> int:
    """Print the plan's message and carry it out: 0 when nothing is left to do."""
    if plan.message:
        print(plan.message, file=sys.stderr)
    if plan.action == "stop":
        return 1
    for command in plan.commands:
        print("+ " + " ".join(command), file=sys.stderr)
        if run(command) != 0:
            return 1
    return 0


def check_fonts(argv: Sequence[str],
                run: Callable[[Sequence[str]], int] = lambda c: subprocess.call(list(c))) -> int:
    install, fallback = "--install" in argv, "--fallback" in argv
    fonts = missing_fonts(font_families())
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    plan = font_plan(fonts, install, fallback, has_apt=bool(shutil.which("apt-get")),
                     is_root=is_root, sudo_ok=bool(fonts) and not is_root and passwordless_sudo())
    if run_plan(plan, run) != 0:
        if plan.action == "install":
            print("font installation failed; install by hand with:  sudo apt-get install -y "
                  + " ".join(font_packages(fonts)), file=sys.stderr)
        return 1
    if plan.action != "install":
        return 0
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


def check_packages(argv: Sequence[str],
                   run: Callable[[Sequence[str]], int] = lambda c: subprocess.call(list(c))) -> int:
    kinds = ["build"] + (["test"] if argv[:1] == ["test"] else [])
    what = "system packages for " + ("the tests" if "test" in kinds else "building")
    packages = sorted({p for k in kinds for p in missing(k)})
    is_root = hasattr(os, "geteuid") and os.geteuid() == 0
    plan = package_plan(what, packages, install="--install" in argv,
                        has_apt=bool(shutil.which("apt-get")), is_root=is_root,
                        sudo_ok=bool(packages) and not is_root and passwordless_sudo())
    if run_plan(plan, run) != 0:
        if plan.action == "install":
            print("installation failed; install by hand with:  sudo apt-get install -y "
                  + " ".join(packages), file=sys.stderr)
        return 1
    if plan.action == "install":
        still = sorted({p for k in kinds for p in missing(k)})
        if still:
            print("still missing after installing: " + " ".join(still), file=sys.stderr)
            return 1
    return 0


def main() -> int:
    if sys.argv[1:2] == ["fonts"]:
        return check_fonts(sys.argv[2:])
    return check_packages(sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
