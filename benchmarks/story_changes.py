"""Versions and their changes on the RealTimeQA 2023-Q1 dev corpus, for reading.

Counts the stories the index holds in several versions (same outlet or several), what
changed from each version to the next (added, removed, changed, reworded sentences,
identical reprints), prints examples to check by reading, and times "what changed?"
asked in words beside a plain question about the same story (extractive answers).

    python benchmarks/story_changes.py                   # the index benchmarks/rtqa.py built
    python benchmarks/story_changes.py --index DIR --examples 8 --out benchmarks/results/story-changes.md
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from assistant import Assistant  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, default=ROOT / "runs" / "bench" / "index")
    parser.add_argument("--examples", type=int, default=6, help="version pairs printed in full")
    parser.add_argument("--timed", type=int, default=20, help="stories asked about in words, and plainly, for the latency")
    parser.add_argument("--out", type=Path, default=None, help="also write the tables as Markdown here")
    args = parser.parse_args()

    bot = Assistant(index_dir=args.index, llm="extractive")
    articles = bot.articles()
    stories: dict[str, list] = defaultdict(list)
    for a in articles:
        stories[a.story_id].append(a)
    multi = {sid: members for sid, members in stories.items() if len(members) > 1}
    sizes = Counter(len(m) for m in multi.values())
    outlets = Counter("several outlets" if len({a.source for a in m}) > 1 else "one outlet" for m in multi.values())

    kinds: Counter = Counter()
    identical = 0
    pairs = []
    seconds = []
    for _, members in sorted(multi.items()):
        started = time.perf_counter()
        story = bot.changes(members[0].doc_id)
        seconds.append(time.perf_counter() - started)
        for pair in story:
            counts = pair.counts()
            kinds.update(counts)
            identical += not pair.changes
            pairs.append(pair)

    lines = [
        f"Index: {len(articles)} articles, {len(stories)} stories; {len(multi)} stories in several versions.",
        "",
        "| versions in the story | stories |",
        "|---|---|",
        *[f"| {n} | {c} |" for n, c in sorted(sizes.items())],
        "",
        "| outlets | stories |",
        "|---|---|",
        *[f"| {k} | {c} |" for k, c in sorted(outlets.items())],
        "",
        f"Consecutive version pairs: {len(pairs)}; identical text (a reprint): {identical}.",
        "",
        "| change | count |",
        "|---|---|",
        *[f"| {k} | {kinds[k]} |" for k in ("changed", "added", "removed", "reworded")],
        "",
        f"`Assistant.changes` per story: p50 {statistics.median(seconds) * 1000:.0f} ms, max {max(seconds) * 1000:.0f} ms." if seconds else "",
    ]

    # "What changed?" in words beside a plain question on the same story, same process.
    timed = [m for m in multi.values() if any(a.title for a in m)][: args.timed]
    words_ms, plain_ms, timeline_ms, found, dated = [], [], [], 0, 0
    for members in timed:
        newest = max(members, key=lambda a: (a.published_at, a.doc_id))
        title = newest.title.split(" | ")[0]
        asked = (
            (f"What changed in the latest version of the story about {title}?", words_ms),
            (f"{title}?", plain_ms),
            (f"Timeline of {title}", timeline_ms),
        )
        for question, sink in asked:
            started = time.perf_counter()
            answer = bot.answer(question)
            sink.append((time.perf_counter() - started) * 1000)
            if sink is words_ms:
                found += bool(answer.changes) and answer.changes[-1].newer.story_id == newest.story_id
            if sink is timeline_ms:
                dated += bool(answer.timeline)
    if timed:
        lines += [
            "",
            f"Asked in words about {len(timed)} of these stories (by the newest version's headline): the answer compared that story's versions for {found}.",
            "",
            "| question | p50 ms | p95 ms |",
            "|---|---|---|",
            f"| what changed in the latest version of the story about <headline>? | {_p(words_ms, 0.5)} | {_p(words_ms, 0.95)} |",
            f"| <headline>? (a plain answer) | {_p(plain_ms, 0.5)} | {_p(plain_ms, 0.95)} |",
            f"| timeline of <headline> ({dated} of {len(timed)} got dated events) | {_p(timeline_ms, 0.5)} | {_p(timeline_ms, 0.95)} |",
        ]
    table = "\n".join(lines)
    print(table)

    print("\nExamples (to read):")
    shown = [p for p in pairs if p.changes][: args.examples]
    for pair in shown:
        print(
            f"\n== {pair.older.doc_id} ({pair.older.published_at}, {pair.older.source}) -> {pair.newer.doc_id} ({pair.newer.published_at}) {pair.newer.title[:70]!r}"
        )
        print("   ", pair.counts())
        for change in pair.changes[:6]:
            old = change.old.quote[:140] if change.old else ""
            new = change.new.quote[:140] if change.new else ""
            print(
                f"  - {change.kind}: {old!r} -> {new!r} {change.old_items}->{change.new_items}"
                if change.old and change.new
                else f"  - {change.kind}: {(old or new)!r}"
            )
    if args.out:
        args.out.write_text("# Versions and changes on the dev corpus\n\n`python benchmarks/story_changes.py`\n\n" + table + "\n", encoding="utf-8")


def _p(values: list[float], q: float) -> str:
    ordered = sorted(values)
    return f"{ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]:.0f}" if ordered else "—"


if __name__ == "__main__":
    main()
