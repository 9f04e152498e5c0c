"""`python app.py` from scratch: builds the index, serves the chat, answers in a real browser."""

import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.e2e

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
QUESTION = "Who ordered the strikes on militia facilities in eastern Syria?"


@pytest.fixture(scope="module")
def app_url(tmp_path_factory):
    index = tmp_path_factory.mktemp("app-index")
    port = free_port()
    env = {**os.environ, "ASSISTANT_INDEX_DIR": str(index), "ASSISTANT_PORT": str(port)}
    log = (tmp_path_factory.mktemp("app-log") / "app.log").open("w")
    proc = subprocess.Popen([sys.executable, "app.py"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.monotonic() + 240
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError(f"the app did not start; see {log.name}:\n{Path(log.name).read_text()[-2000:]}")
        time.sleep(0.5)
    # The first run built the index from the bundled corpus.
    assert any(index.iterdir())
    yield url
    proc.terminate()
    proc.wait(timeout=30)


def test_api_answer_through_gradio_client(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    answer = client.predict(QUESTION, "", api_name="/answer")
    assert "Biden" in answer["text"].split(" [1]")[0] and answer["citations"]
    chat = client.predict(QUESTION, "", api_name="/chat")
    assert "Biden" in chat and "**Sources**" in chat and "2021-04-19" in chat
    refused = client.predict("Who won the 2022 FIFA World Cup?", "", api_name="/chat")
    assert "do not cover" in refused


def test_bad_question_is_a_message_not_a_crash(app_url):
    from gradio_client import Client

    client = Client(app_url, verbose=False)
    with pytest.raises(Exception, match="question is empty"):
        client.predict("   ", "", api_name="/chat")
    with pytest.raises(Exception, match="as_of"):
        client.predict(QUESTION, "not-a-date", api_name="/chat")


def test_chat_in_headless_chromium(app_url, tmp_path):
    from playwright.sync_api import expect, sync_playwright

    with sync_playwright() as p:
        # Playwright gives each launch a fresh, empty profile of its own.
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                  "--no-first-run", "--disable-sync"],
        )
        page = browser.new_page()
        page.goto(app_url)
        box = page.get_by_label("Question")
        box.fill(QUESTION)
        box.press("Enter")
        bots = page.locator("[data-testid='bot']")
        expect(bots.nth(0)).to_contain_text("Biden", timeout=60_000)
        expect(bots.nth(0)).to_contain_text("Sources")
        expect(bots.nth(0)).to_contain_text("2021-04-19")
        # A follow-up that only makes sense with the conversation so far.
        box.fill("Who is Igor Konashenkov?")
        box.press("Enter")
        expect(bots.nth(1)).to_contain_text("Konashenkov", timeout=60_000)
        box.fill("What did he threaten to do?")
        box.press("Enter")
        expect(bots.nth(2)).to_contain_text("suppressed with all military means", timeout=60_000)
        expect(bots).to_have_count(3)
        page.screenshot(path=str(tmp_path / "chat.png"), full_page=True)
        browser.close()
