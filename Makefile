# Two commands for a fresh machine with Python 3.11+ and make:
#   make course   set up .venv, generate the sandbox data, build the book
#   make test     run the whole test suite
SHELL := /bin/bash
.SHELLFLAGS := -eo pipefail -c
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
BOOK_HTML := book/_build/html
# Book builds fail on any warning, broken reference or failing cell (Jupyter Book 1 would
# otherwise swallow notebook errors).
BOOK_SRC ?= .
BOOK_CONFIG ?= book/_config.yml
BOOK_TOC ?= book/_toc.yml
BOOK_OUT ?= book
BOOK_BUILD = $(BIN)/jupyter-book build $(BOOK_SRC) --config $(BOOK_CONFIG) --toc $(BOOK_TOC) \
	--path-output $(BOOK_OUT) -W -n --keep-going
LAB_OPTS ?=
# Notebooks run in parallel, one per core; a numerical library spreading each of them over all
# cores as well would oversubscribe the machine.
ONE_THREAD_EACH := OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 MKL_NUM_THREADS=1

.PHONY: course venv data book test lab exercises lock clean proxy hub

course: venv data book
	@echo
	@echo "The course is built. Open this file in a web browser:"
	@echo "  $(CURDIR)/$(BOOK_HTML)/index.html"

venv: $(INSTALLED)

$(INSTALLED): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11) and "Python 3.11 or newer is needed: run make PYTHON=python3.11 ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	touch $@

# Regenerated only when a file is missing or older than the generator code or its card: the
# book tests run `make book` while other tests read (and check) the data files.
data: venv
	$(BIN)/python -c 'import sys; from customs_course.datasets.loader import stale_files; sys.exit(bool(stale_files()))' \
		|| $(BIN)/customs-course datasets build

# The Data Portal offers the small edition's files for download: generate the data first.
book: venv data
	$(ONE_THREAD_EACH) $(BIN)/python -m customs_course.execution_cache $(BOOK_OUT)/_build $(BOOK_SRC)
	$(ONE_THREAD_EACH) $(BOOK_BUILD)

# The book build comes first: it executes the lessons whose code changed, and the notebook tests
# then check those executions from the cache instead of running the lessons a second time.
test: venv book proxy
	$(ONE_THREAD_EACH) $(BIN)/python -m pytest -n auto --dist loadfile --nbval-lax --nbval-current-env \
		tests modules solutions

# JupyterLab on the course, with the course's Jupyter settings for a role (etc/jupyter/<role>):
# learner (the default) has no instructor panels; `make lab ROLE=instructor` adds formgrader.
ROLE ?= learner
lab: venv
	@case "$(ROLE)" in learner|instructor) ;; *) echo "ROLE must be learner or instructor, not '$(ROLE)'" >&2; exit 2;; esac
	JUPYTER_CONFIG_PATH="$(CURDIR)/etc/jupyter/$(ROLE)" $(BIN)/jupyter lab --allow-root \
		--ServerApp.root_dir="$(CURDIR)" $(LAB_OPTS)

# The class hub's proxy, configurable-http-proxy, pinned in package-lock.json (npm). Without
# npm, the hub's end-to-end test is skipped (outside CI) and says why.
PROXY := node_modules/.bin/configurable-http-proxy
proxy: $(PROXY)
$(PROXY): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund && touch $@; \
	else echo "npm is missing: the class hub needs Node.js 20+ and npm (apt-get install nodejs npm)" >&2; fi

# The class hub on this server, as root: make hub ROSTER=roster.csv HUB_DATA=/srv/customs-hub
# (book/guides/class_hub.md; HUB_OPTS="--instructor NAME --create-users ...").
ROSTER ?= roster.csv
HUB_DATA ?= hub-data
HUB_OPTS ?=
hub: venv proxy
	$(BIN)/customs-course hub start --roster $(ROSTER) --data-dir $(HUB_DATA) $(HUB_OPTS)

# Maintainers: regenerate the student versions in exercises/ from solutions/.
exercises: venv
	$(BIN)/customs-course assignments generate

# Maintainers: re-resolve the pinned stack and rewrite constraints.txt.
lock:
	rm -rf build/lock-venv
	$(PYTHON) -m venv build/lock-venv
	build/lock-venv/bin/python -m pip install --quiet --upgrade pip
	build/lock-venv/bin/python -m pip install --quiet -e ".[dev]"
	build/lock-venv/bin/python -m pip freeze --exclude-editable | sort > constraints.txt

clean:
	rm -rf book/_build build .pytest_cache
