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
    args = parser.parse_args()

    from assistant import Assistant
    from assistant.evaluation.scoring import first_sentence
    from assistant.generative import reader as reader_module
    from assistant.text import contains_answer

    seen: dict = {}
    real_read, real_check = reader_module.Reader.read, reader_module.Reader.check

    def read(self, question, standalone, ranked, as_of, extractive):
        seen["ranked"] = ranked
        seen["excerpts"] = reader_module.select_excerpts(ranked, self.settings)
        return real_read(self, question, standalone, ranked, as_of, extractive)

    def check(self, reply, *rest, **kw):
        seen["reply"] = reply
        return real_check(self, reply, *rest, **kw)

    # Measurement only: the wrappers record what the reader saw and wrote, and change nothing.
    reader_module.Reader.read, reader_module.Reader.check = read, check

    bot = Assistant(index_dir=args.workdir / "index")
    rows = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()]
    rows = rows[args.offset :: args.every][: args.limit or None]
    out_path = args.out or args.workdir / "losses.jsonl"
    stages: Counter = Counter()
    with out_path.open("w") as out:
        for i, row in enumerate(rows, 1):
            seen.clear()
            started = time.perf_counter()
            passages = bot.retrieve(row["question"], as_of=row.get("as_of"))
            answer = bot.answer(row["question"], as_of=row.get("as_of"))
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
                "seconds": round(time.perf_counter() - started, 2),
            }
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
    print(json.dumps({"questions": total, **{k: stages[k] for k in ("correct", "passages", "excerpts", "reply", "check")}}))


if __name__ == "__main__":
    main()
