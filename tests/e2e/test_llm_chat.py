"""The chat with a real language model behind it: the answer streams in, then only checked sentences stay."""

import time

import pytest

from tests import processes
from tests.e2e.conftest import shot, start_app

pytestmark = pytest.mark.e2e


def test_llm_answer_streams_in_the_chat(tmp_path, browser, llm_server):
    from gradio_client import Client
    from playwright.sync_api import expect

    proc, url, _ = start_app(tmp_path, env_extra={"ASSISTANT_LLM": "openai", "ASSISTANT_LLM_URL": llm_server, "ASSISTANT_LLM_MAX_TOKENS": "128"})
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(url)
        page.get_by_label("Question").fill("Who ordered the strikes on militia facilities in eastern Syria?")
        page.get_by_role("button", name="Ask", exact=True).click()
        bot = page.locator("#chat [data-testid='bot']").first
        expect(bot).to_be_visible(timeout=60_000)
        seen = []
        deadline = time.monotonic() + 180
        # Record what the answer bubble shows while the model writes, until the question box is free again.
        while time.monotonic() < deadline:
            text = bot.inner_text() if bot.count() else ""
            if text and (not seen or seen[-1] != text):
                seen.append(text)
            if page.get_by_label("Question").is_editable() and len(seen) > 1:
                break
            time.sleep(0.05)
        assert len(seen) >= 4, seen  # status lines, then the text growing as it is written
        final = bot.inner_text()
        shot(page, "11-llm-answer")
        # What stays is either checked, cited sentences or a refusal that says why.
        assert ("[1]" in final and "Sources published" in final) or "do not cover" in final
        answer = Client(url, verbose=False).predict("Who ordered the strikes on militia facilities in eastern Syria?", api_name="/answer")
        assert answer["backend"] == "openai" and (answer["refused"] or answer["citations"])
        page.close()
    finally:
        processes.stop(proc)
