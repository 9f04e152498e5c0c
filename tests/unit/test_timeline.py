"""Timelines: days read from sentences against their article's date, events once, in order."""

import datetime as dt

import pytest

from assistant.dates import day_of_sentence
from assistant.settings import Settings
from assistant.templates import load_templates
from assistant.timeline import asks_for_timeline, timeline_events, timeline_text, timeline_title, timeline_topic
from assistant.types import Passage

FRIDAY = dt.date(2024, 3, 8)


@pytest.mark.parametrize(
    "sentence, expected",
    [
        ("The bridge collapsed on 4 March after days of rain.", (dt.date(2024, 3, 4), "stated")),
        ("The bridge collapsed on March 4, 2023, after days of rain.", (dt.date(2023, 3, 4), "stated")),
        ("Officials inspected it on Thursday.", (dt.date(2024, 3, 7), "relative")),
        ("Officials inspected it on Friday.", (FRIDAY, "relative")),
        ("The mayor resigned yesterday.", (dt.date(2024, 3, 7), "relative")),
        ("Repairs were finished on 20 December.", (dt.date(2023, 12, 20), "stated")),  # the 20 December nearest the article
        ("She will launch her campaign on March 15.", (dt.date(2024, 3, 15), "stated")),  # a week ahead, not last year
        ("Clocks go forward at 2 a.m., Sunday, March 10.", (dt.date(2024, 3, 10), "stated")),  # the date, not last Sunday
        ("Biden will give the address on Tuesday.", (dt.date(2024, 3, 12), "relative")),  # what is to come: next Tuesday
        ("Talks face a noon deadline Friday.", (dt.date(2024, 3, 15), "relative")),
        ("She said Tuesday that she will run.", (dt.date(2024, 3, 5), "relative")),  # the saying is dated, and past
        ("Crews may 20 times a day check the river.", (None, "")),
        ("The river is high.", (None, "")),
    ],
)
def test_day_of_sentence(sentence, expected):
    assert day_of_sentence(sentence, FRIDAY) == expected


def test_relative_days_need_the_articles_date():
    assert day_of_sentence("It closed on Thursday.", None) == (None, "")


def _p(doc, text, day):
    return Passage(chunk_id=f"{doc}-0", doc_id=doc, text=text, start=0, end=len(text), published_at=day, story_id=doc)


def test_events_are_dated_ordered_once_and_cited_to_the_earliest_report():
    first = _p("a", "The Harbor Street bridge in Springfield collapsed on Monday. Nobody was hurt.", "2024-03-05")
    later = _p(
        "b",
        "The Harbor Street bridge in Springfield collapsed on Monday. Engineers blamed the Springfield bridge's rusted cables on Thursday. "
        "A new Springfield bridge will open in 2026, the city said.",
        "2024-03-08",
    )
    follow = _p("c", "Springfield's council voted to rebuild the Harbor Street bridge.", "2024-03-12")
    events = timeline_events("Springfield bridge", [later, first, follow], Settings(), lambda term: 1.0)
    assert [(e.day, e.dated_by, e.citation.doc_id) for e in events] == [
        ("2024-03-04", "relative", "a"),  # "on Monday" in an article of Tuesday 5 March; the retelling in b folds into it
        ("2024-03-07", "relative", "b"),
        ("2024-03-12", "published", "c"),  # no day stated: the report's date
    ]
    assert [e.citation.number for e in events] == [1, 2, 3]
    for e, p in zip(events, (first, later, follow)):
        assert p.text[e.citation.start : e.citation.end] == e.citation.quote
    # Nothing after the as-of day.
    assert [e.day for e in timeline_events("Springfield bridge", [later, first, follow], Settings(), lambda term: 1.0, until=dt.date(2024, 3, 8))] == [
        "2024-03-04",
        "2024-03-07",
    ]
    text, citations = timeline_text("the Springfield bridge", events, load_templates())
    assert "4 March 2024" in text and "[3]" in text and len(citations) == 3


@pytest.mark.parametrize(
    "question, expected",
    [
        ("Timeline of the Springfield bridge collapse", True),
        ("Give me a timeline for the US strikes in Syria", True),
        ("How did the Harbor Street bridge story develop?", True),
        ("What happened with the bridge since 4 March?", True),
        ("What happened to the bridge?", False),
        ("Who built the bridge?", False),
    ],
)
def test_asks_for_timeline(question, expected):
    assert asks_for_timeline(question) is expected


def test_timeline_topic():
    assert timeline_topic("Give me a timeline of the US strikes in Syria") == "US strikes Syria"
    assert timeline_topic("What happened with the bridge since 4 March?") == "bridge"
    assert timeline_title("Give me a timeline of the US strikes in Syria?") == "the US strikes in Syria"
    assert timeline_title("How did the situation in Idlib develop?") == "the situation in Idlib"


def test_rare_topic_words_decide_what_is_an_event():
    p = _p("a", "The situation was calm on Monday. Shelling hit Idlib on Tuesday.", "2024-03-08")
    idf = {"situat": 1.0, "idlib": 6.0}.get
    events = timeline_events("situation Idlib", [p], Settings(), lambda t: idf(t, 1.0))
    assert [e.citation.quote for e in events] == ["Shelling hit Idlib on Tuesday."]
