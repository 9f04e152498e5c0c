"""Ingest speed, side by side in one run, with retrieval recall@5.

Builds one fresh index per path from the same articles of the RealTimeQA 2023-Q1 corpus,
timing the whole ingest (read, clean, chunk, embed, write, group versions), then scores
recall@5 (gold answer string in the top-5 retrieved passages) on the questions asked while
those articles were news, and the cosine of the path's vectors to fp32 ones for 500 chunks.

A path is an embedding runtime of this checkout (`torch`: fp32 sentence-transformers;
`onnx-int8`; `bf16`, the default on CPUs with AMX) or, with `--old`, a runtime of another
checkout (a `git worktree` of an earlier commit). Each is measured in a process of its own,
one after the other, so none is slowed or helped by another's loaded models.

    python benchmarks/ingest_speed.py                                   # the whole corpus, every runtime here
    python benchmarks/ingest_speed.py --articles 600                    # the first 600 articles (a quick look)
    git worktree add /tmp/old d1a80ca
    python benchmarks/ingest_speed.py --old /tmp/old --old-runtimes onnx-int8 --runtimes bf16
    python benchmarks/ingest_speed.py --runtimes bf16 --chunkings 254/0 200/0   # other chunk sizes / overlaps
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "benchmarks" / "rtqa-2023q1"

RUNTIMES = ("torch", "onnx-int8", "bf16")
LABELS = {"torch": "fp32 sentence-transformers", "onnx-int8": "int8 ONNX", "bf16": "bf16 PyTorch (AMX)"}
SAMPLE = 500


def measure(args: argparse.Namespace) -> None:
    """One path, in this process: the checkout on sys.path is the one measured."""
    sys.path.insert(0, str(args.tree))
    from assistant import Assistant
    from assistant.embedding import Embedder
    from assistant.text import contains_answer

    rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    index = args.workdir / f"index-{args.label}"
    if index.exists():
        shutil.rmtree(index)
    overrides = {k: int(v) for k, v in (item.split("=", 1) for item in args.set)}
    bot = Assistant(index_dir=index, llm="extractive", embed_runtime=args.runtime, **overrides)
    bot.embedder.embed(["warm up"])  # model load (and the one-time ONNX export) is not ingest
    started = time.perf_counter()
    report = bot.ingest([args.corpus], progress=False)
    seconds = time.perf_counter() - started
    hits = sum(contains_answer(" ".join(p.text for p in bot.retrieve(r["question"], as_of=r["as_of"], k=5)), r["answers"]) for r in rows)
    chunks = bot.store.all_chunks()
    sample = [c.text for c in chunks[:: max(1, len(chunks) // SAMPLE)]][:SAMPLE]
    cos = (Embedder(bot.settings.embed_model, runtime="torch").embed(sample) * bot.embedder.embed(sample)).sum(axis=1)
    stored = report.chunks_embedded + report.chunks_reused
    print(
        json.dumps(
            {
                "model_id": bot.embedder.model_id,
                "seconds": round(seconds, 1),
                "chunks": stored,
                "chunks_embedded": report.chunks_embedded,
                "chunks_reused": report.chunks_reused,
                "chunks_per_second": round(stored / seconds, 1),
                "recall_at_5": round(hits / len(rows), 4),
                "cosine_to_fp32": {"mean": round(float(cos.mean()), 4), "min": round(float(cos.min()), 4)},
                "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--articles", type=int, default=None, help="only the first N articles")
    parser.add_argument("--workdir", type=Path, default=ROOT / "runs" / "ingest_speed")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--runtimes", nargs="*", choices=RUNTIMES, default=list(RUNTIMES), help="runtimes of this checkout, in this order")
    parser.add_argument("--old", type=Path, default=None, help="another checkout, measured first (the baseline)")
    parser.add_argument("--old-runtimes", nargs="+", default=["onnx-int8"], help="runtimes of the --old checkout")
    parser.add_argument(
        "--chunkings", nargs="*", default=[], metavar="TOKENS/OVERLAP", help="more paths: the last runtime with other chunk sizes and overlaps (254/0)"
    )
    parser.add_argument("--set", action="append", default=[], help=argparse.SUPPRESS)
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--tree", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--runtime", help=argparse.SUPPRESS)
    parser.add_argument("--label", help=argparse.SUPPRESS)
    parser.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--questions", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args)
        return

    args.workdir.mkdir(parents=True, exist_ok=True)
    corpus = args.workdir / "corpus.jsonl"
    with gzip.open(args.data / "corpus.jsonl.gz", "rt", encoding="utf-8") as f:
        lines = [line for line in f if line.strip()][: args.articles or None]
    corpus.write_text("".join(lines))
    newest = max(json.loads(line).get("published_at") or "" for line in lines)
    rows = [json.loads(line) for line in (args.data / "questions.jsonl").read_text().splitlines() if line.strip()]
    # With part of the corpus, only the questions asked while those articles were news.
    rows = [r for r in rows if r["as_of"] <= newest[:10]] if args.articles else rows
    questions = args.workdir / "questions.jsonl"
    questions.write_text("".join(json.dumps(r) + "\n" for r in rows))

    def commit(tree: Path) -> str:
        return subprocess.run(["git", "describe", "--always", "--dirty"], cwd=tree, capture_output=True, text=True).stdout.strip()

    paths = [(f"old {commit(args.old)} {LABELS.get(r, r)}", args.old.resolve(), r) for r in args.old_runtimes] if args.old else []
    paths += [(f"{commit(ROOT)} {LABELS[r]}", ROOT, r) for r in args.runtimes]
    sets: dict[int, list[str]] = {}
    for chunking in args.chunkings:
        tokens, overlap = chunking.split("/")
        sets[len(paths)] = ["--set", f"chunk_tokens={tokens}", "--set", f"chunk_overlap={overlap}"]
        paths.append((f"{commit(ROOT)} {LABELS[args.runtimes[-1]]}, chunks of {tokens} tokens overlapping {overlap}", ROOT, args.runtimes[-1]))
    figures: dict[str, dict] = {}
    for i, (label, tree, runtime) in enumerate(paths):
        cmd = [sys.executable, __file__, "--measure", "--tree", str(tree), "--runtime", runtime, "--label", str(i)] + sets.get(i, [])
        cmd += ["--corpus", str(corpus), "--questions", str(questions), "--workdir", str(args.workdir)]
        env = {**os.environ, "HF_HUB_OFFLINE": "1"}
        done = subprocess.run(cmd, cwd=tree, env=env, capture_output=True, text=True)
        if done.returncode:
            sys.exit(f"{label} failed:\n{done.stderr[-3000:]}")
        figures[label] = json.loads(done.stdout.strip().splitlines()[-1])
        print(label, figures[label], file=sys.stderr)

    base = next(iter(figures.values()))
    out = {"articles": len(lines), "questions": len(rows), "figures": figures}
    table = [
        f"| path | ingest of {len(lines):,} articles | chunks stored (embedded + reused) | chunks/s | speed-up | recall@5 ({len(rows)} questions) | cosine to fp32 (mean / min) | peak RSS |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for label, f in figures.items():
        f["speedup"] = round(base["seconds"] / f["seconds"], 2)
        c = f["cosine_to_fp32"]
        table.append(
            f"| {label} | {f['seconds']} s | {f['chunks']} ({f['chunks_embedded']} + {f['chunks_reused']}) | {f['chunks_per_second']} "
            f"| {f['speedup']}x | {f['recall_at_5']} | {c['mean']} / {c['min']} | {f['max_rss_mb']} MB |"
        )
    table += ["", f"One run, one path after the other; speed-up against the first row; cosines over {SAMPLE} stored chunks."]
    args.out.mkdir(parents=True, exist_ok=True)
    suffix = f"-{args.articles}" if args.articles else ""
    (args.out / f"ingest-speed{suffix}.json").write_text(json.dumps(out, indent=2))
    (args.out / f"ingest-speed{suffix}.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))


if __name__ == "__main__":
    main()
