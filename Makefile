# Two commands (see README.md):
#   make book   set up .venv if needed, build the HTML book (executing every chapter), print its path
#   make test   set up .venv if needed, run the unit tests and every notebook, then build the book strictly
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
JOBS   ?= 2

.PHONY: book test unit notebooks setup clean bench sync-repo-url

book: $(STAMP)
	$(BIN)/jupyter-book build . -W -n --keep-going
	@echo "Book: $(CURDIR)/_build/html/index.html"

test: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --nbmake --nbmake-timeout=900 tests chapters -m "not book"
	$(BIN)/python -m pytest tests -m book

unit: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) tests -m "not book"

notebooks: $(STAMP)
	$(BIN)/python -m pytest -n $(JOBS) --nbmake --nbmake-timeout=900 chapters

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
