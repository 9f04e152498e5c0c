"""Multi-turn conversations with the real reading model on the bundled corpus: follow-ups
are read against what the conversation was about, whichever way the state travels."""

from __future__ import annotations

import json

import pytest

from assistant import Assistant
from assistant.evaluation import first_sentence
from assistant.types import Conversation

pytestmark = pytest.mark.integration

STRIKES = "Who ordered the strikes on militia facilities in eastern Syria?"


@pytest.fixture(scope="module")
def reader(built_assistant) -> Assistant:
    return Assistant(index_dir=built_assistant.settings.index_dir, llm="local")


def test_them_stays_with_the_story_in_focus_and_he_is_the_person_the_answer_named(reader):
    first = reader.answer(STRIKES)
    assert "Biden" in first_sentence(first.text)
    assert first.conversation is not None and "Joe Biden" in first.conversation.focus.people
    # The 2021 story, not the 2017 one where Russia threatened to strike SDF fighters.
    them = reader.answer("What did Russia say about them?", history=[STRIKES])
    assert "condemn" in them.text and them.read_as.startswith("What did Russia say about them? (")
    assert them.intent == "factoid"
    he = reader.answer("Who is the spokeswoman who said so?", history=[STRIKES, "What did Russia say about them?"])
    assert "Zakharova" in first_sentence(he.text), he.text


def test_he_after_who_is_names_him(reader):
    answer = reader.answer("What did he threaten?", history=["Who is Igor Konashenkov?"])
    assert answer.read_as == "What did Igor Konashenkov threaten?"
    assert not answer.refused and "Konashenkov" in answer.text


def test_the_state_passed_back_gives_the_same_reading_as_the_questions(reader, built_assistant):
    first = built_assistant.answer(STRIKES)
    # Through JSON, as a REST or MCP client would hand it back.
    state = json.loads(json.dumps(first.conversation.to_dict()))
    by_state = built_assistant.answer("What did he order?", conversation=state)
    by_history = Assistant(index_dir=built_assistant.settings.index_dir, llm="extractive").answer("What did he order?", history=[STRIKES])
    assert by_state.read_as == by_history.read_as == "What did Joe Biden order?"
    assert Conversation.from_dict(state) == first.conversation


def test_a_timeline_and_what_changed_work_as_later_turns(built_assistant):
    timeline = built_assistant.answer("Timeline of the US strikes in Syria", history=[STRIKES])
    assert timeline.timeline and timeline.intent == "timeline"
    changes = built_assistant.answer("What changed since?", history=[STRIKES])
    assert changes.changes and changes.intent == "changes"
    walk = built_assistant.answer("Walk me through how the US strikes in Syria unfolded, in order.")
    assert walk.timeline, walk.text


def test_a_new_topic_ends_the_focus(built_assistant):
    answer = built_assistant.answer("Which Turkish president wrote in the Wall Street Journal about Idlib?", history=[STRIKES])
    assert answer.read_as == "" and "Erdogan" in answer.text
    assert [t.question for t in answer.conversation.turns] == ["Which Turkish president wrote in the Wall Street Journal about Idlib?"]


def test_a_bad_state_is_a_clear_error(built_assistant):
    from assistant.errors import InvalidQuestion

    with pytest.raises(InvalidQuestion, match="conversation"):
        built_assistant.answer("What did he say?", conversation={"turns": "nonsense"})
