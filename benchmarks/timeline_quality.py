"""Timelines on the RealTimeQA 2023-Q1 dev corpus, written out for reading and labelling.

For `--topics` headlines spread over the quiz quarter (one article in every N, newest versions,
headlines cut at " | " or ":"), asks "Timeline of <headline>" as the news stood a week after
the article, and writes every event with its day, how the day was found, its quote and the
article it is cited to. A reader then labels each event (`benchmarks/results/timeline-labels.jsonl`:
on topic or not, day right or not, by reading the quote and its article), and
`--score LABELS` turns the labels into the table in the README.

    python benchmarks/timeline_quality.py --out benchmarks/results/timeline-events.md
    python benchmarks/timeline_quality.py --score benchmarks/results/timeline-labels.jsonl
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def topics(bot, count: int, since: str, until: str) -> list[tuple[str, str, str]]:
    """(doc id, topic, as_of) for `count` headlines of articles published from `since` to
    `until`, spread evenly over them."""
    articles = [a for a in bot.articles() if a.published_at and a.title and a.latest and since <= a.published_at[:10] <= until]
    articles.sort(key=lambda a: (a.published_at, a.doc_id))
    step = max(1, len(articles) // count)
    out = []
    for a in articles[step // 2 :: step][:count]:
        topic = a.title.split(" | ")[0].split(": ")[0].strip().rstrip("?.!")
        as_of = (dt.date.fromisoformat(a.published_at[:10]) + dt.timedelta(days=7)).isoformat()
        out.append((a.doc_id, topic, as_of))
    return out


def write(args) -> None:
    from assistant import Assistant

    bot = Assistant(index_dir=args.index, llm="extractive")
    lines = [f"# Timelines on the dev corpus ({args.topics} headlines, extractive, as of a week after each article)", ""]
    rows, seconds = [], []
    for doc_id, topic, as_of in topics(bot, args.topics, args.since, args.until):
        started = time.perf_counter()
        answer = bot.answer(f"Timeline of {topic}", as_of=as_of)
        seconds.append(time.perf_counter() - started)
        lines += [f"## {topic}", "", f"Asked as of {as_of}; the headline is from `{doc_id}`. {len(answer.timeline)} events.", ""]
        for n, e in enumerate(answer.timeline, 1):
            c = e.citation
            lines.append(f"{n}. **{e.day}** ({e.dated_by}) — “{c.quote}” — *{c.title}*, {c.published_at}, `{c.doc_id}` {c.start}–{c.end}")
            rows.append(
                {"topic": topic, "event": n, "day": e.day, "dated_by": e.dated_by, "doc_id": c.doc_id, "published_at": c.published_at, "quote": c.quote}
            )
        if not answer.timeline:
            lines.append("(no timeline: answered as a plain question)")
        lines.append("")
    lines.append(f"Latency per timeline: p50 {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms.")
    args.out.write_text("\n".join(lines) + "\n")
    args.out.with_suffix(".jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"{len(rows)} events from {args.topics} topics -> {args.out}")


def score(path: Path) -> None:
    """The labels as a table: events on topic, and of those whose day could be judged, right days."""
    labels = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    on_topic = [x for x in labels if x["on_topic"]]

    def right(rows: list[dict]) -> str:
        judged = [x for x in rows if x["day_right"] is not None]
        return f"{sum(bool(x['day_right']) for x in judged)} of {len(judged)}"

    print("| events | on topic | day right (on-topic events whose day could be judged) | day right when stated / relative / the report's date |")
    print("|---|---|---|---|")
    parts = " / ".join(right([x for x in on_topic if x["dated_by"] == k]) for k in ("stated", "relative", "published"))
    print(f"| {len(labels)} | {len(on_topic)} ({len(on_topic) / len(labels):.2f}) | {right(on_topic)} | {parts} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=ROOT / "runs" / "bench" / "index")
    parser.add_argument("--topics", type=int, default=20)
    parser.add_argument("--since", default="2023-01-01", help="headlines of articles published from this day (the quiz quarter)")
    parser.add_argument("--until", default="2023-03-31")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "timeline-events.md")
    parser.add_argument("--score", type=Path, default=None, help="a labels file: print the table instead")
    args = parser.parse_args()
    if args.score:
        score(args.score)
    else:
        write(args)


if __name__ == "__main__":
    main()
