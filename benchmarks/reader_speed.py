"""The reading model's speed, old code beside new in one run: per-stage p50/p95 and the prompt
tokens it read per question, cached and new.

Two worker processes, one per checkout (a `git worktree` of the earlier commit is "old"),
answer the same questions in turn, interleaved (the one that goes first alternates), on the
same index with the same interpreter. Each worker times llama.cpp's own calls (`Llama.eval`
and `Llama.create_completion` are wrapped; nothing they do changes): for every model call,
the prompt's tokens, how many of them the model read anew (the rest were in its cache),
the seconds until the prompt was read (prefill: tokenising, finding a cached state, reading
the new tokens) and the seconds of the reply (generate).

Questions: `--questions` (the dev set, every `--every`th, as_of as given) asked on their own,
and `--conversations` (a gold file such as corpus/gold.jsonl): the questions about one
article asked in a row as one conversation, each with the earlier ones as its history,
so every question after the first is a follow-up.

    git -C . worktree add /tmp/old e150b17
    python benchmarks/reader_speed.py --old /tmp/old --index runs/bundled-index --conversations corpus/gold.jsonl
    python benchmarks/reader_speed.py --old /tmp/old --index runs/bench/index --questions ../shared/benchmarks/rtqa-2023q1/questions.jsonl --every 4
    python benchmarks/reader_speed.py --summarise reader-speed.jsonl     # the table of a run so far

Writes one JSON line per answer to `--out` and prints the summary table (Markdown).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _cpu() -> str:
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        name = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("Model name"))
        cores = next(line.split(":", 1)[1].strip() for line in out.splitlines() if line.startswith("CPU(s)"))
        return f"{name}, {cores} CPUs"
    except (OSError, StopIteration):
        return platform.processor() or "unknown CPU"


# ---------------------------------------------------------------- worker (one checkout)


def worker(index: Path, overrides: dict[str, str]) -> None:
    """Answer the JSON requests on stdin, one a line; one JSON result a line on stdout."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    import llama_cpp

    calls: list[dict] = []
    real_eval, real_create = llama_cpp.Llama.eval, llama_cpp.Llama.create_completion

    def create_completion(self, *args, **kwargs):
        calls.append({"started": time.perf_counter(), "evals": []})
        result = real_create(self, *args, **kwargs)
        calls[-1]["ended"] = time.perf_counter()
        return result

    def eval_(self, tokens):
        before = self.n_tokens
        real_eval(self, tokens)
        if calls:
            calls[-1]["evals"].append((before, len(tokens), time.perf_counter()))

    llama_cpp.Llama.eval, llama_cpp.Llama.create_completion = eval_, create_completion

    from assistant import Assistant
    from assistant.types import Answer, Progress

    bot = Assistant(index_dir=index, **overrides)
    print(json.dumps({"ready": True}), flush=True)
    for line in sys.stdin:
        request = json.loads(line)
        calls.clear()
        started = time.perf_counter()
        preview = None
        answer = None
        for event in bot.stream(request["question"], history=request.get("history") or None, as_of=request.get("as_of")):
            if isinstance(event, Progress) and event.answer is not None and preview is None:
                preview = time.perf_counter() - started
            if isinstance(event, Answer):
                answer = event
        total = time.perf_counter() - started
        model_calls = []
        for c in calls:
            if not c["evals"]:
                continue
            before, new, prefilled = c["evals"][0]
            model_calls.append(
                {
                    "prompt_tokens": before + new,
                    "new_tokens": new,
                    "prefill": round(prefilled - c["started"], 3),
                    "generate": round(c.get("ended", prefilled) - prefilled, 3),
                    "generated_tokens": len(c["evals"]) - 1,
                }
            )
        print(
            json.dumps(
                {
                    "text": answer.text,
                    "refused": answer.refused,
                    "reading": answer.reading,
                    "seconds": answer.seconds,
                    "total": round(total, 3),
                    "preview": round(preview, 3) if preview is not None else None,
                    "calls": model_calls,
                }
            ),
            flush=True,
        )


# ---------------------------------------------------------------- parent


class Worker:
    def __init__(self, name: str, checkout: Path, index: Path, overrides: list[str]) -> None:
        self.name = name
        env = {**os.environ, "PYTHONPATH": str(checkout), "HF_HUB_OFFLINE": "1", "OMP_WAIT_POLICY": "PASSIVE"}
        cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", "--index", str(index)] + [a for o in overrides for a in ("--set", o)]
        self.proc = subprocess.Popen(cmd, cwd=checkout, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        ready = self.proc.stdout.readline()
        if not ready:
            raise RuntimeError(f"the {name} worker did not start")

    def ask(self, request: dict) -> dict:
        self.proc.stdin.write(json.dumps(request) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the {self.name} worker stopped")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def _requests(args) -> list[dict]:
    out = []
    if args.questions:
        rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
        for row in rows[args.offset :: args.every][: args.limit or None]:
            out.append({"id": row["id"], "question": row["question"], "as_of": row.get("as_of"), "answers": row["answers"], "history": []})
    if args.conversations:
        rows = [json.loads(line) for line in args.conversations.read_text().splitlines() if line.strip()]
        stories: dict[str, list[dict]] = {}
        for row in rows:
            stories.setdefault(row["evidence"][0] if row.get("evidence") else row["id"], []).append(row)
        for story in stories.values():
            history: list[str] = []
            for row in story:
                out.append({"id": row["id"], "question": row["question"], "as_of": row.get("as_of"), "answers": row["answers"], "history": list(history)})
                history.append(row["question"])
    return out


def _pq(values: list[float]) -> str:
    if not values:
        return "—"
    values = sorted(values)
    return f"{statistics.median(values):.2f} / {values[int(0.95 * (len(values) - 1))]:.2f}"


def summarise(records: list[dict], names: list[str]) -> str:
    lines = ["| figure (p50 / p95 where two) | " + " | ".join(names) + " |", "|---|" + "---|" * len(names)]

    def row(label: str, fn) -> None:
        lines.append(f"| {label} | " + " | ".join(fn([r for r in records if r["checkout"] == n]) for n in names) + " |")

    def reader_call(r: dict) -> dict | None:
        # The reader's call is the last model call of a question that was read.
        return r["calls"][-1] if r["calls"] and r["seconds"].get("read") is not None else None

    def split(rs: list[dict], follow: bool | None) -> list[dict]:
        return [r for r in rs if follow is None or bool(r["history"]) == follow]

    row("questions", lambda rs: str(len(rs)))
    row("correct (gold in the first sentence, not refused)", lambda rs: f"{sum(r['correct'] for r in rs)} of {len(rs)}")
    row(
        "read by the model (answered / declined / dropped)",
        lambda rs: " / ".join(str(sum(r["reading"] == k for r in rs)) for k in ("answered", "declined", "dropped")),
    )
    for label, follow in (("all questions", None), ("first questions", False), ("follow-ups", True)):
        sub = lambda rs, f=follow: split(rs, f)  # noqa: E731
        if not any(split(records, follow)) or (follow is not None and not any(r["history"] for r in records)):
            continue
        row(f"**{label}**: answer seconds", lambda rs, s=sub: _pq([r["total"] for r in s(rs)]))
        row(f"{label}: answer seconds, read answers only", lambda rs, s=sub: _pq([r["total"] for r in s(rs) if reader_call(r)]))
        row(f"{label}: first preview shown, s", lambda rs, s=sub: _pq([r["preview"] for r in s(rs) if r["preview"] is not None]))
        row(f"{label}: model calls a question", lambda rs, s=sub: _pq([len(r["calls"]) for r in s(rs)]))
        row(
            f"{label}: prompt tokens the model read anew, all calls a question",
            lambda rs, s=sub: _pq([sum(c["new_tokens"] for c in r["calls"]) for r in s(rs) if r["calls"]]),
        )
        row(f"{label}: reader prompt tokens", lambda rs, s=sub: _pq([reader_call(r)["prompt_tokens"] for r in s(rs) if reader_call(r)]))
        row(f"{label}: reader prompt tokens read anew", lambda rs, s=sub: _pq([reader_call(r)["new_tokens"] for r in s(rs) if reader_call(r)]))
        row(
            f"{label}: reader prompt tokens from the cache",
            lambda rs, s=sub: _pq([reader_call(r)["prompt_tokens"] - reader_call(r)["new_tokens"] for r in s(rs) if reader_call(r)]),
        )
    row("stage retrieve, s", lambda rs: _pq([r["seconds"]["retrieve"] for r in rs if "retrieve" in r["seconds"]]))
    row("stage rank (extract), s", lambda rs: _pq([r["seconds"]["extract"] for r in rs if "extract" in r["seconds"]]))
    row("stage condense (model), s", lambda rs: _pq([r["calls"][0]["prefill"] + r["calls"][0]["generate"] for r in rs if r["history"] and r["calls"]]))
    row("stage prefill (reader), s", lambda rs: _pq([reader_call(r)["prefill"] for r in rs if reader_call(r)]))
    row("stage generate (reader), s", lambda rs: _pq([reader_call(r)["generate"] for r in rs if reader_call(r)]))
    row(
        "stage check (read less the model), s",
        lambda rs: _pq([r["seconds"]["read"] - reader_call(r)["prefill"] - reader_call(r)["generate"] for r in rs if reader_call(r)]),
    )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--old", type=Path, help="checkout of the earlier code")
    parser.add_argument("--new", type=Path, default=ROOT, help="checkout of the new code (default: this one)")
    parser.add_argument("--index", type=Path, help="the index both checkouts read")
    parser.add_argument("--summarise", type=Path, default=None, metavar="JSONL", help="only print the table of an earlier (or unfinished) run's --out file")
    parser.add_argument("--questions", type=Path, default=None)
    parser.add_argument("--every", type=int, default=4)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--conversations", type=Path, default=None)
    parser.add_argument("--set", action="append", default=[], metavar="SETTING=VALUE", help="a settings override for both checkouts; repeatable")
    parser.add_argument("--set-new", action="append", default=[], metavar="SETTING=VALUE", help="a settings override for the new checkout only")
    parser.add_argument("--out", type=Path, default=Path("reader-speed.jsonl"))
    args = parser.parse_args()
    if args.worker:
        worker(args.index, dict(item.split("=", 1) for item in args.set))
        return
    if args.summarise:
        records = [json.loads(line) for line in args.summarise.read_text().splitlines() if line.strip()]
        names = list(dict.fromkeys(r["checkout"] for r in records))
        # Only questions both checkouts answered, so that the columns compare like with like.
        both = {r["id"] for r in records if r["checkout"] == names[0]} & {r["id"] for r in records if r["checkout"] == names[-1]}
        print(summarise([r for r in records if r["id"] in both], names))
        return
    if args.index is None:
        parser.error("--index is needed")
    sys.path.insert(0, str(args.new))
    from assistant.evaluation.scoring import first_sentence
    from assistant.text import contains_answer

    requests = _requests(args)
    if not requests:
        parser.error("give --questions and/or --conversations")
    checkouts = [("new", args.new, args.set + args.set_new)]
    if args.old:
        checkouts.insert(0, ("old", args.old, args.set))
    workers = [Worker(name, path, args.index.resolve(), sets) for name, path, sets in checkouts]
    records = []
    try:
        with args.out.open("w") as out:
            for i, request in enumerate(requests):
                order = workers if i % 2 == 0 else workers[::-1]
                for w in order:
                    result = w.ask({k: request[k] for k in ("question", "history", "as_of")})
                    correct = contains_answer(first_sentence(result["text"]), request["answers"]) and not result["refused"]
                    record = {"checkout": w.name, "id": request["id"], "history": request["history"], "correct": correct, **result}
                    records.append(record)
                    out.write(json.dumps(record) + "\n")
                    out.flush()
                    reader = result["calls"][-1] if result["calls"] else {}
                    print(
                        f"{i + 1}/{len(requests)} {w.name:3} {result['total']:6.2f}s {result['reading'] or '-':9} "
                        f"tokens {reader.get('prompt_tokens', 0)}/{reader.get('new_tokens', 0)} new {'ok' if correct else '--'} {request['question'][:50]}",
                        file=sys.stderr,
                    )
    finally:
        for w in workers:
            w.close()
    print(f"CPU: {_cpu()}; {time.strftime('%Y-%m-%d %H:%M')}; old {args.old or '-'}, new {args.new}\n")
    print(summarise(records, [name for name, *_ in checkouts]))


if __name__ == "__main__":
    main()
