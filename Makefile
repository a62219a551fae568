# bookforge: `make book` builds the sample volume, `make test` runs the tests.
# Both create .venv and install the project on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
BOOK   ?= book
OUT    ?= build

.PHONY: ace book test check catalogs bench lint clean syscheck syscheck-test fonts fuzz

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
	  { echo "bookforge needs Python >= 3.11"; exit 1; }
	@$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || \
	  { echo "python venv support missing; fix with:  sudo apt-get install -y python3-venv"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# The system libraries (and, for `make test`, the programs the tests read outputs with:
# poppler, qpdf, pandoc, chromium, java, npm). Missing ones are installed like the fonts
# below: a non-interactive apt-get of exactly those packages as root or with passwordless
# sudo; otherwise make stops and prints the exact command.
syscheck:
	@$(PYTHON) tools/syscheck.py build --install

# The PDF's faces, TeX Gyre Pagella and Noto Sans (open licences; Debian fonts-texgyre,
# fonts-noto-core). Missing ones are installed with a non-interactive apt-get when running
# as root or with passwordless sudo; otherwise make stops and prints the exact command.
# FONTS=fallback (e.g. `make book FONTS=fallback`) builds with fallback faces and a warning
# instead; on a system without apt-get that is what happens, with the same warning.
FONTS ?= install
fonts:
	@$(PYTHON) tools/syscheck.py fonts $(if $(filter fallback,$(FONTS)),--fallback,--install)

syscheck-test:
	@$(PYTHON) tools/syscheck.py test --install

book: syscheck fonts $(STAMP)
	$(BIN)/bookforge build $(BOOK) --out $(OUT)

check: $(STAMP)
	$(BIN)/bookforge check $(BOOK)

# axe-core for the browser accessibility tests, installed into a git-ignored folder.
AXE := .tools/axe/node_modules/axe-core/axe.min.js
$(AXE):
	npm install --prefix .tools/axe --no-save --no-audit --no-fund axe-core@4

# DAISY Ace for the EPUB accessibility tests (runs on Debian's chromium), git-ignored too.
ACE := .tools/ace/node_modules/.bin/ace-puppeteer
$(ACE):
	npm install --prefix .tools/ace --no-save --no-audit --no-fund --ignore-scripts @daisy/ace@1

ace: $(ACE)

test: syscheck syscheck-test $(STAMP) $(AXE) $(ACE)
	$(BIN)/python -m pytest -q

# A longer run of the generated-chapter tests (tests/test_fuzz.py); prints how many inputs
# it tried. FUZZ_EXAMPLES chapters are transformed and rendered, FUZZ_BUILDS fully built.
FUZZ_EXAMPLES ?= 2000
FUZZ_BUILDS   ?= 20
fuzz: $(STAMP)
	BOOKFORGE_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) BOOKFORGE_FUZZ_BUILDS=$(FUZZ_BUILDS) \
	  $(BIN)/python -m pytest -q -s tests/test_fuzz.py

lint: $(STAMP)
	$(BIN)/ruff check src tests

catalogs: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k gettext --no-location --sort-output \
	  --project=bookforge -o src/bookforge/locale/bookforge.pot .
	$(BIN)/pybabel update -D bookforge -i src/bookforge/locale/bookforge.pot \
	  -d src/bookforge/locale --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -D bookforge -d src/bookforge/locale --statistics

# Speed measurements: each script prints its medians (bench_scale.py runs pandoc, the
# baseline, so the test programs are installed first).
BENCH_SCRIPTS := bench/bench_pdf.py bench/bench_preview.py bench/bench_glossary.py bench/bench_build.py \
                 bench/bench_scale.py
bench: syscheck syscheck-test $(STAMP)
	@for s in $(BENCH_SCRIPTS); do $(BIN)/python $$s || exit 1; done

clean:
	rm -rf $(OUT) .pytest_cache
