"""Following news sources: feeds, sitemaps and pages fetched politely, kept as files,
ingested like every file; and "what's new" answered from what arrived.

Modules: `fetch` (polite HTTP: robots.txt, per-host delay, conditional requests, retries,
size limit), `parse` (feeds, sitemaps, feed discovery), `state` (the sources and what was
fetched, `.follow.json`), `follower` (add, remove, run: fetch, save, ingest), `schedule`
(fetching in the background while the chat serves), `whatsnew` (the answer), `cli`.
Names are imported lazily, so `assistant --help` does not load HTTP or the index.
"""

from __future__ import annotations

import importlib
from typing import Any

_WHERE = {
    "FetchError": "fetch",
    "Fetcher": "fetch",
    "Follower": "follower",
    "RunReport": "follower",
    "SourceReport": "follower",
    "ParseError": "parse",
    "FollowScheduler": "schedule",
    "FollowState": "state",
    "Source": "state",
    "answer_whats_new": "whatsnew",
    "asks_whats_new": "whatsnew",
    "whats_new": "whatsnew",
}
__all__ = sorted(_WHERE)


def __getattr__(name: str) -> Any:
    if name not in _WHERE:
        raise AttributeError(f"module 'assistant.follow' has no attribute {name!r}")
    return getattr(importlib.import_module(f"assistant.follow.{_WHERE[name]}"), name)
