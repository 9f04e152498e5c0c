"""Scale benchmark (not a test): answer latency, store and BM25 costs as the store grows.

For each size N the script builds a fresh Chroma store of N chunks and measures, through
the project's own classes (`ChunkStore`, `Retriever`, `Assistant`):

- insert time and throughput (raw `collection.add` in chromadb's maximum batch size, into a
  collection created by `ChunkStore.open`, so with the project's HNSW settings), disk size;
- dense `ChunkStore.query(k=40)` latency, unfiltered and with `until_day` (the question's
  as-of date), on disk (`PersistentClient`) and through a real `chroma run` server
  (`ChunkStore(url=...)`), plus the cold "open + first query" time of each mode;
- the BM25 index (`LexicalIndex`) built over every chunk and saved, as an ingest saves it:
  build time and memory, size on disk; then loaded (memory-mapped) as a serving process
  loads it: load time, memory, query latency with and without the as-of window;
- a fresh serving process in server mode (`Assistant(chroma_url=...)`, extractive reader):
  its cold first answer, `retrieve` and `answer` latencies and its resident memory.

Queries are real RealTimeQA 2023-Q1 questions, embedded once up front, so store figures
exclude embedding time (answer figures include it). Memory is the change in the process's
resident set size (VmRSS from /proc/self/status), each size running in its own process.

Data: up to the 33,779 chunks of the already built RealTimeQA index (runs/bench/index,
copied, never written) the chunks are real (text, metadata and vectors as ingested). Beyond
that they are SYNTHETIC: the real chunks repeated as new articles (new chunk and doc ids),
each repeat's vectors being the real vectors plus Gaussian noise, re-normalised (cosine to
the original about 0.93). Text and metadata are real, so BM25 and metadata costs are real;
the vector distribution is only an approximation of a real 1M-chunk corpus.

    python benchmarks/scale.py --sizes 10000 100000 1000000 --out benchmarks/results/scale.md
    python benchmarks/scale.py --sizes 10000 33779 --questions 20 --answer-questions 10   # quick

Writes the markdown table to --out and every figure to the same path with .json. Scratch
stores live under --workdir (default /tmp/scale) and are deleted after each size; the Chroma
server started for each size is stopped even on error (and dies with its parent).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import pickle
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "benchmarks" / "rtqa-2023q1"
sys.path.insert(0, str(ROOT))

from harness.processes import start_chroma, stop  # noqa: E402

COLLECTION = "news"
K = 40  # Settings.candidates: what Retriever asks the store for


# --- small helpers -------------------------------------------------------------------------


def rss_bytes() -> int:
    """Resident set size of this process (VmRSS), in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def peak_rss_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def disk_bytes(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def pct(values: list[float]) -> dict[str, float]:
    """p50 / p95 / mean of latencies given in seconds, as milliseconds."""
    a = np.asarray(values, dtype=float) * 1000
    return {
        "p50_ms": round(float(np.percentile(a, 50)), 2),
        "p95_ms": round(float(np.percentile(a, 95)), 2),
        "mean_ms": round(float(a.mean()), 2),
        "n": len(values),
    }


def timed(fn, *args, **kwargs):
    started = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - started


def gb(n: float) -> str:
    return f"{n / 1e9:.2f} GB" if n >= 1e9 else f"{n / 1e6:.0f} MB"


def forget_chroma_clients() -> None:
    """Drop chromadb's cached on-disk systems so the store's files are released."""
    from chromadb.api.shared_system_client import SharedSystemClient

    gc.collect()
    SharedSystemClient.clear_system_cache()
    gc.collect()


class MemoryGuard(threading.Thread):
    """Ends this process (exit code 3) if its RSS passes `limit` bytes: better a missing
    figure than a machine shared with others running out of memory."""

    def __init__(self, limit: int, record: Path) -> None:
        super().__init__(daemon=True)
        self.limit, self.record, self.step = limit, record, "start"

    def run(self) -> None:
        while True:
            rss = rss_bytes()
            if rss > self.limit:
                self.record.write_text(json.dumps({"aborted": f"RSS {gb(rss)} passed the {gb(self.limit)} limit during {self.step}"}))
                sys.stderr.write(f"scale: RSS {gb(rss)} over the limit during {self.step}; stopping this size\n")
                os._exit(3)
            time.sleep(0.5)


# --- preparation (once): real chunks and query vectors ------------------------------------


def prepare(args) -> Path:
    """Copy the built index, read its chunks (+vectors) and embed the questions; cached."""
    cache = args.workdir / "source.pkl"
    if cache.exists():
        return cache
    import chromadb

    from assistant.dates import day_number
    from assistant.embedding import Embedder
    from assistant.settings import Settings
    from assistant.store import chroma_settings

    copy = args.workdir / "source-index"
    if copy.exists():
        shutil.rmtree(copy)
    shutil.copytree(args.source_index, copy)  # the original is never opened
    client = chromadb.PersistentClient(path=str(copy / "chroma"), settings=chroma_settings())
    col = client.get_collection(COLLECTION)
    manifest = {k: v for k, v in (col.metadata or {}).items() if k != "schema"}
    ids, docs, metas, vecs = [], [], [], []
    offset, page = 0, 2000
    while True:
        got = col.get(include=["embeddings", "documents", "metadatas"], limit=page, offset=offset)
        ids += got["ids"]
        docs += got["documents"]
        metas += got["metadatas"]
        vecs.append(np.asarray(got["embeddings"], dtype=np.float32))
        if len(got["ids"]) < page:
            break
        offset += page
    del client, col
    forget_chroma_clients()
    shutil.rmtree(copy)

    rows = [json.loads(line) for line in (args.data / "questions.jsonl").read_text().splitlines() if line.strip()]
    n = max(args.questions, args.answer_questions)
    picked = [rows[int(i)] for i in np.linspace(0, len(rows) - 1, min(n, len(rows)))]  # spread over all weeks
    settings = Settings()
    embedder = Embedder(settings.embed_model, settings.embed_batch_size, settings.embed_max_tokens)
    qvecs = embedder.embed([r["question"] for r in picked])
    questions = [{"question": r["question"], "as_of": r["as_of"], "until_day": day_number(r["as_of"]), "vector": v} for r, v in zip(picked, qvecs)]
    with cache.open("wb") as f:
        pickle.dump(
            {"ids": ids, "documents": docs, "metadatas": metas, "embeddings": np.concatenate(vecs), "manifest": manifest, "questions": questions},
            f,
            protocol=pickle.HIGHEST_PROTOCOL,
        )
    print(f"prepared {len(ids)} real chunks and {len(questions)} questions", file=sys.stderr)
    return cache


def synthetic_meta(meta: dict, copy: int, new_id: str) -> dict:
    """Metadata of repeat `copy` of a real chunk: the same article, as a new article."""
    out = dict(meta)
    suffix = f"~{copy}"
    for key in ("doc_id", "story_id", "ref_doc_id", "document_id"):
        if key in out:
            out[key] = f"{out[key]}{suffix}"
    if "_node_content" in out:  # llama-index rebuilds the node (and its id) from this copy
        node = json.loads(out["_node_content"])
        node["id_"] = new_id
        for key in ("doc_id", "story_id"):
            if key in node.get("metadata", {}):
                node["metadata"][key] = out[key]
        for rel in (node.get("relationships") or {}).values():
            if isinstance(rel, dict) and "node_id" in rel:
                rel["node_id"] = f"{rel['node_id']}{suffix}"
        out["_node_content"] = json.dumps(node)
    return out


def batches(src: dict, n: int, batch: int, noise: float, seed: int):
    """Chunks 0..n-1 in insert batches: real ones first, then perturbed repeats."""
    real = len(src["ids"])
    rng = np.random.default_rng(seed)
    for begin in range(0, n, batch):
        idx = range(begin, min(n, begin + batch))
        ids, docs, metas = [], [], []
        for i in idx:
            j, copy = i % real, i // real
            if copy == 0:
                ids.append(src["ids"][j])
                metas.append(src["metadatas"][j])
            else:
                ids.append(f"{src['ids'][j]}~{copy}")
                metas.append(synthetic_meta(src["metadatas"][j], copy, ids[-1]))
            docs.append(src["documents"][j])
        rows = np.fromiter((i % real for i in idx), dtype=np.int64)
        v = src["embeddings"][rows].copy()
        synth = np.fromiter((i >= real for i in idx), dtype=bool)
        if synth.any():
            v[synth] += rng.normal(0.0, noise, size=(int(synth.sum()), v.shape[1])).astype(np.float32)
            v[synth] /= np.linalg.norm(v[synth], axis=1, keepdims=True)
        yield ids, docs, metas, v


# --- one size (run in its own process) -----------------------------------------------------


def dense_latencies(store, questions: list[dict]) -> dict:
    """Unfiltered and as-of-filtered `ChunkStore.query` latencies (+ how often the filtered
    query had to fall back to Chroma's filtered search)."""
    from assistant.settings import Settings
    from assistant.store import Scope

    overfetch = Settings().filter_overfetch
    calls = {"n": 0}
    inner = store.search

    def counting(*a, **kw):
        calls["n"] += 1
        return inner(*a, **kw)

    store.search = counting
    plain, filtered, ids, fallbacks = [], [], [], 0
    for q in questions:
        hits, t = timed(store.query, q["vector"], K)
        plain.append(t)
        ids.append([h.chunk_id for h in hits])
        before = calls["n"]
        # As the retriever asks (figures before 2026-12-07 over-fetched 1x).
        _, t = timed(store.query, q["vector"], K, Scope(until=q["until_day"]), overfetch)
        filtered.append(t)
        fallbacks += calls["n"] - before > 1
    del store.search
    return {
        "plain": pct(plain),
        "filtered": pct(filtered),
        "filtered_fallbacks": fallbacks,
        "returned": round(float(np.mean([len(i) for i in ids])), 1),
        "_ids": ids,
    }


def run_size(args) -> None:
    """Build the store of `args.child` chunks and measure everything; results as JSON."""
    n = args.child
    out_file = args.workdir / f"result-{n}.json"
    guard = MemoryGuard(int(args.max_rss_gb * 1e9), args.workdir / f"aborted-{n}.json")
    guard.start()
    res: dict = {"size": n}

    def save() -> None:
        out_file.write_text(json.dumps(res, indent=1, default=str))

    from assistant.store import ChunkStore, Scope

    with (args.workdir / "source.pkl").open("rb") as f:
        src = pickle.load(f)
    all_questions = src["questions"]
    questions = all_questions[: args.questions]
    real = len(src["ids"])
    res["kind"] = "real" if n <= real else f"synthetic ({real} real + {n - real} perturbed repeats)"
    base_rss = rss_bytes()

    index = args.workdir / f"n{n}" / "index"
    if index.parent.exists():
        shutil.rmtree(index.parent)
    server = None
    try:
        # 1. insert
        guard.step = "insert"
        store = ChunkStore(index, COLLECTION)
        col = store.open(create=True, manifest=src["manifest"])
        batch = min(args.batch or 10**9, store.client.get_max_batch_size())
        insert_s, done, last = 0.0, 0, time.time()
        for ids, docs, metas, vecs in batches(src, n, batch, args.noise, args.seed):
            _, t = timed(col.add, ids=ids, embeddings=vecs, documents=docs, metadatas=metas)
            insert_s += t
            done += len(ids)
            if time.time() - last > 30:
                print(f"  n={n}: inserted {done} ({done / insert_s:.0f}/s)", file=sys.stderr)
                last = time.time()
        res["insert"] = {"seconds": round(insert_s, 1), "chunks_per_s": round(n / insert_s), "batch": batch}
        assert col.count() == n, (col.count(), n)
        stamp = store.mark_written()  # what an ingest records, and what the saved BM25 index is keyed by
        del col
        res["disk_bytes"] = disk_bytes(index)
        save()

        # 2. BM25, built and saved as the ingest that wrote these chunks would (LexicalIndex)
        guard.step = "BM25 build"
        from assistant.lexical import LexicalIndex, saved_at
        from assistant.store import StoredChunk

        def stream(source):
            for ids, docs, metas, _ in batches(source, n, batch, 0.0, args.seed):
                yield from (StoredChunk(i, d, m) for i, d, m in zip(ids, docs, metas))

        gc.collect()
        rss0 = rss_bytes()
        lexical, t = timed(LexicalIndex.build, stream(src), stamp)
        res["bm25_build"] = {"seconds": round(t, 1), "rss_bytes": rss_bytes() - rss0}
        saved = saved_at(store, args.workdir / "lexical-cache")
        _, t = timed(lexical.save, saved)
        res["bm25_build"] |= {"save_seconds": round(t, 1), "disk_bytes": disk_bytes(saved)}
        del lexical, src
        gc.collect()
        save()

        # 3. dense, on disk
        guard.step = "dense on disk"
        forget_chroma_clients()
        store = ChunkStore(index, COLLECTION)
        rss0 = rss_bytes()
        _, t = timed(store.query, questions[0]["vector"], K)
        res["disk_first_query_s"] = round(t, 2)
        for q in questions[:3]:
            store.query(q["vector"], K)
        dense = dense_latencies(store, questions)
        embedded_ids = dense.pop("_ids")
        res["dense_disk"] = dense
        res["rss_after_dense_bytes"] = rss_bytes() - rss0
        save()

        # 4. the saved BM25 index, mapped as a serving process maps it
        guard.step = "BM25 query"
        rss0 = rss_bytes()
        mapped, t = timed(LexicalIndex.load, saved, stamp)
        res["bm25_load"] = {"seconds": round(t, 2)}
        plain, filtered = [], []
        for q in questions:
            _, t = timed(mapped.search, q["question"], K)
            plain.append(t)
            _, t = timed(mapped.search, q["question"], K, Scope(until=q["until_day"]))
            filtered.append(t)
        res["bm25_query"] = {"plain": pct(plain), "filtered": pct(filtered)}
        res["bm25_load"]["rss_bytes"] = rss_bytes() - rss0
        res["peak_rss_bytes"] = peak_rss_bytes() - base_rss
        del mapped, store
        forget_chroma_clients()
        save()

        # 5. dense and whole answers through a Chroma server, from a fresh serving process
        guard.step = "server"
        server, url = start_chroma(index / "chroma", args.workdir / f"chroma-{n}.log")
        remote = ChunkStore(index, COLLECTION, url=url)
        _, t = timed(remote.query, questions[0]["vector"], K)
        res["server_first_query_s"] = round(t, 2)
        for q in questions[:3]:
            remote.query(q["vector"], K)
        dense = dense_latencies(remote, questions)
        server_ids = dense.pop("_ids")
        res["dense_server"] = dense
        res["server_vs_disk_top40_overlap"] = round(float(np.mean([len(set(a) & set(b)) / max(1, len(a)) for a, b in zip(embedded_ids, server_ids)])), 3)
        save()
        if args.answer_questions > 0:
            guard.step = "serving process"
            cache = args.workdir / "lexical-cache"
            # The serving process finds the saved index where it looks for this server's.
            shutil.copytree(saved, saved_at(remote, cache), dirs_exist_ok=True)
            asked = args.workdir / f"asked-{n}.json"
            asked.write_text(json.dumps([{"question": q["question"], "as_of": q["as_of"]} for q in all_questions[: args.answer_questions]]))
            out = args.workdir / f"serving-{n}.json"
            env = {**os.environ, "ASSISTANT_LEXICAL_SERVER_CACHE_DIR": str(cache), "ASSISTANT_LLM": "extractive", "HF_HUB_OFFLINE": "1"}
            subprocess.run([sys.executable, str(Path(__file__).resolve()), "--serve-child", url, str(asked), str(out)], env=env, check=True)
            res["serving"] = json.loads(out.read_text())
            save()
    finally:
        stop(server)
        forget_chroma_clients()
        if not args.keep:
            shutil.rmtree(index.parent, ignore_errors=True)
    res["done"] = True
    save()


def serve_child(url: str, asked: Path, out: Path) -> None:
    """A serving process in server mode, as `python app.py` with ASSISTANT_CHROMA_URL runs:
    its cold first answer, then retrieval and answer latencies and its memory."""
    started = time.perf_counter()
    from assistant import Assistant

    rows = json.loads(asked.read_text())
    bot = Assistant(chroma_url=url)
    bot.answer(rows[0]["question"], as_of=rows[0]["as_of"])
    first = time.perf_counter() - started
    rss_ready = rss_bytes()
    retrieve, answer = [], []
    for row in rows:
        _, t = timed(bot.retrieve, row["question"], as_of=row["as_of"])
        retrieve.append(t)
        _, t = timed(bot.answer, row["question"], as_of=row["as_of"])
        answer.append(t)
    out.write_text(
        json.dumps(
            {
                "first_answer_s": round(first, 2),
                "retrieve": pct(retrieve),
                "answer": pct(answer),
                "rss_ready_bytes": rss_ready,
                "rss_bytes": rss_bytes(),
                "peak_rss_bytes": peak_rss_bytes(),
                "questions": len(rows),
            }
        )
    )


# --- orchestration and report --------------------------------------------------------------


def ratio(a, b) -> str:
    return f"{b / a:.1f}x" if a and b else "—"


def render(results: list[dict], args, wall: float) -> str:
    def cell(r, *path, fmt="{}"):
        v = r
        for p in path:
            if not isinstance(v, dict) or p not in v:
                return "—"
            v = v[p]
        return fmt.format(v)

    def pair(r, key, sub):
        a, b = cell(r, key, sub, "p50_ms"), cell(r, key, sub, "p95_ms")
        return "—" if a == "—" else f"{a} / {b}"

    lines = [
        "# Scale benchmark: latency and cost as the store grows",
        "",
        f"Command: `python benchmarks/scale.py {' '.join(sys.argv[1:])}`; {dt.date.today()}, "
        f"{os.cpu_count()} cores; total wall time {wall / 60:.1f} min. Latencies in ms over {args.questions} RealTimeQA "
        f"questions (query vectors embedded up front; k={K}); answers over {args.answer_questions} questions, embedding included. "
        "Memory is the change in the process's resident set size (VmRSS).",
        "",
        "| chunks | kind | insert (chunks/s) | disk | dense on-disk p50 / p95 | dense server p50 / p95 | filtered (as-of) on-disk p50 / p95 | BM25 build at ingest | BM25 on disk | BM25 load | BM25 query p50 / p95 | serving process: first answer | retrieve p50 / p95 | answer p50 / p95 | serving RSS (peak) |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "insert" not in r:
            lines.append(f"| {r['size']:,} | {r.get('kind', '—')} | {r.get('aborted') or r.get('skipped') or 'failed'} |" + " — |" * 12)
            continue
        serving = r.get("serving", {})
        rss = f"{gb(serving['rss_bytes'])} ({gb(serving['peak_rss_bytes'])})" if serving else "—"
        lines.append(
            f"| {r['size']:,} | {'real' if r['kind'] == 'real' else 'synthetic'} | {r['insert']['seconds']} s ({r['insert']['chunks_per_s']:,}/s) "
            f"| {gb(r['disk_bytes'])} | {pair(r, 'dense_disk', 'plain')} | {pair(r, 'dense_server', 'plain')} | {pair(r, 'dense_disk', 'filtered')} "
            f"| {cell(r, 'bm25_build', 'seconds')} s | {gb(r['bm25_build']['disk_bytes']) if 'bm25_build' in r else '—'} | {cell(r, 'bm25_load', 'seconds')} s "
            f"| {pair(r, 'bm25_query', 'plain')} | {cell(r, 'serving', 'first_answer_s')} s | {pair(r, 'serving', 'retrieve')} | {pair(r, 'serving', 'answer')} | {rss} |"
        )
    notes = [f"- {r['size']:,} chunks: {r[key]}" for r in results for key in ("note", "aborted", "skipped") if r.get(key)]
    if notes:
        lines += ["", "Notes:", ""] + notes
    lines += [
        "",
        "Kinds: *real* = chunks, metadata and vectors of the RealTimeQA 2023-Q1 index; *synthetic* = "
        "real text/vectors repeated (every real chunk repeated as a new article, vector + "
        f"N(0, {args.noise}²) noise per dimension, re-normalised). BM25 build: `LexicalIndex.build` over every chunk "
        "(what an ingest without a saved index does; an ingest with one computes terms only for its own articles). "
        "Serving process: a new process running `Assistant(chroma_url=...)` with the extractive reader "
        "(MiniLM int8, spaCy, the mapped BM25 index); its RSS excludes the Chroma server's own.",
        "",
    ]
    extra = [
        "| chunks | open + first query on-disk / server | filtered fallbacks (of questions) | BM25 filtered p50 / p95 | BM25 build memory | BM25 load memory | RSS after dense queries (on disk) | peak RSS of the size's process | server = on-disk top-40 |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in results:
        if "insert" not in r:
            continue
        extra.append(
            f"| {r['size']:,} | {cell(r, 'disk_first_query_s')} s / {cell(r, 'server_first_query_s')} s "
            f"| {cell(r, 'dense_disk', 'filtered_fallbacks')} / {args.questions} | {pair(r, 'bm25_query', 'filtered')} "
            f"| {gb(r['bm25_build']['rss_bytes']) if 'bm25_build' in r else '—'} | {gb(r['bm25_load']['rss_bytes']) if 'bm25_load' in r else '—'} "
            f"| {gb(r['rss_after_dense_bytes']) if 'rss_after_dense_bytes' in r else '—'} "
            f"| {gb(r['peak_rss_bytes']) if 'peak_rss_bytes' in r else '—'} | {cell(r, 'server_vs_disk_top40_overlap')} |"
        )
    lines += ["Details:", ""] + extra + [""]
    done = [r for r in results if "insert" in r]
    if len(done) > 1:
        lines += ["Growth from one size to the next (ratio of the figure / ratio of sizes):", ""]
        figs = [
            ("insert time", lambda r: r["insert"]["seconds"]),
            ("disk", lambda r: r["disk_bytes"]),
            ("dense on-disk p50", lambda r: r["dense_disk"]["plain"]["p50_ms"]),
            ("dense server p50", lambda r: r.get("dense_server", {}).get("plain", {}).get("p50_ms")),
            ("filtered on-disk p50", lambda r: r["dense_disk"]["filtered"]["p50_ms"]),
            ("BM25 build", lambda r: r.get("bm25_build", {}).get("seconds")),
            ("BM25 query p50", lambda r: r.get("bm25_query", {}).get("plain", {}).get("p50_ms")),
            ("serving answer p50", lambda r: r.get("serving", {}).get("answer", {}).get("p50_ms")),
            ("serving RSS", lambda r: r.get("serving", {}).get("rss_bytes")),
        ]
        for name, get in figs:
            steps = []
            for a, b in zip(done, done[1:]):
                try:
                    va, vb = get(a), get(b)
                except (KeyError, TypeError):
                    va = vb = None
                if va and vb:
                    steps.append(f"{a['size']:,}→{b['size']:,}: {vb / va:.2f}x for {b['size'] / a['size']:.1f}x")
            if steps:
                lines.append(f"- {name}: " + "; ".join(steps))
        lines.append("")
    lines += [r"<!-- analysis -->", ""]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", type=int, nargs="+", default=[10000, 33779, 100000, 1000000], help="store sizes in chunks")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "scale.md")
    parser.add_argument("--data", type=Path, default=DATA, help="folder with questions.jsonl")
    parser.add_argument("--source-index", type=Path, default=ROOT / "runs" / "bench" / "index", help="built index of the real corpus (copied, never written)")
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/scale"), help="scratch folder (deleted at the end)")
    parser.add_argument("--questions", type=int, default=50, help="queries per latency figure")
    parser.add_argument("--answer-questions", type=int, default=50, help="questions for the Assistant.answer figure")
    parser.add_argument("--answer-max-size", type=int, default=100000, help="largest store at which answers are timed")
    parser.add_argument("--noise", type=float, default=0.02, help="per-dimension noise of synthetic vectors")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch", type=int, default=None, help="insert batch (default chromadb's maximum)")
    parser.add_argument("--max-rss-gb", type=float, default=12.0, help="a size's process stops if its RSS passes this")
    parser.add_argument("--deadline-minutes", type=float, default=None, help="skip a size whose projected run time would end after this many minutes")
    parser.add_argument("--keep", action="store_true", help="keep the scratch stores")
    parser.add_argument("--report-from", type=Path, default=None, help="only re-write --out from this .json of an earlier run")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--serve-child", nargs=3, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--mem-per-chunk", type=float, default=0.0, help=argparse.SUPPRESS)
    parser.add_argument("--bm25-mem-per-chunk", type=float, default=0.0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

    if args.child is not None:
        run_size(args)
        return
    if args.serve_child:
        serve_child(args.serve_child[0], Path(args.serve_child[1]), Path(args.serve_child[2]))
        return
    if args.report_from:
        saved = json.loads(args.report_from.read_text())
        for key in ("questions", "answer_questions", "noise"):
            setattr(args, key, type(getattr(args, key))(saved["args"][key]))
        sys.argv = [sys.argv[0]] + saved.get("argv", [])
        write(saved["results"], args, saved["wall_seconds"])
        return

    started = time.time()
    args.workdir.mkdir(parents=True, exist_ok=True)
    results: list[dict] = []
    try:
        prepare(args)
        mem_per_chunk, bm25_per_chunk, secs_per_chunk, last = 0.0, 0.0, None, 0
        for requested in sorted(set(args.sizes)):
            n, note = requested, None
            elapsed = time.time() - started
            if args.deadline_minutes and secs_per_chunk:
                remaining = args.deadline_minutes * 60 - elapsed
                projected = secs_per_chunk * n
                if projected > remaining:
                    # Measure the largest size that still fits, and say so.
                    fit = int(remaining * 0.85 / secs_per_chunk) // 50000 * 50000
                    note = (
                        f"{requested:,} requested; projected {projected / 60:.0f} min, more than the "
                        f"{remaining / 60:.0f} min left before the {args.deadline_minutes:g} min deadline"
                    )
                    if fit <= last:
                        results.append({"size": requested, "skipped": "skipped: " + note})
                        continue
                    n, note = fit, note + f", so {fit:,} was measured instead"
            print(f"scale: {n} chunks (elapsed {elapsed / 60:.1f} min)", file=sys.stderr)
            for stale in (args.workdir / f"result-{n}.json", args.workdir / f"aborted-{n}.json"):
                stale.unlink(missing_ok=True)
            t0 = time.time()
            cmd = [
                sys.executable,
                str(Path(__file__).resolve()),
                "--child",
                str(n),
                "--workdir",
                str(args.workdir),
                "--questions",
                str(args.questions),
                "--answer-questions",
                str(args.answer_questions),
                "--answer-max-size",
                str(args.answer_max_size),
                "--noise",
                str(args.noise),
                "--seed",
                str(args.seed),
                "--max-rss-gb",
                str(args.max_rss_gb),
                "--mem-per-chunk",
                str(mem_per_chunk),
                "--bm25-mem-per-chunk",
                str(bm25_per_chunk),
            ]
            if args.batch:
                cmd += ["--batch", str(args.batch)]
            if args.keep:
                cmd.append("--keep")
            code = subprocess.call(cmd)
            r = json.loads((args.workdir / f"result-{n}.json").read_text()) if (args.workdir / f"result-{n}.json").exists() else {"size": n}
            if (args.workdir / f"aborted-{n}.json").exists():
                r.update(json.loads((args.workdir / f"aborted-{n}.json").read_text()))
            elif code != 0:
                r["aborted"] = f"failed (exit {code}); see stderr"
            r["wall_seconds"] = round(time.time() - t0, 1)
            if note:
                r["note"] = note
            results.append(r)
            last = n
            # Projections for the next size come from this one (the largest so far).
            if r.get("all_chunks"):
                mem_per_chunk = max(r["all_chunks"]["rss_bytes"], 0) / n
            if r.get("bm25_build"):
                bm25_per_chunk = max(r["bm25_build"]["rss_bytes"], 0) / n
            answers = r.get("answer", {})
            fixed = answers.get("mean_ms", 0) * answers.get("n", 0) / 1000 + answers.get("warm_up_s", 0)
            secs_per_chunk = max(r["wall_seconds"] - fixed, 1) / n
            write(results, args, time.time() - started)
            shutil.rmtree(args.workdir / f"n{n}", ignore_errors=True)
    finally:
        if not args.keep:
            shutil.rmtree(args.workdir, ignore_errors=True)
    write(results, args, time.time() - started)
    print(render(results, args, time.time() - started))


def write(results: list[dict], args, wall: float) -> None:
    args.out.parent.mkdir(parents=True, exist_ok=True)
    md = render(results, args, wall)
    if args.out.exists():  # keep a hand-written analysis below the marker
        old = args.out.read_text()
        if "<!-- analysis -->" in old:
            md = md.split("<!-- analysis -->")[0] + "<!-- analysis -->" + old.split("<!-- analysis -->", 1)[1]
    args.out.write_text(md)
    args.out.with_suffix(".json").write_text(
        json.dumps(
            {"wall_seconds": round(wall, 1), "argv": sys.argv[1:], "args": {k: str(v) for k, v in vars(args).items()}, "results": results},
            indent=1,
            default=str,
        )
    )


if __name__ == "__main__":
    main()
