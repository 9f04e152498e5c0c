import pytest

from assistant.condense import condense, subjects


@pytest.mark.parametrize(
    "question, history, expected",
    [
        ("What did he threaten to do?", ["Who is Igor Konashenkov?"], "What did Igor Konashenkov threaten to do?"),
        ("What was his role?", ["Who is Dmitry Peskov?"], "What was Dmitry Peskov's role?"),
        ("What about Turkey?", ["What did Russia say about Idlib?"], "What did Turkey say about Idlib?"),
        ("Who is Dmitry Peskov?", ["Who ordered the strikes?"], "Who is Dmitry Peskov?"),
        ("Who ordered the strikes?", [], "Who ordered the strikes?"),
    ],
)
def test_condense(question, history, expected):
    assert condense(question, history) == expected


def test_events_and_groups_borrow_the_previous_topic():
    out = condense("When did this happen?", ["Who ordered the strikes on militia facilities in eastern Syria?"])
    assert out.startswith("When did this happen?") and "strikes on militia facilities" in out
    out = condense("Which groups did they target?", ["Who ordered the strikes in Syria?"])
    assert "strikes in Syria" in out


def test_determiners_are_not_pronouns():
    assert condense("What happened this week in Idlib?", ["Who is Erdogan?"]) == "What happened this week in Idlib?"


def test_subjects_skip_question_words():
    assert subjects("Who is Igor Konashenkov?") == ["Igor Konashenkov"]
    assert subjects("What did the Pentagon say?") == ["Pentagon"]
