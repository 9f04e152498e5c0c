"""A follow-up's prompt starts as the conversation's last prompt did (no model runs here;
tests/integration/test_reader.py counts the tokens the real model reads)."""

import datetime as dt
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from assistant.generative.reader import Excerpt, Reader, select_excerpts
from assistant.generative.reuse import ExcerptMemory, follow_up_order
from assistant.settings import Settings
from assistant.templates import load_templates
from assistant.types import Passage
from tests.unit.test_reader import P1, P2, RANKED, ranked

TEMPLATES = load_templates()
AS_OF = dt.date(2021, 3, 1)
P3 = Passage(
    chunk_id="c:0",
    doc_id="c",
    start=0,
    end=0,
    title="Iraq after the strikes",
    published_at="2021-02-28",
    source="Daily",
    text="Iraq said it was not told of the strikes. NATO will expand its mission in Iraq to 4,000 troops.",
)
FOLLOW_UP = ranked(
    (P3, "NATO will expand its mission in Iraq to 4,000 troops."),
    (P1, "President Joe Biden ordered the strikes on militia facilities in eastern Syria."),
    (P2, "Maria Zakharova said Russia strongly condemns the attack."),
)


def reader(memory: ExcerptMemory, **overrides) -> Reader:
    return Reader(Settings(llm="local", **overrides), TEMPLATES, llm=None, backend="local", memory=memory)


def user_prompt(r: Reader, question: str, ranking: list, history: list[str]) -> str:
    excerpts = r.arrange(select_excerpts(ranking, r.settings, question), ranking, question, history)
    return r.messages(question, excerpts, AS_OF)[1].content


def test_a_follow_ups_prompt_starts_with_what_the_last_prompt_showed():
    r = reader(ExcerptMemory(8))
    first = user_prompt(r, "Who ordered the strikes?", RANKED, [])
    follow = user_prompt(r, "How many troops will NATO have?", FOLLOW_UP, ["Who ordered the strikes?"])
    shown = first.split("\n\nToday is")[0]
    assert follow.startswith(shown)  # the model has read all of this already
    new = follow[len(shown) :]
    assert "\n[4] Iraq said it was not told of the strikes. NATO will expand its mission" in new  # then what is new, numbered on


def test_a_first_question_and_another_conversation_are_not_rearranged():
    memory = ExcerptMemory(8)
    r = reader(memory)
    user_prompt(r, "Who ordered the strikes?", RANKED, [])
    alone = select_excerpts(FOLLOW_UP, r.settings, "How many troops?")
    assert r.arrange(alone, FOLLOW_UP, "How many troops?", []) == alone
    assert r.arrange(alone, FOLLOW_UP, "How many troops?", ["Another question?"]) == alone


def test_the_run_of_carried_excerpts_ends_at_an_article_the_follow_up_did_not_find():
    memory = ExcerptMemory(8)
    r = reader(memory)
    previous = r.arrange(select_excerpts(RANKED, r.settings, "Who?"), RANKED, "Who?", [])
    assert [e.passage.doc_id for e in previous] == ["a", "a", "b"]
    without_a = ranked((P2, "Maria Zakharova said Russia strongly condemns the attack."), (P3, "Iraq said it was not told of the strikes."))
    own = select_excerpts(without_a, r.settings, "What did Russia say?")
    assert follow_up_order(own, previous, without_a, 9, 3) == own  # the first one is gone: nothing stays at its place


def test_a_follow_up_shows_its_own_best_excerpts_after_the_carried_ones_and_never_one_twice():
    memory = ExcerptMemory(8)
    r = reader(memory)
    previous = r.arrange(select_excerpts(RANKED, r.settings, "Who?"), RANKED, "Who?", [])
    # The same sentence in an overlapping chunk of the same article: shown once.
    again = replace(P1, chunk_id="a:1", text="Seven bombs were dropped.\nThe Buffalo Bills beat the Cincinnati Bengals 27-10 on Sunday.")
    ranking = FOLLOW_UP + ranked((again, "Seven bombs were dropped."))
    own = select_excerpts(ranking, r.settings, "How many troops?")
    for limit in range(1, 8):
        for room in range(1, 4):
            out = follow_up_order(own, previous, ranking, limit, room)
            assert [e.number for e in out] == list(range(1, len(out) + 1))
            carried = [e for e in out if e in previous]
            assert carried == previous[: len(carried)] and len(carried) <= max(0, limit - room)
            if carried:
                assert len(out) <= limit
                shown = [" ".join(e.text.split()) for e in carried]
                assert not any(" ".join(e.text.split()) in words for e in out[len(carried) :] for words in shown)  # nothing shown twice
                best = max(own, key=lambda e: e.score)
                assert any(best.text in e.text for e in out)  # the follow-up's best excerpt is always there


def test_an_excerpt_that_shares_only_a_sentence_with_a_carried_one_is_still_shown():
    # The last prompt showed "… Biden ordered the strikes …"; the follow-up's excerpt starts
    # with that sentence and goes on to the one that answers it.
    text = P1.text
    biden, bombs = text.index("President Joe Biden"), text.index("Seven bombs")
    shown = Excerpt(1, P1, 0, bombs - 1, 2.0)
    answer = Excerpt(1, P1, biden, text.index("\n"), 1.0)
    out = follow_up_order([answer], [shown], ranked((P1, "Seven bombs were dropped.")), 9, 3)
    assert [e.text for e in out] == [shown.text, answer.text] and out[1].number == 2
    inside = Excerpt(1, P1, biden, bombs - 1, 1.0)
    assert follow_up_order([inside], [shown], ranked((P1, "Seven bombs were dropped.")), 9, 3) == [shown]


@settings(deadline=None, max_examples=50)  # no timing in unit tests: the machine may be busy
@given(st.lists(st.from_regex(r"[a-z]{1,5}( [a-z]{1,5}){0,2}", fullmatch=True), min_size=1, max_size=8, unique=True), st.integers(1, 4))
def test_memory_keeps_the_latest_conversations_whatever_their_spacing(questions, size):
    memory = ExcerptMemory(size)
    excerpts = select_excerpts(RANKED, Settings(), "Who?")
    for q in questions:
        memory.remember(["First question?", q], excerpts)
    kept = [q for q in questions if memory.previous(["First  question? ", "  " + q.replace(" ", "   ") + " "])]
    assert kept == questions[-size:]
    assert not ExcerptMemory(0).remember(["q"], excerpts) and not ExcerptMemory(0).previous(["q"])
