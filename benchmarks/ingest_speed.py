"""Ingest speed of the embedding runtimes, side by side in one run, with retrieval recall@5.

Builds one fresh index per runtime from the same articles of the RealTimeQA 2023-Q1
corpus (fp32 sentence-transformers, the old path; int8 ONNX, the default now), timing the
whole ingest (read, clean, chunk, embed, write, group versions), then scores recall@5
(gold answer string in the top-5 retrieved passages) on the questions, and the cosine of
the two runtimes' vectors for the same chunks.

    python benchmarks/ingest_speed.py                       # the whole corpus, both runtimes
    python benchmarks/ingest_speed.py --articles 600        # the first 600 articles (a quick look)
"""

from __future__ import annotations

import argparse
import gzip
import json
import resource
import shutil
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "benchmarks" / "rtqa-2023q1"
sys.path.insert(0, str(ROOT))

RUNTIMES = ("torch", "onnx-int8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--articles", type=int, default=None, help="only the first N articles")
    parser.add_argument("--workdir", type=Path, default=ROOT / "runs" / "ingest_speed")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args()

    from assistant import Assistant
    from assistant.text import contains_answer

    args.workdir.mkdir(parents=True, exist_ok=True)
    corpus = args.workdir / "corpus.jsonl"
    with gzip.open(args.data / "corpus.jsonl.gz", "rt", encoding="utf-8") as f:
        lines = [line for line in f if line.strip()][: args.articles or None]
    corpus.write_text("".join(lines))
    newest = max(json.loads(line).get("published_at") or "" for line in lines)
    rows = [json.loads(line) for line in (args.data / "questions.jsonl").read_text().splitlines() if line.strip()]
    # With part of the corpus, only the questions asked while those articles were news.
    rows = [r for r in rows if r["as_of"] <= newest[:10]] if args.articles else rows

    figures: dict[str, dict] = {}
    bots = {}
    for runtime in RUNTIMES:
        index = args.workdir / f"index-{runtime}"
        if index.exists():
            shutil.rmtree(index)
        bot = Assistant(index_dir=index, llm="extractive", embed_runtime=runtime)
        bot.embedder.embed(["warm up"])  # model load (and the one-time int8 export) is not ingest
        started = time.perf_counter()
        report = bot.ingest([corpus], progress=True)
        seconds = time.perf_counter() - started
        hits = sum(contains_answer(" ".join(p.text for p in bot.retrieve(r["question"], as_of=r["as_of"], k=5)), r["answers"]) for r in rows)
        stored = report.chunks_embedded + report.chunks_reused
        figures[runtime] = {
            "model_id": bot.embedder.model_id,
            "seconds": round(seconds, 1),
            "chunks": stored,
            "chunks_embedded": report.chunks_embedded,
            "chunks_reused": report.chunks_reused,
            "chunks_per_second": round(stored / seconds, 1),
            "recall_at_5": round(hits / len(rows), 4),
        }
        bots[runtime] = bot
        print(runtime, figures[runtime], file=sys.stderr)

    sample = [c.text for c in bots["torch"].store.all_chunks()[:: max(1, figures["torch"]["chunks"] // 500)]]
    cos = (bots["torch"].embedder.embed(sample) * bots["onnx-int8"].embedder.embed(sample)).sum(axis=1)
    old, new = figures["torch"], figures["onnx-int8"]
    out = {
        "articles": len(lines),
        "questions": len(rows),
        "figures": figures,
        "speedup": round(old["seconds"] / new["seconds"], 2),
        "cosine_fp32_int8": {"min": round(float(cos.min()), 4), "mean": round(float(cos.mean()), 4), "chunks": len(sample)},
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
    }
    table = [
        f"| runtime | ingest of {len(lines):,} articles | chunks stored (embedded + reused) | chunks/s | recall@5 ({len(rows)} questions) |",
        "|---|---|---|---|---|",
    ]
    for runtime, f in figures.items():
        label = "fp32 sentence-transformers (old)" if runtime == "torch" else "int8 ONNX (default)"
        table.append(
            f"| {label} | {f['seconds']} s | {f['chunks']} ({f['chunks_embedded']} + {f['chunks_reused']}) | {f['chunks_per_second']} | {f['recall_at_5']} |"
        )
    table += [
        "",
        f"Speed-up {out['speedup']}x; cosine between the two runtimes' vectors of {len(sample)} chunks: "
        f"mean {out['cosine_fp32_int8']['mean']}, min {out['cosine_fp32_int8']['min']}.",
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = f"-{args.articles}" if args.articles else ""
    (args.out / f"ingest-speed{suffix}.json").write_text(json.dumps(out, indent=2))
    (args.out / f"ingest-speed{suffix}.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
