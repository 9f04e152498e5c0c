"""The running app and a headless Chromium, shared by the end-to-end tests."""

import pytest

from tests import processes
from tests.e2e.helpers import CHROMIUM, start_app


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
