"""Question -> Passages: dense (Chroma) and BM25 rankings fused by reciprocal rank.

Both retrievers honour the scope (date window and outlets): nothing published after `until` (the as-of
date) is ever returned, and `since` drops older articles. Undated articles pass an
upper bound (they cannot be shown to be later) but not a lower one.
"""

from __future__ import annotations

import logging
import math
import threading
from collections import Counter
from dataclasses import dataclass, replace

import numpy as np
from llama_index.core.schema import QueryBundle, TextNode
from llama_index.retrievers.bm25 import BM25Retriever

from assistant.citations import outlet
from assistant.embedding import Embedder
from assistant.settings import Settings
from assistant.store import ChunkStore, Scope, StoredChunk, stitch
from assistant.text import content_terms, jaccard
from assistant.types import ArticleInfo, Passage, Report

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TimePreference:
    """Soft time signals: favour articles near `reference_day` (when `recent`) and inside
    the window a question names. They re-rank; they never hide an article."""

    reference_day: int | None = None
    recent: bool = False
    since: int | None = None
    until: int | None = None

    def boost(self, day: int, settings: Settings) -> float:
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
    """Hybrid retrieval over one ChunkStore."""

    def __init__(self, store: ChunkStore, embedder: Embedder, settings: Settings) -> None:
        self.store = store
        self.embedder = embedder
        self.settings = settings
        self._bm25: BM25Retriever | None = None
        self._days: np.ndarray | None = None
        self._sources: np.ndarray | None = None
        self._df: Counter[str] = Counter()
        self._n_chunks = 0
        self._by_doc: dict[str, list[StoredChunk]] = {}
        self._preferred_of: dict[str, str] = {}
        self._story_docs: dict[str, list[str]] = {}
        self._flat_texts: dict[str, str] = {}  # doc id -> its text, white space collapsed, lower case
        self._lock = threading.Lock()

    def _build_bm25(self) -> BM25Retriever:
        with self._lock:
            if self._bm25 is None:
                chunks = self.store.all_chunks()
                nodes = []
                for c in chunks:
                    meta = {k: v for k, v in c.metadata.items() if not k.startswith("_")}
                    nodes.append(
                        TextNode(
                            id_=c.chunk_id,
                            text=c.text,
                            metadata=meta,
                            # Only the headline is indexed with the text, as it is embedded with it.
                            excluded_embed_metadata_keys=[k for k in meta if k != "title"],
                            excluded_llm_metadata_keys=list(meta),
                        )
                    )
                self._days = np.array([int(c.metadata.get("day", -1)) for c in chunks])
                self._sources = np.array([c.metadata.get("source", "") for c in chunks], dtype=object)
                self._by_doc = {}
                self._preferred_of = {}
                self._story_docs = {}
                for c in chunks:
                    if c.metadata["doc_id"] not in self._by_doc:
                        self._story_docs.setdefault(c.metadata.get("story_id", c.metadata["doc_id"]), []).append(c.metadata["doc_id"])
                    self._by_doc.setdefault(c.metadata["doc_id"], []).append(c)
                    if c.metadata.get("preferred", True):
                        self._preferred_of[c.metadata.get("story_id", c.metadata["doc_id"])] = c.metadata["doc_id"]
                self._df = Counter(t for c in chunks for t in set(content_terms(c.metadata.get("title", "") + " " + c.text)))
                self._n_chunks = len(chunks)
                self._bm25 = BM25Retriever(nodes=nodes, similarity_top_k=min(self.settings.candidates, len(nodes)))
            return self._bm25

    def newest_day(self) -> int:
        """Day number of the newest dated chunk (-1 when nothing is dated)."""
        self._build_bm25()
        return int(self._days.max()) if self._days is not None and len(self._days) else -1

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term over chunks (unseen terms get the maximum)."""
        self._build_bm25()
        return math.log((self._n_chunks + 1) / (self._df.get(term, 0) + 0.5))

    def _bm25_ranking(self, query: str, scope: Scope) -> list[tuple[str, float, dict, str]]:
        bm25 = self._build_bm25()
        mask = None
        if scope.narrowed:
            days = self._days
            ok = np.ones(len(days), dtype=bool)
            if scope.until is not None:
                ok &= days <= scope.until
            if scope.since is not None:
                ok &= days >= scope.since
            if scope.sources:
                ok &= np.isin(self._sources, list(scope.sources))
            if not ok.any():
                return []
            mask = ok.astype(int).tolist()
        with self._lock:
            bm25.corpus_weight_mask = mask
            results = bm25.retrieve(QueryBundle(query))
        return [(r.node.node_id, float(r.score or 0.0), r.node.metadata, r.node.get_content()) for r in results if (r.score or 0) > 0]

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
        for rank, (cid, _score, meta, text) in enumerate(sparse):
            fused[cid] = fused.get(cid, 0.0) + self.settings.bm25_weight / (self.settings.rrf_k + rank + 1)
            info.setdefault(cid, StoredChunk(cid, text, meta, 0.0))
        for cid in fused:
            fused[cid] *= prefer.boost(int(info[cid].metadata.get("day", -1)), self.settings)
        ranked = sorted(fused, key=lambda cid: -fused[cid])
        passages: list[Passage] = []
        kept_terms: list[set[str]] = []
        for cid in ranked:
            if not scope.admits_chunk(info[cid].metadata):
                continue
            terms = set(content_terms(info[cid].text))
            # Syndicated copies and re-publications would otherwise fill the top-k with one story.
            if any(jaccard(terms, other) >= self.settings.duplicate_passage_jaccard for other in kept_terms):
                continue
            kept_terms.append(terms)
            passages.append(self._widen(info[cid], fused[cid]))
            if len(passages) >= k:
                break
        return self._with_preferred_twins(passages, scope)

    def reports(self, doc_id: str, quote: str) -> list[Report]:
        """The articles of `doc_id`'s story whose text holds `quote` (white space and case
        aside), first report first (undated ones last); empty when it is the only one."""
        self._build_bm25()
        chunks = self._by_doc.get(doc_id)
        if not chunks:
            return []
        members = self._story_docs.get(chunks[0].metadata.get("story_id", doc_id), [])
        if len(members) < 2:
            return []
        wanted = " ".join(quote.split()).lower()
        out = []
        for doc in members:
            if doc not in self._flat_texts:
                self._flat_texts[doc] = " ".join(stitch(self._by_doc[doc])[1].split()).lower()
            if wanted in self._flat_texts[doc]:
                m = self._by_doc[doc][0].metadata
                out.append(Report(doc, outlet(m.get("source", ""), m.get("url", "")), m.get("published_at", "")))
        out.sort(key=lambda r: (not r.published_at, r.published_at, r.doc_id))
        return out if len(out) > 1 else []

    def other_versions(self, doc_id: str) -> list[Passage]:
        """The other articles of `doc_id`'s story (versions, reprints), each as one passage of
        its whole text, from the chunks held in memory."""
        self._build_bm25()
        chunks = self._by_doc.get(doc_id)
        if not chunks:
            return []
        members = self._story_docs.get(chunks[0].metadata.get("story_id", doc_id), [])
        return [joined_passage(self._by_doc[d][0], self._by_doc[d], 0.0) for d in members if d != doc_id]

    def story_versions(self, story_id: str, scope: Scope = Scope()) -> list[tuple[ArticleInfo, Passage]]:
        """Every version of a story that `scope` admits, each as one passage of its whole text."""
        return [
            (record.info(), joined_passage(chunks[0], chunks, 0.0))
            for record, chunks in self.store.story_versions(story_id)
            if scope.admits_chunk(chunks[0].metadata)
        ]

    def _widen(self, chunk: StoredChunk, score: float) -> Passage:
        """The chunk with its neighbours: small chunks find the spot, the wider passage holds
        the sentences around it that often carry the answer."""
        n = self.settings.passage_neighbors
        doc = chunk.metadata["doc_id"]
        if n <= 0 or doc not in self._by_doc:
            return to_passage(chunk, score)
        pos = int(chunk.metadata.get("position", 0))
        around = [c for c in self._by_doc[doc] if abs(int(c.metadata.get("position", 0)) - pos) <= n]
        return joined_passage(chunk, around, score)

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
            twin_doc = self._preferred_of.get(p.story_id)
            if not twin_doc or twin_doc == p.doc_id:
                continue
            terms = set(content_terms(p.text))
            for c in self._by_doc.get(twin_doc, []):
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
        source=m.get("source", ""),
        url=m.get("url", ""),
        story_id=m.get("story_id", m["doc_id"]),
        preferred=bool(m.get("preferred", True)),
        score=score,
        segments=chunk.segments,
    )


def joined_passage(chunk: StoredChunk, chunks: list[StoredChunk], score: float) -> Passage:
    """One passage of `chunk`'s article spanning `chunks` (its neighbours, or all of them)."""
    begin, text = stitch(chunks)
    segments = sorted({s for c in chunks for s in c.segments}, key=lambda s: s.clean_start)
    return replace(to_passage(chunk, score), text=text, start=begin, end=begin + len(text), segments=tuple(segments))
