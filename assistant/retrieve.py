"""Question -> Passages: dense (Chroma) and BM25 rankings fused by reciprocal rank.

Both retrievers honour the scope (date window and outlets): nothing published after `until` (the as-of
date) is ever returned, and `since` drops older articles. Undated articles pass an
upper bound (they cannot be shown to be later) but not a lower one.
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from assistant.citations import outlet
from assistant.embedding import Embedder
from assistant.injection import Guard, VectorMemo
from assistant.lexical import LexicalIndex, load_or_build
from assistant.settings import RetrievalSettings, Settings
from assistant.store import ArticleRecord, ChunkStore, Scope, StoredChunk, stitch
from assistant.text import content_terms, jaccard
from assistant.types import ArticleInfo, Passage, Report

if TYPE_CHECKING:
    import numpy as np

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TimePreference:
    """Soft time signals: favour articles near `reference_day` (when `recent`) and inside
    the window a question names. They re-rank; they never hide an article."""

    reference_day: int | None = None
    recent: bool = False
    since: int | None = None
    until: int | None = None

    def boost(self, day: int, settings: RetrievalSettings) -> float:
        factor = 1.0
        if day < 0:
            return factor
        if self.recent and self.reference_day is not None:
            age = max(0, self.reference_day - day)
            factor *= 1.0 + settings.recency_weight * math.exp(-age / settings.recency_half_life_days)
        if (self.since is not None or self.until is not None) and Scope(self.since, self.until).admits(day):
            factor *= 1.0 + settings.question_date_weight
        return factor


class Retriever:
    """Hybrid retrieval over one ChunkStore and its saved BM25 index."""

    def __init__(self, store: ChunkStore, embedder: Embedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self._lexical: LexicalIndex | None = None
        # Articles and stories read from the store for neighbours, copies and versions:
        # a retriever lives until the next write, so they never go stale.
        self._articles: dict[str, list[StoredChunk]] = {}
        self._stories: dict[str, list[tuple[ArticleRecord, list[StoredChunk]]]] = {}
        self._flat_texts: dict[str, str] = {}  # doc id -> its text, white space collapsed, lower case (bounded like the two above)
        self._lock = threading.Lock()
        # Lines addressed to an AI model are never evidence (assistant/injection.py): passages leave
        # here without them, judged on sentence vectors that the answer's ranking then reuses.
        self.sentence_vectors = VectorMemo(self._embed_sentences, settings.injection_vector_cache)
        self.guard = Guard(self.sentence_vectors, threshold=settings.injection_threshold) if settings.injection_guard else None

    def _embed_sentences(self, texts: Sequence[str]) -> np.ndarray:
        return self.embedder.embed_unstored(texts)

    @property
    def cache_sizes(self) -> dict[str, int]:
        """Entries of each cache (each kept to `retriever_cache_articles`)."""
        with self._lock:
            return {"articles": len(self._articles), "stories": len(self._stories), "texts": len(self._flat_texts)}

    @property
    def lexical(self) -> LexicalIndex:
        """The BM25 index as of the store's current write: the saved one, or one built now."""
        with self._lock:
            if self._lexical is None:
                self._lexical = load_or_build(self.store, self.settings.lexical_server_cache_dir)
            return self._lexical

    def newest_day(self) -> int:
        """Day number of the newest dated chunk (-1 when nothing is dated)."""
        return self.lexical.newest_day()

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term over chunks (unseen terms get the maximum)."""
        lexical = self.lexical
        return math.log((len(lexical) + 1) / (lexical.document_frequency(term) + 0.5))

    def _bm25_ranking(self, query: str, scope: Scope) -> list[StoredChunk]:
        hits = self.lexical.search(query, self.settings.candidates, scope)
        if not hits:
            return []
        found = {c.chunk_id: c for c in self.store.chunks([cid for cid, _ in hits])}
        return [replace(found[cid], score=score) for cid, score in hits if cid in found]

    def article(self, doc_id: str) -> list[StoredChunk]:
        """The stored chunks of one article, in order (read once per retriever)."""
        with self._lock:
            known = self._articles.get(doc_id)
        if known is None:
            known = self.store.article_chunks(doc_id)
            with self._lock:
                self._remember(self._articles, doc_id, known)
        return known

    def _read_articles(self, doc_ids: list[str]) -> None:
        """Read the articles not yet known in one query (a question widens several passages)."""
        with self._lock:
            missing = [d for d in dict.fromkeys(doc_ids) if d not in self._articles]
        if missing:
            found = self.store.articles_chunks(missing)
            with self._lock:
                for doc, chunks in found.items():
                    self._remember(self._articles, doc, chunks)

    def _versions(self, story_id: str) -> list[tuple[ArticleRecord, list[StoredChunk]]]:
        """(record, chunks) of every article of a story, in the order they were stored; read
        once, then from the cache that the questions about the story share."""
        with self._lock:
            known = self._stories.get(story_id)
        if known is None:
            known = self.store.story_versions(story_id)
            with self._lock:
                self._remember(self._stories, story_id, known)
                for record, chunks in known:
                    self._remember(self._articles, record.doc_id, chunks)
        return known

    def _story(self, story_id: str) -> list[tuple[str, list[StoredChunk]]]:
        """(doc id, chunks) of every article of a story, in the order they were stored."""
        return [(record.doc_id, chunks) for record, chunks in self._versions(story_id)]

    def _remember(self, cache: dict, key: str, value) -> None:
        if len(cache) >= self.settings.retriever_cache_articles:
            cache.pop(next(iter(cache)))  # the oldest entry: questions move on from stories
        cache[key] = value

    def retrieve(self, query: str, scope: Scope = Scope(), k: int | None = None, prefer: TimePreference = TimePreference()) -> list[Passage]:
        """The top-k passages for `query`, best first: fused, time-weighted, near-duplicates collapsed."""
        k = k or self.settings.top_k
        n = self.settings.candidates
        dense = self.store.query(self.embedder.embed_query(query), n, scope, self.settings.filter_overfetch)
        sparse = self._bm25_ranking(query, scope)
        fused: dict[str, float] = {}
        info: dict[str, StoredChunk] = {}
        for rank, c in enumerate(dense):
            fused[c.chunk_id] = fused.get(c.chunk_id, 0.0) + self.settings.dense_weight / (self.settings.rrf_k + rank + 1)
            info[c.chunk_id] = c
        for rank, c in enumerate(sparse):
            fused[c.chunk_id] = fused.get(c.chunk_id, 0.0) + self.settings.bm25_weight / (self.settings.rrf_k + rank + 1)
            info.setdefault(c.chunk_id, replace(c, score=0.0))
        retrieval = self.settings.retrieval
        for cid in fused:
            fused[cid] *= prefer.boost(int(info[cid].metadata.get("day", -1)), retrieval)
        ranked = sorted(fused, key=lambda cid: -fused[cid])
        kept: list[str] = []
        kept_terms: list[set[str]] = []
        for cid in ranked:
            if not scope.admits_chunk(info[cid].metadata):
                continue
            terms = set(content_terms(info[cid].text))
            # Syndicated copies and re-publications would otherwise fill the top-k with one story.
            if any(jaccard(terms, other) >= self.settings.duplicate_passage_jaccard for other in kept_terms):
                continue
            kept_terms.append(terms)
            kept.append(cid)
            if len(kept) >= k:
                break
        if self.settings.passage_neighbors > 0:
            self._read_articles([info[cid].metadata["doc_id"] for cid in kept])
        passages = [self._widen(info[cid], fused[cid]) for cid in kept]
        return self._guarded(self._with_preferred_twins(passages, scope))

    def _guarded(self, passages: list[Passage]) -> list[Passage]:
        """The passages without lines addressed to an AI model (for indexes built before ingest left them out)."""
        return self.guard.passages(passages) if self.guard is not None else passages

    def reports(self, doc_id: str, quote: str) -> list[Report]:
        """The articles of `doc_id`'s story whose text holds `quote` (white space and case
        aside), first report first (undated ones last); empty when it is the only one."""
        chunks = self.article(doc_id)
        if not chunks:
            return []
        members = self._story(chunks[0].metadata.get("story_id", doc_id))
        if len(members) < 2:
            return []
        wanted = " ".join(quote.split()).lower()
        out = []
        for doc, doc_chunks in members:
            with self._lock:
                flat = self._flat_texts.get(doc)
            if flat is None:
                flat = " ".join(stitch(doc_chunks)[1].split()).lower()
                with self._lock:
                    self._remember(self._flat_texts, doc, flat)
            if wanted in flat:
                m = doc_chunks[0].metadata
                out.append(Report(doc, outlet(m.get("source", ""), m.get("url", "")), m.get("published_at", "")))
        out.sort(key=lambda r: (not r.published_at, r.published_at, r.doc_id))
        return out if len(out) > 1 else []

    def other_versions(self, doc_id: str) -> list[Passage]:
        """The other articles of `doc_id`'s story (versions, reprints), each as one passage of
        its whole text."""
        chunks = self.article(doc_id)
        if not chunks:
            return []
        members = self._story(chunks[0].metadata.get("story_id", doc_id))
        return self._guarded([joined_passage(doc_chunks[0], doc_chunks, 0.0) for d, doc_chunks in members if d != doc_id])

    def story_versions(self, story_id: str, scope: Scope = Scope()) -> list[tuple[ArticleInfo, Passage]]:
        """Every version of a story that `scope` admits, each as one passage of its whole text."""
        versions = [(record.info(), chunks) for record, chunks in self._versions(story_id) if scope.admits_chunk(chunks[0].metadata)]
        passages = self._guarded([joined_passage(chunks[0], chunks, 0.0) for _, chunks in versions])
        return [(info, passage) for (info, _), passage in zip(versions, passages)]

    def _widen(self, chunk: StoredChunk, score: float) -> Passage:
        """The chunk with its neighbours: small chunks find the spot, the wider passage holds
        the sentences around it that often carry the answer."""
        n = self.settings.passage_neighbors
        if n <= 0:
            return to_passage(chunk, score)
        pos = int(chunk.metadata.get("position", 0))
        around = [c for c in self.article(chunk.metadata["doc_id"]) if abs(int(c.metadata.get("position", 0)) - pos) <= n]
        return joined_passage(chunk, around or [chunk], score)

    def _with_preferred_twins(self, passages: list[Passage], scope: Scope) -> list[Passage]:
        """Add the preferred version's copy of passages retrieved from an older version.

        Versions of a story share most sentences; handing the answer step both copies
        lets it cite the newest version, while facts only the older one has stay citable.
        """
        have = {p.chunk_id for p in passages}
        extra: list[Passage] = []
        for p in passages:
            if p.preferred:
                continue
            twin = next(((d, chunks) for d, chunks in self._story(p.story_id) if chunks[0].metadata.get("preferred", True)), None)
            if twin is None or twin[0] == p.doc_id:
                continue
            terms = set(content_terms(p.text))
            for c in twin[1]:
                if c.chunk_id in have or not scope.admits_chunk(c.metadata):
                    continue
                overlap = len(terms & set(content_terms(c.text))) / max(1, len(terms))
                if overlap >= self.settings.twin_overlap:
                    extra.append(to_passage(c, p.score))
                    have.add(c.chunk_id)
        return passages + extra


def to_passage(chunk: StoredChunk, score: float) -> Passage:
    m = chunk.metadata
    return Passage(
        chunk_id=chunk.chunk_id,
        doc_id=m["doc_id"],
        text=chunk.text,
        start=int(m["start"]),
        end=int(m["end"]),
        title=m.get("title", ""),
        published_at=m.get("published_at", ""),
        source=m.get("stated_source", m.get("source", "")),
        url=m.get("url", ""),
        story_id=m.get("story_id", m["doc_id"]),
        preferred=bool(m.get("preferred", True)),
        score=score,
        segments=chunk.segments,
        derived_title=m.get("derived_title", ""),
        derived_source="" if m.get("stated_source", m.get("source", "")) else m.get("source", ""),
    )


def joined_passage(chunk: StoredChunk, chunks: list[StoredChunk], score: float) -> Passage:
    """One passage of `chunk`'s article spanning `chunks` (its neighbours, or all of them)."""
    begin, text = stitch(chunks)
    segments = sorted({s for c in chunks for s in c.segments}, key=lambda s: s.clean_start)
    return replace(to_passage(chunk, score), text=text, start=begin, end=begin + len(text), segments=tuple(segments))
