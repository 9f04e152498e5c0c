"""`assistant eval` end to end on the bundled corpus and gold set."""

import json
import subprocess
import sys

import pytest

from assistant import evaluate
from tests.paths import CORPUS, GOLD

pytestmark = pytest.mark.integration


def test_evaluate_api_on_the_gold_set(built_assistant):
    report = evaluate(GOLD, built_assistant)
    s = report.summary
    assert s["questions"] == 35 and s["accuracy"] >= 0.85
    assert s["change_items_found"] == 1.0 and s["by_type"]["changes"]["accuracy"] == 1.0 and s["by_type"]["timeline"]["accuracy"] == 1.0
    assert s["quotes_verbatim"] == 1.0 and s["refusal_recall"] == 1.0
    assert s["hit@6"] >= 0.9 and 0 < s["mrr"] <= 1
    assert report.meta["index"]["articles"] == 5


def test_eval_command_builds_an_index_writes_a_report_and_gates(tmp_path):
    run = lambda *a: subprocess.run([sys.executable, "-m", "assistant.cli", "eval", *a], capture_output=True, text=True, timeout=600)  # noqa: E731
    first = run(str(GOLD), "--corpus", str(CORPUS), "--out", str(tmp_path / "seed"), "--limit", "8")
    assert first.returncode == 0, first.stderr
    assert "accuracy" in first.stdout
    out = tmp_path / "seed"
    assert (out / "report.html").exists() and (out / "index").is_dir()
    assert len((out / "results.jsonl").read_text().splitlines()) == 8
    again = run(str(GOLD), "--index", str(out / "index"), "--limit", "8", "--compare", str(out), "--json", "--min-accuracy", "0.5")
    assert again.returncode == 0, again.stderr
    assert "right → wrong (0)" in again.stdout
    gate = run(str(GOLD), "--index", str(out / "index"), "--limit", "3", "--min-accuracy", "1.01")
    assert gate.returncode == 2  # out of range: a usage error
    strict = run(str(GOLD), "--index", str(out / "index"), "--limit", "8", "--min-accuracy", "1.0")
    summary = json.loads((out / "summary.json").read_text())["summary"]
    assert strict.returncode == (0 if summary["accuracy"] == 1.0 else 1)
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "Q?", "answers": ["a"]}\n{"answers": []}\n')
    broken = run(str(bad), "--index", str(out / "index"))
    assert broken.returncode == 1 and "bad.jsonl:2" in broken.stderr and "Traceback" not in broken.stderr


def test_retrieval_is_scored_on_the_passages_the_answer_was_drawn_from(built_assistant):
    from assistant.types import Answer, Progress

    question = "Who ordered the strikes on militia facilities in eastern Syria?"
    events = list(built_assistant.stream(question))
    reading = [e for e in events if isinstance(e, Progress) and e.stage == "reading"]
    assert isinstance(events[-1], Answer) and len(reading) == 1
    drawn = reading[0].passages
    assert [p.chunk_id for p in drawn] == [p.chunk_id for p in built_assistant.retrieve(question)]
    cited = {c.doc_id for c in events[-1].citations}
    assert cited and cited <= {p.doc_id for p in drawn}
    report = evaluate([{"question": question, "answers": ["Biden"]}], built_assistant)
    assert report.results[0].retrieved == [p.doc_id for p in drawn]
