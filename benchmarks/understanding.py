"""The dev benchmark, old code beside new in one run: accuracy, refusals of answerable and of
unanswerable questions (labels read by a person: `benchmarks/results/answerability-every4.jsonl`),
the reading model's outcomes, and the latency of read answers.

Both sides run `benchmarks/reader_losses.py` (this tree's harness) at the same time, each in
its own process with `PYTHONPATH` at its worktree, on copies of one index, so they share the
machine's load:

    python benchmarks/understanding.py --old ../old-checkout --index runs/bench/index --every 4

Writes `benchmarks/results/understanding-dev.md` and the per-question records to
`runs/understanding-<side>.jsonl`. A side's records are summarised as far as it got when
`--summarise-only` is given (a run cut short still reports its first questions, both sides
on the same ones).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path("/work/shared/benchmarks/rtqa-2023q1")


def summarise(records: list[dict], labels: dict[str, bool]) -> dict:
    answerable = [r for r in records if labels.get(r["id"]) is True]
    unanswerable = [r for r in records if labels.get(r["id"]) is False]
    read = sorted(r["answer_seconds"] for r in records if r.get("read_seconds") is not None)
    every = sorted(r["answer_seconds"] for r in records)

    def declined_refuses(r: dict) -> bool:
        return r["refused"] or r["reading"] == "declined"

    return {
        "questions": len(records),
        "correct": sum(r["correct"] for r in records),
        "refused_answerable": sum(r["refused"] for r in answerable),
        "answerable": len(answerable),
        "refused_unanswerable": sum(r["refused"] for r in unanswerable),
        "unanswerable": len(unanswerable),
        # What `reader_decline_refuses` would give on the same run: a declined read refuses.
        "decline_refuses_answerable": sum(declined_refuses(r) for r in answerable),
        "decline_refuses_unanswerable": sum(declined_refuses(r) for r in unanswerable),
        "decline_refuses_correct": sum(r["correct"] and r["reading"] != "declined" for r in records),
        "readings": {k: sum(r["reading"] == k for r in records) for k in ("answered", "declined", "dropped", "failed", "")},
        "p50_read": statistics.median(read) if read else 0.0,
        "p95_read": read[int(0.95 * (len(read) - 1))] if read else 0.0,
        "p50_all": statistics.median(every) if every else 0.0,
        "p95_all": every[int(0.95 * (len(every) - 1))] if every else 0.0,
    }


def table(results: dict[str, list[dict]], labels: dict[str, bool], cpu: str) -> str:
    # Both sides on the questions both reached.
    common = set.intersection(*({r["id"] for r in rs} for rs in results.values())) if results else set()
    lines = [
        "# Dev benchmark (rtqa-2023q1, every 4th question), old beside new",
        "",
        f"CPU: {cpu}; both sides at once on the same index; {len(common)} questions both reached.",
        "",
        "| code | accuracy | answerable refused | unanswerable refused | reader answered / declined / dropped | answer latency p50 / p95 s (read answers) | p50 / p95 s (all) |",
        "|---|---|---|---|---|---|---|",
    ]
    summaries = {}
    for side, records in results.items():
        s = summarise([r for r in records if r["id"] in common], labels)
        summaries[side] = s
        rd = s["readings"]
        lines.append(
            f"| {side} | {s['correct']}/{s['questions']} ({s['correct'] / max(s['questions'], 1):.3f}) | {s['refused_answerable']}/{s['answerable']} | "
            f"{s['refused_unanswerable']}/{s['unanswerable']} | {rd['answered']} / {rd['declined']} / {rd['dropped']} | {s['p50_read']:.1f} / {s['p95_read']:.1f} | "
            f"{s['p50_all']:.1f} / {s['p95_all']:.1f} |"
        )
    lines += ["", "With a declined read refusing (`reader_decline_refuses`), computed from the same runs:", ""]
    lines += ["| code | accuracy | answerable refused | unanswerable refused |", "|---|---|---|---|"]
    for side, s in summaries.items():
        lines.append(
            f"| {side} | {s['decline_refuses_correct']}/{s['questions']} ({s['decline_refuses_correct'] / max(s['questions'], 1):.3f}) | "
            f"{s['decline_refuses_answerable']}/{s['answerable']} | {s['decline_refuses_unanswerable']}/{s['unanswerable']} |"
        )
    return "\n".join(lines) + "\n"


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", type=Path, required=True, help="a worktree of the old code")
    parser.add_argument("--index", type=Path, required=True, help="an index of the dev corpus (copied once per side)")
    parser.add_argument("--questions", type=Path, default=DATA / "questions.jsonl")
    parser.add_argument("--labels", type=Path, default=ROOT / "benchmarks" / "results" / "answerability-every4.jsonl")
    parser.add_argument("--every", type=int, default=4)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "understanding-dev.md")
    parser.add_argument("--summarise-only", action="store_true")
    args = parser.parse_args()
    labels = {r["id"]: r["answerable"] for r in map(json.loads, args.labels.read_text().splitlines()) if r}
    sides = {"old": args.old.resolve(), "new": ROOT}
    outs = {side: ROOT / "runs" / f"understanding-{side}.jsonl" for side in sides}
    if not args.summarise_only:
        running = []
        for side, tree in sides.items():
            work = ROOT / "runs" / f"understanding-{side}"
            if not (work / "index").exists():
                shutil.copytree(args.index.resolve(), work / "index")
            outs[side].parent.mkdir(parents=True, exist_ok=True)
            command = [sys.executable, str(ROOT / "benchmarks" / "reader_losses.py"), "--workdir", str(work), "--questions", str(args.questions)]
            command += ["--every", str(args.every), "--out", str(outs[side])] + (["--limit", str(args.limit)] if args.limit else [])
            log = (ROOT / "runs" / f"understanding-{side}.log").open("w")
            running.append(subprocess.Popen(command, env={**os.environ, "PYTHONPATH": str(tree)}, cwd=str(tree), stdout=log, stderr=log))
        for process in running:
            process.wait()
    results = {side: [json.loads(line) for line in out.read_text().splitlines() if line.strip()] for side, out in outs.items() if out.exists()}
    text = table(results, labels, cpu_model())
    print(text)
    args.results.write_text(text)


if __name__ == "__main__":
    main()
