"""The hand-written conversation sets of benchmarks/conversations.py: well formed, and every gold
answer is a string of an article the conversation may see (the scorer's rule: case and
punctuation ignored)."""

import gzip
import json
from pathlib import Path

import pytest

from assistant.text import contains_answer, normalize_answer
from tests.paths import ROOT

DATA = ROOT / "benchmarks" / "data"
# Where benchmarks/conversations.py looks for it: beside the checkout, else the machine's shared copy.
SHARED = ROOT.parent / "shared" if (ROOT.parent / "shared").exists() else Path("/work/shared")
DEV_CORPUS = SHARED / "benchmarks" / "rtqa-2023q1" / "corpus.jsonl.gz"
KINDS = {"timeline", "changes", "refused"}


def conversations(name: str) -> list[dict]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("name", ["conversations.jsonl", "conversations-dev.jsonl"])
def test_every_turn_has_a_gold_answer_or_an_expected_kind(name):
    convs = conversations(name)
    assert len({c["id"] for c in convs}) == len(convs), "conversation ids repeat"
    for conv in convs:
        assert 3 <= len(conv["turns"]) <= 5, conv["id"]
        for turn in conv["turns"]:
            assert turn["q"].strip(), conv["id"]
            assert ("answers" in turn and all(a.strip() for a in turn["answers"]) and turn["answers"]) != (turn.get("expect") in KINDS), (conv["id"], turn)


def test_the_dev_set_dates_every_conversation_and_asks_later_turns_of_every_kind():
    convs = conversations("conversations-dev.jsonl")
    assert len(convs) >= 20
    assert all(len(c["as_of"]) == 10 and c["as_of"].startswith("2023-") for c in convs)
    later = [t.get("expect", "answer") for c in convs for t in c["turns"][1:]]
    assert all(later.count(kind) >= 3 for kind in KINDS), later


def test_bundled_gold_answers_are_in_the_bundled_articles():
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "corpus").glob("*.txt"))]
    for conv in conversations("conversations.jsonl"):
        for turn in conv["turns"]:
            if "answers" in turn:
                assert any(contains_answer(text, turn["answers"]) for text in texts), (conv["id"], turn["q"])


def test_dev_gold_answers_are_in_articles_published_by_the_conversation_day():
    if not DEV_CORPUS.exists():
        pytest.skip(f"the dev corpus is not at {DEV_CORPUS}")
    with gzip.open(DEV_CORPUS, "rt", encoding="utf-8") as rows:
        articles = [(r["published_at"], normalize_answer(r["title"] + "\n" + r["text"])) for r in map(json.loads, rows)]
    for conv in conversations("conversations-dev.jsonl"):
        seen = [text for day, text in articles if day <= conv["as_of"]]
        for turn in conv["turns"]:
            for answer in turn.get("answers", []):
                assert any(normalize_answer(answer) in text for text in seen), (conv["id"], turn["q"], answer)
