# Two entry points for newcomers: `make demo` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
BIN = $(VENV)/bin

.PHONY: demo test lab notebooks bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

# Stamp files re-run the install only when pyproject.toml changes.
$(VENV)/.runtime-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

# The dev set-up includes the browser-side test tools from npm (axe-core).
$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python node_modules/.installed
	$(BIN)/pip install -q -e '.[dev]'
	touch $@ $(VENV)/.runtime-installed

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

demo: $(VENV)/.runtime-installed
	$(BIN)/muffin-feed demo

test: $(VENV)/.dev-installed node_modules/.installed
	bash scripts/test.sh

notebooks: $(VENV)/.dev-installed
	$(BIN)/jupytext --to ipynb notebooks/*.py

lab: notebooks
	$(BIN)/jupyter lab notebooks/

bench: $(VENV)/.dev-installed
	for f in bench/*.py; do $(BIN)/python $$f || exit 1; done

clean:
	rm -rf $(VENV) node_modules .pytest_cache .hypothesis notebooks/*.ipynb
