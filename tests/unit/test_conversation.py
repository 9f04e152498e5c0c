"""Follow-ups read against the conversation state (`assistant.conversation`): pure, no model, no index."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from assistant.conversation import Reading, extend, names_in, person_in_focus, resolve, topic, turn_of
from assistant.types import Conversation, ConversationTurn

STRIKES = ConversationTurn(
    question="Who ordered the strikes on militia facilities in eastern Syria?",
    read_as="Who ordered the strikes on militia facilities in eastern Syria?",
    names=("Joe Biden", "Syria"),
    people=("Joe Biden",),
    doc_ids=("a",),
    story_ids=("s1",),
    titles=("US strikes militia facilities in eastern Syria",),
)
KONASHENKOV = ConversationTurn(question="Who is Igor Konashenkov?", read_as="Who is Igor Konashenkov?", names=("U.S.", "Igor Konashenkov"))


def state(*turns: ConversationTurn) -> Conversation:
    return Conversation(tuple(turns))


def test_a_first_question_is_read_as_asked():
    assert resolve("Who ordered the strikes?", None) == Reading("Who ordered the strikes?", "Who ordered the strikes?")
    assert resolve("Who ordered the strikes?", Conversation()).focus is None


def test_he_is_the_person_the_last_answer_named_not_a_name_of_the_question():
    reading = resolve("What did he say about the strikes?", state(STRIKES))
    assert reading.standalone == "What did Joe Biden say about the strikes?"
    assert reading.focus == STRIKES and reading.how == "person"


def test_he_is_the_person_the_question_asked_about_when_the_answer_named_no_one():
    assert resolve("What did he threaten?", state(KONASHENKOV)).standalone == "What did Igor Konashenkov threaten?"
    # An earlier turn's person is found when the newest names none.
    later = ConversationTurn(question="What did Russia say?", read_as="What did Russia say?", names=("Russia",))
    assert person_in_focus(state(STRIKES, later)) == "Joe Biden"


def test_them_keeps_the_story_in_focus():
    reading = resolve("What did Russia say about them?", state(STRIKES))
    assert reading.standalone.startswith("What did Russia say about them? (")
    assert "strikes on militia facilities in eastern Syria" in reading.standalone
    assert reading.focus == STRIKES


def test_that_attack_points_back_but_this_week_does_not():
    assert resolve("Who carried out that attack?", state(STRIKES)).how == "topic"
    reading = resolve("What did Biden say this week about Syria?", state(STRIKES))
    assert reading.how == "" and reading.standalone == "What did Biden say this week about Syria?"


def test_and_in_a_year_asks_the_last_question_again_for_that_time():
    reading = resolve("And in 2024?", state(STRIKES))
    assert reading.how == "time"
    assert reading.standalone == "Who ordered the strikes on militia facilities in eastern Syria in 2024?"
    assert resolve("What about last month?", state(STRIKES)).standalone.endswith("last month?")


def test_what_about_another_subject_swaps_the_subject():
    turn = ConversationTurn(question="What did Russia say about the strikes?", read_as="What did Russia say about the strikes?", names=("Russia",))
    assert resolve("What about Turkey?", state(turn)).standalone == "What did Turkey say about the strikes?"


def test_a_question_with_its_own_unrelated_subject_starts_a_new_topic():
    reading = resolve("Which team does Damar Hamlin play for?", state(STRIKES))
    assert reading.how == "new topic" and reading.focus is None
    assert reading.standalone == "Which team does Damar Hamlin play for?"


def test_a_short_question_without_a_subject_asks_about_the_story_in_focus():
    reading = resolve("What changed since?", state(STRIKES))
    assert reading.focus == STRIKES and reading.how == "topic"
    assert resolve("Why?", state(STRIKES)).focus == STRIKES


def test_a_question_sharing_the_focus_words_keeps_the_focus_unrewritten():
    reading = resolve("Which Shia militia groups used the facilities targeted in eastern Syria?", state(STRIKES))
    assert reading.focus == STRIKES and not reading.rewritten


def test_the_turn_puts_the_names_the_answer_adds_first():
    reading = Reading("Who ordered the strikes?", "Who ordered the strikes?")
    turn = turn_of(reading, "factoid", ["Joe Biden", "Pentagon"], ["Joe Biden"], ["a", "a"], ["s1"], ["Title"])
    assert turn.names[0] == "Joe Biden" and turn.people == ("Joe Biden",) and turn.doc_ids == ("a",)


def test_a_new_topic_ends_the_focus_and_the_state_keeps_its_last_turns():
    first = extend(None, STRIKES, Reading("q", "q"), keep=2)
    assert first.turns == (STRIKES,)
    two = extend(first, KONASHENKOV, Reading("q", "q", STRIKES), keep=2)
    assert two.turns == (STRIKES, KONASHENKOV)
    fresh = extend(two, STRIKES, Reading("q", "q", None, "new topic"), keep=2)
    assert fresh.turns == (STRIKES,)
    three = extend(extend(two, STRIKES, Reading("q", "q", KONASHENKOV), keep=2), KONASHENKOV, Reading("q", "q", STRIKES), keep=2)
    assert len(three.turns) == 2


def test_the_state_travels_as_plain_data():
    conv = state(STRIKES, KONASHENKOV)
    assert Conversation.from_dict(conv.to_dict()) == conv
    for bad in ({"turns": "x"}, {"turns": [{"question": 1}]}, {"turns": [{"question": "q", "read_as": "q", "names": [3]}]}, []):
        with pytest.raises(ValueError):
            Conversation.from_dict(bad)


def test_names_and_topic():
    assert names_in("Who is Igor Konashenkov?") == ["Igor Konashenkov"]
    assert names_in("President Joe Biden ordered the strikes in Syria.") == ["President Joe Biden", "Syria"]
    assert topic("Who ordered the strikes on militia facilities in eastern Syria this week?") == "strikes on militia facilities in eastern Syria"
    assert topic("What did Russia say about the US strikes?") == "Russia say about the US strikes"


@given(st.text(max_size=200), st.lists(st.text(max_size=40), max_size=3))
def test_any_text_is_read_without_error(question, names):
    turn = ConversationTurn(question="q", read_as="Who ordered it?", names=tuple(n for n in names if n.strip()))
    reading = resolve(question, state(turn))
    assert isinstance(reading.standalone, str)


def test_a_pronoun_after_the_questions_own_premise_points_inside_it():
    question = "NFL player Damar Hamlin suffered an on-field medical emergency this week. He is a valued member of which team?"
    reading = resolve(question, state(STRIKES))
    assert "Joe Biden" not in reading.standalone and reading.how == "new topic"
    assert "(" not in resolve("Which company is being sued over unpaid rent at its offices in San Francisco?", state(STRIKES)).standalone
    assert topic(question) == "NFL player Damar Hamlin suffered an on-field medical emergency"
