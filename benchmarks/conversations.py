"""Multi-turn conversations: the share of turns answered right, old code beside new, in one run.

Two sets, asked turn by turn with the earlier questions as `history` (what every face
passes), as a person would chat:

- `benchmarks/data/conversations.jsonl`: conversations on the bundled corpus written for
  this check (pronouns, ellipsis, topic switches, a time shift, timelines and what-changed
  as later turns, an unanswerable question in the middle). A turn is right when its answer's
  first sentence holds a gold answer (`answers`), or when it is the kind `expect`ed: a
  timeline, the changes of a story, a refusal.
- dev conversations on `../shared/benchmarks/rtqa-2023q1/`, built from the answerable
  questions of `benchmarks/results/answerability-every4.jsonl` (whose answering article a
  person found): the question (gold answer), a follow-up that leans on it (right when it
  cites that article's story), a timeline of it (right when it is a timeline citing that
  story), and another question of the same week (a topic switch: gold answer).

    python benchmarks/conversations.py --old ../old-checkout --dev-index runs/bench/index

Each side runs in its own process (`PYTHONPATH` at the old worktree, and at this one), both
at once on the same indexes; prints the table and writes `benchmarks/results/conversations.md` and
the turns to `runs/conversations-<side>.jsonl`.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path("/work/shared/benchmarks/rtqa-2023q1") if not (ROOT.parent / "shared").exists() else ROOT.parent / "shared" / "benchmarks" / "rtqa-2023q1"
FOLLOW_UPS = (
    "What else do the articles say about it?",
    "Who reported that?",
    "Tell me more about them.",
    "Why did that happen?",
    "And what happened next?",
)
TIMELINES = ("Give me a timeline of it.", "How did that story unfold?", "Walk me through what happened, in order.")


def dev_conversations(questions: Path, labels: Path, count: int) -> list[dict]:
    """Conversations built from the labelled answerable dev questions (deterministic)."""
    rows = {r["id"]: r for r in map(json.loads, questions.read_text().splitlines()) if r}
    answerable = [r for r in map(json.loads, labels.read_text().splitlines()) if r and r["answerable"]]
    by_day: dict[str, list[dict]] = {}
    for label in answerable:
        by_day.setdefault(rows[label["id"]]["as_of"], []).append(label)
    out = []
    for i, label in enumerate(answerable):
        row = rows[label["id"]]
        others = [x for x in by_day[row["as_of"]] if x["id"] != label["id"]]
        if not others:
            continue
        other = rows[others[i % len(others)]["id"]]
        out.append(
            {
                "id": f"d{len(out) + 1:02d}",
                "as_of": row["as_of"],
                "turns": [
                    {"q": row["question"], "answers": row["answers"]},
                    {"q": FOLLOW_UPS[i % len(FOLLOW_UPS)], "cites": label["article_id"]},
                    {"q": TIMELINES[i % len(TIMELINES)], "expect": "timeline", "cites": label["article_id"]},
                    {"q": other["question"], "answers": other["answers"]},
                ],
            }
        )
        if len(out) >= count:
            break
    return out


def worker(args: argparse.Namespace) -> None:
    """Ask every conversation with the code on PYTHONPATH; one JSON line per turn."""
    from assistant import Assistant
    from assistant.evaluation.scoring import first_sentence
    from assistant.text import contains_answer

    sets = []
    if args.bundled_index:
        sets.append(("bundled", args.bundled_index, [json.loads(line) for line in args.conversations.read_text().splitlines() if line.strip()]))
    if args.dev_index:
        sets.append(("dev", args.dev_index, dev_conversations(args.questions, args.labels, args.dev_count)))
    with args.out.open("w") as out:
        for name, index, conversations in sets:
            bot = Assistant(index_dir=index, llm=args.llm)
            if name == "bundled" and not bot.store.exists():
                bot.ingest([ROOT / "corpus"])
            retriever = bot.retriever

            def story(doc: str, retriever=retriever) -> str:
                chunks = retriever.article(doc)
                return chunks[0].metadata.get("story_id", doc) if chunks else doc

            for conv in conversations:
                history: list[str] = []
                for n, turn in enumerate(conv["turns"], 1):
                    started = time.perf_counter()
                    answer = bot.answer(turn["q"], history=list(history), as_of=conv.get("as_of"))
                    seconds = time.perf_counter() - started
                    expect = turn.get("expect")
                    cited = {story(c.doc_id) for c in answer.citations}
                    if expect == "refused":
                        right = answer.refused
                    elif expect == "timeline":
                        right = bool(answer.timeline) and ("cites" not in turn or story(turn["cites"]) in cited)
                    elif expect == "changes":
                        right = bool(answer.changes)
                    elif "cites" in turn:
                        right = not answer.refused and story(turn["cites"]) in cited
                    else:
                        right = not answer.refused and contains_answer(first_sentence(answer.text), turn["answers"])
                    record = {
                        "set": name,
                        "conversation": conv["id"],
                        "turn": n,
                        "question": turn["q"],
                        "read_as": getattr(answer, "read_as", "") or answer.standalone_question,
                        "right": right,
                        "refused": answer.refused,
                        "reading": answer.reading,
                        "seconds": round(seconds, 2),
                        "answer": answer.text.split("\n\n")[0][:300],
                    }
                    out.write(json.dumps(record) + "\n")
                    out.flush()
                    print(f"{name} {conv['id']}.{n} {'right' if right else 'WRONG'} {seconds:5.1f}s {turn['q'][:60]}", file=sys.stderr, flush=True)
                    history.append(turn["q"])


def summary(records: list[dict]) -> dict:
    later = [r for r in records if r["turn"] > 1]
    seconds = sorted(r["seconds"] for r in records)
    return {
        "turns": len(records),
        "right": sum(r["right"] for r in records),
        "later_right": sum(r["right"] for r in later),
        "later": len(later),
        "p50": statistics.median(seconds) if seconds else 0.0,
        "p95": seconds[int(0.95 * (len(seconds) - 1))] if seconds else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", type=Path, default=None, help="a worktree of the old code (git worktree add ../old-checkout e150b17)")
    parser.add_argument("--bundled-index", type=Path, default=ROOT / "runs" / "conversations" / "bundled-index")
    parser.add_argument(
        "--dev-index", type=Path, default=None, help="an index of the dev corpus (benchmarks/rtqa.py builds one); without it only the bundled set runs"
    )
    parser.add_argument("--conversations", type=Path, default=ROOT / "benchmarks" / "data" / "conversations.jsonl")
    parser.add_argument("--questions", type=Path, default=DATA / "questions.jsonl")
    parser.add_argument("--labels", type=Path, default=ROOT / "benchmarks" / "results" / "answerability-every4.jsonl")
    parser.add_argument("--dev-count", type=int, default=20)
    parser.add_argument("--llm", default="local", choices=["local", "openai", "extractive"])
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "conversations.md")
    parser.add_argument("--tag", default="", help="added to the names of the record files in runs/")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    sides = ([("old", args.old)] if args.old else []) + [("new", ROOT)]
    results = {}
    running = []
    for side, tree in sides:
        out = ROOT / "runs" / f"conversations-{side}-{args.llm}{args.tag}.jsonl"
        out.parent.mkdir(parents=True, exist_ok=True)
        command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--out", str(out), "--llm", args.llm, "--dev-count", str(args.dev_count)]
        command += ["--conversations", str(args.conversations), "--questions", str(args.questions), "--labels", str(args.labels)]
        command += ["--bundled-index", str(args.bundled_index.resolve().with_name(args.bundled_index.name + f"-{side}"))]
        if args.dev_index:
            command += ["--dev-index", str(args.dev_index.resolve())]
        # Both sides at once: they share the machine's load.
        running.append((side, out, subprocess.Popen(command, env={**os.environ, "PYTHONPATH": str(Path(tree).resolve())}, cwd=str(Path(tree).resolve()))))
    for side, out, process in running:
        if process.wait() != 0:
            raise SystemExit(f"the {side} side failed")
        results[side] = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    lines = [
        "# Multi-turn conversations, old beside new",
        "",
        f"`python benchmarks/conversations.py --old <old worktree> --dev-index <dev index> --llm {args.llm}`; CPU: {cpu_model()}.",
        "",
        "| set | code | turns right | later turns right (2nd on) | latency p50 / p95 s |",
        "|---|---|---|---|---|",
    ]
    for name in ("bundled", "dev"):
        for side in results:
            s = summary([r for r in results[side] if r["set"] == name])
            if s["turns"]:
                lines.append(
                    f"| {name} | {side} | {s['right']}/{s['turns']} ({s['right'] / s['turns']:.2f}) | {s['later_right']}/{s['later']} | {s['p50']:.1f} / {s['p95']:.1f} |"
                )
    text = "\n".join(lines) + "\n"
    print(text)
    args.results.write_text(text)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


if __name__ == "__main__":
    main()
