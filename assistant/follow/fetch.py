"""HTTP fetching like a good citizen: robots.txt, one request at a time per host with a
delay, conditional requests, timeouts, bounded redirects, retries with backoff (honouring
`Retry-After`) and a size limit enforced while the body streams in.

httpx does the HTTP, `urllib.robotparser` reads robots.txt; this module only keeps the
per-host bookkeeping. Every failure is a `FetchError` naming the URL and what went wrong,
so a caller records it for that item and goes on with the rest.
"""

from __future__ import annotations

import email.utils
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from assistant.errors import AssistantError
from assistant.settings import FollowSettings

log = logging.getLogger(__name__)

_RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_READ_BLOCK = 1 << 16


class FetchError(AssistantError):
    """One URL could not be fetched (the message says which and why)."""


@dataclass(frozen=True)
class Fetched:
    """The answer to one (conditional) GET."""

    url: str  # after redirects
    status: int
    content: bytes = b""
    content_type: str = ""
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class FetchCounters:
    """What a run cost: requests sent, bytes received, and how long fetching took."""

    requests: int = 0
    bytes: int = 0
    not_modified: int = 0
    seconds: float = 0.0
    by_host: dict[str, int] = field(default_factory=dict)


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """`Retry-After` as seconds to wait: a number of seconds or an HTTP date (None if absent or unreadable)."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class Fetcher:
    """Sequential polite fetching for one run (or one server's lifetime)."""

    def __init__(self, settings: FollowSettings, sleep: Callable[[float], None] = time.sleep, transport: httpx.BaseTransport | None = None) -> None:
        self.settings = settings
        self._sleep = sleep
        timeout = httpx.Timeout(settings.follow_timeout_seconds)
        self.client = httpx.Client(
            timeout=timeout, follow_redirects=False, headers={"User-Agent": settings.follow_user_agent}, transport=transport, trust_env=False
        )
        self._last: dict[str, float] = {}  # host -> monotonic time its last request ended
        self._robots: dict[str, RobotFileParser] = {}
        self._host_locks: dict[str, threading.Lock] = {}
        self._lock = threading.Lock()
        self.counters = FetchCounters()

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def limit(self) -> int:
        return int(self.settings.follow_max_page_mb * 1_000_000)

    # --- robots.txt ------------------------------------------------------------------

    def _robots_for(self, url: str) -> RobotFileParser:
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        with self._lock:
            known = self._robots.get(origin)
        if known is not None and time.time() - known.mtime() < self.settings.follow_robots_hours * 3600:
            return known
        robots = RobotFileParser(origin + "/robots.txt")
        try:
            response = self._send(origin + "/robots.txt", {}, check_robots=False)
        except FetchError as exc:
            # Unreachable robots.txt: RFC 9309 says assume everything is disallowed for now.
            log.info("robots.txt of %s unreachable (%s): the site is not fetched this time", origin, exc)
            robots.disallow_all = True
        else:
            if response.status in (401, 403):
                robots.disallow_all = True
            elif 400 <= response.status < 500:
                robots.allow_all = True
            elif response.status >= 500:
                robots.disallow_all = True
            else:
                robots.parse(response.content.decode("utf-8", "replace").splitlines())
        robots.modified()  # when it was read, for `follow_robots_hours`
        with self._lock:
            self._robots[origin] = robots
        return robots

    def allowed(self, url: str) -> bool:
        """Whether robots.txt lets our user agent fetch `url`."""
        return self._robots_for(url).can_fetch(self.settings.follow_user_agent, url)

    def _delay_for(self, url: str) -> float:
        robots = self._robots.get(_origin(url))
        crawl = robots.crawl_delay(self.settings.follow_user_agent) if robots is not None else None
        return max(self.settings.follow_host_delay_seconds, float(crawl or 0))

    # --- requests --------------------------------------------------------------------

    def get(self, url: str, etag: str = "", last_modified: str = "") -> Fetched:
        """GET `url`, conditional on `etag`/`last_modified`; follows up to `follow_max_redirects`
        redirects. Raises FetchError (robots, loops, size, status, network)."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        seen: list[str] = []
        current = url
        while True:
            if current in seen:
                raise FetchError(f"{url}: redirect loop ({' -> '.join(seen + [current])})")
            seen.append(current)
            response = self._send(current, headers)
            if response.status in _REDIRECTS and response.url:
                if len(seen) > self.settings.follow_max_redirects:
                    raise FetchError(f"{url}: more than {self.settings.follow_max_redirects} redirects (ASSISTANT_FOLLOW_MAX_REDIRECTS)")
                current = response.url
                continue
            if response.status == 304:
                self.counters.not_modified += 1
                return response
            if 200 <= response.status < 300:
                return response
            raise FetchError(f"{current}: the server answered HTTP {response.status}")

    def _send(self, url: str, headers: dict[str, str], check_robots: bool = True) -> Fetched:
        """One request with retries; a redirect comes back with the target in `url`."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise FetchError(f"{url}: not an http(s) URL")
        if check_robots and not self.allowed(url):
            raise FetchError(f"{url}: robots.txt of {parts.hostname} disallows fetching it")
        attempt = 0
        while True:
            try:
                response = self._once(url, headers)
            except (httpx.TimeoutException, httpx.TransportError) as exc:
                if attempt >= self.settings.follow_retries:
                    kind = "timed out" if isinstance(exc, httpx.TimeoutException) else f"failed ({type(exc).__name__}: {exc})"
                    raise FetchError(f"{url}: the request {kind} after {attempt + 1} attempts") from exc
                wait = self.settings.follow_backoff_seconds * 2**attempt
            else:
                status, retry_after = response
                if not (isinstance(status, int) and status in _RETRY_STATUS):
                    return status
                if attempt >= self.settings.follow_retries:
                    return status_only(url, status)
                wait = self.settings.follow_backoff_seconds * 2**attempt
                if retry_after is not None:
                    if retry_after > self.settings.follow_max_retry_after_seconds:
                        raise FetchError(
                            f"{url}: HTTP {status}, and the server asks to wait {retry_after:.0f} s, more than the "
                            f"{self.settings.follow_max_retry_after_seconds:g} s honoured; tried again next run"
                        )
                    wait = max(wait, retry_after)
            attempt += 1
            log.info("%s: retry %d in %.1f s", url, attempt, wait)
            self._sleep(wait)

    def _once(self, url: str, headers: dict[str, str]) -> tuple[Fetched | int, float | None]:
        """One request, after the host's delay. Returns (Fetched, None) or (status, Retry-After) for a retryable status."""
        host = urlsplit(url).netloc
        with self._lock:
            host_lock = self._host_locks.setdefault(host, threading.Lock())
        with host_lock:  # one request at a time per host
            wait = self._last.get(host, -1e9) + self._delay_for(url) - time.monotonic()
            if wait > 0:
                self._sleep(wait)
            started = time.perf_counter()
            try:
                return self._request(url, headers)
            finally:
                self._last[host] = time.monotonic()
                self.counters.seconds += time.perf_counter() - started
                self.counters.requests += 1
                self.counters.by_host[host] = self.counters.by_host.get(host, 0) + 1

    def _request(self, url: str, headers: dict[str, str]) -> tuple[Fetched | int, float | None]:
        with self.client.stream("GET", url, headers=headers) as response:
            status = response.status_code
            if status in _RETRY_STATUS:
                return status, retry_after_seconds(response.headers.get("Retry-After"))
            if status in _REDIRECTS:
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(f"{url}: HTTP {status} redirect without a Location")
                return Fetched(urljoin(url, location), status), None
            if status != 200:
                return Fetched(url, status, etag=response.headers.get("ETag", ""), last_modified=response.headers.get("Last-Modified", "")), None
            declared = response.headers.get("Content-Length", "")
            if declared.isascii() and declared.isdigit() and int(declared) > self.limit:
                raise FetchError(f"{url}: {int(declared) / 1e6:.1f} MB is over the {self.limit / 1e6:g} MB limit (ASSISTANT_FOLLOW_MAX_PAGE_MB)")
            body = bytearray()
            for block in response.iter_bytes(_READ_BLOCK):
                body += block
                self.counters.bytes += len(block)
                if len(body) > self.limit:
                    raise FetchError(f"{url}: more than the {self.limit / 1e6:g} MB limit (ASSISTANT_FOLLOW_MAX_PAGE_MB); stopped reading")
            return (
                Fetched(
                    url,
                    status,
                    bytes(body),
                    response.headers.get("Content-Type", "").split(";")[0].strip().lower(),
                    response.headers.get("ETag", ""),
                    response.headers.get("Last-Modified", ""),
                ),
                None,
            )


def status_only(url: str, status: int) -> Fetched:
    return Fetched(url, status)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
