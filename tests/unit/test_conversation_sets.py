"""The hand-written conversation sets of benchmarks/conversations.py: well formed, and every gold
answer of the bundled set is in its articles (the dev set's are checked against the dev corpus by
`python benchmarks/conversations.py --check-gold`: unit tests never read the dev data)."""

import json

import pytest

from assistant.text import contains_answer
from tests.paths import ROOT

DATA = ROOT / "benchmarks" / "data"
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
