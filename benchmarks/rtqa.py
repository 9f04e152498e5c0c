"""RealTimeQA 2023-Q1 benchmark: ingest, answer all 390 questions, compare with plain llama-index.

Writes one table (accuracy, retrieval recall@5 for this project and for the plain
llama-index pipeline, refusals, latency p50/p95, ingest time) to
`benchmarks/results/rtqa-2023q1.md` and the figures to `rtqa-2023q1.json`.

Accuracy is the benchmark's metric: the gold answer must appear in the answer's first
sentence (citations stripped, at most 50 words); a refusal counts as wrong. Recall@5 is the
share of questions whose gold answer string occurs in the top-5 retrieved passages.

    python benchmarks/rtqa.py                      # fresh index in runs/bench/index, then everything
    python benchmarks/rtqa.py --reuse-index        # keep the index (and its measured ingest time) from an earlier run
    python benchmarks/rtqa.py --limit 100 --skip-baseline
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "benchmarks" / "rtqa-2023q1"
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="folder with corpus.jsonl.gz and questions.jsonl")
    parser.add_argument("--workdir", type=Path, default=ROOT / "runs" / "bench")
    parser.add_argument("--reuse-index", action="store_true", help="reuse workdir/index when it exists")
    parser.add_argument("--skip-baseline", action="store_true", help="do not run the plain llama-index pipeline")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions")
    parser.add_argument("--every", type=int, default=1, help="only every Nth question (a subset spread over the quarter)")
    parser.add_argument("--llm", choices=["local", "openai", "extractive"], default=None, help="who answers (default: the settings' default, the local reader)")
    parser.add_argument("--reader-model", default=None, help="reading model for --llm local (default: the settings' default)")
    parser.add_argument("--baseline-workdir", type=Path, default=None, help="where the llama-index baseline keeps its index (default workdir/llamaindex)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--set", action="append", default=[], metavar="SETTING=VALUE", help="a settings override (reader_excerpts=8); repeatable")
    parser.add_argument(
        "--labels",
        type=Path,
        default=None,
        help="answerability labels read by a person (benchmarks/results/answerability-every4.jsonl): accuracy is also split by whether an article answers the question",
    )
    args = parser.parse_args()

    from assistant import Assistant
    from assistant.evaluation import evaluate
    from assistant.text import contains_answer

    corpus, questions = args.data / "corpus.jsonl.gz", args.data / "questions.jsonl"
    index = args.workdir / "index"
    overrides = {k: v for k, v in {"llm": args.llm, "reader_model": args.reader_model}.items() if v} | dict(item.split("=", 1) for item in args.set)
    bot = Assistant(index_dir=index, **overrides)
    ingest_record = args.workdir / "ingest.json"
    if args.reuse_index and bot.store.exists() and ingest_record.exists():
        # The time measured when this index was built, by this script.
        ingest_seconds = json.loads(ingest_record.read_text())["seconds"]
    else:
        if index.exists():
            shutil.rmtree(index)
        started = time.perf_counter()
        report = bot.ingest([corpus], progress=True)
        ingest_seconds = round(time.perf_counter() - started, 1)
        ingest_record.write_text(json.dumps({"seconds": ingest_seconds, "summary": report.summary().splitlines()[0]}))
        print(report.summary().splitlines()[0], file=sys.stderr)

    rows = [json.loads(line) for line in questions.read_text().splitlines() if line.strip()][: args.limit or None][:: args.every]
    evaluation = evaluate(rows, bot, progress=True)
    evaluation.write(args.workdir / "eval")
    by_id = {r.id: r for r in evaluation.results}
    rss_mb = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    hits = []
    for row in rows:
        passages = bot.retrieve(row["question"], as_of=row.get("as_of"), k=5)
        hits.append(contains_answer(" ".join(p.text for p in passages), row["answers"]))

    groups = evidence_groups(corpus, rows)
    read_backend = bot.settings.llm != "extractive"

    def split(key) -> dict[str, dict]:
        """Accuracy of the read and of the extractive answers per group of questions."""
        out: dict[str, dict] = defaultdict(lambda: {"questions": 0, "read": 0, "extractive": 0})
        for row in rows:
            r = by_id[row["id"]]
            cell = out[key(row)]
            cell["questions"] += 1
            cell["read"] += r.first_sentence_correct
            cell["extractive"] += bool(r.extractive_first_sentence_correct if r.extractive_answer is not None else r.first_sentence_correct)
        return {
            k: {"questions": v["questions"], "read": round(v["read"] / v["questions"], 4), "extractive": round(v["extractive"] / v["questions"], 4)}
            for k, v in sorted(out.items())
        }

    # Two periods, to see that a change helps questions it was not looked at on.
    period = lambda row: "Jan 6 - Feb 10" if row.get("week", "") < "20230217" else "Feb 17 - Mar 31"  # noqa: E731
    results = evaluation.results
    answer_there = [r for r in results if groups[r.id] == "recent"]

    def refusals(rs, extractive: bool) -> int:
        return sum(bool(r.extractive_refused if (extractive and r.extractive_answer is not None) else r.refused) for r in rs)

    answerable: dict[str, str] = {}
    if args.labels:
        labels = {r["id"]: r["answerable"] for r in map(json.loads, args.labels.read_text().splitlines()) if r}
        answerable = {row["id"]: ("answerable" if labels[row["id"]] else "unanswerable") if row["id"] in labels else "unlabelled" for row in rows}

    baseline = None
    if not args.skip_baseline:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from llamaindex_baseline import run_baseline

        baseline = run_baseline(corpus, questions, args.baseline_workdir or args.workdir / "llamaindex", limit_questions=args.limit)

    s = evaluation.summary
    ex = s.get("extractive") or {}
    figures = {
        "questions": s["questions"],
        "backend": bot.settings.llm,
        "reader_model": bot.settings.reader_model if bot.settings.llm == "local" else None,
        "accuracy_first_sentence": s["first_sentence_accuracy"],
        # Where the refusal rule refused, the model was not asked and the quoted answer is the answer.
        "accuracy_first_sentence_extractive": split(lambda row: "all")["all"]["extractive"],
        "accuracy_anywhere_in_answer": s["answerable_accuracy"],
        "recall_at_5": round(sum(hits) / len(hits), 4),
        "recall_at_5_plain_llamaindex": (baseline or {}).get("recall_at_5"),
        "refusals": s["refusals"],
        "refusals_extractive": refusals(results, True),
        "refusals_answer_in_recent_article": refusals(answer_there, False),
        "refusals_answer_in_recent_article_extractive": refusals(answer_there, True),
        "questions_answer_in_recent_article": len(answer_there),
        "reading": s.get("reading"),
        "latency_p50_ms": s["latency_p50_ms"],
        "latency_p95_ms": s["latency_p95_ms"],
        "latency_extractive_p50_ms": ex.get("latency_p50_ms"),
        "latency_extractive_p95_ms": ex.get("latency_p95_ms"),
        "max_rss_mb": rss_mb,
        "ingest_seconds": ingest_seconds,
        "ingest_seconds_plain_llamaindex": (baseline or {}).get("ingest_seconds"),
        "chunks": evaluation.meta["index"]["chunks"],
        "accuracy_by_source": split(lambda row: row.get("source", "?")),
        "accuracy_by_evidence": split(lambda row: groups[row["id"]]),
        "accuracy_by_period": split(period),
        "accuracy_by_answerability": split(lambda row: answerable[row["id"]]) if answerable else {},
        "git_commit": evaluation.meta["git_commit"],
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "rtqa-2023q1.json").write_text(
        json.dumps({"figures": figures, "baseline": {k: v for k, v in (baseline or {}).items() if k != "per_question"}}, indent=2, default=str)
    )
    label = f"read ({figures['reader_model'] or figures['backend']})" if read_backend else "extractive"
    table = [
        f"| figure | {label} | extractive (same run) | plain llama-index |",
        "|---|---|---|---|",
        f"| accuracy (gold answer in the first sentence, ≤50 words; refusal = wrong) | **{figures['accuracy_first_sentence']}** | {figures['accuracy_first_sentence_extractive']} | — (retrieval only) |",
        f"| accuracy (gold answer anywhere in the answer) | {figures['accuracy_anywhere_in_answer']} | — | — |",
        f"| refusals | {figures['refusals']} of {figures['questions']} | {figures['refusals_extractive']} | — |",
        f"| refusals where the answer is in an article of the 8 days before | {figures['refusals_answer_in_recent_article']} of {figures['questions_answer_in_recent_article']} | {figures['refusals_answer_in_recent_article_extractive']} | — |",
        f"| latency per answer p50 / p95 | {figures['latency_p50_ms']} / {figures['latency_p95_ms']} ms | {figures['latency_extractive_p50_ms'] or figures['latency_p50_ms']} / {figures['latency_extractive_p95_ms'] or figures['latency_p95_ms']} ms | — |",
        f"| retrieval recall@5 (gold answer in the top-5 passages) | {figures['recall_at_5']} | same | {figures['recall_at_5_plain_llamaindex'] or 'not run'} |",
        f"| peak memory of the process (index, models) | {figures['max_rss_mb']} MB | — | — |",
        f"| ingest time | {figures['ingest_seconds'] or 'reused'} s ({figures['chunks']} chunks) | same | {figures['ingest_seconds_plain_llamaindex'] or 'not run'} s |",
    ]
    if figures["reading"]:
        table += ["", "What the reading model did: " + ", ".join(f"{k} {v}" for k, v in figures["reading"].items()) + "."]
    table += ["", "| questions | count | read | extractive |", "|---|---|---|---|"]
    for title, groups_of in (
        ("answer", "accuracy_by_evidence"),
        ("answer", "accuracy_by_answerability"),
        ("period", "accuracy_by_period"),
        ("source", "accuracy_by_source"),
    ):
        for k, v in figures[groups_of].items():
            name = GROUP_LABELS.get(k, k) if title == "answer" else f"{title}: {k}"
            table.append(f"| {name} | {v['questions']} | {v['read']} | {v['extractive']} |")
    table += ["", f"Commit {figures['git_commit']}; GPT-3 + Google search scored 0.397 on the same questions, RAG-T5 + Google 0.156."]
    (args.out / "rtqa-2023q1.md").write_text("\n".join(table) + "\n")
    print("\n".join(table))


GROUP_LABELS = {
    "answerable": "an article published by then answers it (read by a person)",
    "unanswerable": "no article published by then answers it (read by a person)",
    "unlabelled": "not labelled",
    "recent": "answer in an article from the 8 days before the question",
    "older": "answer only in older articles",
    "absent": "answer in no article published by then",
}


def evidence_groups(corpus: Path, rows: list[dict]) -> dict[str, str]:
    """Where each question's gold answer string can be found, which bounds what retrieval can do.

    Quiz answers are often common words ("May", "China"): "older" questions mostly match an
    unrelated article, so their ceiling is far below 1.
    """
    import datetime as dt
    import gzip

    from assistant.text import normalize_answer

    articles = []
    with gzip.open(corpus, "rt", encoding="utf-8") as f:
        for line in f:
            a = json.loads(line)
            if a.get("published_at"):
                articles.append((dt.date.fromisoformat(a["published_at"][:10]), normalize_answer(a.get("title", "") + " " + a.get("text", ""))))
    out = {}
    for row in rows:
        as_of = dt.date.fromisoformat(row["as_of"])
        golds = [g for g in (normalize_answer(x) for x in row["answers"]) if g]
        ages = [(as_of - day).days for day, text in articles if day <= as_of and any(g in text for g in golds)]
        out[row["id"]] = "absent" if not ages else ("recent" if min(ages) <= 8 else "older")
    return out


if __name__ == "__main__":
    main()
