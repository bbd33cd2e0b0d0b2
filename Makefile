# Two commands do all the set-up on a fresh machine:
#   make site   installs what the build needs and builds the demo site into site/
#   make test   installs what the tests need (incl. Debian chromium) and runs every test
# Everything goes into a virtual environment, .venv/ (the system Python may be "externally
# managed"), at the versions of requirements.lock.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check
STAMP := .cache/setup

.PHONY: site test setup setup-test serve bench wheel clean

site: setup
	$(PY) -m sitegen build

serve: setup
	$(PY) -m sitegen serve

test: setup-test
	$(PY) -m pytest -q

bench: setup
	$(PY) bench/run.py

wheel: setup
	$(PIP) wheel --no-deps -w dist .

setup: $(STAMP)-python

setup-test: setup $(STAMP)-test

# Debian's python3 has no venv module until python3-venv is installed
$(PY):
	$(PYTHON) -m venv $(VENV) || { \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null \
		&& rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); }

$(STAMP)-python: pyproject.toml requirements.lock | $(PY)
	mkdir -p .cache
	$(PIP) install --quiet -c requirements.lock -e '.[test]'
	touch $@

# Browser and standards tests: Debian's chromium (driven by Playwright for Python, installed
# with the test extras; no `playwright install`), fonts so pages render as readers see them,
# Java for vnu (the Nu HTML checker); vnu-jar and axe-core come from `npm ci` (devDependencies).
# Leaflet is committed inside the package (sitegen/assets/vendor): no npm step for the site.
$(STAMP)-test: $(STAMP)-python package.json package-lock.json
	mkdir -p .cache
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	command -v git >/dev/null 2>&1 || missing="$$missing git"; \
	fc-list 2>/dev/null | grep -qi dejavu || missing="$$missing fonts-dejavu-core fonts-liberation"; \
	if [ -n "$$missing" ]; then \
		echo "apt-get install$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	npm ci --no-audit --no-fund --loglevel=error
	test -f node_modules/vnu-jar/build/dist/vnu.jar && test -f node_modules/axe-core/axe.min.js
	$(PY) -c "import playwright.sync_api, feedparser, jsonschema"
	touch $@

clean:
	rm -rf site .cache node_modules $(VENV) dist build
