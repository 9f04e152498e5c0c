"""The polite fetcher and the source parsers against a real local HTTP server: robots.txt,
conditional requests, 429 with Retry-After, 500s, a slow server, a redirect loop, a page over
the size limit, malformed XML, feed discovery."""

import pytest
from hypothesis import given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from assistant.follow.fetch import Fetcher, FetchError, retry_after_seconds
from assistant.follow.parse import ParseError, discover_feeds, parse_feed, parse_sitemap, sniff
from assistant.follow.whatsnew import asks_whats_new, new_topic
from assistant.settings import Settings
from harness.follow_site import Route, Site, article_html, atom, news_sitemap, rss, sitemap_index


def settings(tmp_path, **kw):
    base = {"follow_dir": tmp_path / "feeds", "follow_host_delay_seconds": 0.0, "follow_backoff_seconds": 0.01, "follow_timeout_seconds": 5.0}
    return Settings(**{**base, **kw})


class Sleeps(list):
    """Records the waits the fetcher asks for (they are real waits' lengths, not taken)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def test_robots_txt_disallowing_a_path_is_obeyed(tmp_path):
    with Site() as site:
        site.route("/robots.txt", "User-agent: *\nDisallow: /private/\n", content_type="text/plain")
        site.route("/private/a.html", article_html("Secret", ["Nothing to see here at all, really nothing."]))
        site.route("/public/a.html", article_html("Open", ["Everyone may read this article about the harbour."]))
        with Fetcher(settings(tmp_path)) as fetcher:
            assert fetcher.get(site.url("/public/a.html")).status == 200
            with pytest.raises(FetchError, match="robots.txt .* disallows"):
                fetcher.get(site.url("/private/a.html"))
        assert site.hits("/private/a.html") == 0
        assert site.hits("/robots.txt") == 1  # read once per site


def test_conditional_requests_get_304_and_send_the_validators(tmp_path):
    with Site() as site:
        site.route("/robots.txt", status=404)
        site.route("/feed.xml", rss([("A", site.url("/a"), "Mon, 02 Mar 2026 08:00:00 GMT")]), etag='"v1"', last_modified="Mon, 02 Mar 2026 08:00:00 GMT")
        with Fetcher(settings(tmp_path)) as fetcher:
            first = fetcher.get(site.url("/feed.xml"))
            assert first.status == 200 and first.etag == '"v1"'
            again = fetcher.get(site.url("/feed.xml"), first.etag, first.last_modified)
            assert again.not_modified and again.content == b""
        sent = [h for p, h in site.requests if p == "/feed.xml"][1]
        assert sent["If-None-Match"] == '"v1"' and sent["If-Modified-Since"] == "Mon, 02 Mar 2026 08:00:00 GMT"


def test_429_with_retry_after_waits_as_asked_then_succeeds(tmp_path):
    with Site() as site:
        site.route("/robots.txt", status=404)
        site.route(
            "/busy",
            dynamic=lambda n: Route(b"slow down", 429, "text/plain", {"Retry-After": "3"}) if n == 1 else Route(b"<html><p>ok</p></html>"),
        )
        sleeps = Sleeps()
        with Fetcher(settings(tmp_path), sleep=sleeps) as fetcher:
            assert fetcher.get(site.url("/busy")).content.endswith(b"ok</p></html>")
        assert 3.0 in sleeps and site.hits("/busy") == 2


def test_retry_after_longer_than_honoured_fails_the_item(tmp_path):
    with Site() as site:
        site.route("/robots.txt", status=404)
        site.route("/busy", b"", status=429, headers={"Retry-After": "86400"})
        with Fetcher(settings(tmp_path), sleep=Sleeps()) as fetcher, pytest.raises(FetchError, match="asks to wait 86400 s"):
            fetcher.get(site.url("/busy"))


def test_500s_are_retried_with_backoff_then_reported(tmp_path):
    with Site() as site:
        site.route("/robots.txt", status=404)
        site.route("/broken", b"oops", status=500, content_type="text/plain")
        sleeps = Sleeps()
        with Fetcher(settings(tmp_path, follow_retries=2, follow_backoff_seconds=0.5), sleep=sleeps) as fetcher:
            with pytest.raises(FetchError, match="HTTP 500"):
                fetcher.get(site.url("/broken"))
        assert site.hits("/broken") == 3
        assert sleeps == [0.5, 1.0]  # exponential backoff


def test_a_slow_server_times_out(tmp_path):
    with Site() as site:
        site.route("/robots.txt", status=404)
        site.route("/slow", article_html("Slow", ["A page that takes its time."]), delay=1.5)
        with Fetcher(settings(tmp_path, follow_timeout_seconds=0.3, follow_retries=1), sleep=Sleeps()) as fetcher:
            with pytest.raises(FetchError, match="timed out after 2 attempts"):
                fetcher.get(site.url("/slow"))


def test_a_redirect_loop_and_too_many_redirects_are_errors(tmp_path):
    with Site() as site:
        site.route("/robots.txt", status=404)
        site.route("/a", status=302, headers={"Location": "/b"})
        site.route("/b", status=301, headers={"Location": "/a"})
        for i in range(4):
            site.route(f"/hop{i}", status=307, headers={"Location": f"/hop{i + 1}"})
        site.route("/hop4", "<html><p>arrived</p></html>")
        with Fetcher(settings(tmp_path, follow_max_redirects=3)) as fetcher:
            with pytest.raises(FetchError, match="redirect loop"):
                fetcher.get(site.url("/a"))
            with pytest.raises(FetchError, match="more than 3 redirects"):
                fetcher.get(site.url("/hop0"))
        with Fetcher(settings(tmp_path, follow_max_redirects=5)) as fetcher:
            landed = fetcher.get(site.url("/hop0"))
            assert landed.url == site.url("/hop4") and b"arrived" in landed.content


def test_a_page_over_the_size_limit_is_stopped(tmp_path):
    with Site() as site:
        site.route("/robots.txt", status=404)
        site.route("/huge", article_html("Huge", ["word " * 5000]))
        with Fetcher(settings(tmp_path, follow_max_page_mb=0.01)) as fetcher:
            with pytest.raises(FetchError, match="over the 0.01 MB limit"):
                fetcher.get(site.url("/huge"))


def test_one_request_at_a_time_per_host_with_the_delay(tmp_path):
    with Site() as site:
        site.route("/robots.txt", "User-agent: *\nCrawl-delay: 2\n", content_type="text/plain")
        site.route("/x", "<html><p>x</p></html>")
        sleeps = Sleeps()
        with Fetcher(settings(tmp_path, follow_host_delay_seconds=0.5), sleep=sleeps) as fetcher:
            fetcher.get(site.url("/x"))
            fetcher.get(site.url("/x"))
        # The robots.txt Crawl-delay (2 s) is longer than ours (0.5 s): it is the wait.
        assert sleeps and 1.5 < max(sleeps) <= 2.0


def test_rss_and_atom_items_newest_first():
    rss_items = parse_feed(
        rss([("Old", "http://h/old", "Sun, 01 Mar 2026 08:00:00 GMT"), ("New", "/new", "Mon, 02 Mar 2026 09:30:00 GMT")]).encode(), "http://h/rss.xml"
    )
    assert [i.url for i in rss_items.items] == ["http://h/new", "http://h/old"]
    assert rss_items.items[0].published_at == "2026-03-02T09:30:00+00:00" and rss_items.title == "Harbour Times"
    atom_items = parse_feed(atom([("Flood", "http://v/flood", "2026-03-02T10:00:00Z")]).encode(), "http://v/atom.xml")
    assert atom_items.items[0].url == "http://v/flood" and atom_items.items[0].title == "Flood"


def test_sitemap_index_and_news_sitemap():
    index = parse_sitemap(sitemap_index(["/news.xml", "http://v/other.xml"]).encode(), "http://v/sitemap.xml")
    assert index.sitemaps == ["http://v/news.xml", "http://v/other.xml"] and not index.items
    news = parse_sitemap(news_sitemap([("http://v/a", "Dam opens", "2026-03-02T07:00:00Z")]).encode(), "http://v/news.xml")
    assert news.items[0].title == "Dam opens" and news.items[0].published_at == "2026-03-02T07:00:00Z"


def test_malformed_xml_and_unsafe_xml_are_clear_errors():
    with pytest.raises(ParseError, match="malformed XML"):
        parse_sitemap(b'<?xml version="1.0"?><urlset><url><loc>http://x/a</loc></url>', "http://x/s.xml")
    bomb = b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><urlset><url><loc>&b;</loc></url></urlset>'
    with pytest.raises(ParseError, match="refused XML"):
        parse_sitemap(bomb, "http://x/s.xml")
    with pytest.raises(ParseError, match="not a readable feed"):
        parse_feed(b"<?xml version='1.0'?><rss version='2.0'><channel><title>Broken &amp", "http://x/rss.xml")
    # A feed with a markup error whose items can still be read is read (feedparser's leniency).
    lenient = parse_feed(b"<rss version='2.0'><channel><item><title>One</title><link>http://x/1</link></item></channel>", "http://x/rss.xml")
    assert [i.url for i in lenient.items] == ["http://x/1"]
    with pytest.raises(ParseError, match="not a sitemap"):
        parse_sitemap(b"<html/>", "http://x/s.xml")


def test_feed_discovery_and_sniffing():
    page = article_html("Home", ["The front page of a site that lists its feed in its head."]).encode()
    assert discover_feeds(page, "http://h/news/") == ["http://h/rss.xml"]
    assert sniff(page, "text/html") == "html"
    assert sniff(rss([]).encode(), "application/xml") == "feed"
    assert sniff(sitemap_index([]).encode(), "text/xml") == "sitemap"


@pytest.mark.parametrize(
    ("question", "asks", "topic"),
    [
        ("What's new about the strikes since Monday?", True, "strikes"),
        ("What's new since my last visit?", True, ""),
        ("Anything new on the harbour dam today?", True, "harbour dam"),
        ("What is new since 26 February in the story about Russia condemning the US strikes?", False, None),
        ("What changed in the latest version of the flood report?", False, None),
        ("Who ordered the strikes?", False, None),
    ],
)
def test_whats_new_questions_are_recognised(question, asks, topic):
    assert asks_whats_new(question) is asks
    if topic is not None:
        assert new_topic(question) == topic


@given(st.text(max_size=40))
@hsettings(max_examples=200, deadline=None)
def test_retry_after_reads_any_header_without_raising(value):
    seconds = retry_after_seconds(value)
    assert seconds is None or seconds >= 0


def test_the_window_of_a_whats_new_question(tmp_path):
    import datetime as dt

    from assistant.follow.state import record_visit
    from assistant.follow.whatsnew import new_since

    s = settings(tmp_path, follow_new_days=7)
    wednesday = dt.datetime(2026, 3, 4, 15, 30, tzinfo=dt.UTC)
    assert new_since("What's new about the strikes since Monday?", s, wednesday)[0] == dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    assert new_since("What's new since 2026-02-20?", s, wednesday)[0] == dt.datetime(2026, 2, 20, tzinfo=dt.UTC)
    assert new_since("Anything new today?", s, wednesday)[0] == dt.datetime(2026, 3, 4, tzinfo=dt.UTC)
    assert new_since("What's new since yesterday?", s, wednesday)[0] == dt.datetime(2026, 3, 3, tzinfo=dt.UTC)
    # No visit yet: follow_new_days back, and said so.
    since, said = new_since("What's new since my last visit?", s, wednesday)
    assert since == wednesday - dt.timedelta(days=7) and "first visit" in said
    visit = dt.datetime(2026, 3, 4, 9, 0, tzinfo=dt.UTC)
    assert record_visit(s, visit) is None
    assert new_since("What's new since my last visit?", s, wednesday)[0] == visit
    assert new_since("What's new?", s, wednesday)[0] == visit  # no time named: since the last visit
    assert record_visit(s, wednesday) == visit


@given(st.binary(max_size=400) | st.text(max_size=400).map(lambda t: ("<?xml version='1.0'?><urlset>" + t).encode("utf-8", "surrogatepass")))
@hsettings(max_examples=200, deadline=None)
def test_readers_take_any_bytes_and_fail_only_with_a_parse_error(data):
    for read in (parse_feed, parse_sitemap):
        try:
            listing = read(data, "http://x/source.xml")
        except ParseError:
            continue
        assert all(item.url.startswith("http") for item in listing.items)
    assert sniff(data) in ("feed", "sitemap", "html")
    assert isinstance(discover_feeds(data, "http://x/"), list)


def test_only_web_links_are_listed():
    feed = rss([("Mail", "mailto:desk@example.org", "Mon, 02 Mar 2026 08:00:00 GMT"), ("Web", "http://h/a", "Mon, 02 Mar 2026 08:00:00 GMT")])
    assert [i.url for i in parse_feed(feed.encode(), "http://h/rss.xml").items] == ["http://h/a"]
    assert parse_sitemap(news_sitemap([("javascript:alert(1)", "x", "2026-03-02")]).encode(), "http://h/s.xml").items == []
