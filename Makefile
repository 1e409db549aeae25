# Two commands (see README.md):
#   make book   set up .venv if needed, execute every chapter once (quick mode, cached), build the HTML
#               book (English, and the Chinese edition in _build/html/zh) from those results and the
#               reader notebooks, print its path
#   make test   set up .venv if needed: unit tests, the chapters in quick mode (once), the reader
#               notebooks in capped full mode, then the strict book build and the browser checks
#
# The virtual environment is (re)built only when requirements.txt, pyproject.toml
# or the checkout's location change: the stamp file's name carries their hash.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
HASH   := $(shell cat requirements.txt pyproject.toml | $(PYTHON) -c "import hashlib,os,sys; print(hashlib.sha1(sys.stdin.buffer.read() + os.getcwd().encode()).hexdigest()[:12])")
STAMP  := $(VENV)/.installed-$(HASH)
export PATH := $(abspath $(BIN)):$(PATH)
# The built book is a static page: training prints a line per epoch instead of a live bar.
export CNNBOOK_PROGRESS := lines
# Processes at a time (pytest workers, notebook kernels); each gets cores / JOBS torch threads,
# since two kernels sharing cores at full threads each run several times slower.
JOBS   ?= $(shell nproc 2>/dev/null || echo 2)
THREADS = $(shell n=$$(( $$(nproc 2>/dev/null || echo 2) / $(JOBS) )); [ $$n -ge 1 ] && echo $$n || echo 1)
# Per-cell time limit (seconds) when executing notebooks.
CELL_TIMEOUT ?= 900

.PHONY: book book-tests test unit execute notebooks notebooks-reader full publish-reader setup clean bench sync-repo-url translations

book: notebooks-reader
	$(BIN)/jupyter-book build . -W -n --keep-going
	$(BIN)/python tools/i18n.py build
	@echo "Book: $(CURDIR)/_build/html/index.html   中文版: $(CURDIR)/_build/html/zh/index.html"

# After changing prose: bring the Chinese catalogs (locales/zh_CN/LC_MESSAGES/*.po) in line with the
# sources (new messages empty, changed ones fuzzy), then translate them and run `tools/i18n.py check`.
translations: $(STAMP)
	$(BIN)/python tools/i18n.py update

test: unit book-tests

# The strict book build (rendering the cached executions) and the tests that read it; they need
# the full-mode runs (make full; its steps are no-ops when their results are current).
book-tests: full
	$(BIN)/python -m pytest tests -m book

unit: $(STAMP)
	OMP_NUM_THREADS=$(THREADS) $(BIN)/python -m pytest -n $(JOBS) tests -m "not book"

# Every chapter once in quick mode, into the jupyter-cache the book build renders (unchanged
# chapters with an unchanged library are not run again).
execute: $(STAMP)
	$(BIN)/python tools/execute.py --mode quick --workers $(JOBS) --timeout $(CELL_TIMEOUT)
notebooks: execute

# The notebooks for Jupyter and Colab readers: _build/reader/chapters/*.ipynb, and in Chinese
# (translated from the catalogs) _build/reader/zh/chapters/*.ipynb.
notebooks-reader: execute
	$(BIN)/python tools/reader.py --require-outputs
	$(BIN)/python tools/reader.py --require-outputs --language zh

# The reader notebooks in full mode (full-size models, budgets and images) with the library's caps
# on steps, evaluation batches, epochs and batch size (tools/execute.py's CAPS; CNNBOOK_MAX_* override).
full: notebooks-reader
	$(BIN)/python tools/execute.py --mode full --workers $(JOBS) --timeout $(CELL_TIMEOUT)

# Commit the reader notebooks to the branch `reader-notebooks` (which the launch buttons open);
# your working tree and current branch are not touched. Then: git push origin reader-notebooks
publish-reader: notebooks-reader
	$(BIN)/python tools/publish_reader.py

bench: $(STAMP)
	$(BIN)/python -m cnnbook.bench

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --quiet "pip>=23.2"
	$(BIN)/python -m pip install --quiet -r requirements.txt
	# d2l 1.0.3 pins numpy==1.23.5 & co., which no longer build: take it without its pins
	$(BIN)/python -m pip install --quiet --no-deps d2l==1.0.3
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	rm -f $(VENV)/.installed-*
	touch $@

# Copy repository.url from _config.yml into every chapter's Colab set-up cell.
sync-repo-url: $(STAMP)
	$(BIN)/python -m cnnbook.repo_url --write

clean:
	rm -rf _build .pytest_cache
