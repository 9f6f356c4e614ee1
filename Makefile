# The verbs: run, test, lint, bench. Each creates .venv and installs on first use.
PY      ?= python3.11
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: run test lint format bench venv sysdeps index clean

venv: $(STAMP)

# torch is pinned and installed first: unpinned, pip pulls a multi-GB CUDA build.
$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# System packages the tests drive: Debian's Chromium (widget browser tests) and nginx
# (the reverse-proxy test of the scale-out setup). Installed with apt when missing.
sysdeps:
	@missing=""; \
	test -x /usr/bin/chromium || missing="$$missing chromium"; \
	test -x /usr/sbin/nginx || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then apt-get update && apt-get install -y --no-install-recommends $$missing; fi

index: venv
	$(BIN)/tutor index

run: venv
	@echo "Starting the tutor on http://127.0.0.1:8000 (a first start builds the lesson index: about half a minute)"
	$(BIN)/tutor serve --host 127.0.0.1 --port 8000

test: venv sysdeps
	$(BIN)/python -m pytest -q

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: venv
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data
