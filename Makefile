# The two set-up commands of the README:  `make chat`  and  `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: chat test install chromium

$(VENV)/.installed: pyproject.toml
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	# torch==2.13.0 (pinned in pyproject.toml) resolves to the local CPU wheel.
	$(VENV)/bin/pip install -e '.[test]'
	touch $@

install: $(VENV)/.installed

# Installs everything, builds the index from corpus/ on first run, serves the chat.
chat: $(VENV)/.installed
	$(PY) app.py

# Debian's Chromium drives the end-to-end browser test (Playwright cannot download its own here).
chromium:
	@command -v chromium >/dev/null 2>&1 || { $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }

test: $(VENV)/.installed chromium
	$(PY) -m pytest
