"""Disagreements between reports: a labelled set of sentence pairs from the dev corpus, and
the detector's precision and recall on it.

    python benchmarks/disagreements.py candidates --out benchmarks/data/disagreement-pairs.jsonl
    (label each pair by reading it: "same_quantity" true/false, "agree" true/false)
    python benchmarks/disagreements.py score benchmarks/data/disagreement-pairs.jsonl

Candidates are what an answer would weigh against each other: for every `--every`-th dev
question, the sentences of the passages retrieved for it, paired across different articles
when they share most words in order (`--min-similarity`, below the detector's own bar, so
near misses are in the set) and both hold a number or a day. Pairs the detector flags and
pairs it does not are both kept, so precision and recall can be read from one set.
A pair is a true disagreement when its label says the two sentences give the same quantity
(`same_quantity`) and do not agree on it (`agree` false).
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from difflib import SequenceMatcher
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "benchmarks" / "rtqa-2023q1"
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402
from assistant.disagreements import conflict, words  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from assistant.support import numbers_in  # noqa: E402
from assistant.text import split_sentences  # noqa: E402


def candidates(args: argparse.Namespace) -> None:
    bot = Assistant(index_dir=args.index, llm="extractive")
    questions = [json.loads(line) for line in args.questions.read_text().splitlines() if line.strip()][:: args.every]
    seen: set[tuple[str, str]] = set()
    flagged, quiet = [], []
    for q in questions:
        passages = bot.retrieve(q["question"], as_of=q.get("as_of"))
        sentences = [(p, p.text[a:b]) for p in passages for a, b in split_sentences(p.text)]
        sentences = [(p, s) for p, s in sentences if numbers_in(s) and len(s.split()) >= 6]
        for i, (p1, s1) in enumerate(sentences):
            for p2, s2 in sentences[i + 1 :]:
                if p1.doc_id == p2.doc_id or s1 == s2 or (s1, s2) in seen:
                    continue
                ratio = SequenceMatcher(None, [w.lower() for w in words(s1)], [w.lower() for w in words(s2)], autojunk=False).ratio()
                if ratio < args.min_similarity:
                    continue
                seen.add((s1, s2))
                found = conflict(s1, s2, bot.settings, same_day=p1.published_at == p2.published_at)
                row = {
                    "question": q["id"],
                    "a": {"doc_id": p1.doc_id, "published_at": p1.published_at, "story_id": p1.story_id, "sentence": s1},
                    "b": {"doc_id": p2.doc_id, "published_at": p2.published_at, "story_id": p2.story_id, "sentence": s2},
                    "similarity": round(ratio, 3),
                    "detector": [list(found.first), list(found.second)] if found else None,
                    "same_quantity": None,
                    "agree": None,
                }
                (flagged if found else quiet).append(row)
    rng = random.Random(args.seed)
    rng.shuffle(quiet)
    rows = flagged + quiet[: max(0, args.pairs - len(flagged))]
    rng.shuffle(rows)
    for n, row in enumerate(rows, 1):
        row["id"] = f"p{n:03d}"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    print(f"{len(questions)} questions: {len(flagged)} flagged pairs, {len(quiet)} others; wrote {len(rows)} to {args.out}")


def score(args: argparse.Namespace) -> None:
    rows = [json.loads(line) for line in args.pairs_file.read_text().splitlines() if line.strip()]
    unlabelled = [r["id"] for r in rows if r.get("same_quantity") is None or r.get("agree") is None]
    if unlabelled:
        raise SystemExit(f"{len(unlabelled)} pairs have no label yet: {', '.join(unlabelled[:10])}")
    settings = Settings()
    tp = fp = fn = tn = 0
    mistakes = []
    for r in rows:
        truth = bool(r["same_quantity"]) and not r["agree"]
        said = conflict(r["a"]["sentence"], r["b"]["sentence"], settings, same_day=r["a"]["published_at"] == r["b"]["published_at"]) is not None
        tp += truth and said
        fp += said and not truth
        fn += truth and not said
        tn += not truth and not said
        if truth != said:
            mistakes.append((r["id"], "missed" if truth else "false alarm", r["a"]["sentence"][:120], r["b"]["sentence"][:120]))
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    print(f"{len(rows)} labelled pairs: {tp + fn} disagreements, {sum(bool(r['same_quantity']) for r in rows)} about the same quantity")
    print(
        f"detector: precision {precision if precision is None else round(precision, 3)}, recall {recall if recall is None else round(recall, 3)} (tp {tp}, fp {fp}, fn {fn}, tn {tn})"
    )
    for m in mistakes:
        print("  ", *m, sep=" | ")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("candidates")
    c.add_argument("--index", type=Path, default=ROOT / "runs" / "bench" / "index")
    c.add_argument("--questions", type=Path, default=DATA / "questions.jsonl")
    c.add_argument("--every", type=int, default=1)
    c.add_argument("--min-similarity", type=float, default=0.45)
    c.add_argument("--pairs", type=int, default=120)
    c.add_argument("--seed", type=int, default=1)
    c.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "data" / "disagreement-pairs.jsonl")
    s = sub.add_parser("score")
    s.add_argument("pairs_file", type=Path)
    args = parser.parse_args()
    candidates(args) if args.command == "candidates" else score(args)


if __name__ == "__main__":
    main()
