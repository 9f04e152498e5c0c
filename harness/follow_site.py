"""A real local HTTP server for the follow tests: routes set per test (feeds, sitemaps, pages,
robots.txt, 304s, 429s, 500s, slow answers, redirect loops, oversized pages), every request
logged with its headers. Nothing in it stands in for the fetcher: it speaks plain HTTP/1.1."""

from __future__ import annotations

import html
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Route:
    body: bytes = b""
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    etag: str = ""
    last_modified: str = ""
    # (request count of this route) -> Route to answer with instead, for answers that change.
    dynamic: Callable[[int], Route] | None = None


class Site:
    """`with Site() as site: site.route("/feed.xml", body=...); site.url("/feed.xml")`."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self.counts: dict[str, int] = {}
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                path = self.path
                with site._lock:
                    site.requests.append((path, dict(self.headers)))
                    site.counts[path] = site.counts.get(path, 0) + 1
                    n = site.counts[path]
                    route = site.routes.get(path)
                if route is None:
                    return self._answer(Route(b"not found", 404, "text/plain"))
                if route.dynamic is not None:
                    route = route.dynamic(n)
                if route.delay:
                    time.sleep(route.delay)
                if route.status == 200 and (
                    (route.etag and self.headers.get("If-None-Match") == route.etag)
                    or (route.last_modified and self.headers.get("If-Modified-Since") == route.last_modified)
                ):
                    return self._answer(Route(b"", 304, "", {"ETag": route.etag} if route.etag else {}))
                self._answer(route)

            def _answer(self, route: Route) -> None:
                try:
                    self.send_response(route.status)
                    if route.content_type:
                        self.send_header("Content-Type", route.content_type)
                    if route.etag:
                        self.send_header("ETag", route.etag)
                    if route.last_modified:
                        self.send_header("Last-Modified", route.last_modified)
                    for k, v in route.headers.items():
                        self.send_header(k, v)
                    self.send_header("Content-Length", str(len(route.body)))
                    self.end_headers()
                    self.wfile.write(route.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client stopped reading (size limit, timeout): as it should

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def route(self, path: str, body: str | bytes = b"", **kw) -> Route:
        route = Route(body.encode("utf-8") if isinstance(body, str) else body, **kw)
        self.routes[path] = route
        return route

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> int:
        return self.counts.get(path, 0)


def article_html(title: str, paragraphs: list[str], *, date: str = "2026-03-02", outlet: str = "Harbour Times", url: str = "") -> str:
    """A news article page as sites publish them: head metadata, navigation, the article, a footer."""
    canonical = f'<link rel="canonical" href="{html.escape(url)}">' if url else ""
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)} | {html.escape(outlet)}</title>
<meta property="og:title" content="{html.escape(title)}"><meta property="og:site_name" content="{html.escape(outlet)}">
<meta property="article:published_time" content="{date}T08:00:00Z">{canonical}
<link rel="alternate" type="application/rss+xml" href="/rss.xml" title="Harbour Times">
</head><body><nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sport">Sport</a></nav>
<article><h1>{html.escape(title)}</h1><time datetime="{date}">{date}</time>
{body}
</article><footer>© {html.escape(outlet)}. All rights reserved. <a href="/privacy">Privacy</a></footer></body></html>"""


def rss(items: list[tuple[str, str, str]], title: str = "Harbour Times") -> str:
    """RSS 2.0 of (title, link, RFC 822 date) items."""
    entries = "\n".join(
        f"<item><title>{html.escape(t)}</title><link>{html.escape(link)}</link><pubDate>{d}</pubDate><guid>{html.escape(link)}</guid></item>"
        for t, link, d in items
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>{html.escape(title)}</title><link>http://example.org/</link><description>News</description>
{entries}
</channel></rss>"""


def atom(items: list[tuple[str, str, str]], title: str = "Valley Post") -> str:
    """Atom 1.0 of (title, link, ISO date) entries."""
    entries = "\n".join(
        f'<entry><title>{html.escape(t)}</title><link rel="alternate" href="{html.escape(link)}"/><id>{html.escape(link)}</id><updated>{d}</updated></entry>'
        for t, link, d in items
    )
    return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>{html.escape(title)}</title><id>urn:valley</id><updated>2026-03-02T10:00:00Z</updated>
{entries}
</feed>"""


def sitemap_index(locs: list[str]) -> str:
    inner = "".join(f"<sitemap><loc>{html.escape(loc)}</loc></sitemap>" for loc in locs)
    return f'<?xml version="1.0" encoding="UTF-8"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">{inner}</sitemapindex>'


def news_sitemap(items: list[tuple[str, str, str]]) -> str:
    """A news sitemap of (loc, title, publication date) entries."""
    urls = "".join(
        f"<url><loc>{html.escape(loc)}</loc><news:news><news:publication><news:name>Valley Post</news:name><news:language>en</news:language>"
        f"</news:publication><news:publication_date>{d}</news:publication_date><news:title>{html.escape(t)}</news:title></news:news></url>"
        for loc, t, d in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" '
        f'xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">{urls}</urlset>'
    )
