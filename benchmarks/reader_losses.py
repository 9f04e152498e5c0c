"""Where the reader loses dev questions: for each question, the stage at which the gold
answer stops being there.

Stages, in the order an answer is made: the top-k passages retrieval hands on, the
excerpts the model reads, the model's reply, the check, the answer people see. A question
lost at "check" was answered correctly by the model and then dropped, which points at the
check; one lost at "reply" had the answer in front of the model.

    python benchmarks/reader_losses.py --every 4      # on the index benchmarks/rtqa.py built

Writes `workdir/losses.jsonl` (one record per question) and prints the tally.
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
DATA = ROOT.parent / "shared" / "benchmarks" / "rtqa-2023q1"
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=ROOT / "runs" / "bench")
    parser.add_argument("--questions", type=Path, default=DATA / "questions.jsonl")
    parser.add_argument("--every", type=int, default=4)
    parser.add_argument("--offset", type=int, default=0, help="start at this question (another subset: --offset 1 --every 4)")
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--out", type=Path, default=None, help="default workdir/losses.jsonl")
    parser.add_argument("--set", action="append", default=[], metavar="SETTING=VALUE", help="a settings override (reader_excerpts=4); repeatable")
    parser.add_argument(
        "--compare-check",
        action="store_true",
        help="also score each reply with the check as it was before commit 9c27bee (key terms from the cited excerpt only, no name rule)",
    )
    args = parser.parse_args()

    from assistant import Assistant
    from assistant.evaluation.scoring import first_sentence
    from assistant.generative import reader as reader_module
    from assistant.text import contains_answer

    seen: dict = {}
    real_read, real_check = reader_module.Reader.read, reader_module.Reader.check

    def read(self, question, standalone, ranked, as_of, extractive, *rest, **kw):
        seen["ranked"] = ranked
        seen["excerpts"] = reader_module.select_excerpts(ranked, self.settings)
        return real_read(self, question, standalone, ranked, as_of, extractive, *rest, **kw)

    def check(self, reply, *rest, **kw):
        seen["reply"] = reply
        if args.compare_check:
            real_short = reader_module.check_short_answer
            # The earlier rule: the excerpt alone backs the words, and any answer kind passes.
            reader_module.check_short_answer = lambda *a, context="", kind="other": real_short(*a)
            try:
                seen["old_check"] = real_check(self, reply, *rest, **kw)
            finally:
                reader_module.check_short_answer = real_short
        return real_check(self, reply, *rest, **kw)

    # Measurement only: the wrappers record what the reader saw and wrote, and change nothing.
    reader_module.Reader.read, reader_module.Reader.check = read, check

    overrides = dict(item.split("=", 1) for item in args.set)
    bot = Assistant(index_dir=args.workdir / "index", **overrides)
    rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    rows = rows[args.offset :: args.every][: args.limit or None]
    out_path = args.out or args.workdir / "losses.jsonl"
    stages: Counter = Counter()
    with out_path.open("w") as out:
        for i, row in enumerate(rows, 1):
            seen.clear()
            started = time.perf_counter()
            passages = bot.retrieve(row["question"], as_of=row.get("as_of"))
            asked = time.perf_counter()
            answer = bot.answer(row["question"], as_of=row.get("as_of"))
            answer_seconds = time.perf_counter() - asked
            gold = row["answers"]
            excerpts = seen.get("excerpts", [])
            reply = seen.get("reply", "")
            record = {
                "id": row["id"],
                "question": row["question"],
                "answers": gold,
                "in_passages": contains_answer(" ".join(p.text for p in passages), gold),
                "in_ranked10": contains_answer(" ".join(s.text for s in seen.get("ranked", [])[:10]), gold),
                "in_excerpts": contains_answer(" ".join(e.text for e in excerpts), gold),
                "reply": reply,
                "reply_correct": contains_answer(first_sentence(reply), gold) if reply else False,
                "reading": answer.reading,
                "refused": answer.refused,
                "dropped": answer.unsupported,
                "extractive_correct": contains_answer(first_sentence((answer.extractive or answer).text), gold) and not (answer.extractive or answer).refused,
                "correct": contains_answer(first_sentence(answer.text), gold) and not answer.refused,
                "answer": answer.text.split("\n\n")[0],
                "excerpts": [e.text for e in excerpts],
                "quote": answer.citations[0].quote if answer.citations and not answer.refused else "",
                "reworded": answer.reworded_question,
                "seconds": round(time.perf_counter() - started, 2),
                "answer_seconds": round(answer_seconds, 2),
                "read_seconds": answer.seconds.get("read"),
            }
            if "old_check" in seen:
                old = seen["old_check"]
                record["old_check_correct"] = contains_answer(first_sentence(old.text), gold) and not old.refused
                record["old_check_reading"] = old.reading
            if record["correct"]:
                stage = "correct"
            elif not record["in_passages"]:
                stage = "passages"
            elif not record["in_excerpts"]:
                stage = "excerpts"
            elif not record["reply_correct"]:
                stage = "reply"
            else:
                stage = "check"
            record["lost_at"] = stage
            stages[stage] += 1
            out.write(json.dumps(record) + "\n")
            out.flush()
            print(f"{i}/{len(rows)} {stage:9} {answer.reading or '-':9} {row['question'][:70]}", file=sys.stderr)
    total = sum(stages.values())
    records = [json.loads(line) for line in out_path.read_text().splitlines()]
    read = sorted(r["answer_seconds"] for r in records if r["read_seconds"] is not None)
    summary = {"questions": total, **{k: stages[k] for k in ("correct", "passages", "excerpts", "reply", "check")}}
    if read:
        summary |= {"read_answers": len(read), "answer_seconds_p50": round(statistics.median(read), 2), "answer_seconds_p95": read[int(0.95 * (len(read) - 1))]}
    if args.compare_check:
        summary["correct_with_old_check"] = sum(r.get("old_check_correct", r["correct"]) for r in records)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
