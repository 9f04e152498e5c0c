"""Chunks -> Chroma: the one module that talks to chromadb.

The collection is the whole index: chunk text, embedding and metadata (article
metadata, offsets, the article's content hash and version fingerprint), plus a
collection-level record of the embedding model and chunking it was built with. Because
nothing lives beside it, a Chroma server works exactly like the on-disk store.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from assistant.dates import day_number
from assistant.errors import IndexBusy, IndexCorrupt, IndexMismatch, IndexNotBuilt, StoreUnavailable
from assistant.types import Article, ArticleInfo, Chunk, Segment

log = logging.getLogger(__name__)

SCHEMA = 1
_PAGE = 5000


@dataclass(frozen=True)
class StoredChunk:
    """A chunk as it comes back from the store."""

    chunk_id: str
    text: str
    metadata: dict[str, Any]
    score: float = 0.0

    @property
    def segments(self) -> tuple[Segment, ...]:
        return tuple(Segment(*s) for s in json.loads(self.metadata.get("segments", "[]")))


@dataclass(frozen=True)
class ArticleRecord:
    """What the index knows about one article (from its chunks' metadata)."""

    doc_id: str
    content_hash: str
    path: str
    expected_chunks: int
    stored_chunks: int
    published_at: str
    title: str
    signature: str
    shingles: int
    length: int
    story_id: str
    preferred: bool
    source: str = ""
    url: str = ""
    derived_title: str = ""
    described: bool = True  # stored with derived metadata (False: indexed before it existed)

    def info(self) -> ArticleInfo:
        """The record as the public API shows it."""
        return ArticleInfo(
            doc_id=self.doc_id,
            title=self.title or self.derived_title,
            title_derived=not self.title and bool(self.derived_title),
            published_at=self.published_at,
            source=self.source,
            url=self.url,
            story_id=self.story_id,
            latest=self.preferred,
            chunks=self.stored_chunks,
        )

    @property
    def complete(self) -> bool:
        return self.stored_chunks == self.expected_chunks


def chroma_settings():
    """The Chroma client settings every client of the project uses: no telemetry, no reset."""
    from chromadb.config import Settings as ChromaSettings

    return ChromaSettings(anonymized_telemetry=False, allow_reset=False)


@dataclass(frozen=True)
class Scope:
    """Which articles may be used: a publication-day window (inclusive day numbers, days
    since 1970-01-01; None means open) and, when `sources` is not empty, only those outlets."""

    since: int | None = None
    until: int | None = None
    sources: frozenset[str] = frozenset()

    def admits(self, day: int, source: str | None = None) -> bool:
        if self.until is not None and day > self.until:
            return False
        if self.since is not None and (day < 0 or day < self.since):
            return False
        if self.sources and source is not None and source not in self.sources:
            return False
        return True

    def admits_chunk(self, metadata: dict) -> bool:
        return self.admits(int(metadata.get("day", -1)), metadata.get("source", ""))

    @property
    def narrowed(self) -> bool:
        return self.since is not None or self.until is not None or bool(self.sources)


def server_address(url: str) -> tuple[str, int, bool]:
    """(host, port, https) of a Chroma server URL; "host:port" alone means plain http."""
    parsed = urlparse(url if "://" in url else f"http://{url}")
    return parsed.hostname or "127.0.0.1", parsed.port or 8000, parsed.scheme == "https"


class ChunkStore:
    """A Chroma collection of chunks, on disk (`index_dir`) or on a Chroma server (`url`)."""

    def __init__(self, index_dir: Path, collection: str, url: str | None = None) -> None:
        import chromadb

        self.index_dir = Path(index_dir)
        self.url = url
        self.name = collection
        try:
            if url:
                host, port, ssl = server_address(url)
                self.client = chromadb.HttpClient(host=host, port=port, ssl=ssl, settings=chroma_settings())
                self.client.heartbeat()
            else:
                self.client = None  # created on demand so a query never creates an empty index
        except Exception as exc:  # chromadb raises several unrelated types for a dead server
            raise StoreUnavailable(f"Cannot reach the Chroma server at {url}: {exc}. Start it (`chroma run`) or unset ASSISTANT_CHROMA_URL.") from exc
        self._collection = None

    @property
    def location(self) -> str:
        return f"{self.url} (collection {self.name})" if self.url else f"{self.index_dir} (collection {self.name})"

    def _client(self, create: bool):
        if self.client is None:
            import chromadb

            chroma_dir = self.index_dir / "chroma"
            if not create and not chroma_dir.exists():
                raise IndexNotBuilt(f"No index at {self.index_dir} yet: run `assistant ingest corpus/` (or `python app.py`, which builds it).")
            chroma_dir.mkdir(parents=True, exist_ok=True)
            try:
                self.client = chromadb.PersistentClient(path=str(chroma_dir), settings=chroma_settings())
            except Exception as exc:  # chromadb reports damaged files as several unrelated types
                raise self._corrupt(exc) from exc
        return self.client

    def _corrupt(self, exc: Exception) -> IndexCorrupt:
        return IndexCorrupt(
            f"The index at {self.location} cannot be read ({type(exc).__name__}: {exc}). It is damaged or was "
            f"written by an incompatible Chroma version. Rebuild it: `assistant ingest --rebuild PATHS` "
            f"(the articles are re-read from their files)."
        )

    # --- collection and manifest ---------------------------------------------------

    def exists(self) -> bool:
        try:
            self.open(create=False)
            return True
        except IndexNotBuilt:
            return False

    def open(self, create: bool, manifest: dict[str, Any] | None = None):
        """The collection; created with `manifest` when `create`, else it must exist."""
        if self._collection is not None:
            return self._collection
        client = self._client(create)
        try:
            names = {getattr(c, "name", c) for c in client.list_collections()}
            if self.name not in names:
                if not create:
                    raise IndexNotBuilt(f"The index at {self.location} has no articles yet: run `assistant ingest corpus/`.")
                meta = {"schema": SCHEMA, **(manifest or {})}
                collection = client.create_collection(self.name, metadata=meta, configuration={"hnsw": {"space": "cosine"}})
            else:
                collection = client.get_collection(self.name)
        except IndexNotBuilt:
            raise
        except Exception as exc:
            if self.url:
                raise StoreUnavailable(f"The Chroma server at {self.url} failed: {exc}") from exc
            raise self._corrupt(exc) from exc
        schema = (collection.metadata or {}).get("schema")
        if schema != SCHEMA:
            raise IndexMismatch(
                f"The index at {self.location} was written by {'an older' if (schema or 0) < SCHEMA else 'a newer'} version "
                f"of this project (index format {schema or 'unknown'}; this version reads format {SCHEMA}). "
                f"Rebuild it: `assistant ingest --rebuild PATHS`."
            )
        self._collection = collection
        return collection

    @property
    def manifest(self) -> dict[str, Any]:
        return dict(self.open(create=False).metadata or {})

    def write_stamp(self) -> str:
        """What the last ingest that changed the index wrote ("" before it exists).

        Read afresh from the store each time (one small query), so a process sees another
        process's writes: the cheap signal that cached views of the index are stale. A
        rebuilt index gets a new stamp even though its write count starts again.
        """
        try:
            col = self._client(create=False).get_collection(self.name)
        except IndexNotBuilt:
            return ""
        except Exception as exc:  # chromadb's "collection does not exist" has no stable type
            if self.url and "does not exist" not in str(exc).lower():
                raise StoreUnavailable(f"The Chroma server at {self.url} failed: {exc}") from exc
            return ""
        meta = col.metadata or {}
        return f"{meta.get('generation', 0)}:{meta.get('write_id', '')}"

    def mark_written(self, counts: dict[str, int] | None = None) -> str:
        """Record that an ingest changed the index and finished: a new write count, id and
        time, the article and chunk `counts` it left (what `assistant check` compares), and
        no write in progress any more."""
        col = self.open(create=False)
        meta = dict(col.metadata or {})
        meta["generation"] = int(meta.get("generation", 0)) + 1
        meta["write_id"] = uuid.uuid4().hex
        meta["written_at"] = time.strftime("%Y-%m-%dT%H:%M:%S")
        meta["writing"] = ""
        meta.update(counts or {})
        col.modify(metadata=meta)
        return f"{meta['generation']}:{meta['write_id']}"

    def mark_writing(self) -> None:
        """Record, before an ingest's first write, that the index is being changed. Cleared by
        `mark_written`; still set after a crash, so the next ingest knows to complete every
        part of the index (the saved BM25 index, the recorded counts), not only the new
        articles. The write stamp does not move, so readers keep their caches meanwhile."""
        col = self.open(create=False)
        meta = dict(col.metadata or {})
        meta["writing"] = f"pid {os.getpid()}, started {time.strftime('%Y-%m-%dT%H:%M:%S')}"
        col.modify(metadata=meta)

    def writing(self) -> str:
        """The unfinished write the index records ("" when none): an ingest running now, or
        one that was killed."""
        try:
            col = self._client(create=False).get_collection(self.name)
        except IndexNotBuilt:
            return ""
        except Exception as exc:
            if self.url and "does not exist" not in str(exc).lower():
                raise StoreUnavailable(f"The Chroma server at {self.url} failed: {exc}") from exc
            return ""
        return str((col.metadata or {}).get("writing", ""))

    def reopened(self) -> ChunkStore:
        """A new handle on the same index that sees every write made so far, other processes'
        included: an embedded Chroma client keeps the vector index it loaded in memory."""
        if not self.url:
            # chromadb keeps one system per path; a new client after clearing the cache loads
            # the vector index from disk again. Handles already open keep working.
            from chromadb.api.client import SharedSystemClient

            SharedSystemClient.clear_system_cache()
        return ChunkStore(self.index_dir, self.name, self.url)

    def check_manifest(self, expected: dict[str, Any], keys: Iterable[str]) -> None:
        """Raise IndexMismatch if the index was built with other values for `keys`."""
        found = self.manifest
        for key in keys:
            if key in found and found[key] != expected.get(key):
                raise IndexMismatch(
                    f"The index at {self.location} was built with {key}={found[key]!r}, but the settings say "
                    f"{expected.get(key)!r}. Use the same setting, another --index, or rebuild with `assistant ingest --rebuild`."
                )

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        """Hold the index's write lock: a second writer is refused with IndexBusy, never interleaved.

        An OS file lock (flock), so a writer killed with -9 releases it at once. For a Chroma
        server the lock file is on this machine, keyed by server and collection: writers on
        other machines are not seen (run ingests from one place).
        """
        if self.url:
            key = hashlib.sha256(f"{self.url}|{self.name}".encode()).hexdigest()[:16]
            path = Path(tempfile.gettempdir()) / f"news-assistant-{key}.lock"
        else:
            self.index_dir.mkdir(parents=True, exist_ok=True)
            path = self.index_dir / "ingest.lock"
        with open(path, "a+", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "another process"
                raise IndexBusy(f"Another ingest ({holder}) is writing to the index at {self.location}; wait for it to finish, then run this again.") from None
            handle.seek(0)
            handle.truncate()
            handle.write(f"pid {os.getpid()}, started {time.strftime('%Y-%m-%d %H:%M:%S')}")
            handle.flush()
            try:
                yield
            finally:
                handle.seek(0)
                handle.truncate()
                fcntl.flock(handle, fcntl.LOCK_UN)

    def drop(self) -> None:
        """Delete the whole collection (for a rebuild), even when its files are damaged."""
        self._collection = None
        try:
            client = self._client(create=True)
            names = {getattr(c, "name", c) for c in client.list_collections()}
            if self.name in names:
                client.delete_collection(self.name)
        except Exception as exc:
            if self.url or isinstance(exc, StoreUnavailable):
                raise
            # A damaged on-disk store cannot delete its own collection: remove its folder,
            # which holds nothing but this index.
            log.warning("index at %s unreadable (%s); removing its files to rebuild", self.index_dir, exc)
            self.client = None
            shutil.rmtree(self.index_dir / "chroma", ignore_errors=False)
            # chromadb keeps one (here broken) system per path; forget it so the folder starts afresh.
            from chromadb.api.client import SharedSystemClient

            SharedSystemClient.clear_system_cache()

    # --- reading ---------------------------------------------------------------------

    def count(self) -> int:
        return self.open(create=False).count()

    def rows(self, where: dict | None = None, include: list[str] | None = None) -> dict[str, list]:
        """Every stored chunk's id and `include` fields (default: metadata), `where` filtering,
        read page by page: {"ids", "metadatas", "documents"}."""
        col = self.open(create=False)
        out: dict[str, list] = {"ids": [], "metadatas": [], "documents": []}
        offset = 0
        while True:
            page = col.get(where=where, include=include if include is not None else ["metadatas"], limit=_PAGE, offset=offset)
            out["ids"] += page["ids"]
            out["metadatas"] += page.get("metadatas") or []
            out["documents"] += page.get("documents") or []
            if len(page["ids"]) < _PAGE:
                return out
            offset += _PAGE

    def articles(self) -> dict[str, ArticleRecord]:
        """Every article in the index, with how many of its chunks are actually stored."""
        data = self.rows()
        counts: dict[str, int] = {}
        firsts: dict[str, dict] = {}
        for meta in data["metadatas"]:
            doc = meta["doc_id"]
            counts[doc] = counts.get(doc, 0) + 1
            if meta.get("position") == 0:
                firsts[doc] = meta
        return {doc: _record(doc, firsts.get(doc, {}), n) for doc, n in counts.items()}

    def chunk_ids(self) -> list[str]:
        """The id of every stored chunk."""
        return self.rows(include=[])["ids"]

    def all_chunks(self) -> list[StoredChunk]:
        """Every chunk with its text and metadata (for the BM25 index)."""
        data = self.rows(include=["metadatas", "documents"])
        return [StoredChunk(i, d, m) for i, d, m in zip(data["ids"], data["documents"], data["metadatas"])]

    def chunks(self, ids: Sequence[str]) -> list[StoredChunk]:
        """The stored chunks with these ids, with text and metadata (missing ids are left out)."""
        if not ids:
            return []
        data = self.open(create=False).get(ids=list(ids), include=["metadatas", "documents"])
        return [StoredChunk(i, d, m) for i, d, m in zip(data["ids"], data["documents"], data["metadatas"])]

    def article_chunks(self, doc_id: str) -> list[StoredChunk]:
        """The stored chunks of one article, in order."""
        return self.articles_chunks([doc_id])[doc_id]

    def articles_chunks(self, doc_ids: Sequence[str]) -> dict[str, list[StoredChunk]]:
        """The stored chunks of several articles, each in order, in one query."""
        if not doc_ids:
            return {}
        wanted = sorted(set(doc_ids))
        where = {"doc_id": wanted[0]} if len(wanted) == 1 else {"doc_id": {"$in": wanted}}
        data = self.open(create=False).get(where=where, include=["metadatas", "documents"])
        out: dict[str, list[StoredChunk]] = {d: [] for d in wanted}
        for i, d, m in zip(data["ids"], data["documents"], data["metadatas"]):
            out[m["doc_id"]].append(StoredChunk(i, d, m))
        for chunks in out.values():
            chunks.sort(key=lambda c: int(c.metadata.get("position", 0)))
        return out

    def story_versions(self, story_id: str) -> list[tuple[ArticleRecord, list[StoredChunk]]]:
        """Every version of one story: its record and its stored chunks in order."""
        data = self.open(create=False).get(where={"story_id": story_id}, include=["metadatas", "documents"])
        by_doc: dict[str, list[StoredChunk]] = {}
        for i, d, m in zip(data["ids"], data["documents"], data["metadatas"]):
            by_doc.setdefault(m["doc_id"], []).append(StoredChunk(i, d, m))
        out = []
        for doc, chunks in by_doc.items():
            chunks.sort(key=lambda c: int(c.metadata.get("position", 0)))
            out.append((_record(doc, chunks[0].metadata, len(chunks)), chunks))
        return out

    def query(self, embedding: np.ndarray, k: int, scope: Scope | None = None, overfetch: int = 1) -> list[StoredChunk]:
        """The k chunks nearest to `embedding` (cosine) that the scope admits."""
        if scope is None or not scope.narrowed:
            return self.search(embedding, k, Scope())
        # A filtered search is several times slower than a plain one in Chroma, and the
        # window usually admits most of the nearest chunks: over-fetch, filter, and fall
        # back to the filtered search only when too few survive.
        nearest = self.search(embedding, k * overfetch, Scope())
        inside = [c for c in nearest if scope.admits_chunk(c.metadata)]
        if len(inside) >= k or len(nearest) < k * overfetch:
            return inside[:k]
        return self.search(embedding, k, scope)

    def search(self, embedding: np.ndarray, k: int, scope: Scope) -> list[StoredChunk]:
        """One Chroma search: the k chunks nearest to `embedding` that the scope admits, the
        scope filtered by Chroma itself (slower than `query`'s over-fetch when the window
        admits most of the nearest chunks)."""
        # Chroma is asked directly: importing llama-index (over a second) would be most of
        # a cold question's time, and a query needs none of its node machinery.
        conditions: list[dict] = []
        if scope.until is not None:
            # Undated articles are stored as day -1, so they pass an upper bound.
            conditions.append({"day": {"$lte": scope.until}})
        if scope.since is not None:
            conditions.append({"day": {"$gte": scope.since}})
        if scope.sources:
            conditions.append({"source": {"$in": sorted(scope.sources)}})
        where = conditions[0] if len(conditions) == 1 else ({"$and": conditions} if conditions else None)
        col = self.open(create=False)
        try:
            result = col.query(query_embeddings=[embedding.tolist()], n_results=k, where=where, include=["metadatas", "documents", "distances"])
        except Exception as exc:
            if "Number of requested results" in str(exc) or "no elements" in str(exc).lower():
                return []
            raise
        # The collection's space is cosine: distance = 1 - cos.
        return [
            StoredChunk(i, d, m, 1.0 - float(dist))
            for i, d, m, dist in zip(result["ids"][0], result["documents"][0], result["metadatas"][0], result["distances"][0])
        ]

    # --- writing ---------------------------------------------------------------------

    def replace_articles(self, items: Sequence[tuple[Article, list[Chunk], np.ndarray, dict[str, Any], Sequence[str]]]) -> None:
        """Store each (article, chunks, vectors, extra metadata, text keys), replacing whatever
        was stored for the article before; `text_keys` (one per chunk) name the exact text each
        vector embeds, so it can be reused. One write for all: Chroma adds a few hundred rows
        in one call about 4x faster than in calls of one article's ten, and one call is one
        transaction, so each article is still stored whole or not at all."""
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode
        from llama_index.vector_stores.chroma import ChromaVectorStore

        col = self.open(create=True)
        doc_ids = [article.doc_id for article, *_ in items]
        if doc_ids:
            col.delete(where={"doc_id": {"$in": doc_ids}})
        nodes = []
        for article, chunks, embeddings, extra, text_keys in items:
            for i, (chunk, vector) in enumerate(zip(chunks, embeddings)):
                segs = [
                    (s.clean_start, s.source_start, s.length) for s in article.segments if s.clean_start < chunk.end and s.clean_start + s.length > chunk.start
                ]
                meta: dict[str, Any] = {
                    "doc_id": article.doc_id,
                    "position": chunk.position,
                    "n_chunks": len(chunks),
                    "start": chunk.start,
                    "end": chunk.end,
                    "title": article.title,
                    "derived_title": article.derived_title,
                    "published_at": article.published_at,
                    "day": day_number(article.published_at),
                    # What filters and lists go by; `stated_source` is what the file or its URL said.
                    "source": article.source or article.derived_source,
                    "stated_source": article.source,
                    "url": article.url,
                    "authors": "; ".join(article.authors),
                    "path": article.path,
                    "segments": json.dumps(segs),
                    # Until version detection runs, every article is its own story.
                    "story_id": article.doc_id,
                    "preferred": True,
                }
                if i < len(text_keys):
                    meta["text_key"] = text_keys[i]
                if chunk.position == 0:
                    meta.update({"content_hash": article.content_hash, **extra})
                node = TextNode(id_=chunk.chunk_id, text=chunk.text, metadata=meta, embedding=vector.tolist())
                node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=article.doc_id)
                nodes.append(node)
        if nodes:
            ChromaVectorStore(chroma_collection=col).add(nodes)

    def vectors_for(self, text_keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors of chunks whose embedded text has one of `text_keys`."""
        if not text_keys:
            return {}
        data = self.open(create=False).get(where={"text_key": {"$in": list(text_keys)}}, include=["embeddings", "metadatas"])
        return {m["text_key"]: np.asarray(v, dtype=np.float32) for m, v in zip(data["metadatas"], data["embeddings"])}

    def delete_article(self, doc_id: str) -> None:
        self.open(create=False).delete(where={"doc_id": doc_id})

    def set_stories(self, stories: dict[str, tuple[str, bool]], current: dict[str, ArticleRecord]) -> int:
        """Write story ids and preferred flags where they changed; returns articles touched."""
        col = self.open(create=False)
        changed = [d for d, (sid, pref) in stories.items() if d in current and (current[d].story_id, current[d].preferred) != (sid, pref)]
        for doc in changed:
            data = col.get(where={"doc_id": doc}, include=["metadatas"])
            sid, pref = stories[doc]
            metas = [_with_fields(m, story_id=sid, preferred=pref) for m in data["metadatas"]]
            col.update(ids=data["ids"], metadatas=metas)
        return len(changed)


def _record(doc: str, m: dict[str, Any], stored: int) -> ArticleRecord:
    """An article's record from its first chunk's metadata and its stored chunk count."""
    return ArticleRecord(
        doc_id=doc,
        content_hash=m.get("content_hash", ""),
        path=m.get("path", ""),
        expected_chunks=int(m.get("n_chunks", -1)),
        stored_chunks=stored,
        published_at=m.get("published_at", ""),
        title=m.get("title", ""),
        signature=m.get("signature", ""),
        shingles=int(m.get("shingles", 0)),
        length=int(m.get("length", 0)),
        story_id=m.get("story_id", doc),
        preferred=bool(m.get("preferred", True)),
        source=m.get("source", ""),
        url=m.get("url", ""),
        derived_title=m.get("derived_title", ""),
        described="derived_title" in m or not m,
    )


def stitch(chunks: list[StoredChunk]) -> tuple[int, str]:
    """(start, text) of the article span the chunks cover, rebuilt from their offsets.

    Gaps between chunks are only white space in the article (the splitter strips it);
    they are filled with line breaks, so offsets stay exact and paragraphs stay apart.
    """
    ordered = sorted(chunks, key=lambda c: int(c.metadata["start"]))
    if not ordered:
        return 0, ""
    begin = int(ordered[0].metadata["start"])
    text = ""
    for chunk in ordered:
        start = int(chunk.metadata["start"]) - begin
        if start >= len(text):
            text += "\n" * (start - len(text)) + chunk.text
        else:
            text += chunk.text[len(text) - start :]
    return begin, text


def _with_fields(meta: dict[str, Any], **fields: Any) -> dict[str, Any]:
    """Metadata with `fields` changed, in the flat keys and in llama-index's node copy."""
    out = {**meta, **fields}
    if "_node_content" in out:
        # llama-index rebuilds nodes from this JSON copy, so it must change too.
        node = json.loads(out["_node_content"])
        node.setdefault("metadata", {}).update(fields)
        out["_node_content"] = json.dumps(node)
    return out
