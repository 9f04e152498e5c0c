"""What a question asks for (`assistant.intent`): answer types, reply kinds, the frame compared."""

from __future__ import annotations

import numpy as np
import pytest

from assistant.intent import EXAMPLES, Intent, IntentReader, by_rules, expected_type, frame, is_yes_no, read_intent, topic_words
from assistant.support import check_short_answer, gives_amount, gives_date


class ExampleEmbedder:
    """A fake embedder that knows the example questions: a text is the one-hot vector of
    the kind whose examples share most of its words (a stand-in for meaning)."""

    def __call__(self, texts):
        kinds = list(EXAMPLES)
        out = np.zeros((len(texts), len(kinds)), dtype=np.float32)
        for i, text in enumerate(texts):
            words = set(text.lower().replace("?", " ").replace(".", " ").replace(",", " ").split())
            overlap = [max(len(words & set(e.lower().replace("?", " ").replace(".", " ").replace(",", " ").split())) for e in EXAMPLES[k]) for k in kinds]
            out[i, int(np.argmax(overlap))] = 1.0
        return out


@pytest.fixture
def reader():
    return IntentReader(ExampleEmbedder(), min_similarity=0.5, margin=0.1)


def test_fixed_phrasings_decide_first():
    assert by_rules("Timeline of the US strikes in Syria") == "timeline"
    assert by_rules("What changed in the latest version of the story?") == "changes"
    assert by_rules("Who ordered the strikes?") == "factoid"
    assert read_intent("Timeline of the US strikes in Syria").judged_by == "rules"


def test_without_an_embedder_a_question_is_a_plain_fact():
    assert read_intent("Walk me through what happened, in order.") == Intent("factoid", "other", False, "default")


def test_the_meaning_reader_judges_other_wordings(reader):
    intent = read_intent("Walk me through what happened, in order.", reader)
    assert intent.kind == "timeline" and intent.judged_by == "embedding"
    assert read_intent("Who ordered it?", reader).kind == "factoid"


def test_the_frame_hides_names_and_numbers():
    assert frame("Timeline of the US strikes in Syria in 2021") == "Timeline of the it strikes in it in it"
    assert topic_words("Walk me through how the US strikes in Syria unfolded, in order.", "timeline") == "US strikes Syria"


def test_answer_types_and_yes_no():
    assert expected_type("How much did the bridge cost?") == "number"
    assert expected_type("When was the rocket attack?") == "date"
    assert expected_type("Who is the president?") == "person"
    assert is_yes_no("Did Russia condemn the strikes?") and not is_yes_no("Who condemned the strikes?")
    assert is_yes_no("The strikes were on Thursday. Did Russia condemn them?")


def test_an_answer_must_give_the_kind_asked():
    assert gives_amount("The bridge cost $1.2 billion.", "How much did the bridge cost?")
    assert gives_amount("The US gave Russia several minutes of warning.", "How much warning did the US give Russia?")
    assert not gives_amount("The bridge was opened by the mayor.", "How much did the bridge cost?")
    assert gives_date("The attack was on 20 February.", "When was the attack?")
    assert not gives_date("The attack was on the base.", "When was the attack?")
    evidence = "The bridge, opened by Mayor Ann Lee, cost $1.2 billion to build."
    ok, reason, _ = check_short_answer("Mayor Ann Lee opened the bridge.", evidence, "How much did the bridge cost?", 0.5, kind="number")
    assert not ok and "amount" in reason
    ok, _, _ = check_short_answer("The bridge cost $1.2 billion.", evidence, "How much did the bridge cost?", 0.5, kind="number")
    assert ok
