"""What changed between versions of a story, on the real index: the bundled corpus's two
versions of the US-strikes story, and a flood report written for this test whose update
changes the death toll."""

import pytest

from assistant import Assistant, InvalidDate, InvalidQuestion, UnknownArticle
from tests.paths import CORPUS

pytestmark = pytest.mark.integration

OLD, NEW = "000_42dd889af19354b1", "001_5618d79fe3bfd785"
LAVROV = "Later in the day, Russian Foreign Minister Sergei Lavrov revealed"
PESKOV_REMOVED = "Peskov also said that he had no information about whether the US notified the Russian side"

FLOOD = """---
title: Flood in Riverton
date: {date}
source: Valley Times
---
Floodwater swept through the town of Riverton on Monday after the Maple River burst its banks.
Officials said {toll} people died and dozens more were injured as the water rose overnight.
Rescue teams from the regional capital worked through the night to reach families trapped on rooftops.
The mayor, Clara Dunn, said the town had not seen flooding on this scale in living memory.
Emergency shelters opened in the school gymnasium and the community hall, where volunteers handed out food and blankets.
Power was cut to much of the eastern district and the main bridge into town stayed closed to traffic.
Forecasters expect the river to fall slowly over the coming days as the rain moves east.{extra}
"""


def _verbatim(citation):
    source = (CORPUS / f"{citation.doc_id}.txt").read_text(encoding="utf-8")
    assert source[citation.start : citation.end] == citation.quote, citation


def test_the_two_versions_compare_sentence_by_sentence(built_assistant):
    (pair,) = built_assistant.changes(NEW)
    assert (pair.older.doc_id, pair.newer.doc_id) == (OLD, NEW)
    assert pair.older.published_at == "2021-02-26" and pair.newer.published_at == "2021-04-19"
    added = [c.new.quote for c in pair.changes if c.kind == "added"]
    removed = [c.old.quote for c in pair.changes if c.kind == "removed"]
    assert any(q.startswith(LAVROV) for q in added)
    assert any(q.startswith(PESKOV_REMOVED) for q in removed)
    # "following the strikes" became "following the airstrikes": one sentence, reworded.
    assert any(c.kind == "reworded" and "airstrikes" in c.new.quote and "airstrikes" not in c.old.quote for c in pair.changes)
    for change in pair.changes:
        for side, doc in ((change.old, OLD), (change.new, NEW)):
            if side is not None:
                assert side.doc_id == doc
                _verbatim(side)
    # Asked from either version, it is the same story.
    assert built_assistant.changes(OLD) == [pair]
    assert built_assistant.changes(NEW, against=OLD) == [pair]
    assert built_assistant.changes(NEW, since="2021-03-01") == [pair]
    assert built_assistant.changes("002_c7242acd748ee215") == []


def test_bad_change_requests_say_what_is_wrong(built_assistant):
    with pytest.raises(InvalidQuestion, match="not a version of the story"):
        built_assistant.changes(NEW, against="002_c7242acd748ee215")
    with pytest.raises(InvalidQuestion, match="same article"):
        built_assistant.changes(NEW, against=NEW)
    with pytest.raises(UnknownArticle, match="No article with id 'nope'"):
        built_assistant.changes("nope")
    with pytest.raises(InvalidDate):
        built_assistant.changes(NEW, since="next week-ish")


@pytest.mark.parametrize(
    "question",
    [
        "What changed in the latest version of the story about the US strikes in Syria?",
        "What is new since 26 February in the story about Russia condemning the US strikes?",
    ],
)
def test_asked_in_words_the_answer_lists_cited_changes(built_assistant, question):
    answer = built_assistant.answer(question)
    assert not answer.refused and len(answer.changes) == 1
    assert answer.changes[0].newer.doc_id == NEW
    assert LAVROV in answer.text
    assert answer.citations and {c.doc_id for c in answer.citations} == {OLD, NEW}
    for c in answer.citations:
        assert f"[{c.number}]" in answer.text
        _verbatim(c)


def test_a_news_question_with_changed_in_it_is_answered_as_news(built_assistant):
    answer = built_assistant.answer("Who ordered the strikes that changed the situation in eastern Syria?")
    assert answer.changes == [] and "Biden" in answer.text


def test_as_of_before_the_update_sees_one_version(built_assistant):
    answer = built_assistant.answer("What changed in the latest version of the story about the US strikes in Syria?", as_of="2021-03-01")
    assert answer.changes == [] and "one version" in answer.text and not answer.refused


def test_an_updated_death_toll_is_a_changed_fact(tmp_path):
    corpus = tmp_path / "news"
    corpus.mkdir()
    (corpus / "flood-1.md").write_text(FLOOD.format(date="2024-03-04", toll=12, extra=""), encoding="utf-8")
    (corpus / "flood-2.md").write_text(
        FLOOD.format(date="2024-03-05", toll=14, extra="\nSchools in Riverton will reopen on Friday, the council said."), encoding="utf-8"
    )
    bot = Assistant(index_dir=tmp_path / "index", llm="extractive")
    bot.ingest([corpus], progress=False)
    answer = bot.answer("How was the report on the Riverton flood updated?")
    (pair,) = answer.changes
    assert (pair.older.doc_id, pair.newer.doc_id) == ("flood-1", "flood-2")
    (toll,) = [c for c in pair.changes if c.kind == "changed"]
    assert (toll.old_items, toll.new_items) == (["12"], ["14"])
    assert [c.new.quote for c in pair.changes if c.kind == "added"] == ["Schools in Riverton will reopen on Friday, the council said."]
    assert "12 → 14" in answer.text
    for c in answer.citations:
        source = (corpus / f"{c.doc_id}.md").read_text(encoding="utf-8")
        assert source[c.start : c.end] == c.quote
