"""Version grouping: the old all-pairs comparison beside the MinHash LSH one, one run.

Fingerprints every article of the RealTimeQA 2023-Q1 corpus (and, to see how each grows,
the corpus repeated with each copy's words shifted so copies are new articles that still
share boilerplate), then groups them both ways: seconds, and whether the stories agree.

    python benchmarks/versions_speed.py
"""

from __future__ import annotations

import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT.parent / "shared" / "benchmarks" / "rtqa-2023q1" / "corpus.jsonl.gz"
sys.path.insert(0, str(ROOT))

from assistant.settings import Settings  # noqa: E402
from assistant.versions import MIN_SHINGLES, Fingerprint, fingerprint, group_stories, stories_of  # noqa: E402

# --- the grouping before LSH, kept here as the baseline ---------------------------------


def group_stories_all_pairs(prints: list[Fingerprint], threshold: float, min_size_ratio: float = 0.2) -> dict[str, tuple[str, bool]]:
    """doc_id -> (story_id, preferred). A story id is the smallest doc id of its group.

    Pairs whose sizes differ more than `min_size_ratio` are never linked: a short piece
    "contained" in a 50-article roundup shares boilerplate, not a story, and such links
    would chain unrelated articles together.
    """
    n = len(prints)
    parent = list(range(n))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    eligible = [i for i, p in enumerate(prints) if p.shingles >= MIN_SHINGLES]
    if len(eligible) > 1:
        sigs = np.stack([prints[i].signature for i in eligible])
        sizes = np.array([prints[i].shingles for i in eligible], dtype=np.float64)
        for row in range(len(eligible) - 1):
            jac = (sigs[row + 1 :] == sigs[row]).mean(axis=1)
            candidates = np.nonzero(jac > 0)[0]
            if not len(candidates):
                continue
            j = jac[candidates]
            other = sizes[row + 1 :][candidates]
            overlap = j * (sizes[row] + other) / (1.0 + j)
            contained = overlap / np.minimum(sizes[row], other)
            ratio = np.minimum(sizes[row], other) / np.maximum(sizes[row], other)
            for c in candidates[(contained >= threshold) & (ratio >= min_size_ratio)]:
                a, b = find(eligible[row]), find(eligible[row + 1 + int(c)])
                if a != b:
                    parent[a] = b

    return stories_of(prints, find)


def main() -> None:
    settings = Settings()
    with gzip.open(DATA, "rt", encoding="utf-8") as f:
        articles = [json.loads(line) for line in f if line.strip()]
    rows = []
    for copies in (1, 2, 4):
        prints = []
        for c in range(copies):
            for a in articles:
                words = a["text"].split()
                # Copy c drops its first c words: a different article to the hash, much the same story.
                text = " ".join(words[c:]) if c else a["text"]
                prints.append(
                    fingerprint(f"{c}-{a['id']}", text, width=settings.shingle_words, perms=settings.minhash_perms, published_at=a.get("published_at") or "")
                )
        timings, results = {}, {}
        for label, fn in (("all pairs", group_stories_all_pairs), ("MinHash LSH", group_stories)):
            started = time.perf_counter()
            results[label] = fn(prints, settings.version_containment, settings.version_min_size_ratio)
            timings[label] = round(time.perf_counter() - started, 2)
        same = sum(results["all pairs"][d] == results["MinHash LSH"][d] for d in results["all pairs"])
        stories = len({s for s, _ in results["MinHash LSH"].values()})
        rows.append((len(prints), timings["all pairs"], timings["MinHash LSH"], same, stories))
        print(rows[-1], file=sys.stderr)
    lines = ["| articles | all pairs | MinHash LSH | same story and preferred flag | stories |", "|---|---|---|---|---|"]
    lines += [f"| {n:,} | {a} s | {b} s | {s:,} of {n:,} | {k:,} |" for n, a, b, s, k in rows]
    out = ROOT / "benchmarks" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / "versions-speed.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
