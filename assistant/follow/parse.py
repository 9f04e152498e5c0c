"""What a fetched source lists: feed entries (feedparser), sitemap and news-sitemap URLs
(a real XML parser, defusedxml: no entity expansion, no external entities), and the feeds a
page announces with `<link rel="alternate">` (lxml's HTML parser).

Each function takes bytes and returns plain `Item`s or raises `ParseError` saying what is
wrong with the document; nothing here touches the network.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from urllib.parse import urljoin

from assistant.errors import AssistantError

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/rdf+xml")  # not JSON Feed: feedparser reads XML feeds
_SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
_NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"


class ParseError(AssistantError):
    """A fetched feed, sitemap or page that cannot be read as one."""


@dataclass(frozen=True)
class Item:
    """One article a source lists: its URL and what the source says about it."""

    url: str
    title: str = ""
    published_at: str = ""  # ISO date-time or date, "" when the source gives none
    updated_at: str = ""


@dataclass(frozen=True)
class Listing:
    """A parsed source: its articles, and (for a sitemap index) the sitemaps it points to."""

    kind: str  # "feed" or "sitemap"
    items: list[Item]
    sitemaps: list[str]
    title: str = ""


def sniff(content: bytes, content_type: str = "") -> str:
    """ "feed", "sitemap" or "html": what a fetched document is, from its media type and its first element."""
    head = content[:2048].lstrip().lower()
    if b"<urlset" in head or b"<sitemapindex" in head:
        return "sitemap"
    if any(t in content_type for t in FEED_TYPES) or b"<rss" in head or b"<feed" in head or b"<rdf:rdf" in head:
        return "feed"
    if "html" in content_type or b"<html" in head or b"<!doctype html" in head:
        return "html"
    if "xml" in content_type or head.startswith(b"<?xml"):
        return "feed"  # XML of another sort: the feed parser says what is wrong with it
    return "html"


def _iso(struct: object) -> str:
    if not struct:
        return ""
    try:
        return dt.datetime.fromtimestamp(calendar.timegm(struct), dt.UTC).isoformat(timespec="seconds")  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return ""


def parse_feed(content: bytes, base_url: str) -> Listing:
    """RSS 0.9x/1.0/2.0 or Atom entries, newest first."""
    import feedparser

    parsed = feedparser.parse(content, response_headers={"content-location": base_url})
    if not parsed.entries:
        problem = parsed.get("bozo_exception")
        if problem is not None:
            raise ParseError(f"not a readable feed: {problem}")
        if not parsed.get("version"):
            raise ParseError("not an RSS or Atom feed (no channel or feed element)")
    items = []
    for entry in parsed.entries:
        link = entry.get("link") or ""
        if not link:
            alternate = [x.get("href") for x in entry.get("links", []) if x.get("href")]
            link = alternate[0] if alternate else ""
        if not link:
            continue
        items.append(
            Item(
                url=urljoin(base_url, link.strip()),
                title=(entry.get("title") or "").strip(),
                published_at=_iso(entry.get("published_parsed")) or _iso(entry.get("updated_parsed")),
                updated_at=_iso(entry.get("updated_parsed")),
            )
        )
    items = [i for i in items if _web(i.url)]
    items.sort(key=lambda i: i.updated_at or i.published_at, reverse=True)
    return Listing("feed", items, [], (parsed.feed.get("title") or "").strip())


def parse_sitemap(content: bytes, base_url: str) -> Listing:
    """A sitemap (urlset, with news:news where given) or a sitemap index; newest first."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError as XmlError
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(content)
    except XmlError as exc:
        raise ParseError(f"malformed XML: {exc}") from exc
    except DefusedXmlException as exc:
        raise ParseError(f"refused XML: {exc!r} (entities or DTDs are not accepted)") from exc
    tag = root.tag.rsplit("}", 1)[-1]
    sm, news = f"{{{_SITEMAP_NS}}}", f"{{{_NEWS_NS}}}"
    if tag == "sitemapindex":
        locs = [(e.findtext(f"{sm}loc") or e.findtext("loc") or "").strip() for e in root]
        return Listing("sitemap", [], [u for u in (urljoin(base_url, loc) for loc in locs if loc) if _web(u)])
    if tag != "urlset":
        raise ParseError(f"an XML document of <{tag}>, not a sitemap (<urlset> or <sitemapindex>)")
    items = []
    for url in root:
        loc = (url.findtext(f"{sm}loc") or url.findtext("loc") or "").strip()
        if not loc:
            continue
        lastmod = (url.findtext(f"{sm}lastmod") or url.findtext("lastmod") or "").strip()
        story = url.find(f"{news}news")
        title = published = ""
        if story is not None:
            title = (story.findtext(f"{news}title") or "").strip()
            published = (story.findtext(f"{news}publication_date") or "").strip()
        items.append(Item(urljoin(base_url, loc), title, published or lastmod, lastmod))
    items = [i for i in items if _web(i.url)]
    items.sort(key=lambda i: i.updated_at or i.published_at, reverse=True)
    return Listing("sitemap", items, [])


def _web(url: str) -> bool:
    """Only http(s) links are fetched (not mailto:, javascript:, file:)."""
    return url.lower().startswith(("http://", "https://"))


def discover_feeds(html: bytes, base_url: str) -> list[str]:
    """The feeds a page announces (`<link rel="alternate" type="application/rss+xml" href>`), in page order."""
    import lxml.html

    try:
        tree = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return []
    found = []
    for link in tree.xpath("//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        kind = (link.get("type") or "").lower().strip()
        if "alternate" in rel and kind in FEED_TYPES:
            found.append(urljoin(base_url, link.get("href").strip()))
    return [u for u in dict.fromkeys(found) if _web(u)]
