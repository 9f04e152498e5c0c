"""Fetching the followed sources every `follow_every_minutes` from a daemon thread while the
chat serves (`assistant serve --follow`). Ingests go through the index's one writer lock,
so they take turns with uploads and the folder watch; answers go on from the current index
and see the new articles as soon as each ingest is written."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from assistant.follow.follower import Follower, RunReport

log = logging.getLogger(__name__)


class FollowScheduler:
    """Runs `follower.run()` now and then every interval, until `stop()`; `wake()` runs it at once."""

    def __init__(self, follower: Follower, every_seconds: float, on_report: Callable[[RunReport], None] | None = None) -> None:
        self.follower = follower
        self.every = every_seconds
        self.on_report = on_report
        self._stop = threading.Event()
        self._wake = threading.Event()
        self.runs = 0
        self.last_report: RunReport | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> threading.Thread:
        self.thread = threading.Thread(target=self._loop, name="follow", daemon=True)
        self.thread.start()
        return self.thread

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                report = self.follower.run()
            except Exception:
                log.exception("fetching the followed sources failed; trying again next interval")
            else:
                self.runs += 1
                self.last_report = report
                if report.new or report.errors:
                    log.info("follow: %s", report.summary())
                if self.on_report is not None:
                    self.on_report(report)
            self._wake.wait(self.every)


def start_following(assistant) -> FollowScheduler:
    """Start fetching `assistant`'s followed sources every `follow_every_minutes` (the chat server's `--follow`)."""
    from assistant.follow.follower import follower_for

    follower = follower_for(assistant)
    every = assistant.settings.follow_every_minutes
    scheduler = FollowScheduler(follower, every * 60)
    scheduler.start()
    count = len(follower.sources())
    print(f"Following {count} source{'s' if count != 1 else ''} (`assistant follow list`), fetched every {every:g} minutes", flush=True)
    return scheduler
