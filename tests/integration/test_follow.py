"""Following sources end to end with the real parts: a local HTTP server serving RSS 2.0, Atom,
a sitemap index with a news sitemap, pages that change between fetches, 304s, a 500, a
non-article page and robots.txt; the real embedding model and a real Chroma index; "what's
new" answered through `Assistant.answer`."""

import json
from pathlib import Path

import pytest

from assistant import Assistant
from assistant.follow.follower import Follower
from assistant.follow.state import FollowState
from assistant.types import Progress
from harness.follow_site import Site, article_html, atom, news_sitemap, rss, sitemap_index

pytestmark = pytest.mark.integration

DAM = [
    "Engineers at the Harbour Valley dam opened two spillway gates on Monday after heavy rain raised the reservoir to its highest level in a decade.",
    "The regional water authority said 12 workers were monitoring the structure around the clock and that the dam was safe.",
    "Residents of the lower valley were told to keep away from the riverbanks while the gates stay open, authority spokesperson Ilse Marten said.",
    "The reservoir supplies drinking water to about 80,000 people in Harbour Valley and the neighbouring towns.",
]
DAM_REVISED = [
    DAM[0],
    "The regional water authority said 14 workers were monitoring the structure around the clock and that the dam was safe.",
    DAM[2],
    DAM[3],
    "A third gate will be opened on Tuesday if the rain continues, the authority added in an update on Monday evening.",
]
TRAM = [
    "The city council of Port Elsworth approved the construction of a harbour tramway on Monday, council leader Maren Okafor said.",
    "The line will run 7 kilometres from the ferry terminal to the university and is expected to open in 2028.",
    "Construction is due to start next spring, and the council will borrow part of the 240 million euro cost.",
]
FLOOD = [
    "Floodwater closed the coastal road between Ardmore and Keelby on Monday, and the rail service was replaced by buses.",
    "The county fire service rescued three drivers whose cars were stranded in the water near the Keelby roundabout.",
    "Forecasters expect the water to recede by Wednesday once the spring tides have passed, the county council said.",
]
REOPENED = [
    "The coastal road between Ardmore and Keelby reopened on Wednesday morning after the floodwater receded, the county council said.",
    "Council crews cleared mud and debris from the carriageway overnight, and the rail service resumed its normal timetable.",
    "Drivers were asked to take care near the Keelby roundabout, where one lane stays closed for repairs to the verge.",
]
NOT_AN_ARTICLE = "<!DOCTYPE html><html><head><title>Video</title></head><body><noscript>Enable JavaScript to watch this video.</noscript></body></html>"


@pytest.fixture(scope="module")
def followed(tmp_path_factory):
    """Two runs over three sources; between them the dam article changes."""
    tmp = tmp_path_factory.mktemp("follow")
    with Site() as site:
        site.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        site.route("/news/dam.html", article_html("Dam gates opened after heavy rain", DAM, url=site.url("/news/dam.html")), etag='"dam-1"')
        site.route("/news/tram.html", article_html("Port Elsworth approves harbour tramway", TRAM, url=site.url("/news/tram.html")), etag='"tram-1"')
        site.route("/private/memo.html", article_html("Internal memo", TRAM))
        site.route("/video/1.html", NOT_AN_ARTICLE)
        site.route("/news/broken.html", b"server error", status=500, content_type="text/plain")
        site.route(
            "/rss.xml",
            rss(
                [
                    ("Dam gates opened after heavy rain", site.url("/news/dam.html"), "Mon, 02 Mar 2026 08:00:00 GMT"),
                    ("Port Elsworth approves harbour tramway", "/news/tram.html", "Mon, 02 Mar 2026 07:00:00 GMT"),
                    ("Memo", site.url("/private/memo.html"), "Mon, 02 Mar 2026 06:00:00 GMT"),
                    ("Watch: the dam", site.url("/video/1.html"), "Mon, 02 Mar 2026 05:00:00 GMT"),
                    ("Broken", site.url("/news/broken.html"), "Mon, 02 Mar 2026 04:00:00 GMT"),
                ]
            ),
            content_type="application/rss+xml",
            etag='"rss-1"',
        )
        site.route("/atom.xml", atom([("Dam gates opened after heavy rain", site.url("/news/dam.html"), "2026-03-02T08:00:00Z")]), etag='"atom-1"')
        site.route("/sitemap.xml", sitemap_index(["/news-sitemap.xml"]), content_type="application/xml", last_modified="Mon, 02 Mar 2026 09:00:00 GMT")
        flood_listed = [(site.url("/news/flood.html"), "Coastal road closed by floodwater", "2026-03-02T09:00:00Z")]
        site.route("/news-sitemap.xml", news_sitemap(flood_listed), etag='"news-1"')
        site.route("/news/flood.html", article_html("Coastal road closed by floodwater", FLOOD, outlet="Valley Post"))
        site.route("/home.html", article_html("Harbour Times", ["The front page of the Harbour Times, with the latest local news every day."]))

        corpus = tmp / "corpus"
        corpus.mkdir()
        bot = Assistant(index_dir=tmp / "index", corpus_dir=corpus, llm="extractive", follow_host_delay_seconds=0.0, follow_backoff_seconds=0.01)
        follower = Follower(bot)
        added = [follower.add(site.url("/home.html")), follower.add(site.url("/atom.xml")), follower.add(site.url("/sitemap.xml"))]
        first = follower.run()
        hits_before = dict(site.counts)
        bytes_before = first.bytes

        site.route("/news/dam.html", article_html("Dam gates opened after heavy rain", DAM_REVISED, url=site.url("/news/dam.html")), etag='"dam-2"')
        second = follower.run()
        requests = {p: site.counts.get(p, 0) - hits_before.get(p, 0) for p in site.counts}

        # A new item in the news sitemap; the sitemap index itself does not change.
        site.route("/news/reopened.html", article_html("Coastal road reopens", REOPENED, date="2026-03-04", outlet="Valley Post"))
        flood_listed.insert(0, (site.url("/news/reopened.html"), "Coastal road reopens", "2026-03-04T09:00:00Z"))
        site.route("/news-sitemap.xml", news_sitemap(flood_listed), etag='"news-2"')
        third = follower.run()
        yield {
            "bot": bot,
            "follower": follower,
            "site": site,
            "added": added,
            "first": first,
            "second": second,
            "third": third,
            "requests": requests,
            "first_bytes": bytes_before,
            "corpus": corpus,
        }


def test_a_page_announcing_its_feed_is_followed_through_the_feed(followed):
    home, atom_source, sitemap = followed["added"]
    assert home.feed_url.endswith("/rss.xml") and home.kind == "feed"
    assert atom_source.kind == "feed" and sitemap.kind == "sitemap"


def test_the_first_run_ingests_every_article_and_reports_each_failure(followed):
    first = followed["first"]
    by_url = {s.url: s for s in first.sources}
    home = by_url[followed["site"].url("/home.html")]
    assert len(home.new) == 2  # dam and tram; the memo, the video page and the broken page are errors
    errors = "\n".join(home.errors)
    assert "robots.txt" in errors and "/private/memo.html" in errors
    assert "/video/1.html" in errors and "no article text" in errors
    assert "HTTP 500" in errors
    assert followed["site"].hits("/private/memo.html") == 0
    sitemap = by_url[followed["site"].url("/sitemap.xml")]
    assert len(sitemap.new) == 1
    # The dam article listed by the Atom feed too is not fetched twice as new.
    atom_source = by_url[followed["site"].url("/atom.xml")]
    assert not atom_source.new and atom_source.unchanged == 1


def test_fetched_pages_are_kept_as_files_and_indexed_with_their_url_and_outlet(followed):
    bot, corpus = followed["bot"], followed["corpus"]
    pages = sorted((corpus / "feeds").rglob("*.html"))
    assert len(pages) == 5  # dam (two versions), tram, flood, reopened; the video page is not kept
    articles = {a.doc_id: a for a in bot.articles()}
    assert set(articles) == {Path(p).relative_to(corpus).as_posix().removesuffix(".html") for p in pages}
    flood = next(a for a in articles.values() if "flood" in a.doc_id)
    assert flood.url.endswith("/news/flood.html") and flood.title == "Coastal road closed by floodwater"
    assert flood.source == "Valley Post" and flood.published_at == "2026-03-02"
    # The index can be rebuilt from the files: ingesting the corpus folder gives the same ids.
    state = json.loads((corpus / "feeds" / ".follow.json").read_text())
    assert len(state["sources"]) == 3


def test_a_changed_page_becomes_a_new_version_of_its_story(followed):
    second, bot = followed["second"], followed["bot"]
    revised = [d for s in second.sources for d in s.revised]
    assert len(revised) == 1 and "dam" in revised[0]
    versions = bot.article(revised[0]).versions
    assert len(versions) == 2
    story = bot.changes(revised[0])
    changed = [c for pair in story for c in pair.changes if c.kind == "changed"]
    assert changed and changed[0].old_items == ["12"] and changed[0].new_items == ["14"]


def test_the_second_fetch_of_unchanged_sources_is_conditional_and_embeds_only_the_change(followed):
    second, requests = followed["second"], followed["requests"]
    # Feeds: 304 (ETag); the sitemap index: 304 (Last-Modified) and its news sitemap: 304 (ETag); pages with
    # an ETag: 304 (tram; the dam's new version asked again through the Atom feed); the flood page (no
    # validators): same bytes, not ingested.
    assert second.not_modified == 6
    assert requests.get("/rss.xml") == 1 and requests.get("/news-sitemap.xml") == 1
    assert requests.get("/robots.txt", 0) == 0  # remembered for the fetcher's lifetime
    embedded = second.chunks_embedded
    assert 0 < embedded <= 3  # only the revised page's new passages
    assert second.bytes < followed["first_bytes"]


def test_whats_new_answers_with_cited_key_facts_grouped_by_story(followed):
    bot = followed["bot"]
    # Streamed as every answer is: progress first (the chat shows it), then the answer.
    assert isinstance(next(bot.stream("What's new since my last visit?")), Progress)
    answer = bot.answer("What's new since my last visit?")
    assert not answer.refused and answer.citations
    assert "Dam gates opened after heavy rain" in answer.text and "Port Elsworth approves harbour tramway" in answer.text
    assert "new version of this story" in answer.text and "12" in answer.text and "14" in answer.text
    quotes = " ".join(c.quote for c in answer.citations)
    assert "spillway gates" in quotes and "harbour tramway" in quotes
    # Every citation is a verbatim quote of its article.
    for c in answer.citations:
        assert c.quote in bot.article_text(c.doc_id)
    # Now remembered: nothing arrived since this visit.
    again = bot.answer("What's new since my last visit?")
    assert "Nothing new" in again.text and not again.citations


def test_whats_new_about_a_topic_keeps_only_its_stories(followed):
    bot = followed["bot"]
    answer = bot.answer("What's new about the tramway since 1 March 2026?")
    assert "tramway" in answer.text and "Dam gates" not in answer.text and "floodwater" not in answer.text.lower()
    arrivals = FollowState(bot.settings).arrivals
    assert {a.revision for a in arrivals} == {False, True}


def test_a_new_item_in_a_news_sitemap_is_found_when_the_index_is_unchanged(followed):
    third, site = followed["third"], followed["site"]
    by_url = {s.url: s for s in third.sources}
    sitemap = by_url[site.url("/sitemap.xml")]
    assert len(sitemap.new) == 1 and "reopened" in sitemap.new[0] and not sitemap.errors
    assert sum(len(s.new) + len(s.revised) for s in third.sources) == 1


def test_the_follow_commands(tmp_path):
    from tests.processes import run_cli

    env = {"ASSISTANT_CORPUS_DIR": str(tmp_path / "corpus"), "ASSISTANT_FOLLOW_HOST_DELAY_SECONDS": "0", "ASSISTANT_LLM": "extractive"}
    index = tmp_path / "index"
    with Site() as site:
        site.route("/robots.txt", status=404)
        site.route("/news/tram.html", article_html("Port Elsworth approves harbour tramway", TRAM))
        site.route("/rss.xml", rss([("Tram", site.url("/news/tram.html"), "Mon, 02 Mar 2026 07:00:00 GMT")]), content_type="application/rss+xml")
        added = run_cli("follow", "add", site.url("/rss.xml"), index=index, env_extra=env)
        assert added.returncode == 0 and "Following" in added.stdout, added.stderr
        ran = run_cli("follow", "run", index=index, env_extra=env)
        assert ran.returncode == 0 and "1 new articles" in ran.stdout, ran.stderr
        listed = run_cli("follow", "list", index=index, env_extra=env)
        assert site.url("/rss.xml") in listed.stdout and "1 articles in all" in listed.stdout
        asked = run_cli("ask", "What's new since 1 March 2026?", index=index, env_extra=env)
        assert "Port Elsworth approves harbour tramway" in asked.stdout
        bad = run_cli("follow", "add", "ftp://nowhere", index=index, env_extra=env)
        assert bad.returncode == 1 and bad.stderr.startswith("error:") and "Traceback" not in bad.stderr
        gone = run_cli("follow", "remove", site.url("/rss.xml"), index=index, env_extra=env)
        assert gone.returncode == 0 and "No longer following" in gone.stdout
        again = run_cli("follow", "remove", site.url("/rss.xml"), index=index, env_extra=env)
        assert again.returncode == 1 and "is not followed" in again.stderr
