"""Readable titles and outlets for articles whose files do not give them (assistant.metadata)."""

from hypothesis import given
from hypothesis import strategies as st

from assistant.ingest import load_articles, make_article
from assistant.metadata import outlet_of_text, shorten, title_from_text
from tests.paths import CORPUS


def test_the_headline_line_is_the_title_where_the_text_has_one():
    text = "Ferry Sinks Off Kora Island In Rough Seas\n\nA passenger ferry sank off the island of Kora on Wednesday night."
    assert title_from_text(text) == "Ferry Sinks Off Kora Island In Rough Seas"


def test_else_the_first_sentence_whole_then_cut_at_a_word_boundary():
    text = "On Thursday night, the Pentagon confirmed reports that it had carried out strikes. Russia condemned them."
    assert title_from_text(text) == "On Thursday night, the Pentagon confirmed reports that it had carried out strikes."
    cut = shorten(title_from_text(text), 50)
    assert cut == "On Thursday night, the Pentagon confirmed reports…"
    assert len(cut) <= 50 and shorten("Short title", 50) == "Short title"


@given(st.text(alphabet=st.characters(codec="utf-8", categories=("L", "N", "Zs", "P")), max_size=300), st.integers(min_value=11, max_value=120))
def test_a_cut_title_is_never_longer_than_asked_and_is_a_prefix(text, limit):
    cut = shorten(" ".join(text.split()), limit)
    assert len(cut) <= limit
    assert " ".join(text.split()).startswith(cut.removesuffix("…"))


def test_an_outlet_named_by_the_text_itself():
    assert outlet_of_text("MOSCOW (Reuters) - Russia said on Friday it would respond.") == "Reuters"
    assert outlet_of_text("The story.\n\n© 2021 Elsworth Gazette. All rights reserved.") == "Elsworth Gazette"
    assert outlet_of_text("20:04 GMT19 April 2021\nListen Live\n    Get short URL\n\nThe story.") == "Sputnik"
    assert outlet_of_text("FYI.\n\nThis story is over 5 years old.\n\nNews\n\nThe story.") == "VICE News"


def test_no_outlet_where_the_text_names_none_or_several():
    assert outlet_of_text("The Kremlin spokesperson Dmitry Peskov told Sputnik on Sunday that talks go on.") == ""
    assert outlet_of_text("WASHINGTON (AP) — The story.\n\n© 2021 Reuters") == ""


def test_metadata_wins_over_what_is_derived():
    given_title = make_article("x", "Listen Live\nGet short URL\n\nThe story is told here in a sentence.", title="Own title", source="Own outlet")
    assert (given_title.title, given_title.derived_title, given_title.source, given_title.derived_source) == ("Own title", "", "Own outlet", "")
    from_url = make_article("y", "Listen Live\nGet short URL\n\nThe story is told here in a sentence.", url="https://www.example.org/a")
    assert (from_url.source, from_url.derived_source) == ("example.org", "")
    assert from_url.derived_title == "The story is told here in a sentence."


def test_the_bundled_corpus_gets_readable_titles_and_the_outlets_its_pages_name():
    articles = {a.doc_id: a for a in load_articles([CORPUS])[0]}
    assert articles["001_5618d79fe3bfd785"].derived_source == "Sputnik" and articles["004_105bb92411439867"].derived_source == "Sputnik"
    assert articles["003_5a970465ad1a316b"].derived_source == "VICE News"
    # Two articles name no outlet of their own: unknown, not guessed.
    assert articles["000_42dd889af19354b1"].derived_source == "" and articles["002_c7242acd748ee215"].derived_source == ""
    # What the reading model is shown is what the files said: nothing.
    assert all(not a.source for a in articles.values())
    assert articles["000_42dd889af19354b1"].derived_title.startswith("On Thursday night, the Pentagon confirmed reports")
    assert articles["003_5a970465ad1a316b"].title and not articles["003_5a970465ad1a316b"].derived_title
    # The derived title is shown, never searched: the text and the real title are as before.
    assert all(not a.title or not a.derived_title for a in articles.values())
