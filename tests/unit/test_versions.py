from assistant.ingest import load_articles
from assistant.versions import containment, fingerprint, group_stories, signature_from_text, signature_to_text
from tests.paths import CORPUS

STORY = " ".join(f"Sentence number {i} of the report says that event {i} happened in the city of Town{i}." for i in range(40))


def _fp(doc_id, text, date=""):
    return fingerprint(doc_id, text, width=3, perms=128, published_at=date)


def test_sample_versions_form_one_story_with_the_newer_preferred():
    articles, _ = load_articles([CORPUS])
    stories = group_stories([_fp(a.doc_id, a.text, a.published_at) for a in articles], 0.6)
    assert stories["000_42dd889af19354b1"][0] == stories["001_5618d79fe3bfd785"][0]
    assert stories["001_5618d79fe3bfd785"][1] and not stories["000_42dd889af19354b1"][1]
    others = {stories[d][0] for d in ("002_c7242acd748ee215", "003_5a970465ad1a316b", "004_105bb92411439867")}
    assert len(others) == 3 and stories["000_42dd889af19354b1"][0] not in others


def test_an_updated_longer_version_is_contained():
    short = _fp("a", STORY[: len(STORY) // 2])
    long = _fp("b", STORY + " An update added this final paragraph with more details from officials.")
    assert containment(short, long) > 0.8
    unrelated = _fp("c", " ".join(f"Completely different words {i} about football scores and weather {i}." for i in range(40)))
    assert containment(short, unrelated) < 0.1


def test_ties_prefer_the_longer_version_and_ids_are_stable():
    a, b = _fp("b-long", STORY + " Extra sentence here with more words in it."), _fp("a-short", STORY)
    stories = group_stories([a, b], 0.6)
    assert stories == {"b-long": ("a-short", True), "a-short": ("a-short", False)}


def test_a_short_piece_inside_a_huge_roundup_is_not_a_version():
    roundup = _fp("roundup", STORY * 20 + " ".join(f"Other item {i} text." for i in range(2000)))
    piece = _fp("piece", STORY)
    assert group_stories([roundup, piece], 0.6)["piece"][0] == "piece"


def test_signature_round_trip():
    fp = _fp("a", STORY)
    assert (signature_from_text(signature_to_text(fp.signature)) == fp.signature).all()
