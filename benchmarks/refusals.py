"""Who gets refused on the dev benchmark, and would they have had an answer.

For each question: the refusal evidence (the question's best key-term coverage by a
passage, its best similarity to a sentence, the best sentence's score), whether the gold
answer is in the passages retrieval handed on and in the extractive ranker's first
sentence, and where in the corpus the answer can be found (`rtqa.evidence_groups`). A
refusal of a question whose answer is in the passages is a refusal that cost an answer.

With `--read`, the questions the refusal rule refuses are asked again with the reading
model and the default settings: the model rewords the question and retrieval searches
again (`reader_reword`), and reads narrowly refused ones (`reader_judges_near_refusals`),
its answer confirmed by a second question. It records the rewording, whether the new
passages hold the gold answer, what the model answers, declines or has dropped, and how
often its answer is right. `--read --all` lets it read every refused question
(`reader_when_refused`).

    python benchmarks/refusals.py --every 2              # on the index benchmarks/rtqa.py built
    python benchmarks/refusals.py --every 2 --read       # and what the model does with the refused ones

Writes `workdir/refusals.jsonl` and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "benchmarks" / "rtqa-2023q1"
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--workdir", type=Path, default=ROOT / "runs" / "bench")
    parser.add_argument("--questions", type=Path, default=DATA / "questions.jsonl")
    parser.add_argument("--corpus", type=Path, default=DATA / "corpus.jsonl.gz")
    parser.add_argument("--every", type=int, default=1)
    parser.add_argument("--offset", type=int, default=0)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--read", action="store_true", help="also ask the reading model on the questions the rule refuses")
    parser.add_argument("--all", action="store_true", help="with --read: the model reads every refused question (reader_when_refused)")
    parser.add_argument("--out", type=Path, default=None, help="default workdir/refusals.jsonl")
    parser.add_argument("--set", action="append", default=[], metavar="SETTING=VALUE", help="a settings override; repeatable")
    args = parser.parse_args()

    from rtqa import evidence_groups

    from assistant import Assistant
    from assistant.evaluation.scoring import first_sentence
    from assistant.text import contains_answer

    rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    rows = rows[args.offset :: args.every][: args.limit or None]
    groups = evidence_groups(args.corpus, rows)
    overrides = dict(item.split("=", 1) for item in args.set)
    quoted = Assistant(index_dir=args.workdir / "index", llm="extractive", **overrides)
    read_overrides = {"reader_when_refused": True} if args.all else {}
    reading = Assistant(index_dir=args.workdir / "index", **read_overrides, **overrides) if args.read else None
    out_path = args.out or args.workdir / "refusals.jsonl"
    records = []
    with out_path.open("w") as out:
        for i, row in enumerate(rows, 1):
            gold = row["answers"]
            passages = quoted.retrieve(row["question"], as_of=row.get("as_of"))
            answer = quoted.answer(row["question"], as_of=row.get("as_of"))
            record = {
                "id": row["id"],
                "question": row["question"],
                "answers": gold,
                "group": groups[row["id"]],
                "refused": answer.refused,
                **answer.evidence,
                "in_passages": contains_answer(" ".join(p.text for p in passages), gold),
                "correct": not answer.refused and contains_answer(first_sentence(answer.text), gold),
                "closest_holds_answer": contains_answer(" ".join(c.quote for c in answer.closest), gold),
            }
            if reading is not None and answer.refused:
                started = time.perf_counter()
                read_passages = []
                for event in reading.stream(row["question"], as_of=row.get("as_of")):
                    if getattr(event, "stage", "") == "reading":
                        read_passages = event.passages
                read = event
                record |= {
                    "reworded": read.reworded_question or None,
                    "read_passages_hold_answer": contains_answer(" ".join(p.text for p in read_passages), gold),
                    "read_unsupported": read.unsupported,
                    "read_reading": read.reading,
                    "read_refused": read.refused,
                    "read_correct": not read.refused and contains_answer(first_sentence(read.text), gold),
                    "read_answer": read.text.split("\n\n")[0],
                    "read_seconds": round(time.perf_counter() - started, 2),
                }
            records.append(record)
            out.write(json.dumps(record) + "\n")
            out.flush()
            print(f"{i}/{len(rows)} {'REFUSED' if answer.refused else 'answered':8} {record.get('read_reading', ''):9} {row['question'][:70]}", file=sys.stderr)

    refused = [r for r in records if r["refused"]]
    summary = {
        "questions": len(records),
        "refused": len(refused),
        "refused_answer_in_passages": sum(r["in_passages"] for r in refused),
        "refused_answer_in_recent_article": sum(r["group"] == "recent" for r in refused),
        "questions_answer_in_recent_article": sum(r["group"] == "recent" for r in records),
        "answered_correct": sum(r["correct"] for r in records),
    }
    if args.read:
        summary["read_on_refused"] = dict(Counter(r.get("read_reading") or ("refused" if r.get("read_refused") else "-") for r in refused))
        summary["read_on_refused_correct"] = sum(r.get("read_correct", False) for r in refused)
        summary["read_on_refused_still_refused"] = sum(r.get("read_refused", False) for r in refused)
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
