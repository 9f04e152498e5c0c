"""`serve --follow`: the chat's "Followed sources" panel in headless Chromium, sources fetched
in the background from a local HTTP server while the chat answers "what's new" from what
arrived; `GET /api/new`; the MCP tool `whats_new`."""

import httpx
import pytest

from harness.follow_site import Site, article_html, rss
from tests.e2e.helpers import ask, shot, start_app
from tests.e2e.test_mcp import call
from tests.processes import stop, wait_for

pytestmark = pytest.mark.e2e

BRIDGE = [
    "The Harbor Street bridge in Springfield reopened to traffic on Monday after eight months of repairs, mayor Ann Lee said.",
    "The repairs cost 4.2 million dollars and replaced the deck and both approach ramps of the 1931 bridge.",
    "Buses will return to their old routes over the bridge from Wednesday, the transit agency said.",
]
FERRY = [
    "A new electric ferry began service between Springfield and Ocean Point on Tuesday, carrying 120 passengers on its first crossing.",
    "The ferry charges its batteries at the Springfield pier in twelve minutes between crossings, the operator said.",
    "Tickets cost the same as on the old diesel ferry, which will be kept in reserve until the summer.",
]
MARKET = [
    "The Springfield farmers market moves to the old rail depot next month while the town square is repaved.",
    "Stallholders voted for the move at a meeting on Wednesday, the market association said, and parking will be free.",
]


WAIT_SECONDS = 120.0  # what a background fetch or sync may take here


def test_follow_in_the_chat_and_ask_whats_new(tmp_path, browser):
    from playwright.sync_api import expect

    with Site() as site:
        site.route("/robots.txt", "User-agent: *\nAllow: /\n", content_type="text/plain")
        site.route("/news/bridge.html", article_html("Harbor Street bridge reopens", BRIDGE, outlet="Springfield Ledger"))
        site.route("/news/ferry.html", article_html("Electric ferry starts service", FERRY, outlet="Springfield Ledger"))
        site.route("/news/market.html", article_html("Farmers market moves to the rail depot", MARKET, outlet="Springfield Ledger"))
        site.route("/about.html", "<!DOCTYPE html><html><head><title>About us</title></head><body><p>A small town paper.</p></body></html>")
        feed = [("Harbor Street bridge reopens", site.url("/news/bridge.html"), "Mon, 02 Mar 2026 08:00:00 GMT")]
        site.route("/rss.xml", rss(feed, title="Springfield Ledger"), content_type="application/rss+xml")
        env = {"ASSISTANT_FOLLOW_HOST_DELAY_SECONDS": "0", "ASSISTANT_FOLLOW_PANEL_REFRESH_SECONDS": "1"}
        proc, url, corpus = start_app(tmp_path, "--follow", "--every", "0.05", env_extra=env)
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 1100})
            page.goto(url)
            expect(page.locator("#corpus")).to_contain_text("articles in", timeout=30_000)
            page.get_by_text("Followed sources").click()
            expect(page.locator("#follow-sources")).to_contain_text("No source is followed")

            # Follow the feed from the panel; the background fetch (every 3 s) brings its article in.
            page.get_by_label("Feed, sitemap or site URL").fill(site.url("/rss.xml"))
            page.locator("#follow-add").click()
            expect(page.locator("#follow-status")).to_contain_text("Following", timeout=30_000)
            expect(page.locator("#follow-sources")).to_contain_text(site.url("/rss.xml"))
            wait_for(lambda: site.hits("/news/bridge.html") > 0, "the background fetch", WAIT_SECONDS)
            answer = wait_for(lambda: _new_titles(url), "the bridge article in the index", WAIT_SECONDS)
            assert "Harbor Street bridge reopens" in answer

            ask(page, "What's new since my last visit?")
            bots = page.locator("#chat [data-testid='bot']")
            expect(bots.nth(0)).to_contain_text("Harbor Street bridge reopens", timeout=90_000)
            expect(bots.nth(0)).to_contain_text("eight months of repairs")
            expect(bots.nth(0).locator("a.cite").first).to_be_visible()
            shot(page, "follow-whats-new")

            # A new item in the feed, while the chat serves: the next "what's new" has it, and only it.
            feed.insert(0, ("Electric ferry starts service", site.url("/news/ferry.html"), "Tue, 03 Mar 2026 08:00:00 GMT"))
            site.route("/rss.xml", rss(feed, title="Springfield Ledger"), content_type="application/rss+xml")
            wait_for(lambda: "Electric ferry starts service" in _new_titles(url), "the ferry article in the index", WAIT_SECONDS)
            ask(page, "What's new since my last visit?")
            expect(bots.nth(1)).to_contain_text("Electric ferry starts service", timeout=90_000)
            expect(bots.nth(1)).not_to_contain_text("Harbor Street bridge reopens")
            # The panel shows the fetches made in the background: when, and the articles brought in.
            expect(page.locator("#follow-sources")).to_contain_text("UTC", timeout=30_000)
            expect(page.locator("#follow-sources td").nth(4)).to_have_text("2", timeout=30_000)

            # One article by URL.
            page.get_by_label("Add one article by URL").fill(site.url("/news/market.html"))
            page.locator("#follow-add-article").click()
            expect(page.locator("#follow-status")).to_contain_text("Added", timeout=60_000)

            # A URL that is not a feed: a clear message, nothing followed.
            page.get_by_label("Feed, sitemap or site URL").fill(site.url("/about.html"))
            page.locator("#follow-add").click()
            expect(page.locator("#follow-status")).to_contain_text("announces no feed", timeout=30_000)

            # Stop following.
            page.get_by_label("Feed, sitemap or site URL").fill(site.url("/rss.xml"))
            page.locator("#follow-remove").click()
            expect(page.locator("#follow-sources")).to_contain_text("No source is followed", timeout=30_000)
            shot(page, "follow-panel")

            # The REST face: everything since a date, the new articles listed and the answer cited.
            got = httpx.get(url + "api/new", params={"since": "2026-03-01"}, timeout=60).json()
            titles = [a["title"] for a in got["articles"]]
            assert {"Harbor Street bridge reopens", "Electric ferry starts service", "Farmers market moves to the rail depot"} <= set(titles)
            assert got["answer"]["answer"]["citations"] and got["since"].startswith("2026-03-01")
            bad = httpx.get(url + "api/new", params={"since": "someday"}, timeout=60)
            assert bad.status_code == 400 and "since" in bad.json()["error"]["message"]
            assert (corpus / "feeds" / "127-0-0-1").is_dir()
        finally:
            stop(proc)


def _new_titles(url: str) -> str:
    got = httpx.get(url + "api/new", params={"since": "2026-03-01"}, timeout=60)
    return " ".join(a["title"] for a in got.json()["articles"]) if got.status_code == 200 else ""


def test_mcp_whats_new_tool(built_assistant):
    _, (new, bad) = call(
        built_assistant.settings.index_dir,
        ("whats_new", {"since": "2021-02-26", "topic": "strikes"}),
        ("whats_new", {"since": "someday"}),
    )
    assert not new.is_error
    got = new.structured_content
    assert got["articles"] and all(a["published_at"] >= "2021-02-26" for a in got["articles"])
    assert got["answer"]["answer"]["citations"] and "strikes" in got["answer"]["answer"]["text"].lower()
    assert bad.is_error and "since" in bad.content[0].text
