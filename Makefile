# Two commands do all the set-up on a fresh machine:
#   make site   installs what the build needs and builds the demo site into site/
#   make test   installs what the tests need (incl. Debian chromium) and runs every test
PYTHON ?= python3
PIP ?= $(PYTHON) -m pip
STAMP := .cache/setup

.PHONY: site test setup setup-test serve bench clean

site: setup
	$(PYTHON) -m sitegen build

serve: setup
	$(PYTHON) -m sitegen serve

test: setup-test
	$(PYTHON) -m pytest -q

bench: setup
	$(PYTHON) bench/run.py

setup: $(STAMP)-python $(STAMP)-npm

setup-test: setup $(STAMP)-test

$(STAMP)-python: pyproject.toml
	mkdir -p .cache
	$(PIP) install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(STAMP)-npm: package.json package-lock.json tools/vendor_assets.py
	mkdir -p .cache
	npm ci --no-audit --no-fund --loglevel=error
	$(PYTHON) tools/vendor_assets.py
	touch $@

# Browser and standards tests: Debian's chromium (driven by Playwright for Python, installed
# with the test extras; no `playwright install`), fonts so pages render as readers see them,
# Java for vnu (the Nu HTML checker); vnu-jar and axe-core come from `npm ci` (devDependencies).
$(STAMP)-test: $(STAMP)-npm
	mkdir -p .cache
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v java >/dev/null 2>&1 || missing="$$missing default-jre-headless"; \
	fc-list 2>/dev/null | grep -qi dejavu || missing="$$missing fonts-dejavu-core fonts-liberation"; \
	if [ -n "$$missing" ]; then \
		echo "apt-get install$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi
	test -f node_modules/vnu-jar/build/dist/vnu.jar && test -f node_modules/axe-core/axe.min.js
	$(PYTHON) -c "import playwright.sync_api, feedparser, jsonschema"
	touch $@

clean:
	rm -rf site .cache node_modules sitegen/assets/vendor
