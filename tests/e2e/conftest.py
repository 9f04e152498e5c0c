"""The running app and a headless Chromium, shared by the end-to-end tests."""

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import CORPUS, ROOT, free_port

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "tests" / "output" / "e2e"


def start_app(tmp: Path, *extra: str, env_extra: dict | None = None) -> tuple[subprocess.Popen, str, Path]:
    corpus = tmp / "corpus"
    shutil.copytree(CORPUS, corpus)
    port = free_port()
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(tmp / "index"), "ASSISTANT_CORPUS_DIR": str(corpus), **(env_extra or {})}
    log_path = tmp / "app.log"
    proc = subprocess.Popen([sys.executable, "app.py", "--port", str(port), *extra], cwd=ROOT, env=env,
                            stdout=log_path.open("w"), stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 240
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return proc, url, corpus
        except OSError as exc:
            if getattr(exc, "code", None) == 401:  # a login page answers too
                return proc, url, corpus
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the app did not start:\n{log_path.read_text()[-3000:]}")
        time.sleep(0.5)


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("app")
    proc, url, corpus = start_app(tmp)
    # The first run built the index from the bundled corpus.
    assert any((tmp / "index").iterdir())
    yield url, corpus
    proc.terminate()
    proc.wait(timeout=30)


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # Playwright gives each launch a fresh, empty profile of its own.
        b = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync"],
        )
        yield b
        b.close()


def shot(page, name: str) -> None:
    """Save a full-page screenshot as tests/output/e2e/NAME.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)
