"""The followed sources and what was fetched from them, kept in one JSON file
(`<follow_dir>/.follow.json`, hidden so that ingesting the corpus folder never reads it).

Written atomically (a temporary file renamed over the old one), so a crash never leaves half
a file; one writer at a time within a process.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import threading
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.settings import Settings

STATE_FILE = ".follow.json"
VISIT_FILE = ".last-visit"  # apart from the state: the answering side writes it, the fetching side the state
_VERSION = 1


def now_iso() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds")


def follow_dir(settings: Settings) -> Path:
    """Where fetched pages and the state live: `follow_dir`, else the corpus folder's feeds/."""
    return Path(settings.follow_dir) if settings.follow_dir else Path(settings.corpus_dir) / "feeds"


@dataclass
class Source:
    """A followed feed or sitemap, and how its last fetch went."""

    url: str  # as the user gave it
    kind: str = "feed"  # "feed" or "sitemap"
    feed_url: str = ""  # what is fetched: the URL itself, or the feed its page announces
    title: str = ""
    added_at: str = ""
    etag: str = ""
    last_modified: str = ""
    last_fetch: str = ""
    last_new: int = 0  # articles added or revised by the last fetch
    last_errors: list[str] = field(default_factory=list)
    articles: int = 0  # articles ever added from it
    items: list[str] = field(default_factory=list)  # the URLs it listed last, newest first (checked again while it answers 304)
    # A sitemap index's sitemaps: url -> {"etag", "last_modified", "items": [[url, date]], "sitemaps": [...]}.
    children: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Source:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class ItemState:
    """One fetched page: its newest saved file and what the server said about it."""

    url: str
    file: str = ""  # newest saved version, relative to the follow folder
    doc_id: str = ""
    etag: str = ""
    last_modified: str = ""
    sha256: str = ""
    fetched_at: str = ""
    versions: int = 0
    error: str = ""

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ItemState:
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass(frozen=True)
class Arrival:
    """An article that reached the index from a source: new, or a new version of a page."""

    doc_id: str
    url: str
    source: str
    at: str
    revision: bool = False


class FollowState:
    """Load, change and save the state file."""

    def __init__(self, settings: Settings) -> None:
        self.folder = follow_dir(settings)
        self.path = self.folder / STATE_FILE
        self.lock = threading.RLock()
        self.sources: dict[str, Source] = {}
        self.items: dict[str, ItemState] = {}
        self.arrivals: list[Arrival] = []
        self.load()

    def load(self) -> None:
        with self.lock:
            if not self.path.exists():
                return
            try:
                data = json.loads(self.path.read_text(encoding="utf-8"))
            except (OSError, json.JSONDecodeError) as exc:
                raise AssistantError(f"Cannot read the followed sources from {self.path}: {exc}. Fix or remove the file (fetched pages are kept).") from exc
            self.sources = {u: Source.from_dict(s) for u, s in data.get("sources", {}).items()}
            self.items = {u: ItemState.from_dict(s) for u, s in data.get("items", {}).items()}
            self.arrivals = [Arrival(**a) for a in data.get("arrivals", [])]

    def save(self) -> None:
        with self.lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            data = {
                "version": _VERSION,
                "sources": {u: asdict(s) for u, s in self.sources.items()},
                "items": {u: asdict(s) for u, s in self.items.items()},
                "arrivals": [asdict(a) for a in self.arrivals],
            }
            fd, tmp = tempfile.mkstemp(prefix=".follow-", suffix=".tmp", dir=self.folder)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(data, out, indent=1, ensure_ascii=False)
            os.replace(tmp, self.path)

    def arrived_since(self, since: dt.datetime) -> list[Arrival]:
        """Arrivals at or after `since`, newest first."""
        with self.lock:
            return sorted((a for a in self.arrivals if parse_time(a.at) >= since), key=lambda a: a.at, reverse=True)


_visit_lock = threading.Lock()


def last_visit(settings: Settings) -> dt.datetime | None:
    """When "what's new" was last asked (None before the first time)."""
    try:
        return parse_time((follow_dir(settings) / VISIT_FILE).read_text(encoding="utf-8").strip())
    except (OSError, ValueError):
        return None


def record_visit(settings: Settings, when: dt.datetime | None = None) -> dt.datetime | None:
    """Remember that "what's new" was asked now (or `when`); returns the previous visit."""
    with _visit_lock:
        previous = last_visit(settings)
        folder = follow_dir(settings)
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".visit-", suffix=".tmp", dir=folder)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write((when or dt.datetime.now(dt.UTC)).isoformat(timespec="microseconds"))
        os.replace(tmp, folder / VISIT_FILE)
        return previous


def parse_time(iso: str) -> dt.datetime:
    """An ISO date or date-time as an aware UTC datetime (a bare date is its midnight)."""
    when = dt.datetime.fromisoformat(iso)
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)
