"""Multi-turn conversations: the share of turns answered right, old code beside new, in one run.

Sets, asked turn by turn with the earlier questions as `history` (what every face
passes) and the conversation's `as_of` day, as a person would chat:

- bundled: `benchmarks/data/conversations.jsonl`, conversations on the bundled corpus written
  for this check (pronouns, ellipsis, topic switches, a time shift, timelines and
  what-changed as later turns, an unanswerable question in the middle).
- dev: `benchmarks/data/conversations-dev.jsonl`, conversations of the same kinds written by
  hand on the news of `../shared/benchmarks/rtqa-2023q1/` (each with the day the chat
  happens, `as_of`; every gold answer is a string of an article's text).
- dev (built), only with `--dev-built-count N`: conversations built from the answerable
  questions of `benchmarks/results/answerability-every4.jsonl` (whose answering article a
  person found): the question (gold answer), a follow-up that leans on it (right when it
  cites that article's story), a timeline of it (right when it is a timeline citing that
  story), and another question of the same week (a topic switch: gold answer).

A turn is right when its answer's first sentence holds a gold answer (`answers`), or when it
is the kind `expect`ed: `timeline`, `changes` (what changed in a story), `refused`.

    python benchmarks/conversations.py --old ../old-checkout --dev-index runs/bench/index

`--summarise` rebuilds the tables from the record files of an earlier (or stopped) run; when
the two sides did not finish the same turns, only those both finished are counted.

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
        sets.append(("bundled", args.bundled_index, read_jsonl(args.conversations)))
    if args.dev_index:
        sets.append(("dev", args.dev_index, read_jsonl(args.dev_conversations)))
        if args.dev_built_count:
            sets.append(("dev (built)", args.dev_index, dev_conversations(args.questions, args.labels, args.dev_built_count)))
    if args.dev_first:
        sets.sort(key=lambda s: s[0] == "bundled")
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
                    if expect in ("refused", "refusal"):
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
                        "expect": expect or ("cites" if "cites" in turn else "answer"),
                        "gold": turn.get("answers", []),
                        "read_as": getattr(answer, "read_as", "") or answer.standalone_question,
                        "right": right,
                        "refused": answer.refused,
                        "reading": answer.reading,
                        "seconds": round(seconds, 2),
                        "answer": answer.text.split("\n\n")[0][:300],
                        "cited": sorted({c.doc_id for c in answer.citations}),
                        "timeline": size(answer.timeline),
                        "changes": size(answer.changes),
                    }
                    out.write(json.dumps(record) + "\n")
                    out.flush()
                    print(f"{name} {conv['id']}.{n} {'right' if right else 'WRONG'} {seconds:5.1f}s {turn['q'][:60]}", file=sys.stderr, flush=True)
                    history.append(turn["q"])


def size(part) -> int:
    """How many entries a timeline or a list of changes has (0 when absent)."""
    return len(part) if isinstance(part, (list, tuple)) else int(bool(part))


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in Path(path).read_text().splitlines() if line.strip()]


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


def check_dev_gold(conversations: Path, corpus: Path) -> list[str]:
    """Gold answers of the dev set that no article published by the conversation's day holds
    (the scorer's rule: case and punctuation aside): each is a fault of the set, not the code."""
    import gzip

    from assistant.text import normalize_answer

    with gzip.open(corpus, "rt", encoding="utf-8") as rows:
        articles = [(r["published_at"], normalize_answer(r["title"] + "\n" + r["text"])) for r in map(json.loads, rows)]
    faults = []
    for conv in map(json.loads, filter(str.strip, conversations.read_text(encoding="utf-8").splitlines())):
        seen = [text for day, text in articles if day <= conv["as_of"]]
        for turn in conv["turns"]:
            faults += [f"{conv['id']}: {answer!r}" for answer in turn.get("answers", []) if not any(normalize_answer(answer) in t for t in seen)]
    return faults


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
    parser.add_argument("--dev-conversations", type=Path, default=ROOT / "benchmarks" / "data" / "conversations-dev.jsonl")
    parser.add_argument("--dev-built-count", type=int, default=0, help="also run this many conversations built from labelled dev questions")
    parser.add_argument("--llm", default="local", choices=["local", "openai", "extractive"])
    parser.add_argument("--results", type=Path, default=ROOT / "benchmarks" / "results" / "conversations.md")
    parser.add_argument("--tag", default="", help="added to the names of the record files in runs/")
    parser.add_argument("--dev-first", action="store_true", help="ask the dev sets before the bundled one (a slow run that may be stopped)")
    parser.add_argument("--summarise", action="store_true", help="only rebuild the tables from the record files in runs/")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--check-gold", action="store_true", help="only check that every dev gold answer is in an article of its conversation's day")
    args = parser.parse_args()
    if args.worker:
        worker(args)
        return
    if args.check_gold:
        faults = check_dev_gold(args.dev_conversations, DATA / "corpus.jsonl.gz")
        print("\n".join(faults) or "every dev gold answer is in an article published by its conversation's day")
        sys.exit(1 if faults else 0)
    sides = ([("old", args.old)] if args.old else []) + [("new", ROOT)]
    outs = {side: ROOT / "runs" / f"conversations-{side}-{args.llm}{args.tag}.jsonl" for side, _ in sides}
    if not args.summarise:
        running = []
        for side, tree in sides:
            out = outs[side]
            out.parent.mkdir(parents=True, exist_ok=True)
            command = [sys.executable, str(Path(__file__).resolve()), "--worker", "--out", str(out), "--llm", args.llm]
            command += ["--conversations", str(args.conversations.resolve()), "--dev-conversations", str(args.dev_conversations.resolve())]
            command += ["--questions", str(args.questions), "--labels", str(args.labels), "--dev-built-count", str(args.dev_built_count)]
            command += ["--bundled-index", str(args.bundled_index.resolve().with_name(args.bundled_index.name + f"-{side}"))]
            if args.dev_index:
                command += ["--dev-index", str(args.dev_index.resolve())]
            if args.dev_first:
                command += ["--dev-first"]
            # Both sides at once: they share the machine's load. The script and its data files are
            # this tree's on both sides; only the code imported (PYTHONPATH) differs.
            running.append((side, subprocess.Popen(command, env={**os.environ, "PYTHONPATH": str(Path(tree).resolve())}, cwd=str(Path(tree).resolve()))))
        for side, process in running:
            if process.wait() != 0:
                raise SystemExit(f"the {side} side failed")
    results = {side: read_jsonl(out) for side, out in outs.items() if out.exists()}
    text = tables(results, args.llm, args.tag)
    print(text)
    update_results(args.results, args.llm + args.tag, text)


def tables(results: dict[str, list[dict]], llm: str, tag: str = "") -> str:
    """The markdown tables of one run: per set, and per kind of turn."""
    finished = [{(r["set"], r["conversation"], r["turn"]) for r in records} for records in results.values()]
    common = set.intersection(*finished) if finished else set()
    partial = any(f != common for f in finished)
    results = {side: [r for r in records if (r["set"], r["conversation"], r["turn"]) in common] for side, records in results.items()}
    lines = [
        f"`python benchmarks/conversations.py --old <old worktree> --dev-index <dev index> --llm {llm}{' --tag ' + tag if tag else ''}`; CPU: {cpu_model()}."
        + (" Partial run: only the turns both sides finished are counted." if partial else ""),
        "",
        "| set | code | conversations | turns right | later turns right (2nd on) | latency p50 / p95 s |",
        "|---|---|---|---|---|---|",
    ]
    names = list(dict.fromkeys(r["set"] for records in results.values() for r in records))
    for name in names:
        for side in results:
            records = [r for r in results[side] if r["set"] == name]
            s = summary(records)
            if s["turns"]:
                conversations = len({r["conversation"] for r in records})
                lines.append(
                    f"| {name} | {side} | {conversations} | {s['right']}/{s['turns']} ({s['right'] / s['turns']:.2f}) | {s['later_right']}/{s['later']} "
                    f"| {s['p50']:.1f} / {s['p95']:.1f} |"
                )
    lines += ["", "| set | kind of turn | " + " | ".join(results) + " |", "|---|---|" + "---|" * len(results)]
    for name in names:
        kinds = list(dict.fromkeys(r.get("expect", "answer") for records in results.values() for r in records if r["set"] == name))
        for kind in kinds:
            cells = []
            for records in results.values():
                chosen = [r for r in records if r["set"] == name and r.get("expect", "answer") == kind]
                cells.append(f"{sum(r['right'] for r in chosen)}/{len(chosen)}")
            lines.append(f"| {name} | {kind} | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


def update_results(path: Path, label: str, text: str) -> None:
    """Replace this run's section of the results file (one section per --llm and --tag), keep the rest."""
    start, end = f"<!-- run {label} -->", f"<!-- end {label} -->"
    old = path.read_text() if path.exists() else "# Multi-turn conversations, old beside new\n"
    section = f"{start}\n{text}{end}\n"
    if start in old and end in old:
        new = old[: old.index(start)] + section + old[old.index(end) + len(end) + 1 :]
    else:
        new = old.rstrip("\n") + "\n\n" + section
    path.write_text(new)


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown"


if __name__ == "__main__":
    main()
