# Two entry points on a fresh machine (Python 3.11+, pip, make):
#   make reports   install the kit in .venv and generate the sample reports
#   make test      install the kit and its dev tools in .venv, lint, run the tests
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
DATA   ?= data
OUT    ?= reports

.PHONY: reports test lint format install install-dev clean screenshots notebooks

# Reinstall when pyproject.toml changes; the stamp records what was installed.
$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "impact_kit needs Python 3.11 or newer; run: make PYTHON=python3.11 ...")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed-dev: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[dev,distributed]'
	@touch $@

# notebooks/*.ipynb: copies of the package's masters to read and run in JupyterLab. Git ignores them
# (Lab saves outputs into them); a copy is made again when its master changes.
COPIES := $(patsubst impact_kit/notebooks/%,notebooks/%,$(wildcard impact_kit/notebooks/*.ipynb))
notebooks/%.ipynb: impact_kit/notebooks/%.ipynb
	@mkdir -p notebooks
	cp $< $@
notebooks: $(COPIES)

install: $(VENV)/.installed notebooks
install-dev: $(VENV)/.installed-dev notebooks

# Every site-year of data/ on warm workers (parameters/<site>_<year>.yaml set a report's language),
# then the portfolio of each year in PORTFOLIO_YEARS; a failing report does not stop the others.
PORTFOLIO_YEARS ?= 2022 2023
reports: $(VENV)/.installed notebooks
	$(BIN)/impact-kit validate --data $(DATA)
	@status=0; \
	$(BIN)/impact-kit batch --data $(DATA) --out $(OUT) --parameters parameters || status=1; \
	for year in $(PORTFOLIO_YEARS); do \
	  $(BIN)/impact-kit portfolio $$year --data $(DATA) --out $(OUT) || status=1; \
	done; exit $$status

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# pytest exits 5 when no test ran, which fails this target (and CI) as it should. The tests mostly wait
# on kernels, Chromium and LibreOffice: two workers (pytest-xdist) take 0.74 of one's time on 2 cores.
TEST_WORKERS ?= 2
test: lint notebooks
	$(BIN)/python -m pytest -n $(TEST_WORKERS)

# The README's screenshots (docs/screenshots/*.png), from Debian's Chromium (apt-get install chromium).
screenshots: $(VENV)/.installed-dev
	$(BIN)/python tools/screenshots.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
	find $(OUT) -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
