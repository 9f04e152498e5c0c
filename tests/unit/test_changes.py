"""What changed between two versions: alignment, kinds, citations, the question rule."""

import datetime as dt

import pytest

from assistant.changes import asks_for_changes, changes_text, diff_versions, story_changes, topic_of, wants_latest
from assistant.dates import since_day
from assistant.settings import NewsSettings
from assistant.templates import load_templates
from assistant.types import ArticleInfo, Passage

OLD = (
    "Officials said 12 people died in the flood on Monday. The river rose overnight.\n\n"
    "Rescue teams from Dresden were sent to the area. The mayor thanked volunteers.\n\n"
    "Roads stayed closed."
)
NEW = (
    "Officials said 14 people died in the flood on Monday. The river rose overnight.\n\n"
    "Rescue teams from Leipzig were sent to the area. The mayor thanked the volunteers.\n\n"
    "Schools will reopen on Friday. Roads stayed closed."
)


def _passage(doc_id: str, text: str, day: str) -> Passage:
    return Passage(chunk_id=f"{doc_id}-0", doc_id=doc_id, text=text, start=0, end=len(text), published_at=day, story_id="s")


def _info(doc_id: str, day: str) -> ArticleInfo:
    return ArticleInfo(doc_id, f"Flood {doc_id}", day, "Wire", "", "s", doc_id == "c", 1)


@pytest.fixture
def settings():
    return NewsSettings()  # the one section story changes read


def test_changed_numbers_and_names_added_and_reworded_sentences(settings):
    changes = diff_versions(_passage("a", OLD, "2024-03-01"), _passage("b", NEW, "2024-03-02"), settings)
    kinds = [c.kind for c in changes]
    assert kinds == ["changed", "changed", "reworded", "added"]
    toll, team, thanks, schools = changes
    assert (toll.old_items, toll.new_items) == (["12"], ["14"])
    assert (team.old_items, team.new_items) == (["Dresden"], ["Leipzig"])
    assert thanks.old.quote == "The mayor thanked volunteers." and thanks.new.quote == "The mayor thanked the volunteers."
    assert schools.new.quote == "Schools will reopen on Friday." and schools.old is None
    for c in changes:
        for side, text in ((c.old, OLD), (c.new, NEW)):
            if side is not None:
                assert text[side.start : side.end] == side.quote
    assert [n for c in changes for n in (c.old.number if c.old else None, c.new.number if c.new else None) if n] == list(range(1, 8))


def test_removed_sentence_and_a_moved_one_is_no_change(settings):
    older = "First point stands here today. Second point was said by Anna Berg. Third point closes it."
    newer = "Third point closes it. First point stands here today."
    changes = diff_versions(_passage("a", older, ""), _passage("b", newer, ""), settings)
    assert [(c.kind, c.old.quote if c.old else None) for c in changes] == [("removed", "Second point was said by Anna Berg.")]


def test_identical_versions_have_no_changes(settings):
    assert diff_versions(_passage("a", OLD, ""), _passage("b", OLD.replace("closed.", "closed"), ""), settings) == []


def test_story_changes_orders_versions_and_picks_the_pair(settings):
    mid = NEW.replace("Schools will reopen on Friday. ", "")
    versions = [(_info("c", "2024-03-03"), _passage("c", NEW, "2024-03-03")), (_info("a", "2024-03-01"), _passage("a", OLD, "2024-03-01"))]
    versions.append((_info("b", "2024-03-02"), _passage("b", mid, "2024-03-02")))
    every = story_changes(versions, settings)
    assert [(p.older.doc_id, p.newer.doc_id) for p in every] == [("a", "b"), ("b", "c")]
    assert [c.kind for c in every[1].changes] == ["added"]
    assert [(p.older.doc_id, p.newer.doc_id) for p in story_changes(versions, settings, latest_only=True)] == [("b", "c")]
    since = story_changes(versions, settings, since=dt.date(2024, 3, 1))
    assert [(p.older.doc_id, p.newer.doc_id) for p in since] == [("a", "c")]
    assert story_changes(versions[:1], settings) == []


def test_written_answer_cites_every_shown_change_and_counts_the_rest(settings):
    story = story_changes(
        [(_info("a", "2024-03-01"), _passage("a", OLD, "2024-03-01")), (_info("b", "2024-03-02"), _passage("b", NEW, "2024-03-02"))], settings
    )
    text, citations = changes_text(story, load_templates(), NewsSettings(changes_shown=2))
    assert "2 changed, 1 added, 1 reworded" in text
    # Changed facts come first when not all fit; the rest is counted.
    assert "12 → 14" in text and "Dresden → Leipzig" in text and "Schools" not in text and "2 more changes" in text
    assert [c.number for c in citations] == [1, 2, 3, 4]
    for c in citations:
        assert f"[{c.number}]" in text


@pytest.mark.parametrize(
    "question, expected",
    [
        ("What changed in the latest version of the story about the strikes?", True),
        ("How was the report on the flood updated?", True),
        ("What is new since 26 February about the strikes?", True),
        ("What's new since March 3 in the flood story?", True),
        ("What are the differences between the versions of the Syria story?", True),
        ("What changed in US policy toward Syria?", False),
        ("Who ordered the strikes?", False),
        ("What new sanctions were announced?", False),
    ],
)
def test_asks_for_changes(question, expected):
    assert asks_for_changes(question) is expected


def test_topic_latest_and_since_day():
    assert topic_of("What changed in the latest version of the story about the US strikes?") == "US strikes"
    assert topic_of("What is new since 26 February about the strikes?") == "strikes"
    assert wants_latest("what changed in the newest version?") and not wants_latest("what changed since 26 February?")
    assert since_day("What is new since 26 February?", dt.date(2021, 4, 1)) == dt.date(2021, 2, 26)
    assert since_day("What is new since Feb 26, 2020?", None) == dt.date(2020, 2, 26)
    assert since_day("What happened on 26 February?", dt.date(2021, 4, 1)) is None


@pytest.mark.parametrize(
    "older, newer, kind",
    [
        ("The SEALs kill al-Qaida leader Osama bin Laden in the raid.", "The SEALs kill al Qaeda leader Osama bin Laden in the raid.", "reworded"),
        ("The band postponed its UK and Ireland tour until next spring.", "The band postponed its U.K. and Ireland tour until next spring.", "reworded"),
        ("Democrats worry about the app and its parent company ByteDance.", "Lawmakers worry about the app and its parent company ByteDance.", "reworded"),
        ("She said that former President Trump would lose the 2024 nomination.", "She said that Trump would lose the 2024 nomination.", "reworded"),
        ("The concert is on Tuesday, Sept. 11, at the arena downtown.", "The concert is on Monday, Sept. 11, at the arena downtown.", "changed"),
        ("Tuesday, Sept. 11, the concert opens at the arena downtown.", "Monday, Sept. 11, the concert opens at the arena downtown.", "changed"),
    ],
)
def test_spellings_and_opening_words_are_not_changed_facts(settings, older, newer, kind):
    (change,) = diff_versions(_passage("a", older, ""), _passage("b", newer, ""), settings)
    assert change.kind == kind, (change.old_items, change.new_items)


def test_a_value_gives_way_to_one_of_its_sort(settings):
    older = "In a statement shared with CNN, the network of survivors spoke of mixed feelings."
    newer = "In a statement on Wednesday, the network of survivors spoke of mixed feelings."
    (change,) = diff_versions(_passage("a", older, ""), _passage("b", newer, ""), settings)
    assert change.kind == "reworded" and (change.old_items, change.new_items) == (["CNN"], ["Wednesday"])
