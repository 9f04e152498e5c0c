"""Keep the index in step with a folder: files added or changed are ingested, deleted ones
leave the index (`assistant watch FOLDER`, `assistant serve --watch FOLDER`).

Changes are debounced (a burst of writes is one ingest) and go through the ingest lock,
so a chat upload or a CLI ingest at the same moment waits its turn instead of interleaving.
Document ids are paths relative to the watched folder, as with `assistant ingest FOLDER`.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path

from assistant.errors import AssistantError, CorpusError, IndexBusy
from assistant.ingest import supported
from assistant.pipeline import Assistant
from assistant.types import IngestReport

log = logging.getLogger(__name__)


def _watched(path: str) -> bool:
    name = Path(path).name
    # Dot files are editors' and uploads' temporary copies, renamed into place when whole.
    return not name.startswith(".") and supported(name)


class FolderWatcher:
    """Ingests what changes under `folder` into `assistant`'s index."""

    def __init__(self, assistant: Assistant, folder: str | Path, on_report: Callable[[IngestReport], None] | None = None) -> None:
        self.assistant = assistant
        self.folder = Path(folder).resolve()
        if not self.folder.is_dir():
            raise CorpusError(f"Cannot watch {folder}: it is not a folder.")
        self.on_report = on_report or (lambda report: log.info("watch %s: %s", self.folder, report.summary()))
        self.settings = assistant.settings

    def sync(self, changed: set[Path] | None = None, deleted: bool = True) -> IngestReport | None:
        """One pass: ingest `changed` files (None: the whole folder); with `deleted`, a pass
        over the whole folder drops articles whose files are gone. Waits while another
        process holds the index's write lock."""
        whole = changed is None or deleted
        paths = [self.folder] if whole else sorted(p for p in changed if p.exists())
        if not paths:
            return None
        while True:
            try:
                report = self.assistant.ingest(paths, prune=whole, progress=False, root=self.folder)
            except IndexBusy as exc:
                log.info("%s; retrying in %.1f s", exc, self.settings.watch_debounce_seconds)
                time.sleep(self.settings.watch_debounce_seconds)
                continue
            except CorpusError as exc:
                # Nothing readable among the changed files: said, and the watch goes on.
                log.warning("watch %s: %s", self.folder, exc)
                return None
            if report.added or report.updated or report.removed or report.skipped:
                self.on_report(report)
            return report

    def run(self, stop: threading.Event | None = None) -> None:
        """Sync once, then follow changes until `stop` is set."""
        from watchfiles import Change, watch

        self.sync()
        ms = int(self.settings.watch_debounce_seconds * 1000)
        caught_up = False
        changes_seen = watch(
            self.folder, watch_filter=lambda _change, path: _watched(path), debounce=ms, stop_event=stop, yield_on_timeout=True, rust_timeout=ms
        )
        for changes in changes_seen:
            if not caught_up:
                # The first yield comes once the watch is in place: a second full pass takes
                # in whatever changed between the first one and then.
                caught_up = True
                changes, full = set(), True
            else:
                full = any(change == Change.deleted for change, _ in changes)
            if not changes and not full:
                continue
            touched = {Path(path) for change, path in changes if change != Change.deleted}
            try:
                self.sync(touched, full)
            except AssistantError as exc:
                log.warning("watch %s: %s", self.folder, exc)
            except Exception:
                log.exception("watch %s: ingest failed; the watch goes on", self.folder)

    def start(self, stop: threading.Event | None = None) -> threading.Thread:
        """`run` in a daemon thread (the chat server's `--watch`)."""
        thread = threading.Thread(target=self.run, args=(stop,), name="folder-watch", daemon=True)
        thread.start()
        return thread
