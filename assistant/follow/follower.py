"""Following sources: add and remove them, fetch what they list, keep each fetched page as
a file under `<follow_dir>/<site>/`, and ingest those files through the same path as every
other file (trafilatura reads the article, its date, outlet and URL).

A page fetched again with other text is saved as a new file beside the old one, so the
index holds both and groups them as versions of one story (what changed, timelines). Every
item's failure is recorded against it and its source; the rest of the run goes on.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from assistant.errors import AssistantError
from assistant.follow.fetch import Fetched, Fetcher, FetchError
from assistant.follow.parse import Item, Listing, ParseError, discover_feeds, parse_feed, parse_sitemap, sniff
from assistant.follow.state import Arrival, FollowState, ItemState, Source, now_iso

if TYPE_CHECKING:
    from assistant.pipeline import Assistant

log = logging.getLogger(__name__)

_SLUG = re.compile(r"[^a-z0-9]+")
_SLUG_CHARS = 60
_PAGE_TYPES = ("text/html", "application/xhtml+xml", "")
_MAX_SITEMAP_DEPTH = 2  # an index of indexes of sitemaps is as deep as sites go


@dataclass
class SourceReport:
    """What one fetch of one source did."""

    url: str
    listed: int = 0
    new: list[str] = field(default_factory=list)  # doc ids added
    revised: list[str] = field(default_factory=list)  # doc ids of new versions of known pages
    unchanged: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class RunReport:
    """One run over the followed sources, with where its time went."""

    sources: list[SourceReport] = field(default_factory=list)
    requests: int = 0
    bytes: int = 0
    not_modified: int = 0
    chunks_embedded: int = 0
    seconds_fetch: float = 0.0
    seconds_ingest: float = 0.0

    @property
    def new(self) -> int:
        return sum(len(s.new) + len(s.revised) for s in self.sources)

    @property
    def errors(self) -> list[str]:
        return [e for s in self.sources for e in s.errors]

    def summary(self) -> str:
        lines = [
            f"{len(self.sources)} sources: {sum(len(s.new) for s in self.sources)} new articles, "
            f"{sum(len(s.revised) for s in self.sources)} new versions, {sum(s.unchanged for s in self.sources)} unchanged, "
            f"{len(self.errors)} errors ({self.requests} requests, {self.bytes / 1e6:.2f} MB, {self.not_modified} not modified; "
            f"{self.chunks_embedded} passages embedded)"
        ]
        lines += [f"  {s.url}: {len(s.new)} new, {len(s.revised)} revised, {s.unchanged} unchanged, {len(s.errors)} errors" for s in self.sources]
        lines += [f"  error: {e}" for e in self.errors]
        return "\n".join(lines)


def site_of(url: str) -> str:
    """The folder name of a URL's site: its host without www. and port."""
    host = (urlsplit(url).hostname or "unknown-site").removeprefix("www.")
    return _SLUG.sub("-", host.lower()).strip("-") or "unknown-site"


def file_name(url: str, stamp: str) -> str:
    """`<slug of the URL's path>-<hash of the URL>--<fetch time>.html`: one URL's versions sort by time."""
    path = urlsplit(url).path.rstrip("/")
    slug = _SLUG.sub("-", path.rsplit("/", 1)[-1].lower().removesuffix(".html").removesuffix(".htm")).strip("-")[:_SLUG_CHARS] or "index"
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:8]
    return f"{slug}-{digest}--{stamp}.html"


def sidecar(path: Path) -> Path:
    """The hidden file beside a fetched page that records where and when it was fetched."""
    return path.with_name(f".{path.name}.json")


class Follower:
    """The followed sources of one `Assistant` (its settings, its index)."""

    def __init__(self, assistant: Assistant, fetcher: Fetcher | None = None) -> None:
        self.assistant = assistant
        self.settings = assistant.settings
        self.state = FollowState(self.settings)
        self.folder = self.state.folder
        self._fetcher = fetcher
        self.run_lock = threading.Lock()  # one run (or add) at a time

    @property
    def root(self) -> Path:
        """The folder doc ids are relative to: the corpus folder when it holds the follow folder
        (so a later `assistant ingest corpus/` gives them the same ids)."""
        corpus = Path(self.settings.corpus_dir).resolve()
        folder = self.folder.resolve()
        return corpus if folder.is_relative_to(corpus) else folder.parent

    def _doc_id(self, path: Path) -> str:
        return path.resolve().relative_to(self.root).as_posix().removesuffix(".html")

    def fetcher(self) -> Fetcher:
        if self._fetcher is None:
            self._fetcher = Fetcher(self.settings.following)
        return self._fetcher

    # --- the registry ------------------------------------------------------------------

    def sources(self) -> list[Source]:
        with self.state.lock:
            return list(self.state.sources.values())

    def add(self, url: str) -> Source:
        """Follow a feed, a sitemap, or a page whose feed is discovered from its `<link rel="alternate">`.
        The source is fetched once to learn what it is; nothing is ingested until `run`."""
        url = _check_url(url)
        with self.run_lock:
            fetched = self.fetcher().get(url)
            kind = sniff(fetched.content, fetched.content_type)
            feed_url, title = url, ""
            if kind == "html":
                feeds = discover_feeds(fetched.content, fetched.url)
                if not feeds:
                    raise ParseError(
                        f'{url} is a web page that announces no feed (no <link rel="alternate" type="application/rss+xml">); '
                        "give its feed or sitemap URL, or add this one article by URL instead."
                    )
                feed_url = feeds[0]
                fetched = self.fetcher().get(feed_url)
                kind = sniff(fetched.content, fetched.content_type)
                if kind == "html":
                    raise ParseError(f"the feed {feed_url} announced by {url} is a web page, not a feed")
            listing = self._parse(kind, fetched)
            title = listing.title
            with self.state.lock:
                self.state.load()
                source = self.state.sources.get(url) or Source(url=url, added_at=now_iso())
                source.kind, source.feed_url, source.title = listing.kind, feed_url, title or source.title
                self.state.sources[url] = source
                self.state.save()
            return source

    def remove(self, url: str) -> Source:
        """Stop following `url` (its fetched pages and their articles stay)."""
        with self.state.lock:
            source = self.state.sources.pop(url.strip(), None)
            if source is None:
                known = ", ".join(self.state.sources) or "none"
                raise AssistantError(f"{url} is not followed (followed: {known}).")
            self.state.save()
            return source

    # --- fetching ------------------------------------------------------------------------

    def run(self, urls: list[str] | None = None) -> RunReport:
        """Fetch every followed source (or those in `urls`) once and ingest what is new."""
        with self.run_lock:
            fetcher = self.fetcher()
            before = (fetcher.counters.requests, fetcher.counters.bytes, fetcher.counters.seconds, fetcher.counters.not_modified)
            report = RunReport()
            with self.state.lock:
                self.state.load()  # sources added or removed by another process meanwhile
            for source in self.sources():
                if urls is not None and source.url not in urls:
                    continue
                report.sources.append(self._run_source(source, report))
            c = fetcher.counters
            report.requests, report.bytes = c.requests - before[0], c.bytes - before[1]
            report.seconds_fetch, report.not_modified = c.seconds - before[2], c.not_modified - before[3]
            return report

    def add_article(self, url: str) -> SourceReport:
        """Fetch one article by URL and ingest it (fetched again only when added again)."""
        url = _check_url(url)
        with self.run_lock:
            result = SourceReport(url)
            files = self._fetch_items([Item(url)], url, result)
            self._ingest(files, url, result, RunReport())
            if result.errors and not (result.new or result.revised or result.unchanged):
                raise AssistantError(result.errors[0])
            return result

    def _run_source(self, source: Source, report: RunReport) -> SourceReport:
        result = SourceReport(source.url)
        try:
            items = self._listed(source, result.errors)
        except AssistantError as exc:
            result.errors.append(str(exc))
            items = None
        if items:
            result.listed = len(items)
            files = self._fetch_items(items[: self.settings.follow_max_items], source.url, result)
            self._ingest(files, source.url, result, report)
        with self.state.lock:
            current = self.state.sources.get(source.url)
            if current is not None:  # not removed meanwhile
                current.etag, current.last_modified, current.items, current.children = source.etag, source.last_modified, source.items, source.children
                current.last_fetch = now_iso()
                current.last_new = len(result.new) + len(result.revised)
                current.last_errors = result.errors[: self.settings.follow_max_items]
                current.articles += len(result.new)
                self.state.save()
        return result

    def _listed(self, source: Source, errors: list[str]) -> list[Item]:
        """The source's items, newest first. A feed or sitemap that answers 304 gives its last
        listing again: listed pages may have been edited since, so each is asked again,
        conditionally (a 304, or the same bytes, costs no ingest). A sitemap index's sitemaps
        are asked each time, conditionally, whether or not the index changed."""
        fetched = self.fetcher().get(source.feed_url or source.url, source.etag, source.last_modified)
        listing = None
        if not fetched.not_modified:
            source.etag, source.last_modified = fetched.etag, fetched.last_modified
            kind = sniff(fetched.content, fetched.content_type)
            if kind == "html":
                raise ParseError(f"{source.feed_url or source.url} is now a web page, not a feed or sitemap")
            listing = self._parse(kind, fetched)
        if listing is None and not source.children:
            return [Item(url) for url in source.items]
        items = list(listing.items) if listing is not None else []
        items += self._sitemaps(source, listing.sitemaps if listing is not None else list(source.children), errors)
        items.sort(key=lambda i: i.updated_at or i.published_at, reverse=True)
        items = list({i.url: i for i in reversed(items)}.values())[::-1][: self.settings.follow_max_items]
        source.items = [i.url for i in items]
        return items

    def _sitemaps(self, source: Source, urls: list[str], errors: list[str]) -> list[Item]:
        """The items of a sitemap index's sitemaps (and theirs, `_MAX_SITEMAP_DEPTH` down), each
        fetched conditionally; one that fails is an error of its own and keeps its last items."""
        remembered, source.children = source.children, {}
        items: list[Item] = []
        pending, depth = list(urls), 0
        while pending and depth < _MAX_SITEMAP_DEPTH:
            depth += 1
            current, pending = pending, []
            for child in dict.fromkeys(current):
                known = remembered.get(child) or {}
                try:
                    fetched = self.fetcher().get(child, known.get("etag", ""), known.get("last_modified", ""))
                    if fetched.not_modified:
                        listing = Listing("sitemap", [Item(u, published_at=d) for u, d in known.get("items", [])], known.get("sitemaps", []))
                    else:
                        listing = self._parse("sitemap", fetched)
                        known = {"etag": fetched.etag, "last_modified": fetched.last_modified}
                except AssistantError as exc:
                    errors.append(f"sitemap {child} of {source.url}: {exc}")
                    listing = Listing("sitemap", [Item(u, published_at=d) for u, d in known.get("items", [])], known.get("sitemaps", []))
                known = {**known, "items": [[i.url, i.updated_at or i.published_at] for i in listing.items], "sitemaps": listing.sitemaps}
                source.children[child] = known
                items += listing.items
                pending += listing.sitemaps
        return items

    @staticmethod
    def _parse(kind: str, fetched: Fetched) -> Listing:
        try:
            return parse_sitemap(fetched.content, fetched.url) if kind == "sitemap" else parse_feed(fetched.content, fetched.url)
        except ParseError as exc:
            raise ParseError(f"{fetched.url}: {exc}") from exc

    def _fetch_items(self, items: list[Item], source_url: str, result: SourceReport) -> list[tuple[Path, Item, bool]]:
        """Fetch each item (conditionally when fetched before); save what changed. Returns
        (saved file, item, whether it revises a page fetched before)."""
        saved = []
        for item in items:
            with self.state.lock:
                known = self.state.items.get(item.url) or ItemState(item.url)
            try:
                fetched = self.fetcher().get(item.url, known.etag, known.last_modified)
                if fetched.not_modified or (fetched.content and hashlib.sha256(fetched.content).hexdigest() == known.sha256):
                    result.unchanged += 1
                    continue
                if fetched.content_type not in _PAGE_TYPES:
                    raise FetchError(f"{item.url}: not a web page ({fetched.content_type}); only HTML articles are read")
                revision = bool(known.file) and (self.folder / known.file).exists()
                if revision and _same_text(self.folder / known.file, fetched.content):
                    self._remember(known, fetched, known.file, known.doc_id)
                    result.unchanged += 1
                    continue
                path = self._save(item, fetched, known.file if revision else "")
                saved.append((path, item, revision))
                self._remember(known, fetched, "", "")  # file and doc id once it is ingested
            except (AssistantError, OSError) as exc:  # OSError: the page could not be saved (disk full, permissions)
                result.errors.append(str(exc))
                with self.state.lock:
                    known.error = str(exc)
                    self.state.items[item.url] = known
        with self.state.lock:
            self.state.save()
        return saved

    def _remember(self, known: ItemState, fetched: Fetched, file: str, doc_id: str) -> None:
        with self.state.lock:
            known.etag, known.last_modified = fetched.etag, fetched.last_modified
            if fetched.content:
                known.sha256 = hashlib.sha256(fetched.content).hexdigest()
            known.fetched_at, known.error = now_iso(), ""
            if file:
                known.file, known.doc_id = file, doc_id
            self.state.items[known.url] = known

    def _save(self, item: Item, fetched: Fetched, revision_of: str) -> Path:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        folder = self.folder / site_of(item.url)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / file_name(item.url, stamp)
        path.write_bytes(fetched.content)
        meta = {"url": fetched.url if fetched.url else item.url, "title": item.title, "published_at": item.published_at, "fetched_at": now_iso()}
        if revision_of:
            meta["revision_of"] = revision_of
        sidecar(path).write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        return path

    def _ingest(self, files: list[tuple[Path, Item, bool]], source_url: str, result: SourceReport, report: RunReport) -> None:
        if not files:
            return
        started = time.perf_counter()
        failure = "not ingested"
        try:
            ingested = self.assistant.ingest([p for p, _, _ in files], progress=False, root=self.root)
        except AssistantError as exc:
            # Nothing readable in any of them (CorpusError, whose message gives each file's reason),
            # or the index could not be written: every file of this batch fails with that message.
            ingested, failure = None, str(exc)
        report.seconds_ingest += time.perf_counter() - started
        if ingested is not None:
            report.chunks_embedded += ingested.chunks_embedded
        skipped = {str(Path(where).resolve()): why for where, why in (ingested.skipped if ingested else [])}
        stored = set(ingested.added + ingested.updated + ingested.unchanged) if ingested else set()
        arrivals = []
        with self.state.lock:
            for path, item, revision in files:
                doc_id = self._doc_id(path)
                known = self.state.items.get(item.url) or ItemState(item.url)
                if doc_id not in stored:
                    why = skipped.get(str(path.resolve()), failure)
                    # Not an article (an index page, a video page): not kept, so the corpus stays articles.
                    path.unlink(missing_ok=True)
                    sidecar(path).unlink(missing_ok=True)
                    known.error = f"{item.url}: {why}"
                    known.sha256 = ""  # fetched again next run, in case it becomes an article
                    result.errors.append(known.error)
                else:
                    known.file, known.doc_id, known.versions = path.relative_to(self.folder).as_posix(), doc_id, known.versions + 1
                    (result.revised if revision else result.new).append(doc_id)
                    arrivals.append(Arrival(doc_id, item.url, source_url, now_iso(), revision))
                self.state.items[item.url] = known
            self.state.arrivals = (self.state.arrivals + arrivals)[-self.settings.follow_keep_arrivals :]
            self.state.save()


_shared_lock = threading.Lock()


def follower_for(assistant: Assistant) -> Follower:
    """The one `Follower` of a serving `Assistant` (its chat panel, its API and its background fetch share it)."""
    with _shared_lock:
        follower = getattr(assistant, "_follower", None)
        if follower is None:
            follower = Follower(assistant)
            assistant._follower = follower  # type: ignore[attr-defined]
        return follower


def _same_text(old: Path, new: bytes) -> bool:
    """Whether a refetched page holds the same article as the saved one (bytes differ for
    ads, counters and tokens; the article text is what counts)."""
    from assistant.webpage import read_page

    try:
        return read_page(old.read_bytes()).text == read_page(new).text
    except OSError:
        return False


def _check_url(url: str) -> str:
    url = (url or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise AssistantError(f"{url!r} is not an http(s) URL: give one like https://example.org/feed.xml.")
    return url
