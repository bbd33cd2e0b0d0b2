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

$(STAMP)-test:
	mkdir -p .cache
	command -v chromium >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }
	command -v java >/dev/null 2>&1 || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq default-jre-headless >/dev/null; }
	touch $@

clean:
	rm -rf site .cache node_modules sitegen/assets/vendor
