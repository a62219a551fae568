"""Check the system libraries and programs bookforge needs, and say exactly which
`apt-get install` line fixes what is missing. Usage: syscheck.py [build|test]"""

import ctypes.util
import shutil
import sys

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


def missing(kind: str) -> list[str]:
    packages = []
    for what, name, package in NEEDS[kind]:
        found = ctypes.util.find_library(name) if what == "library" else shutil.which(name)
        if not found:
            print(f"missing {what} '{name}'", file=sys.stderr)
            packages.append(package)
    return packages


def main() -> int:
    kinds = ["build"] + (["test"] if sys.argv[1:] == ["test"] else [])
    packages = sorted({p for k in kinds for p in missing(k)})
    if packages:
        print("fix with:  sudo apt-get install -y " + " ".join(packages), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
