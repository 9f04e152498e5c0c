"""The running app and a headless Chromium, shared by the end-to-end tests."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests import processes
from tests.conftest import CORPUS, ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "tests" / "output" / "e2e"


def start_app(tmp: Path, *extra: str, env_extra: dict | None = None) -> tuple[subprocess.Popen, str, Path]:
    """`python app.py` over a copy of the bundled corpus, with its index in `tmp`."""
    corpus = tmp / "corpus"
    shutil.copytree(CORPUS, corpus)
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(tmp / "index"), "ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_LLM": "extractive", **(env_extra or {})}
    proc, url = processes.start_app(env, tmp / "app.log", *extra)
    return proc, url, corpus


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("app")
    proc, url, corpus = start_app(tmp)
    # The first run built the index from the bundled corpus.
    assert any((tmp / "index").iterdir())
    yield url, corpus
    processes.stop(proc)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playwright gives each launch a fresh, empty profile of its own.
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
        )
        yield b
        b.close()


def shot(page, name: str) -> None:
    """Save a full-page screenshot as tests/output/e2e/NAME.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
