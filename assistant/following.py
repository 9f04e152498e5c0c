"""Keeping a process's retriever in step with its index.

The retriever is built at the first question, after checking that this embedder can read the
index. It is swapped after this process's own ingests, and rebuilt when another process
writes: every `index_check_seconds` the index's write stamp is compared with the one the
retriever was built at, and on a change a background thread builds a new retriever on a
reopened store while the old one keeps answering. The store and the embedder belong to the
`Indexer`; an index built in the other embedding runtime is read (and extended) with that
runtime, never mixed with this one.
"""

from __future__ import annotations

import logging
import threading
import time

from assistant.embedding import runtime_of
from assistant.errors import AssistantError, IndexNotBuilt
from assistant.indexer import Indexer
from assistant.retrieve import Retriever
from assistant.settings import Settings
from assistant.store import ChunkStore

log = logging.getLogger(__name__)


class IndexFollower:
    """The current retriever of one index, rebuilt when the index changes."""

    def __init__(self, indexer: Indexer, settings: Settings) -> None:
        self.indexer = indexer
        self.settings = settings
        self._retriever: Retriever | None = None
        self._stamp = ""  # the index's write stamp the retriever was built at
        self._refreshing = False
        self._last_check = 0.0
        self._checked = False
        # Guards lazy loading and swapping of the retriever shared by the chat's threads.
        self._lock = threading.Lock()

    def current(self) -> Retriever:
        """The retriever, built on first use; looks for other processes' writes on the way."""
        with self._lock:
            if self._retriever is None:
                if not self._checked:
                    self.indexer.store.open(create=False)
                    self.follow_runtime()
                    self.indexer.store.check_manifest(self.indexer.manifest(), ["embed_model"])
                    self._checked = True
                self._stamp = self.indexer.store.write_stamp()
                self._retriever = Retriever(self.indexer.store, self.indexer.embedder, self.settings)
                self._last_check = time.monotonic()
            retriever = self._retriever
        self.refresh_if_changed()
        return retriever

    def follow_runtime(self) -> None:
        """An index built by the same model in the other runtime (fp32 vectors, say, from before
        int8 was the default) is read and extended with that runtime: vectors of the two are
        never mixed. Rebuilding it moves it to the configured runtime."""
        store, embedder = self.indexer.store, self.indexer.embedder
        try:
            built_with = store.manifest.get("embed_model", "")
        except IndexNotBuilt:
            return
        if not built_with or built_with == embedder.model_id:
            return
        runtime = runtime_of(built_with)
        if runtime != embedder.runtime and embedder.with_runtime(runtime).model_id == built_with:
            log.warning(
                "The index at %s was built with %s (%s runtime); it is read with that runtime. `assistant ingest --rebuild PATHS` rebuilds it with %s.",
                store.location,
                built_with,
                runtime,
                embedder.model_id,
            )
            self.indexer.embedder = embedder.with_runtime(runtime)

    def ingested(self) -> None:
        """This process's ingest changed the index: a new retriever is built here, while the old
        one keeps answering, so no question waits for it."""
        if self._retriever is not None:
            store = self.indexer.store
            self._swap(self._built(store), store.write_stamp())

    def _built(self, store: ChunkStore) -> Retriever:
        retriever = Retriever(store, self.indexer.embedder, self.settings)
        retriever.newest_day()  # maps (or, without a saved one, builds) the BM25 index now, not at the next question
        return retriever

    def _swap(self, retriever: Retriever, stamp: str) -> None:
        with self._lock:
            self._retriever, self._stamp = retriever, stamp

    def refresh_if_changed(self, force: bool = False) -> bool:
        """Notice another process's ingest (the index's write stamp moved) and rebuild the
        retriever's caches in a background thread; answers use the current one meanwhile.

        Looks at most every `index_check_seconds` unless `force`. True when a rebuild started.
        """
        now = time.monotonic()
        with self._lock:
            if self._retriever is None or self._refreshing or (not force and now - self._last_check < self.settings.index_check_seconds):
                return False
            self._last_check = now
            known = self._stamp
        try:
            stamp = self.indexer.store.write_stamp()
        except AssistantError as exc:
            log.warning("cannot look for index changes: %s", exc)
            return False
        if stamp == known or not stamp:
            return False
        with self._lock:
            if self._refreshing:
                return False
            self._refreshing = True

        def rebuild() -> None:
            try:
                store = self.indexer.store.reopened()
                retriever = self._built(store)
                with self.indexer.lock:  # never swap the store under this process's own ingest
                    self.indexer.store = store
                self._swap(retriever, stamp)
                log.info("index changed (write %s): retriever rebuilt", stamp)
            except Exception:
                log.exception("rebuilding the retriever after an index change failed; the old one keeps answering")
            finally:
                with self._lock:
                    self._refreshing = False

        threading.Thread(target=rebuild, name="index-refresh", daemon=True).start()
        return True

    def watch(self) -> threading.Thread:
        """Look for other processes' writes every `index_check_seconds` from a daemon thread
        (the chat server runs one), so the first question after an ingest already sees it."""

        def loop() -> None:
            while True:
                time.sleep(self.settings.index_check_seconds)
                try:
                    self.refresh_if_changed()
                except Exception:
                    log.exception("index watch failed")

        thread = threading.Thread(target=loop, name="index-watch", daemon=True)
        thread.start()
        return thread
