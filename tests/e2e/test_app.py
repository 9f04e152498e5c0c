"""`python app.py` from scratch: builds the index, serves the chat, used in a real browser and
through gradio_client.

Screenshots of each state go to tests/output/e2e/ (git-ignored), for a person to look at.
"""

import json
from pathlib import Path

import pytest

from tests.e2e.helpers import ask, shot

pytestmark = pytest.mark.e2e

QUESTION = "Who ordered the strikes on militia facilities in eastern Syria?"
UPLOADED = json.dumps(
    {
        "title": "Tramway approved in Port Elsworth",
        "published_at": "2025-03-04",
        "source": "Elsworth Gazette",
        "url": "https://gazette.example/tram",
        "text": "The city council of Port Elsworth approved the construction of a new harbour tramway on Tuesday, "
        "council leader Maren Okafor said.\n\nThe line will run 7 kilometres from the ferry terminal to the "
        "university and is expected to open in 2028.",
    }
)


def test_api_answer_through_gradio_client(app):
    from gradio_client import Client

    url, _ = app
    client = Client(url, verbose=False)
    answer = client.predict(QUESTION, api_name="/answer")
    assert "Biden" in answer["text"].split(" [1]")[0]
    assert answer["citations"] and not answer["refused"]
    assert set(answer["citations"][0]) >= {"number", "doc_id", "title", "published_at", "quote", "start", "end"}
    # A follow-up resolved through the history argument.
    follow = client.predict("What did he threaten to do?", history=["Who is Igor Konashenkov?"], api_name="/answer")
    assert "suppressed with all military means" in follow["text"]
    # Filters reach retrieval: no article before 2000, no such outlet.
    assert client.predict(QUESTION, until="1999-12-31", api_name="/answer")["refused"]
    assert client.predict(QUESTION, sources=["No Such Outlet"], api_name="/answer")["refused"]
    assert client.predict("Who won the 2022 FIFA World Cup?", api_name="/answer")["refused"]


def test_bad_input_through_gradio_client_is_a_message(app):
    from gradio_client import Client

    client = Client(app[0], verbose=False)
    with pytest.raises(Exception, match="question is empty"):
        client.predict("   ", api_name="/answer")
    with pytest.raises(Exception, match="as_of"):
        client.predict(QUESTION, as_of="not-a-date", api_name="/answer")
    with pytest.raises(Exception, match="date range is empty"):
        client.predict(QUESTION, since="2024-01-01", until="2020-01-01", api_name="/answer")
    # And the app still answers afterwards.
    assert not client.predict(QUESTION, api_name="/answer")["refused"]


def test_chat_in_headless_chromium(app, browser):
    from playwright.sync_api import expect

    url, corpus = app
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(url)
    expect(page.locator("#corpus")).to_contain_text("articles in", timeout=30_000)

    # An answer with citations; the [n] markers are links to the sources panel.
    ask(page, QUESTION)
    bots = page.locator("#chat [data-testid='bot']")
    expect(bots.nth(0)).to_contain_text("Biden", timeout=90_000)
    links = bots.nth(0).locator("a.cite")
    expect(links.first).to_be_visible()
    panel = page.locator("#sources-panel")
    expect(panel.locator(".src-turn.shown .src-card")).not_to_have_count(0)
    # A passage both versions of the story carry is one source, its copies listed under it.
    reports = panel.locator(".src-turn.shown .src-reports").first
    expect(reports).to_contain_text("in 2 versions; first on 26 February 2021")
    expect(bots.nth(0)).to_contain_text("in 2 versions; first on 26 February 2021")
    shot(page, "1-answer")

    # Clicking [2] shows source 2 with its quote highlighted inside its paragraph.
    links.filter(has_text="[2]").first.click()
    active = panel.locator(".src-card.active")
    expect(active).to_have_count(1)
    expect(active).to_have_attribute("id", "src-1-2")
    mark = active.locator("mark")
    expect(mark).to_be_visible()
    quote = mark.inner_text().strip()
    assert quote and quote in (corpus / "001_5618d79fe3bfd785.txt").read_text() + (corpus / "000_42dd889af19354b1.txt").read_text()
    context = active.locator(".src-context").inner_text()
    assert len(context) > len(quote)  # the paragraph around the quote is there too
    expect(active).to_contain_text("2021")
    shot(page, "2-citation-clicked")

    # A follow-up that only makes sense with the conversation so far.
    ask(page, "Who is Igor Konashenkov?")
    expect(bots.nth(1)).to_contain_text("Konashenkov", timeout=90_000)
    ask(page, "What did he threaten to do?")
    expect(bots.nth(2)).to_contain_text("suppressed with all military means", timeout=90_000)
    expect(bots).to_have_count(3)
    # Each answer's markers lead to that answer's sources.
    bots.nth(0).locator("a.cite").first.click()
    expect(panel.locator(".src-card.active")).to_have_attribute("id", "src-1-1")
    expect(panel.locator(".src-turn.shown")).to_have_attribute("id", "src-turn-1")
    bots.nth(2).locator("a.cite").first.click()
    expect(panel.locator(".src-turn.shown")).to_have_attribute("id", "src-turn-3")
    shot(page, "3-follow-up")

    # A refusal looks like a refusal, not an answer.
    ask(page, "Who won the 2022 FIFA World Cup?")
    expect(bots.nth(3).locator("blockquote")).to_contain_text("do not cover", timeout=90_000)
    expect(bots.nth(3).locator("blockquote a.cite")).to_have_count(0)  # only its closest coverage links to sources
    shot(page, "4-refusal")

    # Errors are messages in the page, and the chat goes on afterwards.
    ask(page, "   ")
    alert = page.locator("#alert")
    expect(alert).to_contain_text("question is empty", timeout=30_000)
    expect(bots).to_have_count(4)
    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("Published from").fill("2024-01-01")
    page.get_by_label("Published until").fill("2020-01-01")
    ask(page, QUESTION)
    expect(alert).to_contain_text("date range is empty", timeout=30_000)
    shot(page, "5-error")
    page.get_by_label("Published from").fill("")
    page.get_by_label("Published until").fill("")
    ask(page, "What did Russia say about the US strikes?")
    expect(bots.nth(4)).to_contain_text("condemn", timeout=90_000)
    expect(alert).to_be_hidden()

    # The conversation downloads as Markdown (questions, answers, sources) and as JSON (Answer.to_dict() per turn).
    expect(page.locator("#export-md")).to_be_visible(timeout=30_000)
    with page.expect_download() as md_download:
        page.locator("#export-md").click()
    assert md_download.value.suggested_filename == "conversation.md"
    markdown = Path(md_download.value.path()).read_text(encoding="utf-8")
    for i, asked in enumerate([QUESTION, "Who is Igor Konashenkov?", "What did he threaten to do?", "Who won the 2022 FIFA World Cup?"], 1):
        assert f"## {i}. {asked}" in markdown
    assert "Biden" in markdown and "**Sources**" in markdown and "characters" in markdown and "do not cover" in markdown
    with page.expect_download() as json_download:
        page.locator("#export-json").click()
    turns = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))["turns"]
    assert [t["question"] for t in turns][:3] == [QUESTION, "Who is Igor Konashenkov?", "What did he threaten to do?"] and len(turns) == 5
    for turn in turns:
        for c in turn["citations"]:
            assert (corpus / f"{c['doc_id']}.txt").read_text(encoding="utf-8")[c["start"] : c["end"]] == c["quote"]
    shot(page, "6-export")

    # "New chat" empties the conversation, the sources panel and the downloads.
    page.get_by_role("button", name="New chat").click()
    expect(bots).to_have_count(0)
    expect(panel.locator(".src-card")).to_have_count(0)
    expect(page.locator("#export-md")).to_be_hidden()
    page.close()


def test_what_changed_and_the_versions_view(app, browser):
    from playwright.sync_api import expect

    url, corpus = app
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(url)
    expect(page.locator("#corpus")).to_contain_text("articles in", timeout=30_000)
    # Asked in words: the changes, each side a citation into its version.
    ask(page, "What changed in the latest version of the story about the US strikes in Syria?")
    bot = page.locator("#chat [data-testid='bot']").nth(0)
    expect(bot).to_contain_text("26 February 2021", timeout=90_000)
    expect(bot).to_contain_text("Removed")
    expect(bot.locator("a.cite")).not_to_have_count(0)
    shot(page, "8-what-changed")

    # The sources panel's versions view of a cited article: its versions by date, every change.
    page.get_by_text("Versions of a cited story", exact=True).click()
    page.locator("#versions-article input").click()
    page.get_by_role("option").filter(has_text="2 versions").first.click()
    view = page.locator("#versions-view")
    expect(view).to_contain_text("Versions of this story", timeout=30_000)
    expect(view).to_contain_text("000_42dd889af19354b1")
    expect(view).to_contain_text("(latest)")
    expect(view).to_contain_text("Sergei Lavrov revealed")
    expect(view).to_contain_text("airstrikes")
    expect(view).to_contain_text("characters")
    shot(page, "9-versions-view")

    # A timeline renders as a dated list, each event with its citation.
    ask(page, "Give me a timeline of the US strikes in Syria")
    timeline = page.locator("#chat [data-testid='bot']").nth(1)
    expect(timeline).to_contain_text("Timeline of the US strikes in Syria", timeout=90_000)
    expect(timeline).to_contain_text("25 February 2021")
    expect(timeline.locator("a.cite")).not_to_have_count(0)
    shot(page, "10-timeline")
    page.close()


def test_upload_then_ask_about_it(app, browser, tmp_path):
    from playwright.sync_api import expect

    url, corpus = app
    article = tmp_path / "port-elsworth-tram.json"
    article.write_text(UPLOADED, encoding="utf-8")
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(url)
    page.get_by_text("Add articles", exact=True).click()
    page.locator("input[type='file']").set_input_files([str(article)])
    summary = page.locator("#upload-summary")
    expect(summary).to_contain_text("Added 1", timeout=120_000)
    expect(page.locator("#corpus")).to_contain_text("6 articles")
    assert (corpus / "uploads" / "port-elsworth-tram.json").read_text(encoding="utf-8") == UPLOADED
    expect(page.locator("#corpus")).to_contain_text("to 2025-03-04")
    expect(page.locator("[data-testid='toast-body'].info")).to_contain_text("Added 1")
    shot(page, "6-upload")

    # A file with no article text is refused with its reason, and a warning toast says so at once.
    blank = tmp_path / "blank-page.txt"
    blank.write_text("   \n", encoding="utf-8")
    page.locator("input[type='file']").set_input_files([str(blank)])
    expect(summary).to_contain_text("Nothing was added", timeout=60_000)
    expect(page.locator("[data-testid='toast-body'].warning")).to_contain_text("blank-page.txt")
    expect(page.locator("#corpus")).to_contain_text("6 articles")

    ask(page, "Who is the council leader of Port Elsworth?")
    bots = page.locator("#chat [data-testid='bot']")
    expect(bots.nth(0)).to_contain_text("Maren Okafor", timeout=90_000)
    bots.nth(0).locator("a.cite").first.click()
    card = page.locator("#sources-panel .src-card.active")
    expect(card).to_contain_text("Tramway approved in Port Elsworth")
    expect(card).to_contain_text("Elsworth Gazette")
    expect(card.locator("a.src-url")).to_have_attribute("href", "https://gazette.example/tram")
    shot(page, "7-upload-answered")

    # The new outlet is offered as a filter, and the filter reaches retrieval.
    page.get_by_text("Filters", exact=True).click()
    outlets = page.get_by_label("Sources (outlets); none chosen = all")
    outlets.click()
    page.get_by_role("option", name="Elsworth Gazette").click()
    page.keyboard.press("Escape")
    ask(page, QUESTION)
    expect(bots.nth(1).locator("blockquote")).to_contain_text("do not cover", timeout=90_000)
    shot(page, "8-outlet-filter")
    page.close()


FERRY = {
    "coast-ferry.md": "---\ntitle: Ferry sinks off Kora\ndate: 2024-05-02\nsource: Coast Wire\n---\nA passenger ferry sank off the island of Kora on Wednesday night. "
    "Rescuers said 31 people were missing after the ferry sank in rough seas near the harbour.\n",
    "island-ferry.md": "---\ntitle: Kora ferry disaster\ndate: 2024-05-02\nsource: Island Post\n---\nThe island's fishermen joined the search through the night. "
    "Rescuers said 37 people were missing after the ferry sank in rough seas near the harbour.\n",
}


def test_reports_that_differ_show_both_figures(app, browser, tmp_path):
    from playwright.sync_api import expect

    url, _ = app
    files = []
    for name, text in FERRY.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
        files.append(str(tmp_path / name))
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    page.goto(url)
    page.get_by_text("Add articles", exact=True).click()
    page.locator("input[type='file']").set_input_files(files)
    expect(page.locator("#upload-summary")).to_contain_text("Added 2", timeout=120_000)
    ask(page, "How many people were missing after the Kora ferry sank?")
    bot = page.locator("#chat [data-testid='bot']").nth(0)
    expect(bot).to_contain_text("Reports differ", timeout=90_000)
    expect(bot).to_contain_text("Coast Wire")
    expect(bot).to_contain_text("Island Post")
    expect(bot.locator("a.cite").filter(has_text="[2]")).not_to_have_count(0)
    shot(page, "11-reports-differ")
    page.close()


def test_phone_width_layout(app, browser):
    from playwright.sync_api import expect

    url, _ = app
    page = browser.new_page(viewport={"width": 390, "height": 844}, device_scale_factor=2)
    page.goto(url)
    ask(page, QUESTION)
    bots = page.locator("#chat [data-testid='bot']")
    expect(bots.nth(0)).to_contain_text("Biden", timeout=90_000)
    # Nothing is wider than the screen: the sources panel goes below the chat.
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390 + 1
    chat_box = page.locator("#chat").bounding_box()
    panel_box = page.locator("#sources-panel").bounding_box()
    assert panel_box["y"] > chat_box["y"] + chat_box["height"] - 1
    shot(page, "9-phone")
    page.close()
