"""Questions worded unlike the articles: does the assistant still answer them?

`benchmarks/data/paraphrases.jsonl` holds paraphrases of bundled gold questions ("halted"
for "suspended", "disclosed … notice" for "revealed … warning"), written for this check,
with their answers. Each is asked on the bundled corpus three ways: quotes only, with the
reading model but no second search, and with the default rewording of refused questions
(`reader_reword`). Prints each answer and the counts.

    python benchmarks/paraphrases.py                    # builds an index of corpus/ in runs/paraphrases/index
    python benchmarks/paraphrases.py --index index/     # or uses one
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=ROOT / "runs" / "paraphrases" / "index")
    parser.add_argument("--questions", type=Path, default=ROOT / "benchmarks" / "data" / "paraphrases.jsonl")
    args = parser.parse_args()

    from assistant import Assistant
    from assistant.evaluation.scoring import first_sentence
    from assistant.text import contains_answer

    rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    setups = (
        ("quotes only", {"llm": "extractive"}),
        ("reader, no rewording", {"reader_reword": False}),
        ("reader with rewording (default)", {}),
    )
    for label, overrides in setups:
        bot = Assistant(index_dir=args.index, **overrides)
        if not bot.store.exists():
            bot.ingest([ROOT / "corpus"])
        right = refused = 0
        started = time.perf_counter()
        for row in rows:
            answer = bot.answer(row["question"])
            ok = not answer.refused and contains_answer(first_sentence(answer.text), row["answers"])
            right += ok
            refused += answer.refused
            verdict = "refused" if answer.refused else ("right" if ok else "wrong")
            print(f"{label} | {row['id']} | {verdict} | {answer.reworded_question or '-'} | {first_sentence(answer.text)[:100]}", flush=True)
        print(f"== {label}: {right} right, {refused} refused of {len(rows)} ({time.perf_counter() - started:.0f} s)\n", flush=True)


if __name__ == "__main__":
    main()
