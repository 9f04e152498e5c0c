"""Files -> store: read the articles, chunk and embed what is new or changed, group
versions into stories, and stamp the index so that readers in other processes notice.
One writer at a time (a lock in this process, the store's file lock across processes)."""

from __future__ import annotations

import hashlib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import numpy as np

from assistant.chunking import Chunker, embed_text
from assistant.embedding import Embedder
from assistant.errors import CorpusError, IndexBusy
from assistant.ingest import Limits, Skip, load_articles
from assistant.injection import Guard
from assistant.lexical import rebuild_saved, update_saved
from assistant.metadata import shortened
from assistant.settings import Settings
from assistant.store import ChunkStore
from assistant.types import Article, IngestReport
from assistant.versions import Fingerprint, fingerprint, group_stories, signature_from_text, signature_to_text

log = logging.getLogger(__name__)


class Indexer:
    """Writes articles into one ChunkStore."""

    def __init__(self, store: ChunkStore, embedder: Embedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        # One ingest at a time per process: the chat's uploads share this object.
        self.lock = threading.Lock()

    def manifest(self) -> dict[str, Any]:
        return {
            "embed_model": self.embedder.model_id,
            "chunk_tokens": self.settings.chunk_tokens,
            "chunk_overlap": self.settings.chunk_overlap,
        }

    def ingest(
        self,
        paths: Iterable[str | Path],
        *,
        prune: bool = False,
        rebuild: bool = False,
        progress: bool = True,
        on_progress: Callable[[int, int], None] | None = None,
        root: str | Path | None = None,
        wait: bool = True,
    ) -> tuple[IngestReport, bool]:
        """Add new and changed articles under `paths`; with `prune`, drop ones whose files are gone.
        Returns the report and whether the index changed (its write stamp moved).

        Unchanged articles (same content hash, all chunks stored) are not embedded again.
        Each article is written as one unit, so an interrupted run leaves a usable index
        and the next run finishes the job. `progress` shows a progress bar on the terminal;
        `on_progress(done, total)` is called as chunks are embedded (for other interfaces).
        Document ids are file paths relative to the folder given, or to `root` when it holds
        the paths (the chat's uploads use the corpus folder, so ids match a later ingest of it).
        Without `wait`, an ingest already running in this process raises IndexBusy at once.
        """
        if not self.lock.acquire(blocking=wait):
            raise IndexBusy(f"Another ingest is writing to the index at {self.store.location}; wait for it to finish, then send this again.")
        try:
            with self.store.write_lock():
                return self._ingest([Path(p) for p in paths], prune, rebuild, progress, on_progress, Path(root) if root else None)
        finally:
            self.lock.release()

    def _ingest(
        self, paths: list[Path], prune: bool, rebuild: bool, progress: bool, on_progress: Callable[[int, int], None] | None, root: Path | None
    ) -> tuple[IngestReport, bool]:
        started = time.perf_counter()
        articles, skips = load_articles(paths, root, limits=Limits.of(self.settings))
        articles = [shortened(a, self.settings.derived_title_chars) for a in articles]
        report = IngestReport(skipped=[(s.where, s.reason) for s in skips])
        if not articles and not (prune and self.store.exists()):
            reasons = "; ".join(f"{w}: {r}" for w, r in report.skipped[:5]) or "no files found"
            raise CorpusError(f"No readable article in {', '.join(map(str, paths))} ({reasons}).")
        if rebuild:
            self.store.drop()
        self.store.open(create=True, manifest=self.manifest())
        self.store.check_manifest(self.manifest(), ["embed_model", "chunk_tokens", "chunk_overlap"])
        # An ingest that was killed left its mark: this one completes every part of the index.
        interrupted = self.store.writing()
        if interrupted:
            log.warning("the last ingest into %s did not finish (%s); this one completes it", self.store.location, interrupted)
        before = self.store.write_stamp()
        existing = self.store.articles()

        todo: list[Article] = []
        for article in articles:
            old = existing.get(article.doc_id)
            if old and old.path and article.path and not _same_file(old.path, article.path):
                # Ids from different files never replace each other silently (a record's own "id").
                report.skipped.append(
                    (
                        article.path,
                        f"duplicate id {article.doc_id!r}: an article of that id is already indexed from {old.path}; give the record another id",
                    )
                )
            elif old and old.content_hash == article.content_hash and old.complete:
                report.unchanged.append(article.doc_id)
            else:
                todo.append(article)
                (report.updated if old else report.added).append(article.doc_id)
        if self.settings.injection_guard and todo:
            # Lines addressed to an AI model never enter the index (assistant/injection.py).
            guard = Guard(self.embedder.embed_unstored, threshold=self.settings.injection_threshold)
            todo = [guard.article(a) for a in todo]
            for a in todo:
                if not a.text.strip():
                    report.skipped.append((a.path or a.doc_id, "every paragraph is addressed to an AI model, none is reporting"))
            todo = [a for a in todo if a.text.strip()]

        began = False

        def begin() -> None:
            nonlocal began
            if not began:
                self.store.mark_writing()
                began = True

        if todo:
            begin()
        stored, report.chunks_reused = self._embed_and_store(todo, progress, on_progress)
        report.chunks_embedded = stored - report.chunks_reused

        if prune:
            report.removed = self._prune(paths, {a.doc_id for a in articles}, existing, skips, begin)
        regrouped = self._group_versions(begin)
        changed = bool(todo or report.removed or regrouped)
        if changed or interrupted:
            records = self.store.articles()
            counts = {"articles": len(records), "chunks": sum(r.stored_chunks for r in records.values())}
            after = self.store.mark_written(counts)
            # Saved now, by the one process that knows what changed, so no reader rebuilds it.
            try:
                index = update_saved(
                    self.store, self.settings.lexical_server_cache_dir, "" if interrupted else before, after, report.removed, [a.doc_id for a in todo]
                )
                if len(index) != counts["chunks"]:  # an index left behind by an older version's crash
                    log.warning("the saved BM25 index held %d chunks, the store %d: rebuilt from the store", len(index), counts["chunks"])
                    rebuild_saved(self.store, self.settings.lexical_server_cache_dir)
            except OSError as exc:  # the articles are stored; a reader builds the index itself
                log.warning("cannot save the BM25 index (%s); each process that answers builds its own", exc)
        report.seconds = time.perf_counter() - started
        return report, changed or bool(interrupted)

    def _embed_and_store(self, todo: list[Article], progress: bool, on_progress: Callable[[int, int], None] | None) -> tuple[int, int]:
        """(chunks stored, how many of them reused a vector)."""
        if not todo:
            return 0, 0
        from tqdm import tqdm

        chunker = Chunker(self.embedder.token_counter(), self.settings.chunk_tokens, self.settings.chunk_overlap)
        planned = [(a, chunker.split(a)) for a in todo]
        total = sum(len(c) for _, c in planned)
        self.embedder.expect(total)
        bar = tqdm(total=total, desc="Embedding chunks", unit="chunk", disable=not progress)
        done = 0

        embedded = 0

        def advance(n: int) -> None:
            nonlocal embedded
            bar.update(n)
            embedded += n
            if on_progress:
                on_progress(embedded, total)

        if on_progress:
            on_progress(0, total)
        known: dict[str, np.ndarray] = {}  # vectors of this run, by text key
        made = 0
        # Embed a few hundred chunks at a time: big enough for length-sorted batches,
        # small enough that an interruption loses little work.
        group: list[tuple[Article, list]] = []
        for item in planned + [(None, None)]:
            if item[0] is not None:
                group.append(item)
            size = sum(len(c) for _, c in group)
            if group and (item[0] is None or size >= self.settings.embed_group_chunks):
                texts = [embed_text(a.title, c.text) for a, chunks in group for c in chunks]
                keys = [_text_key(t) for t in texts]
                vectors, n = self._vectors(texts, keys, known, advance)
                made += n
                offset = 0
                writes = []
                for article, chunks in group:
                    fp = fingerprint(
                        article.doc_id, article.text, width=self.settings.shingle_words, perms=self.settings.minhash_perms, published_at=article.published_at
                    )
                    extra = {"signature": signature_to_text(fp.signature), "shingles": fp.shingles, "length": fp.length}
                    writes.append((article, chunks, vectors[offset : offset + len(chunks)], extra, keys[offset : offset + len(chunks)]))
                    offset += len(chunks)
                self.store.replace_articles(writes)
                done += size
                group = []
        bar.close()
        return done, done - made

    def _vectors(self, texts: list[str], keys: list[str], known: dict[str, np.ndarray], advance: Callable[[int], None]) -> tuple[np.ndarray, int]:
        """Vectors of `texts`, embedding only texts not embedded before: syndicated copies and
        the unchanged paragraphs of a story's new version reuse the vector already made
        (in this run, or stored by an earlier one). Returns them and how many were embedded."""
        known.update(self.store.vectors_for(sorted({k for k in keys if k not in known})))
        first: dict[str, int] = {}
        for i, key in enumerate(keys):
            if key not in known:
                first.setdefault(key, i)
        todo = list(first.values())
        if todo:
            for i, vector in zip(todo, self.embedder.embed([texts[i] for i in todo], progress=advance)):
                known[keys[i]] = vector
        advance(len(texts) - len(todo))
        return np.vstack([known[k] for k in keys]), len(todo)

    def _prune(self, roots: list[Path], seen: set[str], existing: dict, skips: list[Skip], begin: Callable[[], None]) -> list[str]:
        unreadable = {Path(s.where.split(":")[0]).resolve() for s in skips}
        resolved = [r.resolve() for r in roots]
        removed = []
        for doc_id, record in existing.items():
            if doc_id in seen or not record.path:
                continue
            path = Path(record.path).resolve()
            under = any(path == r or path.is_relative_to(r) for r in resolved)
            # A file that could not be read this time keeps its articles: nothing is lost.
            if under and path not in unreadable:
                begin()
                self.store.delete_article(doc_id)
                removed.append(doc_id)
        return removed

    def _group_versions(self, begin: Callable[[], None]) -> int:
        records = self.store.articles()
        prints = [Fingerprint(r.doc_id, signature_from_text(r.signature), r.shingles, r.published_at, r.length) for r in records.values() if r.signature]
        stories = group_stories(prints, self.settings.version_containment, self.settings.version_min_size_ratio)
        if any(d in records and (records[d].story_id, records[d].preferred) != story for d, story in stories.items()):
            begin()
        return self.store.set_stories(stories, records)


def _text_key(text: str) -> str:
    """Names the exact text a vector embeds (title line included)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _same_file(a: str, b: str) -> bool:
    """Whether two stored paths name the same file: the same path once resolved, or the same
    file name (a corpus moved, or ingested from another working folder)."""
    return os.path.realpath(a) == os.path.realpath(b) or Path(a).name == Path(b).name
