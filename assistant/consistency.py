"""Does every part of the index agree? The Chroma store (chunks, each article whole), the
saved BM25 index (the same chunk ids, as of the store's last write) and the manifest (the
collection's record: no unfinished write, the article and chunk counts the last ingest left).
`assistant check` reports it; `--repair` makes the other parts agree with the store."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.lexical import rebuild_saved, saved_chunk_ids
from assistant.store import ChunkStore

_SHOWN = 5  # ids named in a problem's message


@dataclass
class IndexCheck:
    """What `check_index` found; `problems` is empty when the parts agree."""

    store_articles: int = 0
    store_chunks: int = 0
    bm25_chunks: int | None = None
    manifest_articles: int | None = None
    manifest_chunks: int | None = None
    problems: list[str] = field(default_factory=list)
    incomplete: list[str] = field(default_factory=list)  # articles missing some of their chunks

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ok": self.ok}


def _some(ids: list[str]) -> str:
    return ", ".join(ids[:_SHOWN]) + (f" and {len(ids) - _SHOWN} more" if len(ids) > _SHOWN else "")


def check_index(store: ChunkStore, server_cache: Path) -> IndexCheck:
    """Compare the counts and ids of the store, the saved BM25 index and the manifest."""
    out = IndexCheck()
    records = store.articles()
    ids = set(store.chunk_ids())
    out.store_articles, out.store_chunks = len(records), len(ids)
    out.incomplete = sorted(d for d, r in records.items() if not r.complete)
    if out.incomplete:
        out.problems.append(f"{len(out.incomplete)} articles miss some of their chunks: {_some(out.incomplete)}")
    manifest = store.manifest
    if manifest.get("writing"):
        out.problems.append(f"an ingest did not finish ({manifest['writing']})")
    if "chunks" in manifest:
        out.manifest_articles, out.manifest_chunks = int(manifest.get("articles", -1)), int(manifest["chunks"])
        if (out.manifest_articles, out.manifest_chunks) != (out.store_articles, out.store_chunks):
            out.problems.append(
                f"the manifest records {out.manifest_articles} articles and {out.manifest_chunks} chunks; the store holds {out.store_articles} and {out.store_chunks}"
            )
    stamp, saved = saved_chunk_ids(store, server_cache)
    if saved is None:
        out.problems.append("there is no saved BM25 index (each process that answers builds its own)")
        return out
    out.bm25_chunks = len(saved)
    if stamp != store.write_stamp():
        out.problems.append(f"the saved BM25 index is of write {stamp}, the store's last write is {store.write_stamp()}")
    missing, extra = sorted(ids - set(saved)), sorted(set(saved) - ids)
    if missing:
        out.problems.append(f"{len(missing)} chunks are missing from the BM25 index (keyword search cannot find them): {_some(missing)}")
    if extra:
        out.problems.append(f"the BM25 index holds {len(extra)} chunks the store does not: {_some(extra)}")
    return out


def repair_index(store: ChunkStore, server_cache: Path) -> list[str]:
    """Make the BM25 index and the manifest agree with the store; articles missing chunks are
    removed (the next ingest of their files adds them whole). Returns what was done.
    The caller holds the index's write lock."""
    done = []
    found = check_index(store, server_cache)
    for doc in found.incomplete:
        store.delete_article(doc)
    if found.incomplete:
        done.append(f"removed {len(found.incomplete)} incomplete articles (ingest their files again): {_some(found.incomplete)}")
    records = store.articles()
    store.mark_written({"articles": len(records), "chunks": sum(r.stored_chunks for r in records.values())})
    done.append("recorded the store's counts in the manifest")
    index = rebuild_saved(store, server_cache)
    done.append(f"rebuilt the saved BM25 index from the store ({len(index)} chunks)")
    return done
