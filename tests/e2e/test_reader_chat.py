"""The chat with the reading model behind it (the default): the quoted answer at once, then
the model's short, checked answer in its place, its quote one click away."""

import time

import pytest

from tests import processes
from tests.e2e.helpers import ask, new_chat, shot, start_app

pytestmark = pytest.mark.e2e

QUESTION = "Who ordered the strikes on militia facilities in eastern Syria?"


def test_the_quoted_answer_shows_first_then_the_read_answer_replaces_it(tmp_path, browser):
    from gradio_client import Client
    from playwright.sync_api import expect

    proc, url, _ = start_app(tmp_path, env_extra={"ASSISTANT_LLM": "local"})
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.goto(url)
        ask(page, QUESTION)
        bot = page.locator("#chat [data-testid='bot']").first
        expect(bot).to_be_visible(timeout=60_000)
        seen: list[str] = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            text = bot.inner_text() if bot.count() else ""
            if text and (not seen or seen[-1] != text):
                seen.append(text)
            if page.get_by_label("Question").is_editable() and len(seen) > 1:
                break
            time.sleep(0.05)
        drafts = [t for t in seen if "Reading the articles for a short answer" in t]
        assert drafts and "Biden" in drafts[0], seen  # the quoted answer, while the model reads
        final = bot.inner_text()
        shot(page, "11-reader-answer")
        assert "Reading the articles" not in final and "Sources published" in final
        first = final.split(" [1")[0]  # up to its first marker: "[1]", or "[1a]" when its article has several quotes
        assert first.count(" ") < 25 and "Biden" in first, final  # a short answer comes first
        page.locator("#chat a.cite").first.click()
        card = page.locator(".src-turn.shown .src-card.active .src-quote.active mark")  # the quote its marker names
        expect(card).to_contain_text("Biden")
        # A follow-up is rewritten by the model before it is searched: the answer says how it was read.
        ask(page, "What did Russia say about them?")
        follow = page.locator("#chat [data-testid='bot']").nth(1)
        expect(follow.locator("em", has_text="Read as: ")).to_be_visible(timeout=240_000)
        read_as = follow.locator("em", has_text="Read as: ").inner_text()
        assert "them" not in read_as.split() and "strikes" in read_as.lower(), read_as
        expect(page.get_by_label("Question")).to_be_editable(timeout=240_000)
        shot(page, "11-reader-read-as")
        # A question worded unlike the article (in a new chat: a follow-up would be rewritten
        # as such) is reworded by the model and searched again; the answer says how it was found.
        new_chat(page)
        ask(page, "Who disclosed that Washington had given Moscow only minutes of notice?")
        reworded = page.locator("#chat [data-testid='bot']").first
        expect(reworded).to_contain_text("searching again", timeout=240_000)
        expect(reworded).to_contain_text("Lavrov")
        shot(page, "12-reworded-answer")
        # A yes-or-no question is answered yes or no, with the reason and its quote.
        new_chat(page)
        ask(page, "Did Russia condemn the US strikes in Syria?")
        verdict = page.locator("#chat [data-testid='bot']").first
        expect(verdict).to_contain_text("Yes, ", timeout=240_000)
        expect(verdict.locator("a.cite")).not_to_have_count(0)
        expect(page.get_by_label("Question")).to_be_editable(timeout=240_000)
        answer = Client(url, verbose=False).predict(QUESTION, api_name="/answer")
        assert answer["backend"] == "local" and answer["citations"] and answer["extractive"]["backend"] == "extractive"
        page.close()
    finally:
        processes.stop(proc)
