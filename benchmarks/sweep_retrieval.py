"""Measure retrieval recall@k on RealTimeQA for several retrieval settings, on one built index.

Retrieval settings (fusion weights, recency, candidate pool) do not change the index, so
they can be compared in seconds; this is how their defaults were chosen. Chunk size needs
an index per value (`--index` of a build made with other ASSISTANT_CHUNK_TOKENS).

    python benchmarks/sweep_retrieval.py --index runs/bench/index
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
QUESTIONS = ROOT.parent / "shared" / "benchmarks" / "rtqa-2023q1" / "questions.jsonl"


def recall(bot, rows, k: int) -> float:
    from assistant.text import contains_answer

    hits = 0
    for row in rows:
        passages = bot.retrieve(row["question"], as_of=row.get("as_of"), k=k)
        hits += contains_answer(" ".join(p.text for p in passages), row["answers"])
    return hits / len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--questions", type=Path, default=QUESTIONS)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--grid", default="dense_weight=0.5,1,2;bm25_weight=1;recency_weight=0,1,3;recency_half_life_days=7", help="setting=v1,v2;setting=...")
    args = parser.parse_args()
    from assistant import Assistant

    rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    grid = [(name, [float(v) for v in values.split(",")]) for name, values in (part.split("=") for part in args.grid.split(";"))]
    names = [n for n, _ in grid]
    base = Assistant(index_dir=args.index)
    base.retrieve("warm up", k=1)
    print("| " + " | ".join(names) + f" | recall@{args.k} | seconds |")
    print("|" + "---|" * (len(names) + 2))
    for values in itertools.product(*(v for _, v in grid)):
        overrides = dict(zip(names, values))
        bot = base
        bot.settings = base.settings.with_overrides(**overrides)
        bot.retriever.settings = bot.settings
        started = time.perf_counter()
        r = recall(bot, rows, args.k)
        print("| " + " | ".join(f"{v:g}" for v in values) + f" | {r:.4f} | {time.perf_counter() - started:.0f} |", flush=True)


if __name__ == "__main__":
    main()
