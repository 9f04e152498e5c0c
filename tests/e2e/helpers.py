"""Helpers of the end-to-end tests: start the app over a copy of the bundled corpus, save screenshots."""

import os
import shutil
import subprocess
from pathlib import Path

from tests import processes
from tests.paths import CORPUS, ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = ROOT / "tests" / "output" / "e2e"


def start_app(tmp: Path, *extra: str, env_extra: dict | None = None) -> tuple[subprocess.Popen, str, Path]:
    """`python app.py` over a copy of the bundled corpus, with its index in `tmp`."""
    corpus = tmp / "corpus"
    shutil.copytree(CORPUS, corpus)
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(tmp / "index"), "ASSISTANT_CORPUS_DIR": str(corpus), "ASSISTANT_LLM": "extractive", **(env_extra or {})}
    proc, url = processes.start_app(env, tmp / "app.log", *extra)
    return proc, url, corpus


def shot(page, name: str) -> None:
    """Save a full-page screenshot as tests/output/e2e/NAME.png."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def ask(page, question: str) -> None:
    """Type `question` in the chat's box and press Ask (the answer is not waited for)."""
    page.get_by_label("Question").fill(question)
    page.get_by_role("button", name="Ask", exact=True).click()


def new_chat(page) -> None:
    """Start a new chat and wait until the last one's answers are gone."""
    from playwright.sync_api import expect

    page.get_by_role("button", name="New chat").click()
    expect(page.locator("#chat [data-testid='bot']")).to_have_count(0)
