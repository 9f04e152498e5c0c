"""Score the assistant against a gold question set and write a report people can read.

Gold format (one JSON object a line): `id`, `question`, `answers` (acceptable strings;
`[]` means the assistant must refuse), `match` ("any" or "all"), `evidence` (doc ids),
optional `as_of`, `history`, `type`, and `changes` for a question about how a story changed
(`{"added": [...], "removed": [...], "changed": [...], "reworded": [...]}`: text each listed
change must hold, scored on the cited changes of `Answer.changes`), and `timeline` for a timeline question
(text of events that must be among its cited events, in that order). It is also the format of the RealTimeQA benchmark
questions, whose extra fields (`week`, `source`) are ignored.

Metrics, per question and overall: answer accuracy (the answer contains an acceptable
string) and the stricter first-sentence accuracy (the first sentence, citations stripped,
at most 50 words); refusal precision and recall; retrieval hit@k and MRR against the
evidence ids, and whether a gold answer string is in the retrieved passages; citation
checks (quotes verbatim in their article, a gold article cited, and a *lexical* support
check of each answer sentence against its cited passage: its key terms, numbers and names
found there; no entailment model ships offline, so this is not entailment); latency.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import tempfile
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from assistant.errors import AssistantError
from assistant.support import support
from assistant.text import CITATION_MARKER, contains_answer, content_terms, marker_numbers, split_sentences, strip_markers
from assistant.types import Answer, Change, Progress

KNOWN_FIELDS = {"id", "question", "answers", "match", "evidence", "as_of", "history", "type", "changes", "timeline", "week", "source", "notes"}
CHANGE_KINDS = ("added", "removed", "changed", "reworded")


class GoldFileError(AssistantError):
    """A gold file line that cannot be used; the message names the line."""


@dataclass(frozen=True)
class GoldRow:
    id: str
    question: str
    answers: list[str]
    match: str = "any"
    evidence: list[str] = field(default_factory=list)
    as_of: str | None = None
    history: list[str] = field(default_factory=list)
    type: str = "untyped"
    changes: dict[str, list[str]] = field(default_factory=dict)  # kind -> text each such change must hold
    timeline: list[str] = field(default_factory=list)  # text of events the timeline must cite, oldest first


def _row(data: Any, where: str) -> GoldRow:
    if not isinstance(data, dict):
        raise GoldFileError(f"{where}: expected a JSON object")
    unknown = set(data) - KNOWN_FIELDS
    if unknown:
        raise GoldFileError(f"{where}: unknown field(s) {sorted(unknown)}; known: {sorted(KNOWN_FIELDS)}")
    question = data.get("question")
    if not isinstance(question, str) or not question.strip():
        raise GoldFileError(f"{where}: missing or empty 'question'")
    answers = data.get("answers")
    if not isinstance(answers, list) or not all(isinstance(a, str) for a in answers):
        raise GoldFileError(f"{where}: 'answers' must be a list of strings ([] for questions that must be refused)")
    match = data.get("match", "any")
    if match not in ("any", "all"):
        raise GoldFileError(f'{where}: \'match\' must be "any" or "all", not {match!r}')
    evidence = data.get("evidence", []) or []
    history = data.get("history", []) or []
    if not isinstance(evidence, list) or not all(isinstance(e, str) for e in evidence):
        raise GoldFileError(f"{where}: 'evidence' must be a list of doc ids")
    if not isinstance(history, list) or not all(isinstance(h, str) for h in history):
        raise GoldFileError(f"{where}: 'history' must be a list of earlier questions")
    changes = data.get("changes") or {}
    if (
        not isinstance(changes, dict)
        or set(changes) - set(CHANGE_KINDS)
        or not all(isinstance(v, list) and all(isinstance(t, str) for t in v) for v in changes.values())
    ):
        raise GoldFileError(f"{where}: 'changes' must map {', '.join(CHANGE_KINDS)} to lists of strings")
    timeline = data.get("timeline") or []
    if not isinstance(timeline, list) or not all(isinstance(t, str) for t in timeline):
        raise GoldFileError(f"{where}: 'timeline' must be a list of strings (events, oldest first)")
    for name in ("as_of", "type", "id"):
        if data.get(name) is not None and not isinstance(data[name], (str, int)):
            raise GoldFileError(f"{where}: '{name}' must be a string")
    return GoldRow(
        id=str(data.get("id") or where),
        question=question.strip(),
        answers=answers,
        match=match,
        evidence=evidence,
        as_of=data.get("as_of") or None,
        history=history,
        type=str(data.get("type") or "untyped"),
        changes=changes,
        timeline=timeline,
    )


def load_gold(source: str | Path | Iterable[dict]) -> list[GoldRow]:
    """Rows of a gold file (or of already-parsed dicts); a bad line raises GoldFileError naming it."""
    rows: list[GoldRow] = []
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            lines = path.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise GoldFileError(f"Cannot read gold file {path}: {exc.strerror}") from exc
        for n, line in enumerate(lines, 1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise GoldFileError(f"{path}:{n}: invalid JSON ({exc.msg})") from exc
            rows.append(_row(data, f"{path}:{n}"))
    else:
        rows = [_row(data, f"row {i + 1}") for i, data in enumerate(source)]
    if not rows:
        raise GoldFileError("The gold set has no questions.")
    ids = [r.id for r in rows]
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        raise GoldFileError(f"Duplicate question ids: {dupes[:5]}")
    return rows


# --- scoring one answer ----------------------------------------------------------------


def first_sentence(text: str, max_words: int = 50) -> str:
    """The answer's first sentence with citation markers removed, cut to `max_words` words."""
    body = text.split("\n\n")[0]
    m = CITATION_MARKER.search(body)
    spans = split_sentences(body)
    first = body[: m.start()] if m else (body[spans[0][0] : spans[0][1]] if spans else body)
    words = strip_markers(first).split()
    return " ".join(words[:max_words])


def is_correct(text: str, row: GoldRow) -> bool:
    if row.match == "all":
        return all(contains_answer(text, [a]) for a in row.answers)
    return contains_answer(text, row.answers)


def lexical_support(answer_text: str, citations: list[dict], min_share: float, question: str = "") -> tuple[int, int]:
    """(supported, total) sentences of the answer's first paragraph, each judged against the
    quotes it cites by the one support rule (`support.support`: its numbers and names there,
    `min_share` of its key terms there or in the question). Lexical, not entailment."""
    body = answer_text.split("\n\n")[0]
    by_number = {c["number"]: c["quote"] for c in citations}
    supported = total = 0
    for m in re.finditer(rf"(.+?){CITATION_MARKER.pattern}", body):
        sentence = m.group(1).strip(' “”"')
        if not content_terms(sentence):
            continue
        total += 1
        cited = " ".join(by_number.get(n, "") for n in marker_numbers(m.group(2)))
        supported += support(sentence, cited, min_share, question)[0]
    return supported, total


@dataclass
class QuestionResult:
    id: str
    type: str
    question: str
    answers: list[str]
    answer: str
    refused: bool
    should_refuse: bool
    correct: bool
    first_sentence_correct: bool
    citations: list[dict]
    retrieved: list[str]
    evidence_rank: int | None  # 1-based rank of the first retrieved gold article
    answer_in_passages: bool | None
    quotes_verbatim: float | None
    cites_gold_article: bool | None
    supported_sentences: int
    answer_sentences: int
    latency_ms: float
    has_evidence: bool = False
    error: str = ""
    backend: str = "extractive"
    reading: str = ""  # what the reading model did (`Answer.reading`)
    reworded: str = ""  # the question as the model reworded it to search again (`Answer.reworded_question`)
    evidence: dict = field(default_factory=dict)  # `Answer.evidence`
    unsupported: list[str] = field(default_factory=list)  # what the checks dropped (`Answer.unsupported`)
    # A question about how a story changed or unfolded: the gold's change or timeline items, and those cited.
    change_items: int = 0
    change_items_found: int = 0
    disagreements: list[str] = field(default_factory=list)  # "differ"/"superseded" per figure the answer's sources disagree on
    # The quoted (extractive) answer of the same run, when a reading model replaced it.
    extractive_answer: str | None = None
    extractive_refused: bool | None = None
    extractive_correct: bool | None = None
    extractive_first_sentence_correct: bool | None = None
    extractive_latency_ms: float | None = None


def judged(text: str, refused: bool, row: GoldRow) -> tuple[bool, bool]:
    """(correct, first sentence correct) of one answer to `row`: a question without answers
    is right when refused; another when not refused and its first paragraph (first sentence)
    holds the answers (any one, or all with `match: all`)."""
    should_refuse = not row.answers
    correct = refused if should_refuse else (not refused and is_correct(text.split("\n\n")[0], row))
    return correct, (not should_refuse) and (not refused) and is_correct(first_sentence(text), row)


def _cited_side(change: Change) -> str:
    if change.kind == "removed":
        return change.old.quote
    return change.new.quote if change.kind == "added" else f"{change.old.quote} {change.new.quote}"


def change_items_found(row: GoldRow, ans: Answer | None) -> int:
    """How many of the row's expected change items a change of that kind in the answer holds,
    on the side that kind cites (an added sentence's new text, a removed one's old text)."""
    if ans is None:
        return 0
    found = 0
    for kind, wanted in row.changes.items():
        texts = [_cited_side(c) for pair in ans.changes for c in pair.changes if c.kind == kind]
        found += sum(any(contains_answer(t, [w]) for t in texts) for w in wanted)
    return found


def timeline_items_found(row: GoldRow, ans: Answer | None) -> int:
    """How many of the row's timeline items the answer's events hold, in the row's order
    (an item found before the previous one's event does not count)."""
    if ans is None:
        return 0
    found, position = 0, 0
    quotes = [e.citation.quote for e in ans.timeline]
    for wanted in row.timeline:
        at = next((i for i in range(position, len(quotes)) if contains_answer(quotes[i], [wanted])), None)
        if at is not None:
            found, position = found + 1, at + 1
    return found


def _score(row: GoldRow, bot, k: int | None) -> QuestionResult:
    started = time.perf_counter()
    error, ans, passages = "", None, []
    try:
        for event in bot.stream(row.question, history=row.history, as_of=row.as_of, k=k):
            if isinstance(event, Progress) and event.stage == "reading":
                passages = event.passages  # what the answer was drawn from: retrieval is scored on these
            elif isinstance(event, Answer):
                ans = event
        if ans is None:
            raise RuntimeError("Assistant.stream ended without an answer")
        text, refused, citations = ans.text, ans.refused, [asdict(c) for c in ans.citations]
    except AssistantError as exc:
        text, refused, citations, error = f"error: {exc}", True, [], str(exc)
    latency = (time.perf_counter() - started) * 1000
    quoted: dict[str, Any] = {}
    if ans is not None and ans.extractive is not None:
        ex = ans.extractive
        ex_correct, ex_first = judged(ex.text, ex.refused, row)
        quoted = dict(
            extractive_answer=ex.text,
            extractive_refused=ex.refused,
            extractive_correct=ex_correct,
            extractive_first_sentence_correct=ex_first,
            extractive_latency_ms=round(1000 * (ex.seconds.get("retrieve", 0) + ex.seconds.get("extract", 0)), 1),
        )
    retrieved = [p.doc_id for p in passages]
    should_refuse = not row.answers
    correct, fs_correct = judged(text, refused, row)
    change_items = sum(len(v) for v in row.changes.values()) + len(row.timeline)
    change_found = (change_items_found(row, ans) + timeline_items_found(row, ans)) if change_items else 0
    if change_items:
        # A list of changes or events has no "first sentence": it is right when every expected item is cited.
        correct = fs_correct = correct and change_found == change_items
    rank = next((i + 1 for i, d in enumerate(retrieved) if d in row.evidence), None) if row.evidence else None
    in_passages = contains_answer(" ".join(p.text for p in passages), row.answers) if row.answers else None
    verbatim = None
    if citations:
        ok = 0
        for c in citations:
            article = bot.article_text(c["doc_id"])
            ok += bool(article) and c["quote"] in article
        verbatim = ok / len(citations)
    cites_gold = any(c["doc_id"] in row.evidence for c in citations) if (row.evidence and citations) else None
    supported, total = lexical_support(text, citations, bot.settings.llm_min_support, row.question) if citations else (0, 0)
    return QuestionResult(
        id=row.id,
        type=row.type,
        question=row.question,
        answers=row.answers,
        answer=text,
        refused=refused,
        should_refuse=should_refuse,
        correct=correct,
        first_sentence_correct=fs_correct,
        citations=citations,
        retrieved=retrieved,
        evidence_rank=rank,
        answer_in_passages=in_passages,
        quotes_verbatim=verbatim,
        cites_gold_article=cites_gold,
        supported_sentences=supported,
        answer_sentences=total,
        latency_ms=latency,
        has_evidence=bool(row.evidence),
        error=error,
        backend=ans.backend if ans is not None else "",
        reading=ans.reading if ans is not None else "",
        reworded=ans.reworded_question if ans is not None else "",
        evidence=ans.evidence if ans is not None else {},
        unsupported=list(ans.unsupported) if ans is not None else [],
        change_items=change_items,
        change_items_found=change_found,
        disagreements=[d.kind for d in ans.disagreements] if ans is not None else [],
        **quoted,
    )


# --- the report ------------------------------------------------------------------------


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 4) if values else None


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))], 1)


def summarize(results: list[QuestionResult], k: int) -> dict[str, Any]:
    """Overall and per-type figures from per-question results."""
    answerable = [r for r in results if not r.should_refuse]
    refused = [r for r in results if r.refused]
    must_refuse = [r for r in results if r.should_refuse]
    with_evidence = [r for r in results if r.has_evidence]
    by_type: dict[str, dict[str, Any]] = {}
    for t in sorted({r.type for r in results}):
        rows = [r for r in results if r.type == t]
        by_type[t] = {
            "questions": len(rows),
            "accuracy": _mean([float(r.correct) for r in rows]),
            "first_sentence_accuracy": _mean([float(r.first_sentence_correct) for r in rows if not r.should_refuse]),
        }
    supported = sum(r.supported_sentences for r in results)
    total_sentences = sum(r.answer_sentences for r in results)
    latencies = [r.latency_ms for r in results]
    return {
        "questions": len(results),
        "accuracy": _mean([float(r.correct) for r in results]),
        "answerable_accuracy": _mean([float(r.correct) for r in answerable]),
        "first_sentence_accuracy": _mean([float(r.first_sentence_correct) for r in answerable]),
        "refusal_precision": _mean([float(r.should_refuse) for r in refused]),
        "refusal_recall": _mean([float(r.refused) for r in must_refuse]),
        "refusals": len(refused),
        "wrong_refusals": [r.id for r in refused if not r.should_refuse],
        f"hit@{k}": _mean([float(r.evidence_rank is not None) for r in with_evidence]),
        "mrr": _mean([1.0 / r.evidence_rank if r.evidence_rank else 0.0 for r in with_evidence]),
        "questions_with_evidence": len(with_evidence),
        f"answer_in_top{k}_passages": _mean([float(r.answer_in_passages) for r in results if r.answer_in_passages is not None]),
        "quotes_verbatim": _mean([r.quotes_verbatim for r in results if r.quotes_verbatim is not None]),
        "cites_gold_article": _mean([float(r.cites_gold_article) for r in with_evidence if r.cites_gold_article is not None]),
        "lexically_supported_sentences": round(supported / total_sentences, 4) if total_sentences else None,
        "latency_p50_ms": _percentile(latencies, 0.5),
        "latency_p95_ms": _percentile(latencies, 0.95),
        "errors": [r.id for r in results if r.error],
        "change_items_found": _mean([r.change_items_found / r.change_items for r in results if r.change_items]),
        "answers_with_disagreements": sum(1 for r in results if r.disagreements),
        "by_type": by_type,
        "extractive": _extractive_summary(results),
        "reading": dict(sorted(Counter(r.reading for r in results if r.reading).items())),
        # Refused at first, searched again in the model's rewording: how many, and answered then.
        "reworded": sum(1 for r in results if r.reworded),
        "reworded_answered": sum(1 for r in results if r.reworded and not r.refused),
    }


def _extractive_summary(results: list[QuestionResult]) -> dict[str, Any] | None:
    """The quoted answers of a run whose answers a reading model wrote, scored the same way."""
    rows = [r for r in results if r.extractive_answer is not None]
    if not rows:
        return None
    answerable = [r for r in rows if not r.should_refuse]
    refused = [r for r in rows if r.extractive_refused]
    must_refuse = [r for r in rows if r.should_refuse]
    return {
        "questions": len(rows),
        "accuracy": _mean([float(bool(r.extractive_correct)) for r in rows]),
        "first_sentence_accuracy": _mean([float(bool(r.extractive_first_sentence_correct)) for r in answerable]),
        "refusals": len(refused),
        "refusal_precision": _mean([float(r.should_refuse) for r in refused]),
        "refusal_recall": _mean([float(bool(r.extractive_refused)) for r in must_refuse]),
        "latency_p50_ms": _percentile([r.extractive_latency_ms or 0.0 for r in rows], 0.5),
        "latency_p95_ms": _percentile([r.extractive_latency_ms or 0.0 for r in rows], 0.95),
    }


@dataclass
class EvalReport:
    """Per-question results, the summary, and what produced them."""

    results: list[QuestionResult]
    summary: dict[str, Any]
    meta: dict[str, Any]

    def failures(self) -> list[QuestionResult]:
        return [r for r in self.results if not r.correct]

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "meta": self.meta, "results": [asdict(r) for r in self.results]}

    def write(self, out_dir: str | Path) -> Path:
        """results.jsonl, summary.json, report.md, report.html (+ PNG charts), all or nothing."""
        out = Path(out_dir)
        out.parent.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
        try:
            with (staging / "results.jsonl").open("w", encoding="utf-8") as f:
                for r in self.results:
                    f.write(json.dumps(asdict(r), ensure_ascii=False) + "\n")
            (staging / "summary.json").write_text(json.dumps({"summary": self.summary, "meta": self.meta}, indent=2, ensure_ascii=False))
            from assistant.evaluation.report import render_report

            render_report(self, staging)
            if out.exists():
                shutil.rmtree(out)
            staging.rename(out)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        return out


def _git_commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5, cwd=Path(__file__).resolve().parent
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def evaluate(gold: str | Path | Iterable[dict], assistant=None, *, k: int | None = None, limit: int | None = None, progress: bool = False) -> EvalReport:
    """Answer every gold question with `assistant` (default: the default index) and score it."""
    rows = load_gold(gold)[:limit] if limit else load_gold(gold)
    if assistant is None:
        from assistant.pipeline import Assistant

        assistant = Assistant()
    k = k or assistant.settings.top_k
    stats = assistant.stats()
    from tqdm import tqdm

    results = [_score(row, assistant, k) for row in tqdm(rows, desc="Evaluating", unit="question", disable=not progress)]
    meta = {
        "gold": str(gold) if isinstance(gold, (str, Path)) else "(rows)",
        "k": k,
        "git_commit": _git_commit(),
        "index": stats,
        "settings": json.loads(assistant.settings.model_dump_json()),
        "finished": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    return EvalReport(results, summarize(results, k), meta)


# --- comparing two runs --------------------------------------------------------------------


def load_run(run_dir: str | Path) -> tuple[dict[str, Any], dict[str, bool]]:
    """(summary, {question id: correct}) of a run written by `EvalReport.write`."""
    run = Path(run_dir)
    try:
        summary = json.loads((run / "summary.json").read_text())["summary"]
        correct = {}
        for line in (run / "results.jsonl").read_text().splitlines():
            if line.strip():
                row = json.loads(line)
                correct[row["id"]] = bool(row["correct"])
    except (OSError, ValueError, KeyError) as exc:
        raise AssistantError(f"{run} is not an eval run folder (summary.json and results.jsonl): {exc}") from exc
    return summary, correct


def compare(old_dir: str | Path, new: EvalReport) -> dict[str, Any]:
    """Questions that went right->wrong and wrong->right, and each numeric metric's delta."""
    old_summary, old_correct = load_run(old_dir)
    new_correct = {r.id: r.correct for r in new.results}
    common = sorted(set(old_correct) & set(new_correct))
    deltas = {}
    for key, value in new.summary.items():
        before = old_summary.get(key)
        if isinstance(value, (int, float)) and isinstance(before, (int, float)) and not isinstance(value, bool):
            deltas[key] = {"old": before, "new": value, "delta": round(value - before, 4)}
    return {
        "regressions": [q for q in common if old_correct[q] and not new_correct[q]],
        "fixes": [q for q in common if not old_correct[q] and new_correct[q]],
        "only_old": sorted(set(old_correct) - set(new_correct)),
        "only_new": sorted(set(new_correct) - set(old_correct)),
        "metrics": deltas,
    }


def compare_table(diff: dict[str, Any]) -> str:
    """The comparison as a Markdown table plus the lists of changed questions."""
    lines = ["| metric | old | new | delta |", "|---|---|---|---|"]
    for key, d in diff["metrics"].items():
        lines.append(f"| {key} | {d['old']} | {d['new']} | {d['delta']:+} |")
    lines += [
        "",
        f"right → wrong ({len(diff['regressions'])}): {', '.join(diff['regressions']) or 'none'}",
        f"wrong → right ({len(diff['fixes'])}): {', '.join(diff['fixes']) or 'none'}",
    ]
    return "\n".join(lines)
