"""Timelines on the real index: the bundled corpus, and a story told in dated follow-ups
written for this test (a retelling of an earlier event, relative days, an as-of cut)."""

import pytest

from assistant import Assistant
from tests.paths import CORPUS

pytestmark = pytest.mark.integration

FOLLOW_UPS = {
    "bridge-1.md": (
        "2024-03-05",
        "Harbor Street bridge collapses in Springfield",
        "The Harbor Street bridge in Springfield collapsed into the Mill River on Monday evening. "
        "No cars were on the Harbor Street bridge when its middle span fell, the Springfield fire chief said.",
    ),
    "bridge-2.md": (
        "2024-03-08",
        "Engineers blame rusted cables for Springfield bridge collapse",
        "The Harbor Street bridge in Springfield collapsed into the Mill River on Monday evening. "
        "On Thursday, state engineers said rusted cables caused the Harbor Street bridge collapse.",
    ),
    "bridge-3.md": (
        "2024-03-12",
        "Springfield votes to rebuild Harbor Street bridge",
        "Springfield's council voted on Monday to rebuild the Harbor Street bridge by 2026.",
    ),
}


@pytest.fixture(scope="module")
def bridge(tmp_path_factory):
    corpus = tmp_path_factory.mktemp("bridge")
    for name, (day, title, text) in FOLLOW_UPS.items():
        (corpus / name).write_text(f"---\ntitle: {title}\ndate: {day}\nsource: Springfield Sun\n---\n{text}\n", encoding="utf-8")
    bot = Assistant(index_dir=tmp_path_factory.mktemp("bridge-index"), llm="extractive")
    bot.ingest([corpus], progress=False)
    return bot, corpus


def test_a_story_told_in_follow_ups_becomes_dated_events(bridge):
    bot, corpus = bridge
    answer = bot.answer("Timeline of the Harbor Street bridge collapse in Springfield")
    events = [(e.day, e.citation.doc_id) for e in answer.timeline]
    # Monday 4 March (told on the 5th and again on the 8th: cited to the first report),
    # Thursday 7 March, Monday 11 March.
    assert events == [("2024-03-04", "bridge-1"), ("2024-03-07", "bridge-2"), ("2024-03-11", "bridge-3")], answer.text
    assert answer.text.startswith("Timeline of the Harbor Street bridge collapse in Springfield")
    assert "4 March 2024" in answer.text and "[3]" in answer.text
    for c in answer.citations:
        assert (corpus / f"{c.doc_id}.md").read_text(encoding="utf-8")[c.start : c.end] == c.quote
    # As of 9 March the vote has not happened; "since" keeps what came after a day.
    early = bot.answer("Timeline of the Harbor Street bridge collapse in Springfield", as_of="2024-03-09")
    assert [e.day for e in early.timeline] == ["2024-03-04", "2024-03-07"]
    later = bot.answer("What happened with the Harbor Street bridge in Springfield since 6 March?")
    assert [e.day for e in later.timeline] == ["2024-03-07", "2024-03-11"]


def test_timeline_of_the_bundled_strikes_story(built_assistant):
    answer = built_assistant.answer("Give me a timeline of the US strikes in Syria")
    days = [e.day for e in answer.timeline]
    assert days == sorted(days) and len(days) >= 2
    # "On Thursday night" in the report of Friday 26 February 2021.
    first = answer.timeline[0]
    assert (first.day, first.dated_by, first.citation.doc_id) == ("2021-02-25", "relative", "000_42dd889af19354b1")
    for c in answer.citations:
        assert (CORPUS / f"{c.doc_id}.txt").read_text(encoding="utf-8")[c.start : c.end] == c.quote
        assert f"[{c.number}]" in answer.text
    assert all(e.day <= "2021-03-01" for e in built_assistant.answer("Timeline of the US strikes in Syria", as_of="2021-03-01").timeline)
