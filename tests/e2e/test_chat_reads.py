"""The chat as a news product (issue 35), at desktop and phone widths in headless Chromium:
sources named by title, outlet and date and numbered by article, a conversation that
fills the window and keeps the reader's place, refusals that lead to the nearest coverage,
"Read as" and "as of" said under answers, an upload section that explains itself.

Screenshots go to tests/output/e2e/ (git-ignored); `python tests/e2e/screenshots.py`
refreshes the ones in docs/.
"""

import json
import re
from pathlib import Path

import pytest

from tests.e2e import helpers
from tests.e2e.helpers import shot

pytestmark = pytest.mark.e2e

QUESTION = "Who ordered the strikes on militia facilities in eastern Syria?"
OFF_TOPIC = "Who won the 2022 FIFA World Cup?"
DOC_ID = re.compile(r"^\d{3}_[0-9a-f]{16}$")
VIEWPORTS = {"desktop": (1440, 1000), "phone": (390, 844)}


@pytest.fixture(params=list(VIEWPORTS))
def page(request, app, browser):
    width, height = VIEWPORTS[request.param]
    page = browser.new_page(viewport={"width": width, "height": height})
    page.goto(app[0])
    from playwright.sync_api import expect

    expect(page.locator("#corpus")).to_contain_text("articles in", timeout=30_000)
    page.viewport_name = request.param
    yield page
    page.close()


def ask(page, question: str, n: int) -> None:
    """Ask `question` as the `n`-th question of the page (from 0) and wait for its answer."""
    from playwright.sync_api import expect

    helpers.ask(page, question)
    expect(page.locator("#chat [data-testid='user']").nth(n)).to_contain_text(question[:30], timeout=10_000)
    expect(page.get_by_label("Question")).to_be_editable(timeout=90_000)
    expect(page.locator("#chat [data-testid='bot']").nth(n)).not_to_contain_text("Looking for your answer", timeout=90_000)


def log_position(page) -> dict:
    return page.evaluate(
        "(() => { const l = document.querySelector('#chat [role=log]');"
        " return {top: l.scrollTop, height: l.scrollHeight, client: l.clientHeight, end: l.scrollHeight - l.scrollTop - l.clientHeight}; })()"
    )


def scroll_up(page) -> None:
    """The reader scrolls the conversation to its top with the mouse wheel."""
    box = page.locator("#chat [role='log']").bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.mouse.wheel(0, -100_000)
    page.wait_for_timeout(300)


def test_every_source_has_a_title_an_outlet_and_a_date(page):
    from playwright.sync_api import expect

    # The index line counts the outlets the articles name (Sputnik and VICE News at least), not 0.
    expect(page.locator("#corpus")).to_contain_text(re.compile(r"; [1-9]\d* outlets?;"))
    ask(page, QUESTION, 0)
    bot = page.locator("#chat [data-testid='bot']").nth(0)
    cards = page.locator("#sources-panel .src-turn.shown .src-card")
    expect(cards).not_to_have_count(0)
    for i in range(cards.count()):
        card = cards.nth(i)
        title = card.locator(".src-title").inner_text().strip()
        assert title and not DOC_ID.match(title), title  # a title a person can read, not a file name
        meta = card.locator(".src-meta").inner_text()
        assert re.search(r"(Sputnik|VICE News|outlet unknown) · (\d{1,2} \w+ \d{4}|date unknown)", meta), meta
        # The bundled articles have no title of their own: it is made from their text, and says so.
        expect(card.locator(".src-derived")).to_contain_text("title from its text")
    # The chat's own list names them the same way.
    expect(bot).to_contain_text("Sputnik")
    expect(bot).to_contain_text("outlet unknown")
    expect(bot).to_contain_text("untitled: title from its text")
    assert not any(DOC_ID.match(line.split("] ")[-1].split(" — ")[0].strip()) for line in bot.inner_text().splitlines() if line.startswith("["))
    shot(page, f"issue35-sources-{page.viewport_name}")


def test_sources_are_numbered_by_article_with_each_quote_under_it(page, app):
    from playwright.sync_api import expect

    ask(page, QUESTION, 0)
    bot = page.locator("#chat [data-testid='bot']").nth(0)
    turn = page.locator("#sources-panel .src-turn.shown")
    cards = turn.locator(".src-card")
    numbers = [cards.nth(i).locator(".src-num").inner_text() for i in range(cards.count())]
    assert numbers == [f"[{n}]" for n in range(1, len(numbers) + 1)]
    # One card an article: no article appears twice.
    articles = [cards.nth(i).locator(".src-offsets").first.inner_text().split(",")[0] for i in range(cards.count())]
    assert len(set(articles)) == len(articles)
    # This answer quotes article 1 twice: one number, quotes 1a and 1b under it.
    labels = [link.inner_text() for link in bot.locator("a.cite").all()]
    assert "[1a]" in labels and "[1b]" in labels, labels
    expect(cards.nth(0).locator(".src-label")).to_have_text(["1a", "1b"])
    bot.locator("a.cite", has_text="[1b]").first.click()
    expect(turn.locator(".src-quote.active")).to_have_attribute("id", "src-1-1b-quote")
    expect(turn.locator(".src-card.active")).to_have_attribute("id", "src-1-1")
    expect(turn.locator(".src-quote.active mark")).to_be_visible()
    # The sources line's markers are links too ("[1]; [2]"), each to its article.
    bot.locator("a.cite", has_text="[2]").last.click()
    expect(turn.locator(".src-card.active")).to_have_attribute("id", "src-1-2")
    shot(page, f"issue35-numbered-{page.viewport_name}")

    # The downloads number the same way, every quote verbatim with its offsets.
    expect(page.locator("#export-md")).to_be_visible(timeout=30_000)
    with page.expect_download() as md_download:
        page.locator("#export-md").click()
    markdown = Path(md_download.value.path()).read_text(encoding="utf-8")
    assert markdown.count("- [1] ") == 1 and "  - **1a** “" in markdown and "  - **1b** “" in markdown
    with page.expect_download() as json_download:
        page.locator("#export-json").click()
    (turn_data,) = json.loads(Path(json_download.value.path()).read_text(encoding="utf-8"))["turns"]
    assert [s["number"] for s in turn_data["sources"]] == list(range(1, len(turn_data["sources"]) + 1))
    corpus = app[1]
    for source in turn_data["sources"]:
        for q in source["quotes"]:
            assert q["number"] == source["number"] and f"[{q['label']}]" in turn_data["text"]
            assert (corpus / f"{q['doc_id']}.txt").read_text(encoding="utf-8")[q["start"] : q["end"]] == q["quote"]


def test_grouped_markers_are_links_each_to_its_source(page):
    from playwright.sync_api import expect

    # A grouped marker as the sources line writes it, put in an answer bubble as Gradio
    # renders Markdown text: the page's script links each of its numbers.
    ask(page, QUESTION, 0)
    bot = page.locator("#chat [data-testid='bot']").nth(0)
    bot.locator("p").last.evaluate("p => p.append(document.createTextNode(' Sources published: 19 April 2021 [1, 2].'))")
    grouped = bot.locator("a.cite", has_text=re.compile(r"^\d+$"))
    expect(grouped).to_have_count(2)
    grouped.nth(1).click()
    expect(page.locator("#sources-panel .src-card.active")).to_have_attribute("id", "src-1-2")


def test_the_conversation_fills_the_window_shows_the_question_at_once_and_keeps_the_readers_place(page):
    from playwright.sync_api import expect

    width, height = VIEWPORTS[page.viewport_name]
    chat = page.locator("#chat").bounding_box()
    box = page.get_by_label("Question").bounding_box()
    # The conversation takes most of the window, and the question box is on screen under it.
    assert chat["height"] >= 0.6 * height, chat
    assert box["y"] + box["height"] <= height, box
    assert page.evaluate("document.documentElement.scrollWidth") <= width + 1

    # The question is in the chat before its answer is: for each question, the page records
    # what the last answer bubble said when the question first appeared.
    page.evaluate(
        """() => { window.__seen = {}; new MutationObserver(() => {
             const users = document.querySelectorAll('#chat [data-testid="user"]').length;
             if (users && !(users in window.__seen)) {
               const bots = document.querySelectorAll('#chat [data-testid="bot"]');
               window.__seen[users] = bots.length >= users ? bots[users - 1].innerText : '';
             } }).observe(document.body, {childList: true, subtree: true, characterData: true}); }"""
    )
    ask(page, QUESTION, 0)
    ask(page, "Who is Igor Konashenkov?", 1)
    ask(page, "What did he threaten to do?", 2)  # a follow-up: rewritten before it is searched
    ask(page, "What did Russia say about the US strikes?", 3)
    seen = page.evaluate("window.__seen")
    assert "Biden" not in seen["1"] and "suppressed" not in seen["3"] and "condemn" not in seen["4"], seen
    # Each new answer is followed to the end of the conversation.
    assert log_position(page)["end"] < 40
    last = page.locator("#chat [data-testid='bot']").nth(3).bounding_box()
    chat = page.locator("#chat").bounding_box()
    assert last["y"] < chat["y"] + chat["height"]
    # Scrolled up, no arrow sits over the text.
    scroll_up(page)
    page.wait_for_timeout(300)
    expect(page.locator("#chat .scroll-down-button-container button")).to_be_hidden()
    shot(page, f"issue35-scrolled-up-{page.viewport_name}")

    # Scrolled away while an answer is made: the reader keeps their place.
    page.get_by_label("Question").fill("What did Russia say about the US strikes?")
    page.get_by_role("button", name="Ask", exact=True).click()
    expect(page.locator("#chat [data-testid='user']").nth(4)).to_be_attached(timeout=10_000)
    scroll_up(page)
    # Where the wheel left the reader (not always the very top on a loaded machine): the
    # answer arriving must not move them down from there.
    placed = log_position(page)["top"]
    expect(page.get_by_label("Question")).to_be_editable(timeout=90_000)
    expect(page.locator("#chat [data-testid='bot']").nth(4)).to_contain_text("condemn", timeout=90_000)
    page.wait_for_timeout(500)
    kept = log_position(page)
    assert kept["top"] <= placed + 40 and kept["end"] > 40, (placed, kept)
    # A new question, asked from up there: the conversation goes to its end, to show it and its answer.
    ask(page, QUESTION, 5)
    page.wait_for_timeout(300)
    assert log_position(page)["end"] < 40


def test_closest_coverage_of_a_refusal_opens_in_the_sources_panel(page):
    from playwright.sync_api import expect

    ask(page, OFF_TOPIC, 0)
    bot = page.locator("#chat [data-testid='bot']").nth(0)
    expect(bot.locator("blockquote")).to_contain_text("do not cover")
    expect(bot).to_contain_text("Closest coverage")
    links = bot.locator("a.cite")
    expect(links).not_to_have_count(0)
    links.nth(1).click()
    active = page.locator("#sources-panel .src-turn.shown .src-card.active")
    expect(active).to_have_attribute("id", "src-1-2")
    expect(active).to_be_in_viewport()
    expect(active.locator("mark")).to_be_visible()
    shot(page, f"issue35-closest-{page.viewport_name}")


def test_a_rewritten_follow_up_says_how_it_was_read(page):
    from playwright.sync_api import expect

    ask(page, "Who is Igor Konashenkov?", 0)
    expect(page.locator("#chat [data-testid='bot']").nth(0)).not_to_contain_text("Read as")  # asked as it stands
    ask(page, "What did he threaten to do?", 1)
    bot = page.locator("#chat [data-testid='bot']").nth(1)
    expect(bot.locator("em", has_text="Read as: What did Igor Konashenkov threaten to do?")).to_be_visible()
    shot(page, f"issue35-read-as-{page.viewport_name}")


def test_answers_and_refusals_under_an_as_of_date_say_so(page):
    from playwright.sync_api import expect

    page.get_by_text("Filters", exact=True).click()
    page.get_by_label("As of (ignore later articles)").fill("2021-03-01")
    ask(page, QUESTION, 0)
    answer = page.locator("#chat [data-testid='bot']").nth(0)
    expect(answer).to_contain_text("Biden")
    expect(answer).to_contain_text("As of 1 March 2021")
    ask(page, OFF_TOPIC, 1)
    refusal = page.locator("#chat [data-testid='bot']").nth(1)
    expect(refusal.locator("blockquote")).to_contain_text("do not cover")
    expect(refusal).to_contain_text("As of 1 March 2021")
    shot(page, f"issue35-as-of-{page.viewport_name}")


def test_the_upload_section_says_what_it_takes_and_keeps_its_errors(page, app, tmp_path):
    from playwright.sync_api import expect

    _, corpus = app
    page.get_by_text("Add articles", exact=True).click()
    help_text = page.locator("#upload-help")
    for kind in (".txt", ".md", ".html", ".json", ".jsonl"):
        expect(help_text).to_contain_text(kind)
    # The server's folders are nobody's business.
    assert str(corpus) not in page.content() and str(corpus.parent) not in page.content()
    before = page.locator("#corpus").inner_text()
    pdf = tmp_path / "annual-report.pdf"
    pdf.write_bytes(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n")
    page.locator("#upload-files input[type='file']").set_input_files([str(pdf)])
    summary = page.locator("#upload-summary")
    expect(summary).to_contain_text("annual-report.pdf", timeout=60_000)
    expect(summary).to_contain_text("unsupported file type")
    # The message stays in the page after the toast has gone.
    expect(page.locator("[data-testid='toast-body']")).to_have_count(0, timeout=30_000)
    expect(summary).to_contain_text("unsupported file type")
    expect(page.locator("#corpus")).to_have_text(before)  # nothing was added
    shot(page, f"issue35-upload-{page.viewport_name}")
