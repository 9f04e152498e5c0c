"""The `Assistant`: the public facade, and the one place where the store, the embedder, the
indexer (files -> store) and the answerer (question -> answer) are wired from `Settings`.

Its `IndexFollower` (following.py) keeps the retriever in step with the index (this
process's ingests and other processes' writes); the answerer is handed the current one."""

from __future__ import annotations

import functools
import logging
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from assistant.answerer import Answerer
from assistant.changes import story_changes
from assistant.dates import parse_user_date
from assistant.embedding import Embedder, choose_runtime
from assistant.errors import InvalidQuestion, UnknownArticle
from assistant.following import IndexFollower
from assistant.indexer import Indexer
from assistant.retrieve import Retriever
from assistant.settings import Settings
from assistant.store import ArticleRecord, ChunkStore, stitch
from assistant.templates import load_templates
from assistant.types import ArticleDetail, ArticleInfo, IngestReport, VersionChanges

log = logging.getLogger(__name__)


def _delegated(name: str) -> Callable[..., Any]:
    method = getattr(Answerer, name)

    @functools.wraps(method)
    def call(self: Assistant, *args: Any, **kwargs: Any) -> Any:
        return getattr(self.answerer, name)(*args, **kwargs)

    return call


class Assistant:
    """Question answering over one index of news articles.

    `Assistant(index_dir="index")`, then `ingest(paths)` and `answer(question)`.
    Keyword arguments override any field of `Settings` (e.g. `top_k=8`).
    """

    def __init__(self, index_dir: str | Path | None = None, settings: Settings | None = None, **overrides: Any) -> None:
        base = settings or Settings()
        self.settings = base.with_overrides(index_dir=Path(index_dir) if index_dir else None, **overrides)
        self.templates = load_templates(self.settings.prompts_dir)
        store = ChunkStore(self.settings.index_dir, self.settings.collection, self.settings.chroma_url)
        embedder = Embedder(
            self.settings.embed_model,
            self.settings.embed_batch_size,
            self.settings.embed_max_tokens,
            choose_runtime(self.settings.embed_runtime),
            self.settings.embed_cache_dir,
            self.settings.embed_compile_min_chunks,
        )
        self._record_cache: tuple[tuple[int, str], dict[str, ArticleRecord]] | None = None
        self.indexer = Indexer(store, embedder, self.settings)
        self.follower = IndexFollower(self.indexer, self.settings)
        self.answerer = Answerer(self.settings, self.templates, lambda: self.retriever)

    @property
    def store(self) -> ChunkStore:
        """The index's store (the indexer's: a change by another process reopens it)."""
        return self.indexer.store

    @property
    def embedder(self) -> Embedder:
        """The embedding model (the indexer's: an index built in another runtime is read in that one)."""
        return self.indexer.embedder

    # --- building the index ----------------------------------------------------------

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
    ) -> IngestReport:
        """Add new and changed articles under `paths`; with `prune`, drop ones whose files are gone.

        Unchanged articles (same content hash, all chunks stored) are not embedded again.
        Each article is written as one unit, so an interrupted run leaves a usable index
        and the next run finishes the job. `progress` shows a progress bar on the terminal;
        `on_progress(done, total)` is called as chunks are embedded (for other interfaces).
        Document ids are file paths relative to the folder given, or to `root` when it holds
        the paths (the chat's uploads use the corpus folder, so ids match a later ingest of it).
        One ingest runs at a time; without `wait`, IndexBusy is raised instead of waiting.
        """
        if not rebuild:
            self.follower.follow_runtime()
        report, changed = self.indexer.ingest(paths, prune=prune, rebuild=rebuild, progress=progress, on_progress=on_progress, root=root, wait=wait)
        if changed:
            self.follower.ingested()
        return report

    # --- answering -------------------------------------------------------------------

    @property
    def retriever(self) -> Retriever:
        """The retriever of the index as it stands (see following.py)."""
        return self.follower.current()

    def refresh_if_changed(self, force: bool = False) -> bool:
        """Notice another process's ingest and rebuild the retriever in the background; True
        when a rebuild started (see `IndexFollower.refresh_if_changed`)."""
        return self.follower.refresh_if_changed(force)

    def watch_index(self) -> threading.Thread:
        """Look for other processes' writes from a daemon thread (the chat server runs one)."""
        return self.follower.watch()

    @property
    def llm(self):
        """The reading model, loaded on first use (None for extractive)."""
        return self.answerer.llm

    # The question-answering methods are the answerer's, with its signatures and docstrings.
    retrieve = _delegated("retrieve")
    answer = _delegated("answer")
    stream = _delegated("stream")

    def article_text(self, doc_id: str) -> str:
        """The cleaned text of an indexed article, rebuilt from its chunks ("" if unknown)."""
        begin, text = stitch(self.store.article_chunks(doc_id))
        return "\n" * begin + text

    def _records(self) -> tuple[tuple[int, str], dict[str, ArticleRecord]]:
        """Every article's record, kept until the chunk count or the index's write stamp
        changes (two cheap reads that also see another process's ingest): reading them
        goes through every chunk's metadata, which takes seconds on a large index."""
        key = (self.store.count(), self.store.write_stamp())
        cached = self._record_cache
        if cached is not None and cached[0] == key:
            return cached
        self._record_cache = (key, self.store.articles())
        return self._record_cache

    def articles(self, *, source: str | None = None, offset: int = 0, limit: int | None = None) -> list[ArticleInfo]:
        """The indexed articles, newest first (undated last), optionally of one outlet."""
        if offset < 0 or (limit is not None and limit < 0):
            raise InvalidQuestion("`offset` and `limit` must not be negative.")
        records = [r for r in self._records()[1].values() if source is None or r.source == source]
        records.sort(key=lambda r: (r.published_at or "", r.doc_id), reverse=True)
        end = None if limit is None else offset + limit
        return [r.info() for r in records[offset:end]]

    def article(self, doc_id: str) -> ArticleDetail:
        """One article: its cleaned text and the versions of its story, oldest first."""
        records = self._records()[1]
        record = records.get(doc_id) if isinstance(doc_id, str) else None
        if record is None:
            raise _unknown(doc_id)
        versions = sorted((r for r in records.values() if r.story_id == record.story_id), key=lambda r: (r.published_at or "", r.doc_id))
        return ArticleDetail(record.info(), self.article_text(doc_id), [r.info() for r in versions])

    def changes(self, doc_id: str, *, against: str | None = None, since: Any = None) -> list[VersionChanges]:
        """What changed between the versions of `doc_id`'s story, oldest to newest: each
        version against the one before it; with `against` (another version's id), those two;
        with `since` (a date), the version current on that day against the newest. Empty
        when the index holds one version of the story."""
        story = self._story_of(doc_id)
        when = parse_user_date(since, "since")
        versions = self.retriever.story_versions(story)
        if against is not None:
            if self._story_of(against) != story:
                raise InvalidQuestion(f"{against!r} is not a version of the story {doc_id!r} belongs to; `assistant changes {doc_id}` compares them all.")
            if against == doc_id:
                raise InvalidQuestion("`against` names the same article: give another version of its story.")
            versions = [v for v in versions if v[0].doc_id in (doc_id, against)]
        return story_changes(versions, self.settings.news, since=when)

    def _story_of(self, doc_id: str) -> str:
        chunks = self.store.article_chunks(doc_id) if isinstance(doc_id, str) and doc_id else []
        if not chunks:
            raise _unknown(doc_id)
        return chunks[0].metadata.get("story_id", doc_id)

    def stats(self) -> dict[str, Any]:
        """Articles, stories, chunks, model and store of the index."""
        (chunks, _), records = self._records()
        manifest = self.store.manifest
        return {
            "articles": len(records),
            "stories": len({r.story_id for r in records.values()}),
            "chunks": chunks,
            "embed_model": manifest.get("embed_model", ""),
            "chunk_tokens": manifest.get("chunk_tokens"),
            "chunk_overlap": manifest.get("chunk_overlap"),
            "store": self.store.location,
            "dated_articles": sum(1 for r in records.values() if r.published_at),
            "newest": max((r.published_at for r in records.values() if r.published_at), default=""),
            "oldest": min((r.published_at for r in records.values() if r.published_at), default=""),
            "sources": dict(sorted(Counter(r.source for r in records.values() if r.source).items())),
            # Indexed before titles and outlets were derived (`assistant.metadata`): the next ingest adds them.
            "undescribed_articles": sum(1 for r in records.values() if not r.described),
        }


def _unknown(doc_id: Any) -> UnknownArticle:
    return UnknownArticle(f"No article with id {doc_id!r} is in the index; list them with `assistant stats` or GET /api/articles.")
