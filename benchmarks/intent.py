"""What a question asks for (timeline, what changed, a plain fact...): the fixed phrasings
against the meaning-based reader (`assistant.intent`), on phrasings written for this check
(`benchmarks/data/intents.jsonl`, each labelled with its kind) and on the dev benchmark's
questions and the bundled gold questions (all plain facts: every kind read for them
other than "factoid" is a false alarm that would send a fact question down another path).

    python benchmarks/intent.py            # prints a table and writes benchmarks/results/intent.md

Also prints the time a judgement takes (one MiniLM query embedding).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--labelled", type=Path, default=ROOT / "benchmarks" / "data" / "intents.jsonl")
    parser.add_argument("--dev", type=Path, default=Path("/work/shared/benchmarks/rtqa-2023q1/questions.jsonl"))
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "intent.md")
    args = parser.parse_args()

    from assistant.embedding import Embedder, choose_runtime
    from assistant.intent import IntentReader, by_rules
    from assistant.settings import Settings

    settings = Settings()
    embedder = Embedder(
        settings.embed_model, settings.embed_batch_size, settings.embed_max_tokens, choose_runtime(settings.embed_runtime), settings.embed_cache_dir
    )
    reader = IntentReader(embedder.embed_unstored, settings.intent_min_similarity, settings.intent_margin)

    labelled = [json.loads(line) for line in args.labelled.read_text().splitlines() if line.strip()]
    facts = [{"question": json.loads(line)["question"], "kind": "factoid"} for line in args.dev.read_text().splitlines() if line.strip()]
    facts += [
        {"question": json.loads(line)["question"], "kind": "factoid"} for line in (ROOT / "corpus" / "gold.jsonl").read_text().splitlines() if line.strip()
    ]
    rows = []
    for name, judge in (("rules", by_rules), ("rules, then meaning", lambda q: by_rules(q) if by_rules(q) != "factoid" else reader.kind(q)[0])):
        seconds = []
        right = Counter()
        total = Counter()
        wrong = []
        for row in labelled:
            started = time.perf_counter()
            kind = judge(row["question"])
            seconds.append(time.perf_counter() - started)
            total[row["kind"]] += 1
            right[row["kind"]] += kind == row["kind"]
            if kind != row["kind"]:
                wrong.append(f"{row['question']} -> {kind} (is {row['kind']})")
        alarms = Counter(judge(r["question"]) for r in facts)
        false = sum(v for k, v in alarms.items() if k != "factoid")
        rows.append((name, right, total, false, len(facts), alarms, statistics.median(seconds) * 1000, wrong))
    lines = [
        "# What a question asks for: fixed phrasings against meaning",
        "",
        f"`python benchmarks/intent.py`: {len(labelled)} labelled phrasings (`benchmarks/data/intents.jsonl`), {len(facts)} fact questions (dev + bundled gold).",
        "",
        "| judge | " + " | ".join(f"{k} right" for k in sorted(rows[0][2])) + " | all right | fact questions read as another kind | ms a question (p50) |",
        "|---|" + "---|" * (len(rows[0][2]) + 3),
    ]
    for name, right, total, false, n, alarms, ms, _wrong in rows:
        cells = " | ".join(f"{right[k]}/{total[k]}" for k in sorted(total))
        lines.append(
            f"| {name} | {cells} | {sum(right.values())}/{sum(total.values())} | {false}/{n} ({dict((k, v) for k, v in alarms.items() if k != 'factoid')}) | {ms:.1f} |"
        )
    for name, *_, wrong in rows:
        lines += ["", f"Missed by {name}:", *[f"- {w}" for w in wrong]]
    text = "\n".join(lines) + "\n"
    print(text)
    args.out.write_text(text)


if __name__ == "__main__":
    main()
