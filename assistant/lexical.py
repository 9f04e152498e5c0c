"""Chunks -> a BM25 index kept on disk beside the store: built at ingest, memory-mapped
when answering.

Rebuilding BM25 from every chunk in each new process cost seconds per ten thousand chunks
and about 15 KB of memory per chunk. Here the index is made once, by the ingest that
changed the store, and saved under `<index>/lexical/`: the bm25s score matrix, each
chunk's id, day and outlet, and each chunk's term ids (so the next ingest updates it
without reading the store back). Serving processes map the files instead of loading them.

The terms are `text.content_terms` of the headline and the chunk, the same terms the
answer step weighs by IDF, so one tokenizer serves both (document frequencies are read off
the score matrix). The files record the store's write stamp; a process that finds
another stamp (an older index, or an ingest that stopped before saving) builds the index
from the store in memory and saves it when the folder is writable.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from assistant.store import ChunkStore, Scope, StoredChunk, server_address
from assistant.text import content_terms

log = logging.getLogger(__name__)

_FORMAT = 1
_BM25_DIR = "bm25"


def chunk_terms(chunk: StoredChunk) -> list[str]:
    """What BM25 indexes of a chunk: its headline (embedded with it) and its text."""
    return content_terms(chunk.metadata.get("title", "") + " " + chunk.text)


@dataclass
class Postings:
    """Every chunk's term ids, concatenated: what the score matrix is rebuilt from."""

    ids: np.ndarray  # int32, all chunks' term ids one after another
    offsets: np.ndarray  # int64, len(chunks) + 1

    def take(self, rows: np.ndarray) -> Postings:
        """The postings of chunks `rows` (ascending), in that order."""
        starts, ends = self.offsets[rows], self.offsets[rows + 1]
        lengths = ends - starts
        offsets = np.zeros(len(rows) + 1, dtype=np.int64)
        np.cumsum(lengths, out=offsets[1:])
        # Each kept id's position in the old array: its chunk's old start plus its rank within.
        within = np.arange(offsets[-1], dtype=np.int64) - np.repeat(offsets[:-1], lengths)
        return Postings(np.asarray(self.ids)[np.repeat(starts, lengths) + within], offsets)


def score_matrix(postings: Postings, n_vocab: int, k1: float, b: float) -> dict[str, Any]:
    """bm25s's score matrix (its default "lucene" BM25) of the chunks' term ids, as
    `bm25s.BM25.index` would build it: a term-major sparse matrix of idf x tf saturation."""
    n_docs = len(postings.offsets) - 1
    lengths = np.diff(postings.offsets)
    doc_of = np.repeat(np.arange(n_docs, dtype=np.int64), lengths)
    # One key per (term, chunk) pair, sorted term first: the matrix's column order.
    pairs, tf = np.unique((np.asarray(postings.ids, dtype=np.int64) << 32) | doc_of, return_counts=True)
    terms, docs = pairs >> 32, pairs & 0xFFFFFFFF
    df = np.bincount(terms, minlength=n_vocab)
    idf = np.log1p((n_docs - df + 0.5) / (df + 0.5))
    avg = float(lengths.mean()) if n_docs else 1.0
    tf = tf.astype(np.float64)
    data = idf[terms] * tf / (k1 * ((1 - b) + b * lengths[docs] / avg) + tf)
    indptr = np.zeros(n_vocab + 1, dtype=np.int64)
    np.cumsum(df, out=indptr[1:])
    return {"data": data.astype(np.float32), "indices": docs.astype(np.int32), "indptr": indptr, "num_docs": n_docs}


@dataclass(eq=False, repr=False)  # no element-wise comparison or printing of a million ids
class LexicalIndex:
    """BM25 over every stored chunk, with each chunk's day and outlet for scoping."""

    bm25: Any  # bm25s.BM25; None for an empty store
    vocab: dict[str, int]
    chunk_ids: np.ndarray
    doc_codes: np.ndarray
    docs: list[str]
    days: np.ndarray
    source_codes: np.ndarray
    sources: list[str]
    stamp: str
    postings: Postings | None = None  # every chunk's term ids: loaded only to update

    # --- building ----------------------------------------------------------------------

    @classmethod
    def build(cls, chunks: Iterable[StoredChunk], stamp: str) -> LexicalIndex:
        """The index of `chunks` (every chunk of the store), as of write `stamp`."""
        vocab: dict[str, int] = {}
        return cls._assemble(vocab, _Rows().add(chunks, vocab), stamp)

    @classmethod
    def _assemble(cls, vocab: dict[str, int], rows: _Rows, stamp: str) -> LexicalIndex:
        import bm25s

        postings = rows.postings()
        docs = sorted(set(rows.docs))
        doc_index = {d: i for i, d in enumerate(docs)}
        sources = sorted(set(rows.sources))
        source_index = {s: i for i, s in enumerate(sources)}
        # bm25s wants a vocabulary id for "no term", so an empty chunk or query still scores.
        full_vocab = dict(vocab)
        full_vocab.setdefault("", len(full_vocab))
        bm25 = bm25s.BM25()
        if rows.chunk_ids:
            # bm25s counts each chunk's terms in Python (about 0.13 ms a chunk: two minutes
            # per ingest at a million chunks); the same matrix in numpy takes a few seconds.
            bm25.scores = score_matrix(postings, len(full_vocab), bm25.k1, bm25.b)
            bm25.vocab_dict = full_vocab
            bm25.unique_token_ids_set = set(full_vocab.values())
            bm25.nonoccurrence_array = None
        return cls(
            bm25 if rows.chunk_ids else None,
            full_vocab,
            np.array(rows.chunk_ids, dtype="S") if rows.chunk_ids else np.zeros(0, dtype="S1"),
            np.array([doc_index[d] for d in rows.docs], dtype=np.int32),
            docs,
            np.array(rows.days, dtype=np.int32),
            np.array([source_index[s] for s in rows.sources], dtype=np.int32),
            sources,
            stamp,
            postings,
        )

    def updated(self, removed_docs: Iterable[str], added: Sequence[StoredChunk], stamp: str) -> LexicalIndex:
        """This index without the chunks of `removed_docs` (changed and deleted articles)
        and with `added` (their new chunks), as of `stamp`. Terms never leave the
        vocabulary; a term no chunk holds any more has no postings."""
        if self.postings is None:
            raise ValueError("this index was loaded without its term ids; load it with postings=True to update it")
        removed = set(removed_docs)
        gone = [i for i, d in enumerate(self.docs) if d in removed]
        vocab = {t: i for t, i in self.vocab.items() if t != ""}
        kept = np.flatnonzero(~np.isin(self.doc_codes, gone))
        rows = _Rows()
        rows.keep_many(
            self.chunk_ids[kept].astype(str).tolist(),
            np.asarray(self.docs, dtype=object)[self.doc_codes[kept]].tolist(),
            self.days[kept].tolist(),
            np.asarray(self.sources, dtype=object)[self.source_codes[kept]].tolist(),
            self.postings.take(kept),
        )
        rows.add(added, vocab)
        return self._assemble(vocab, rows, stamp)

    # --- on disk -------------------------------------------------------------------------

    def save(self, directory: Path) -> None:
        """Write the index to `directory` whole: into a new folder, then renamed over the old."""
        directory = Path(directory)
        directory.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=".lexical-", dir=directory.parent))
        try:
            if self.bm25 is not None:
                self.bm25.save(str(tmp / _BM25_DIR), show_progress=False)
            np.save(tmp / "chunk_ids.npy", self.chunk_ids)
            np.save(tmp / "doc_codes.npy", self.doc_codes)
            np.save(tmp / "days.npy", self.days)
            np.save(tmp / "source_codes.npy", self.source_codes)
            if self.postings is not None:
                np.save(tmp / "term_ids.npy", self.postings.ids)
                np.save(tmp / "term_offsets.npy", self.postings.offsets)
            (tmp / "vocab.json").write_text(json.dumps(self.vocab))
            (tmp / "lists.json").write_text(json.dumps({"docs": self.docs, "sources": self.sources}))
            # Written last: a folder without it is incomplete and never read.
            (tmp / "meta.json").write_text(json.dumps({"format": _FORMAT, "stamp": self.stamp, "chunks": len(self.chunk_ids)}))
            old = directory.with_name(directory.name + ".old")
            shutil.rmtree(old, ignore_errors=True)
            if directory.exists():
                os.replace(directory, old)
            os.replace(tmp, directory)
            shutil.rmtree(old, ignore_errors=True)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise

    @staticmethod
    def saved_stamp(directory: Path) -> str | None:
        """The write stamp the saved index reflects (None when there is no complete one)."""
        try:
            meta = json.loads((Path(directory) / "meta.json").read_text())
        except (OSError, ValueError):
            return None
        return meta.get("stamp") if meta.get("format") == _FORMAT else None

    @classmethod
    def load(cls, directory: Path, stamp: str, postings: bool = False) -> LexicalIndex | None:
        """The saved index if it reflects write `stamp`, memory-mapped; else None.
        `postings` also maps the term ids (only an update needs them)."""
        directory = Path(directory)
        if cls.saved_stamp(directory) != stamp:
            return None
        try:
            import bm25s

            chunk_ids = np.load(directory / "chunk_ids.npy", mmap_mode="r")
            bm25 = None
            if len(chunk_ids):
                bm25 = bm25s.BM25.load(str(directory / _BM25_DIR), mmap=True, show_progress=False, load_vocab=False)
            lists = json.loads((directory / "lists.json").read_text())
            vocab = json.loads((directory / "vocab.json").read_text())
            if bm25 is not None:
                bm25.vocab_dict = vocab
            kept = None
            if postings:
                kept = Postings(np.load(directory / "term_ids.npy", mmap_mode="r"), np.load(directory / "term_offsets.npy", mmap_mode="r"))
            return cls(
                bm25,
                vocab,
                chunk_ids,
                np.load(directory / "doc_codes.npy", mmap_mode="r"),
                lists["docs"],
                np.load(directory / "days.npy", mmap_mode="r"),
                np.load(directory / "source_codes.npy", mmap_mode="r"),
                lists["sources"],
                stamp,
                kept,
            )
        except (OSError, ValueError, KeyError) as exc:
            log.warning("the saved BM25 index at %s cannot be read (%s); it is rebuilt from the store", directory, exc)
            return None

    # --- reading -------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def document_frequency(self, term: str) -> int:
        """How many chunks hold `term` (a stemmed content term)."""
        tid = self.vocab.get(term)
        if tid is None or self.bm25 is None:
            return 0
        indptr = self.bm25.scores["indptr"]
        return int(indptr[tid + 1] - indptr[tid])

    def newest_day(self) -> int:
        """Day number of the newest dated chunk (-1 when nothing is dated)."""
        return int(self.days.max()) if len(self.days) else -1

    def mask(self, scope: Scope) -> np.ndarray | None:
        """1.0 for the chunks `scope` admits by day and outlet, 0.0 for the rest (None: all)."""
        if not scope.narrowed:
            return None
        ok = np.ones(len(self.days), dtype=bool)
        if scope.until is not None:
            ok &= self.days <= scope.until
        if scope.since is not None:
            ok &= self.days >= scope.since
        if scope.sources:
            wanted = [i for i, s in enumerate(self.sources) if s in scope.sources]
            ok &= np.isin(self.source_codes, wanted)
        return ok.astype(np.float32)

    def search(self, query: str, k: int, scope: Scope = Scope()) -> list[tuple[str, float]]:
        """(chunk id, BM25 score) of the best `k` chunks for `query` in `scope`, best first."""
        if self.bm25 is None or k <= 0:
            return []
        ids = [self.vocab[t] for t in content_terms(query) if t in self.vocab]
        if not ids:
            return []
        mask = self.mask(scope)
        if mask is not None and not mask.any():
            return []
        scores = self.bm25.get_scores_from_ids(ids, weight_mask=mask)
        k = min(k, len(scores))
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.chunk_ids[i].decode(), float(scores[i])) for i in top if scores[i] > 0]


def saved_at(store: ChunkStore, server_cache: Path) -> Path:
    """Where the BM25 index of `store` is kept: beside its Chroma files, one per collection;
    for a Chroma server, in this machine's `server_cache`, one folder per server."""
    if store.url:
        host, port, _ = server_address(store.url)
        return Path(server_cache) / f"{host}_{port}" / store.name
    return store.index_dir / "lexical" / store.name


def load_or_build(store: ChunkStore, server_cache: Path) -> LexicalIndex:
    """The BM25 index of the store as it is now: the saved one when it reflects the store's
    last write, else built from every chunk (and saved, so the next process maps it)."""
    stamp = store.write_stamp()
    directory = saved_at(store, server_cache)
    # While an ingest writes (or after one was killed) the saved index may miss articles
    # the store holds: it is built from the store instead, and not saved.
    writing = store.writing()
    found = None if writing else LexicalIndex.load(directory, stamp)
    if found is not None:
        return found
    log.info("building the BM25 index of %s from its chunks (no saved index for write %s)", store.location, stamp or "-")
    index = LexicalIndex.build(store.all_chunks(), stamp)
    if stamp and not writing and store.write_stamp() == stamp and not store.writing():  # an ingest since then saves its own
        try:
            index.save(directory)
            return LexicalIndex.load(directory, stamp) or index
        except OSError as exc:
            log.warning("cannot save the BM25 index at %s (%s); each process builds its own", directory, exc)
    return index


def update_saved(store: ChunkStore, server_cache: Path, before: str, after: str, removed_docs: Iterable[str], changed_docs: Iterable[str]) -> LexicalIndex:
    """After an ingest moved the store from write `before` to `after`: the saved index
    without `removed_docs` and with the chunks `changed_docs` have now, saved. Without a
    saved index of `before` it is built from every chunk."""
    directory = saved_at(store, server_cache)
    previous = LexicalIndex.load(directory, before, postings=True) if before else None
    changed = list(dict.fromkeys(changed_docs))
    if previous is None:
        index = LexicalIndex.build(store.all_chunks(), after)
    else:
        by_doc = store.articles_chunks(changed)
        added = [c for doc in changed for c in by_doc[doc]]
        index = previous.updated(set(removed_docs) | set(changed), added, after)
    index.save(directory)
    return index


def rebuild_saved(store: ChunkStore, server_cache: Path) -> LexicalIndex:
    """The saved index built again from every chunk of the store (`assistant check --repair`)."""
    index = LexicalIndex.build(store.all_chunks(), store.write_stamp())
    index.save(saved_at(store, server_cache))
    return index


def saved_chunk_ids(store: ChunkStore, server_cache: Path) -> tuple[str | None, list[str] | None]:
    """(write stamp, chunk ids) of the saved index; (None, None) when there is none."""
    directory = saved_at(store, server_cache)
    stamp = LexicalIndex.saved_stamp(directory)
    if stamp is None:
        return None, None
    try:
        ids = np.load(directory / "chunk_ids.npy", mmap_mode="r")
    except (OSError, ValueError):
        return None, None
    return stamp, ids.astype(str).tolist()


class _Rows:
    """Chunks gathered for an index: their ids, articles, days, outlets and term ids."""

    def __init__(self) -> None:
        self.chunk_ids: list[str] = []
        self.docs: list[str] = []
        self.days: list[int] = []
        self.sources: list[str] = []
        self._parts: list[Postings] = []  # blocks of kept chunks, which come first
        self._terms: list[np.ndarray] = []

    def keep(self, chunk_id: str, doc: str, day: int, source: str, term_ids: np.ndarray) -> None:
        self.chunk_ids.append(chunk_id)
        self.docs.append(doc)
        self.days.append(day)
        self.sources.append(source)
        self._terms.append(np.asarray(term_ids, dtype=np.int32))

    def keep_many(self, chunk_ids: list[str], docs: list[str], days: list[int], sources: list[str], postings: Postings) -> None:
        if self._terms:
            raise RuntimeError("kept blocks go before single chunks")  # postings() puts them first
        self.chunk_ids += chunk_ids
        self.docs += docs
        self.days += days
        self.sources += sources
        self._parts.append(postings)

    def add(self, chunks: Iterable[StoredChunk], vocab: dict[str, int]) -> _Rows:
        for c in chunks:
            ids = [vocab.setdefault(t, len(vocab)) for t in chunk_terms(c)]
            m = c.metadata
            self.keep(c.chunk_id, m["doc_id"], int(m.get("day", -1)), m.get("source", ""), np.array(ids, dtype=np.int32))
        return self

    def postings(self) -> Postings:
        """Every gathered chunk's term ids, in order: the kept blocks, then the added chunks."""
        lengths = [np.diff(p.offsets) for p in self._parts] + [np.array([len(t) for t in self._terms], dtype=np.int64)]
        offsets = np.zeros(len(self.chunk_ids) + 1, dtype=np.int64)
        np.cumsum(np.concatenate(lengths), out=offsets[1:])
        ids = np.concatenate([np.asarray(p.ids) for p in self._parts] + self._terms + [np.zeros(0, dtype=np.int32)])
        return Postings(ids.astype(np.int32), offsets)
