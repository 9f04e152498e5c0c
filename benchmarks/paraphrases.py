"""Questions worded unlike the articles: are they answered, and are the uncovered refused?

`benchmarks/data/paraphrases.jsonl` holds questions on the bundled corpus written for this
check: paraphrases of gold questions by `kind` (another verb, another noun, the passive
for the active, a number in words, or "mixed") with their answers, and questions the
articles do not cover (`unanswerable`, no answers) that sound like them. Each is asked on
the bundled corpus with quotes only and with the reading model (the default), by the old
code and the new, each in its own process (PYTHONPATH at its worktree).

Refusal precision: the share of refusals that were of uncovered questions; recall: the
share of uncovered questions refused.

    python benchmarks/paraphrases.py --old ../old-checkout       # old beside new
    python benchmarks/paraphrases.py                          # this code only
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETUPS = {"quotes only": {"llm": "extractive"}, "reader (default)": {}}


def worker(args: argparse.Namespace) -> None:
    from assistant import Assistant
    from assistant.evaluation.scoring import first_sentence
    from assistant.text import contains_answer

    rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    with args.out.open("w") as out:
        for label, overrides in SETUPS.items():
            if args.setup and label not in args.setup:
                continue
            bot = Assistant(index_dir=args.index, **overrides)
            if not bot.store.exists():
                bot.ingest([ROOT / "corpus"])
            for row in rows:
                started = time.perf_counter()
                answer = bot.answer(row["question"])
                seconds = time.perf_counter() - started
                ok = bool(row["answers"]) and not answer.refused and contains_answer(first_sentence(answer.text), row["answers"])
                record = {
                    "setup": label,
                    "id": row["id"],
                    "kind": row.get("kind", "mixed"),
                    "right": ok,
                    "refused": answer.refused,
                    "seconds": round(seconds, 2),
                }
                record["answer"] = first_sentence(answer.text)[:160]
                out.write(json.dumps(record) + "\n")
                out.flush()
                print(
                    f"{label} | {row['id']} | {'refused' if answer.refused else ('right' if ok else 'wrong')} | {record['answer'][:100]}",
                    file=sys.stderr,
                    flush=True,
                )


def table(results: dict[str, list[dict]]) -> str:
    lines = [
        "| code | setup | right (answerable) | by kind | refused answerable | refused uncovered | refusal precision / recall | p50 / p95 s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for side, records in results.items():
        for setup in SETUPS:
            rs = [r for r in records if r["setup"] == setup]
            if not rs:
                continue
            answerable = [r for r in rs if r["kind"] != "unanswerable"]
            uncovered = [r for r in rs if r["kind"] == "unanswerable"]
            kinds = Counter(r["kind"] for r in answerable)
            right_by = Counter(r["kind"] for r in answerable if r["right"])
            by_kind = ", ".join(f"{k} {right_by[k]}/{n}" for k, n in sorted(kinds.items()))
            refused_ok = sum(r["refused"] for r in uncovered)
            refused_bad = sum(r["refused"] for r in answerable)
            refusals = refused_ok + refused_bad
            precision = f"{refused_ok / refusals:.2f}" if refusals else "-"
            recall = f"{refused_ok / len(uncovered):.2f}" if uncovered else "-"
            seconds = sorted(r["seconds"] for r in rs)
            p95 = seconds[int(0.95 * (len(seconds) - 1))] if seconds else 0.0
            lines.append(
                f"| {side} | {setup} | {sum(r['right'] for r in answerable)}/{len(answerable)} | {by_kind} | {refused_bad}/{len(answerable)} | "
                f"{refused_ok}/{len(uncovered)} | {precision} / {recall} | {statistics.median(seconds) if seconds else 0:.1f} / {p95:.1f} |"
            )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", type=Path, default=None, help="a worktree of the old code")
    parser.add_argument("--index", type=Path, default=ROOT / "runs" / "paraphrases" / "index")
    parser.add_argument("--questions", type=Path, default=ROOT / "benchmarks" / "data" / "paraphrases.jsonl")
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "paraphrases.md")
    parser.add_argument("--setup", action="append", default=[], choices=list(SETUPS), help="only this setup (repeatable; default: all)")
    parser.add_argument("--summarise-only", action="store_true", help="only summarise the records an earlier run left in runs/")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    results = {}
    for side, tree in ([("old", args.old)] if args.old else []) + [("new", ROOT)]:
        out = ROOT / "runs" / f"paraphrases-{side}.jsonl"
        out.parent.mkdir(parents=True, exist_ok=True)
        index = args.index.resolve().with_name(args.index.name + f"-{side}")
        command = [
            sys.executable,
            str(Path(__file__).resolve()),
            "--worker",
            "--out",
            str(out),
            "--index",
            str(index),
            "--questions",
            str(args.questions.resolve()),
        ] + [f"--setup={label}" for label in args.setup]
        if args.summarise_only:
            results[side] = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
            continue
        subprocess.run(command, check=True, env={**os.environ, "PYTHONPATH": str(Path(tree).resolve())}, cwd=str(Path(tree).resolve()))
        results[side] = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    text = "# Paraphrases and uncovered questions, old beside new\n\n`python benchmarks/paraphrases.py --old <old worktree>`\n\n" + table(results) + "\n"
    print(text)
    args.results.write_text(text)


if __name__ == "__main__":
    main()
