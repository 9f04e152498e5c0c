"""Train and evaluate the judge of lines addressed to an assistant (assistant/injection.py).

Training data: the lines of `benchmarks/data/injection/train.txt` (written for this project:
lines addressed to AI models, assistants, summarisers and readers of an answer, and hard
negatives), each also as a list item and as a quotation; and real news sentences: every
sentence of the bundled corpus and of the rtqa-2023q1 articles whose id hashes even.

Held out, never trained or tuned on: `benchmarks/data/injection/heldout.jsonl` (the suite of
hostile lines in titles, quotes, lists, HTML and JSON fields, in several languages, and hard
negatives) and the sentences of the rtqa-2023q1 articles whose id hashes odd (false positives
on real news). The regularisation and the threshold are chosen by cross-validation on the
training data alone.

    python benchmarks/train_injection.py            # train, evaluate, write assistant/data/injection.json
    python benchmarks/train_injection.py --check    # evaluate the shipped weights only
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import json
import random
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import injection_examples as examples  # noqa: E402
from harness.injection_suite import SUITE, as_read  # noqa: E402

DATA = ROOT / "benchmarks" / "data" / "injection"
RTQA = ROOT.parent / "shared" / "benchmarks" / "rtqa-2023q1" / "corpus.jsonl.gz"
OUT = ROOT / "assistant" / "data" / "injection.json"
# The training script's own choices, recorded in the weights file.
NEWS_TRAIN_SENTENCES = 6000  # real news sentences sampled for training
NEWS_EVAL_SENTENCES = 10000  # and for the false-positive count (other articles)
MAX_FP_TRAIN = 0.001  # the threshold keeps cross-validated false positives on training news under this
C_GRID = (0.3, 1.0, 3.0, 10.0)
SEED = 34
GENERATED_POSITIVES = 600  # lines made by benchmarks/injection_examples.py
GENERATED_NEGATIVES = 900
GATE_C = 1.0
GATE_RECALL = 0.99  # share of training positives the ingest gate passes (cross-validated)


def _odd(doc_id: str) -> bool:
    return hashlib.sha1(doc_id.encode()).digest()[0] % 2 == 1


def news_sentences(rtqa: Path) -> tuple[list[str], list[str]]:
    """(training sentences, held-out sentences) of real news, each paragraph's sentences as the ranker splits them."""
    from assistant.cleaning import clean
    from assistant.ingest import load_articles
    from assistant.text import split_sentences

    def sentences(text: str) -> list[str]:
        return [" ".join(text[a:b].split()) for a, b in split_sentences(text) if len(text[a:b].split()) >= 4]

    train: list[str] = []
    held: list[str] = []
    articles, _ = load_articles([ROOT / "corpus"])
    for a in articles:
        train += sentences(a.text)
    if rtqa.exists():
        with gzip.open(rtqa, "rt", encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                text = clean(row.get("text") or "", known_title=row.get("title") or "").text
                (held if _odd(row["id"]) else train).extend(sentences(text))
    else:
        print(f"warning: {rtqa} not found; no held-out news sentences", file=sys.stderr)
    rng = random.Random(SEED)
    rng.shuffle(train)
    rng.shuffle(held)
    return train[:NEWS_TRAIN_SENTENCES], held[:NEWS_EVAL_SENTENCES]


def written() -> tuple[list[str], list[int]]:
    texts, labels = [], []
    for line in (DATA / "train.txt").read_text(encoding="utf-8").splitlines():
        if line[:2] in ("+ ", "- "):
            text, label = line[2:].strip(), int(line[0] == "+")
            # Where a line sits (a list item, a quotation, a headline's case) does not change what it says.
            for variant in (text, f"- {text}", f"“{text}”"):
                texts.append(variant)
                labels.append(label)
    return texts, labels


class Vectors:
    """The embedder's vectors, kept on disk between runs (runs/injection-vectors.npz) so that
    retraining does not embed the same news sentences again."""

    def __init__(self, embedder, path: Path) -> None:
        self.embedder, self.path = embedder, path
        self.known: dict[str, np.ndarray] = {}
        if path.exists():
            data = np.load(path, allow_pickle=False)
            if str(data["model"]) == embedder.model_id:
                self.known = dict(zip(data["texts"].tolist(), data["vectors"]))

    def __call__(self, texts: list[str]) -> np.ndarray:
        todo = [t for t in dict.fromkeys(texts) if t not in self.known]
        if todo:
            self.known.update(zip(todo, self.embedder.embed_unstored(todo)))
        return np.vstack([self.known[t] for t in texts]) if texts else np.zeros((0, 384), dtype=np.float32)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        texts = list(self.known)
        np.savez(self.path, model=self.embedder.model_id, texts=np.array(texts), vectors=np.vstack([self.known[t] for t in texts]))


def features(embed, texts: list[str]) -> np.ndarray:
    from assistant.injection import cues

    return np.hstack([embed(texts), np.vstack([cues(t) for t in texts])])


def fit(x: np.ndarray, y: np.ndarray, c: float):
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=c, class_weight="balanced", max_iter=5000).fit(x, y)


def choose(x: np.ndarray, y: np.ndarray, is_news: np.ndarray, groups: np.ndarray, gate_pass: np.ndarray) -> tuple[float, float, dict]:
    """C and threshold by 5-fold cross-validation on the training data alone. A line is flagged
    when the gate passes it and the judge's probability reaches the threshold; the threshold is
    the lowest (at least 0.5) that keeps cross-validated false positives on training news under
    MAX_FP_TRAIN, and the C is the one with the best recall of written and generated positives."""
    from sklearn.model_selection import StratifiedGroupKFold

    # A written line and its list-item and quoted variants fall in one fold.
    folds = list(StratifiedGroupKFold(5, shuffle=True, random_state=SEED).split(x, y, groups))
    best = None
    for c in C_GRID:
        p = np.zeros(len(y))
        for tr, te in folds:
            p[te] = fit(x[tr], y[tr], c).predict_proba(x[te])[:, 1]
        p = np.where(gate_pass, p, 0.0)
        news = np.sort(p[is_news])[::-1]
        threshold = max(0.5, float(news[int(len(news) * MAX_FP_TRAIN)]) + 1e-6) if len(news) else 0.5
        recall = float((p[y == 1] >= threshold).mean())
        hard = (y == 0) & ~is_news
        row = {
            "C": c,
            "threshold": round(threshold, 4),
            "cv_recall": round(recall, 4),
            "cv_hard_negative_fp": round(float((p[hard] >= threshold).mean()), 4),
            "cv_news_fp": round(float((p[is_news] >= threshold).mean()), 5),
        }
        print("cv", row, flush=True)
        if best is None or recall > best[2]["cv_recall"]:
            best = (c, threshold, row)
    assert best is not None
    return best


def gate_matrix(texts: list[str]):
    from scipy.sparse import csr_matrix

    from assistant.injection import GATE_BUCKETS, gate_features

    rows, cols = [], []
    for i, t in enumerate(texts):
        f = gate_features(t)
        rows += [i] * len(f)
        cols += f
    return csr_matrix((np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(texts), GATE_BUCKETS))


def train_gate(texts: list[str], y: np.ndarray, is_news: np.ndarray, groups: np.ndarray):
    """The cheap gate: a hashed-word logistic regression whose threshold passes GATE_RECALL of
    the positives in cross-validation; returns (Gate, cross-validated figures)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedGroupKFold

    from assistant.injection import Gate

    x = gate_matrix(texts)
    scores = np.zeros(len(y))
    for tr, te in StratifiedGroupKFold(5, shuffle=True, random_state=SEED).split(x, y, groups):
        scores[te] = LogisticRegression(C=GATE_C, class_weight="balanced", max_iter=5000).fit(x[tr], y[tr]).decision_function(x[te])
    threshold = float(np.quantile(scores[y == 1], 1.0 - GATE_RECALL))
    model = LogisticRegression(C=GATE_C, class_weight="balanced", max_iter=5000).fit(x, y)
    cv = {"cv_recall": round(float((scores[y == 1] >= threshold).mean()), 4), "cv_news_pass_rate": round(float((scores[is_news] >= threshold).mean()), 4)}
    print("gate cv", cv, flush=True)
    return Gate(model.coef_[0].astype(np.float32), float(model.intercept_[0]), threshold), cv, scores >= threshold


def evaluate(weights, embedder, held: list[str]) -> dict:
    items = SUITE
    report: dict = {"positives": 0, "caught": 0, "negatives": 0, "false_positives": 0, "missed": [], "flagged_negatives": []}
    for item in items:
        texts = as_read(item)
        p = weights.probability(embedder(texts), texts)
        judged = bool((p >= weights.threshold).any())
        flagged = any(ok and q >= weights.threshold for ok, q in zip(weights.gate.passes(texts), p))
        if item["label"]:
            report["positives"] += 1
            report["caught"] += flagged
            report["caught_by_judge_alone"] = report.get("caught_by_judge_alone", 0) + judged
            if not flagged:
                report["missed"].append((item["text"], round(float(p.max()), 3)))
        else:
            report["negatives"] += 1
            report["false_positives"] += flagged
            if flagged:
                report["flagged_negatives"].append((item["text"], round(float(p.max()), 3)))
    if held:
        started = time.perf_counter()
        p = weights.probability(embedder(held), held)
        seconds = time.perf_counter() - started
        started = time.perf_counter()
        passed = np.array(weights.gate.passes(held))
        gate_seconds = time.perf_counter() - started
        hits = [(held[i], round(float(p[i]), 3)) for i in np.argsort(-p) if p[i] >= weights.threshold and passed[i]]
        report.update(
            news_sentences=len(held),
            news_false_positives=len(hits),
            news_flagged=hits,
            news_false_positives_judge_alone=int((p >= weights.threshold).sum()),
            news_gate_pass_rate=round(float(passed.mean()), 4),
            news_gate_seconds=round(gate_seconds, 2),
            news_embed_seconds=round(seconds, 1),
        )
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="evaluate the shipped weights; do not train")
    parser.add_argument("--runtime", default="", help="embedding runtime to train with (default: the one answering uses here; vectors differ little)")
    parser.add_argument("--rtqa", type=Path, default=RTQA, help="the rtqa-2023q1 corpus (real news sentences)")
    args = parser.parse_args()

    from assistant.embedding import Embedder, choose_runtime
    from assistant.injection import CUES, GATE, Weights, packaged_weights
    from assistant.settings import Settings

    settings = Settings()
    runtime = args.runtime or choose_runtime(settings.embed_runtime)
    embedder = Vectors(Embedder(settings.embed_model, settings.embed_batch_size, settings.embed_max_tokens, runtime), ROOT / "runs" / "injection-vectors.npz")
    train_news, held_news = news_sentences(args.rtqa)
    print(f"news sentences: {len(train_news)} for training, {len(held_news)} held out", flush=True)
    if args.check:
        weights = packaged_weights()
    else:
        texts, labels = written()
        groups_written = [i // 3 for i in range(len(texts))]
        rng = random.Random(SEED)
        made_pos = list(dict.fromkeys(examples.positives(rng, GENERATED_POSITIVES)))
        made_neg = list(dict.fromkeys(examples.negatives(rng, train_news, GENERATED_NEGATIVES)))
        texts += made_pos + made_neg
        labels += [1] * len(made_pos) + [0] * len(made_neg)
        bulleted = [f"- {s}" if rng.random() < 0.1 else s for s in train_news]
        texts_all = texts + bulleted
        y = np.array(labels + [0] * len(bulleted))
        is_news = np.array([False] * len(texts) + [True] * len(bulleted))
        x = features(embedder, texts_all)
        embedder.save()
        groups = np.array(groups_written + [len(texts) + i for i in range(len(texts_all) - len(groups_written))])
        gate, gate_cv, gate_pass = train_gate(texts_all, y, is_news, groups)
        c, threshold, cv = choose(x, y, is_news, groups, gate_pass)
        model = fit(x, y, c)
        weights = Weights(
            coef=model.coef_[0].astype(np.float32),
            intercept=float(model.intercept_[0]),
            threshold=threshold,
            embed_model=embedder.embedder.model_id,
            trained={
                "script": "benchmarks/train_injection.py",
                "written_lines": len(groups_written) // 3,
                "generated_positives": len(made_pos),
                "generated_negatives": len(made_neg),
                "news_sentences": len(train_news),
                "features": f"{x.shape[1] - len(CUES)}-d embedding + cues {', '.join(CUES)}",
                "cross_validation": cv,
                "gate_cross_validation": gate_cv,
            },
            gate=gate,
        )
    report = evaluate(weights, embedder, held_news)
    embedder.save()
    if not args.check:
        weights.trained["held_out"] = {k: v for k, v in report.items() if k not in ("missed", "flagged_negatives", "news_flagged", "news_embed_seconds")}
        OUT.parent.mkdir(parents=True, exist_ok=True)
        OUT.write_text(json.dumps(weights.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        np.save(OUT.with_name(GATE), weights.gate.coef.astype(np.float32))
        print(f"wrote {OUT}")
    print(json.dumps(report, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
